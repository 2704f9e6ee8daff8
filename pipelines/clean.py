"""Boilerplate out of article bodies, credits and the dateline out of their paragraphs.

Built-in patterns (``pipelines.boilerplate_rules``) cover what Indonesian news sites put
between paragraphs (related-article prompts, promo lines, ad labels, widget headings, page
separators, copyright lines); a site file adds its own as ``boilerplate`` regular expressions.
Credit lines ("Editor: Ade Marboen", "Penulis : Ferril Dennys"), a closing name sign-off ("(Luh
Wayanti)") and a closing paragraph that repeats the byline or is a name in capitals ("DINI
TEJA", "ANTARA") leave the body for ``authors_raw``, where the
authors stage reads them. Reporter initials ("(fyk/ash)", "[ian]", "(H-4)") are not names and
just go. The dateline ("Liputan6.com, Jakarta - ") moves to ``dateline`` so the body starts
with the story; a dateline that the page set as a paragraph of its own ("Jakarta -") too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter

from pipelines.anyof import any_of
from pipelines.boilerplate_rules import BOILERPLATE, DASH, DATELINES, WIDGET_HEADINGS

if TYPE_CHECKING:
    from crawler.sites import SiteConfig
    from pipelines.steps import Stats

logger = logging.getLogger(__name__)

_I = re.IGNORECASE

# Credit lines: a role, a colon, a short name ("Editor : Indriyani Astuti", "Sumber:Antara").
_ROLES = (
    r"penulis|editor|reporter|pewarta|redaktur|red|kontributor|penyunting|sumber|foto"
    r"|fotografer|oleh"
)
CREDIT_LINE = re.compile(rf"^(?:{_ROLES})\s*:\s*\S.{{0,80}}$", _I)
CREDIT_ROLE_ALONE = re.compile(rf"^(?:{_ROLES})\s*:?$", _I)
REPORT_LINE = re.compile(r"^laporan\s+(?:wartawan|reporter|koresponden)\b.{1,100}$", _I)
# Reporter initials or codes closing the story: "(Mvi/Ali)", "(fyk/ash)", "(ren)", "[ian]",
# "(H-4)", "(mcr8/jpnn)"; a whole paragraph "(FHM)".
SIGN_OFF = re.compile(
    r"\s*(?:\(\s*[A-Za-z]{2,5}\d{0,2}(?:\s*/\s*[A-Za-z]{2,5}\d{0,2})+\s*\)|\(\s*[a-z]{2,5}\s*\)"
    r"|\[[a-z]{2,5}(?:/[a-z]{2,5})*\]|\(\s*[A-Z]{1,3}-\d{1,3}\s*\))$"
)
SIGN_OFF_PARAGRAPH = re.compile(r"^\(\s*[A-Za-z]{2,5}(?:\s*/\s*[A-Za-z]{2,5})*\s*\)$")
# A name in parentheses after the last full stop: "... di Denpasar. (Luh Wayanti)".
NAME_SIGN_OFF = re.compile(
    r"(?<=[.!?\"\u201d'])\s*(?P<credit>\((?:[A-Z][a-z]+\.?)(?:\s+[A-Z][a-z]*\.?){0,3}\))$"
)
# A closing paragraph that is a name or an agency in capitals ("DINI TEJA", "ANTARA"): the
# reporter's or the source's sign-off, not text.
CAPITALS_SIGN_OFF = re.compile(r"^[A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]*){0,3}$")
# Closing words in parentheses that are no one's name.
NOT_NAMES = frozenset(
    {"bersambung", "selesai", "habis", "tamat", "ilustrasi", "foto", "video", "dok", "advertorial"}
)
# Picture captions that stayed in the text: "... Foto: Grammy", "(Foto: Antara)".
CAPTION = re.compile(r"(?:^(?:foto|photo)\s*:|[\s(](?:foto|photo)\s*:\s*[^.!?]{1,60}\)?$)", _I)
_ENDS_WITH_DASH = re.compile(rf"{DASH}$")


@dataclass(frozen=True)
class CleanBody:
    """Paragraphs after cleaning, the dateline found, credit lines taken out, count removed."""

    paragraphs: list[str]
    dateline: str | None
    removed: int
    credits: list[str] = field(default_factory=list)


def is_boilerplate(paragraph: str, site_patterns: Iterable[re.Pattern[str]] = ()) -> bool:
    return any_of((*BOILERPLATE, *site_patterns))(paragraph)


# Where a new sentence or line starts inside a paragraph.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?\u201d\"])\s+(?=\S)|\s*\n\s*")


def boilerplate_left(
    paragraphs: Iterable[str], site_patterns: Iterable[re.Pattern[str]] = ()
) -> bool:
    """Whether boilerplate is left inside the text: a line or sentence of a paragraph that
    :func:`is_boilerplate` flags, which cleaning (whole paragraphs only) leaves in place.

    A body taken by a generic guess often runs a "Baca juga: ..." prompt into a paragraph.
    """
    flagged = any_of((*BOILERPLATE, *site_patterns))
    return any(
        flagged(part) or WIDGET_HEADINGS.match(part)
        for paragraph in paragraphs
        for part in _SENTENCE_BREAK.split(paragraph)
        if part
    )


def is_caption(paragraph: str) -> bool:
    return len(paragraph) <= 300 and bool(CAPTION.search(paragraph))


def _looks_like_link_title(paragraph: str) -> bool:
    return len(paragraph.split()) <= 20 and not paragraph.rstrip().endswith((".", "!", "?", '"'))


def drop_widgets(paragraphs: list[str]) -> list[str]:
    """Remove widget headings; a closing widget takes its link titles with it."""
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if WIDGET_HEADINGS.match(paragraph):
            if all(_looks_like_link_title(p) for p in paragraphs[index + 1 :]):
                break
            continue
        kept.append(paragraph)
    return kept


def is_credit_line(paragraph: str) -> bool:
    """A role and a few names ("Editor : Ade Marboen"); an interview's "Reporter: Apa ...?" is
    text."""
    if REPORT_LINE.match(paragraph):
        return True
    if not CREDIT_LINE.match(paragraph):
        return False
    names = paragraph.split(":", 1)[1]
    return len(names.split()) <= 8 and not names.rstrip().endswith(("?", "!"))


def take_credits(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Credit lines out of the text: ``(paragraphs left, credit lines as shown)``.

    A role and its name split over two cells ("Penulis", ": Ferril Dennys") count as one line.
    """
    kept: list[str] = []
    credits: list[str] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        if CREDIT_ROLE_ALONE.match(paragraph) and following.startswith(":"):
            paragraph = f"{paragraph.rstrip(' :')}{following}"
            index += 1
        if is_credit_line(paragraph):
            credits.append(paragraph)
        else:
            kept.append(paragraph)
        index += 1
    return kept, credits


