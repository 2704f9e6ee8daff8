"""The body of a page no site file describes: its container's paragraphs, from lead to end.

The container (``container.article_container``) holds the story and, around it, what the
template adds: the repeated headline, a breadcrumb, the date line, a picture caption, a kicker
over another story's teaser at the top; share bars, tag lists, recommendation widgets and the
comment box's rules at the bottom. Elements that are never the story (figures, navigation,
forms, sidebars and comment blocks by class) are skipped; then the lead is found (the first
paragraph that opens with a dateline naming the outlet, or the first real sentence) and the text
ends at the last paragraph before a closing widget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from parsel import Selector

from crawler.extraction.container import article_container, class_weight, link_density
from crawler.extraction.fields import RawFields
from crawler.extraction.jsonld import jsonld_article_body
from crawler.extraction.selectors import is_link_line, normalise_space, text_blocks
from pipelines.boilerplate_rules import (
    BOILERPLATE_KINDS,
    BOLD_DATELINE,
    CAPTION_CREDIT,
    DASH,
    DATE_STAMP,
    DATELINES,
    KICKERS,
    OUTLET_DATELINES,
    WEEKDAYS,
    WIDGET_HEADINGS,
)

# Never the story's text, whatever the container.
_NOISE_TAGS = frozenset({"figure", "figcaption", "nav", "aside", "footer", "form", "h1", "time"})
_NOISE_WORDS = re.compile(
    r"(?:^|[\s_-])(?:comments?|komentar|sidebar|related|terkait|recommend\w*|rekomendasi"
    r"|share|social|sosmed|breadcrumbs?|tags?|baca-?juga|caption|credit|author|byline|date)"
    r"(?:$|[\s_-])",
    re.I,
)
# How far down the container a lead may start, and how long what precedes it may be.
_LEAD_WINDOW = 8
_PRELUDE_WORDS = 80
_CAPTION_WORDS = 60
_SENTENCE_END = (".", "!", "?", '"', "\u201d", "'", ":")
_DATELINE_ALONE = re.compile(rf"^[A-Z][\w'.]*(?:[\s,]+[A-Z][\w'.]*){{0,3}}{DASH}$")
_ENDS_WITH_DASH = re.compile(rf"\S{DASH}$")
_TOP_KINDS = ("breadcrumb", "pagination", "widget")
_CLOSING_KINDS = ("comment-policy", "widget", "pagination", "more-stories", "next-page")


def _is_noise(element: etree._Element) -> bool:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in _NOISE_TAGS:
        return True
    words = f"{element.get('class') or ''} {element.get('id') or ''}"
    if not words.strip() or not _NOISE_WORDS.search(words):
        return False
    # A wrapper named "...-content" that holds the text is not a sidebar.
    return class_weight(element) < 1.0 or link_density(element) > 0.5


def noise_elements(container: etree._Element) -> frozenset[etree._Element]:
    return frozenset(e for e in container.iterdescendants() if _is_noise(e))


def _matches(paragraph: str, kinds: tuple[str, ...]) -> bool:
    return any(p.search(paragraph) for kind in kinds for p in BOILERPLATE_KINDS[kind])


def is_date_line(paragraph: str) -> bool:
    """A short line with a date stamp and no sentence ("Kamis, 05/11/2015 09:25 WIB"); a short
    sentence that mentions a date ends with its full stop."""
    words = paragraph.split()
    return (
        len(words) <= 14
        and not paragraph.rstrip().endswith((".", "!", "?", '"', "\u201d"))
        and bool(DATE_STAMP.search(paragraph))
    )


def is_date_list(paragraph: str) -> bool:
    """A run of other articles' date stamps ("- Kamis, 05/11/2015 09:25 WIB - Rabu, ...")."""
    stamps = DATE_STAMP.findall(paragraph)
    if len(stamps) < 3:
        return False
    rest = re.findall(r"[^\W\d_]{2,}", WEEKDAYS.sub("", DATE_STAMP.sub("", paragraph)))
    return len(rest) <= len(stamps)


def _is_sentence(paragraph: str) -> bool:
    return len(paragraph.split()) >= 8 and paragraph.rstrip().endswith(_SENTENCE_END)


def _titles(*headlines: str | None) -> frozenset[str]:
    return frozenset(normalise_space(h).casefold() for h in headlines if h and h.strip())


def _same(paragraph: str, titles: frozenset[str]) -> bool:
    return normalise_space(paragraph).casefold() in titles


def _is_prelude(paragraph: str, titles: frozenset[str]) -> bool:
    """A line the template sets above the lead: headline, breadcrumb, date, kicker, label."""
    if _DATELINE_ALONE.match(paragraph) or _ENDS_WITH_DASH.search(paragraph):
        return False  # a dateline set apart ("ISTANBUL, 23 Februari 2016 (Antara) --")
    if _same(paragraph, titles) or is_date_line(paragraph) or KICKERS.match(paragraph):
        return True
    if _matches(paragraph, _TOP_KINDS):
        return True
    return len(paragraph.split()) <= 6 and not paragraph.rstrip().endswith(_SENTENCE_END)


