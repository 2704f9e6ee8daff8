"""Which bylines of a page no layout describes go to ``authors_raw``, and from which source.

What the page shows with a role says most: credit lines ("Penulis: ...", "Editor: ..."), an
"Oleh ..." line by the headline, a bold name closing the text. When none of them credits a
writer, the first source that names one is added (byline element, JSON-LD, meta tags, readable
text): the shown lines still count, so a name the page credits as editor stays an editor
however metadata labels it.
"""

from __future__ import annotations

from collections.abc import Sequence

from parsel import Selector

from crawler.extraction.credits import closing_name, credit_lines, headline_byline
from pipelines.authors import AUTHOR_ROLES, parse_credits

_WRITERS = (*AUTHOR_ROLES, "contributor")


def _credits_writer(line: str) -> bool:
    # A contributor's sign-off names the writer when nobody else is credited as one.
    return any(credit.role in _WRITERS for credit in parse_credits(line))


def generic_bylines(
    root: Selector, title: str | None, ranked: Sequence[tuple[str, Sequence[str]]]
) -> tuple[list[str], str | None]:
    """``(bylines, source)``: the shown credits and, when they name no writer, the bylines of
    the first of ``ranked`` (labelled, best first) that has some. The readable-text guess
    (``fallback``) counts only on a page that shows no credit at all."""
    shown: list[tuple[str, str]] = [(line, "credit_line") for line in credit_lines(root)]
    oleh = headline_byline(root, title)
    if oleh:
        shown.append((oleh, "byline"))
    closing = closing_name(root)
    if closing:
        shown.append((closing, "body_foot"))
    lines = [line for line, _ in shown]
    writer = next((label for line, label in shown if _credits_writer(line)), None)
    if writer:
        return lines, writer
    for label, bylines in ranked:
        if bylines and not (lines and label == "fallback"):
            return [*lines, *(b for b in bylines if b not in lines)], label
    return lines, None