def strip_sign_offs(
    paragraphs: list[str], bylines: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Closing initials, name sign-offs and byline echoes off the end of the text.

    Returns the paragraphs left and the names found ("(Luh Wayanti)", a repeated byline).
    """
    echoes = {" ".join(b.split()).casefold() for b in bylines if b}
    kept = list(paragraphs)
    names: list[str] = []
    while kept:
        last = kept[-1]
        if SIGN_OFF_PARAGRAPH.match(last):
            kept.pop()
            continue
        if last.casefold() in echoes or (len(kept) > 1 and CAPITALS_SIGN_OFF.match(last)):
            # One word in capitals is the source agency ("ANTARA", "REUTERS"), not a name.
            if last.casefold() not in NOT_NAMES and (" " in last or last.casefold() in echoes):
                names.append(last)
            kept.pop()
            continue
        echo = _closing_echo(last, echoes)
        if echo:
            names.append(last[-len(echo) :])
            kept[-1] = last[: -len(echo)].strip()
            continue
        stripped = SIGN_OFF.sub("", last).strip()
        named = NAME_SIGN_OFF.search(stripped)
        if named:
            if named["credit"].strip("()").casefold() not in NOT_NAMES:
                names.append(named["credit"])
            stripped = stripped[: named.start()].strip()
        if stripped == last:
            break
        if stripped:
            kept[-1] = stripped
        else:
            kept.pop()
    return kept, names


def _closing_echo(paragraph: str, echoes: set[str]) -> str | None:
    """A byline repeated after the paragraph's last full stop ("... dilakukan. DINI TEJA")."""
    lowered = paragraph.casefold()
    for echo in echoes:
        head = lowered[: -len(echo)].rstrip() if lowered.endswith(echo) else ""
        if len(echo) > 3 and head.endswith((".", "!", "?", '"', "\u201d")):
            return echo
    return None


def split_dateline(paragraph: str, known: str | None = None) -> tuple[str | None, str]:
    """The dateline opening ``paragraph`` (without its dash) and the text after it.

    ``known`` is a dateline the page marks up (a bold lead-in); it is trusted when the paragraph
    starts with it, even without a dash ("Liputan6.com, Jakarta Sepekan lamanya ...").
    """
    lead = _bare(known)
    if lead and paragraph.startswith(lead):
        after = paragraph[len(lead) :]
        # The lead-in must end at a word boundary, not inside a longer word.
        if not after or after[0].isspace() or after[0] in "-\u2013\u2014":
            return lead, re.sub(rf"^{DASH}", "", after).strip()
    for pattern in DATELINES:
        match = pattern.match(paragraph)
        if match:
            return match["dateline"].strip(), paragraph[match.end() :].strip()
    return None, paragraph


def _move_dateline(kept: list[str], known: str | None) -> str | None:
    """Take the dateline off the first paragraph, or take a dateline-only first paragraph."""
    if not kept:
        return None
    found, rest = split_dateline(kept[0], known)
    if found:
        kept[:1] = [rest] if rest else []
        return found
    if len(kept) > 1 and len(kept[0].split()) <= 6 and _ENDS_WITH_DASH.search(kept[0]):
        found, rest = split_dateline(f"{kept[0]} {kept[1]}", known)
        if found and rest == kept[1]:
            del kept[0]
            return found
    return None


def clean_body(
    paragraphs: Sequence[str],
    site_patterns: Iterable[re.Pattern[str]] = (),
    captions: Iterable[str] = (),
    dateline: str | None = None,
    bylines: Iterable[str] = (),
) -> CleanBody:
    """Drop boilerplate and captions, take credits and sign-offs, move the dateline out.

    ``bylines`` are the credits the page shows elsewhere: a closing paragraph repeating one is
    a sign-off, not text.
    """
    flagged = any_of((*BOILERPLATE, *site_patterns))
    caption_set = {c for c in captions if c}
    kept, credits = take_credits([p for p in paragraphs if p not in caption_set])
    kept = [p for p in kept if not flagged(p) and not is_caption(p)]
    kept = drop_widgets(kept)
    kept, names = strip_sign_offs(kept, bylines)
    found = _move_dateline(kept, dateline)
    return CleanBody(
        kept, found or _bare(dateline), len(paragraphs) - len(kept), [*credits, *names]
    )


def _bare(dateline: str | None) -> str | None:
    if not dateline:
        return None
    return re.sub(rf"{DASH}$", "", dateline.strip()).strip() or None


def clean_item(item: ItemAdapter, site_patterns: Iterable[re.Pattern[str]] = ()) -> int:
    """Clean the item's paragraphs in place; recompute body and word count. Returns removals.

    Credit lines and sign-offs found in the text join ``authors_raw``.
    """
    images = item.get("images") or []
    captions = [getattr(image, "caption", None) or "" for image in images]
    bylines = list(item.get("authors_raw") or [])
    result = clean_body(
        item.get("paragraphs") or [], site_patterns, captions, item.get("dateline"), bylines
    )
    item["paragraphs"] = result.paragraphs
    item["dateline"] = result.dateline
    if result.credits:
        known = {b.casefold() for b in bylines}
        item["authors_raw"] = bylines + [c for c in result.credits if c.casefold() not in known]
    body = "\n\n".join(result.paragraphs)
    item["body"] = body or None
    item["word_count"] = len(body.split())
    return result.removed


def clean_step(item: ItemAdapter, site: SiteConfig | None, stats: Stats) -> None:
    """Boilerplate and datelines out of the body; counts ``clean/paragraphs_removed``."""
    given = item.get("dateline")
    removed = clean_item(item, site.boilerplate if site else ())
    if item.get("dateline") != given and "field_sources" in item.field_names():
        # The dateline now comes from the body's first paragraph, or went with it.
        sources = {k: v for k, v in (item.get("field_sources") or {}).items() if k != "dateline"}
        item["field_sources"] = {**sources, "dateline": "body"} if item["dateline"] else sources
    if removed:
        stats.inc_value("clean/paragraphs_removed", removed)
    if item.get("dateline"):
        stats.inc_value("clean/datelines")