def _lead_index(paragraphs: list[str], titles: frozenset[str]) -> int:
    """Where the story starts: at a dateline naming the outlet when one opens a paragraph near
    the top, else after the template's lines above the first sentence."""
    words = 0
    for index, paragraph in enumerate(paragraphs[:_LEAD_WINDOW]):
        if _DATELINE_ALONE.match(paragraph) or any(p.match(paragraph) for p in OUTLET_DATELINES):
            return index
        if index and any(p.match(paragraph) for p in DATELINES) and words <= _PRELUDE_WORDS:
            return index
        words += len(paragraph.split())
        if words > _PRELUDE_WORDS:
            break
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        if KICKERS.match(paragraph):
            index += 2  # the label and the teaser of another story under it
            continue
        if not _is_prelude(paragraph, titles):
            break
        index += 1
    return index  # past the end when the container holds nothing but such lines


def _end_index(paragraphs: list[str]) -> int:
    """One past the story's last paragraph: a closing widget and all after it go, with the
    link titles of that widget just above it."""
    end = len(paragraphs)
    sentence_after = False  # whether paragraphs[index + 1 : end] hold a sentence
    for index in range(len(paragraphs) - 1, 0, -1):
        paragraph = paragraphs[index]
        closing = _matches(paragraph, _CLOSING_KINDS) or WIDGET_HEADINGS.match(paragraph)
        if closing and not sentence_after and index < end:
            end = index
            while end > 1 and _is_widget_title(paragraphs[end - 1]):
                end -= 1
        elif index < end and _is_sentence(paragraph):
            sentence_after = True
    while end > 1 and (
        _is_caption(paragraphs[end - 1]) or _matches(paragraphs[end - 1], ("widget",))
    ):
        end -= 1  # pictures closing the story: their captions and zoom labels
    return end


def _is_caption(paragraph: str) -> bool:
    return len(paragraph.split()) <= _CAPTION_WORDS and bool(CAPTION_CREDIT.match(paragraph))


def _is_widget_title(paragraph: str) -> bool:
    """A short label or link title, not a credit ("Editor: ...") or sign-off ("(fbn)")."""
    words = paragraph.split()
    return (
        len(words) <= 4
        and not paragraph.rstrip().endswith(_SENTENCE_END)
        and not paragraph.startswith(("(", "["))
        and ":" not in paragraph
    )


def story_paragraphs(paragraphs: list[str], *headlines: str | None) -> list[str]:
    """``paragraphs`` of a container from the lead to the story's end; ``headlines`` are the
    page's titles, which the story does not repeat."""
    titles = _titles(*headlines)
    kept = [
        p for p in paragraphs if not is_date_list(p) and not _same(p, titles) and not _is_caption(p)
    ]
    if not kept:
        return []
    start = _lead_index(kept, titles)
    kept = kept[start:]
    return kept[: _end_index(kept)]


def _reference(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) > 200 else None


@dataclass(frozen=True)
class GenericBody:
    """The story's paragraphs and the dateline the page sets in bold at the lead, if any."""

    paragraphs: list[str]
    dateline: str | None = None


def bold_dateline(container: etree._Element, lead: str) -> str | None:
    """A bold lead-in naming the outlet ("<b>Liputan6.com, Jakarta</b> Sepekan ...") that
    opens ``lead``: the dateline even without a dash after it."""
    for bold in container.iter("b", "strong"):
        text = normalise_space("".join(bold.itertext()))
        if text and lead.startswith(text) and BOLD_DATELINE.match(text):
            return text
    return None


def generic_body(
    root: Selector, headline: str | None = None, article_body: object = None
) -> GenericBody:
    """The story on a page without site selectors; no paragraphs when none is found.

    ``headline`` (the page's title) places the story and is not repeated in it;
    ``article_body`` (JSON-LD ``articleBody``) is evidence for the container, not the text.
    """
    container = article_container(root.root, headline, _reference(article_body))
    if container is None:
        return GenericBody([])
    blocks = text_blocks(container, noise_elements(container))
    shown = normalise_space(" ".join(root.xpath("(//h1)[1]//text()").getall()))
    texts = [b.text for b in blocks if not is_link_line(b)]
    paragraphs = story_paragraphs(texts, headline, shown)
    dateline = bold_dateline(container, paragraphs[0]) if paragraphs else None
    return GenericBody(paragraphs, dateline)


def generic_fields(root: Selector, jsonld: RawFields, meta: RawFields) -> RawFields:
    """The body and dateline of a page no layout describes, as a source of ``RawFields``.

    The JSON-LD headline and ``articleBody`` only help find the story: the page's text is the
    body.
    """
    found = generic_body(root, jsonld.title or meta.title, jsonld_article_body(root))
    return RawFields(paragraphs=found.paragraphs, dateline=found.dateline)
