"""Boilerplate out of article bodies, and the dateline out of the first paragraph.

Built-in patterns cover what Indonesian news sites put between paragraphs (related-article
prompts, promo lines, ad labels, widget headings, credit lines); a site file adds its own as
``boilerplate`` regular expressions. The dateline ("Liputan6.com, Jakarta - ") moves to the
``dateline`` field so the body starts with the story.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from pipelines import spider_site

logger = logging.getLogger(__name__)

_I = re.IGNORECASE

# Whole-paragraph patterns: a paragraph matching one of them is not article text.
BOILERPLATE = tuple(
    re.compile(pattern, _I)
    for pattern in (
        r"^(?:baca|simak|lihat)(?:\s+juga)?\s*(?:[:\-]|$).*",
        r"^(?:baca|simak|lihat)\s+juga\b.*",
        r"^berita\s+terkait\b.{0,200}$",
        r"^untuk\s+mengetahui\s+kebenaran\s+informasi\b.*\bwhats\s*app\b.*",
        r"^advertisement$",
        r"^scroll\s+(?:down\s+)?to\s+(?:continue|resume)(?:\s+with\s+content)?\W*$",
        r"^jangan\s+sampai\s+ketinggalan\s+berita\s+terkini\b.*",
        r"^(?:penulis|editor|reporter|pewarta|redaktur|kontributor)\s*:\s*\S.{0,80}$",
        r"^(?:copyright|hak\s+cipta)\s*(?:©|\(c\))?.{0,100}$",
        r"^©.{0,100}$",
        r"^\d+\s+dari\s+\d+\s+halaman$",
    )
)
# Widget headings ("Rekomendasi", "POPULER", ...): they and the short link titles after them
# are dropped when they close the body; elsewhere only the heading goes.
WIDGET_HEADINGS = re.compile(
    r"^(?:rekomendasi|populer|terpopuler|berita\s+terkini|berita\s+terbaru|berita\s+lainnya"
    r"|lanjutkan\s+membaca|artikel\s+terkait|tag|tags|topik)\W*$",
    _I,
)
# Reporter initials closing the story: "(Mvi/Ali)", "(fyk/ash)", "[ian]".
SIGN_OFF = re.compile(r"\s*(?:\(\s*[A-Za-z]{2,5}(?:\s*/\s*[A-Za-z]{2,5})+\s*\)|\[[a-z]{2,5}\])$")
# Datelines: "Liputan6.com, Jakarta - ", "JAKARTA, KOMPAS.com - ", "TEMPO.CO, Jakarta - ",
# "Bandarlampung, Lampung (ANTARA News) - ", "Jakarta - ".
_DASH = r"\s*(?:-{1,2}|\u2013|\u2014)\s*"
_PLACE = r"[A-Z][\w'.]*(?:\s+[A-Z][\w'.]*){0,3}"
_OUTLET = r"[A-Za-z][\w.-]*\.(?i:com|co\.id|co|id|net|org)"
DATELINES = (
    re.compile(rf"^(?P<dateline>{_OUTLET}(?:,\s*{_PLACE})?){_DASH}(?=\S)"),
    re.compile(rf"^(?P<dateline>{_PLACE},\s*{_OUTLET}){_DASH}(?=\S)"),
    re.compile(rf"^(?P<dateline>{_PLACE}(?:,\s*{_PLACE})?\s*\([A-Z][\w .]{{1,30}}\)){_DASH}(?=\S)"),
    re.compile(rf"^(?P<dateline>{_PLACE}){_DASH}(?=[A-Z\"'\u201c])"),
)


@dataclass(frozen=True)
class CleanBody:
    """Paragraphs after cleaning, the dateline found, and how many paragraphs went."""

    paragraphs: list[str]
    dateline: str | None
    removed: int


def is_boilerplate(paragraph: str, site_patterns: Iterable[re.Pattern[str]] = ()) -> bool:
    return any(p.search(paragraph) for p in (*BOILERPLATE, *site_patterns))


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
            return lead, re.sub(rf"^{_DASH}", "", after).strip()
    for pattern in DATELINES:
        match = pattern.match(paragraph)
        if match:
            return match["dateline"].strip(), paragraph[match.end() :].strip()
    return None, paragraph


def clean_body(
    paragraphs: Sequence[str],
    site_patterns: Iterable[re.Pattern[str]] = (),
    captions: Iterable[str] = (),
    dateline: str | None = None,
) -> CleanBody:
    """Drop boilerplate and caption paragraphs, strip the sign-off, move the dateline out."""
    patterns = tuple(site_patterns)
    caption_set = {c for c in captions if c}
    kept = [p for p in paragraphs if not is_boilerplate(p, patterns) and p not in caption_set]
    kept = drop_widgets(kept)
    if kept:
        last = SIGN_OFF.sub("", kept[-1]).strip()
        kept[-1:] = [last] if last else []
    found = None
    if kept:
        found, rest = split_dateline(kept[0], dateline)
        kept[:1] = [rest] if rest else []
    return CleanBody(kept, found or _bare(dateline), len(paragraphs) - len(kept))


def _bare(dateline: str | None) -> str | None:
    if not dateline:
        return None
    return re.sub(rf"{_DASH}$", "", dateline.strip()).strip() or None


def clean_item(item: ItemAdapter, site_patterns: Iterable[re.Pattern[str]] = ()) -> int:
    """Clean the item's paragraphs in place; recompute body and word count. Returns removals."""
    images = item.get("images") or []
    captions = [getattr(image, "caption", None) or "" for image in images]
    result = clean_body(item.get("paragraphs") or [], site_patterns, captions, item.get("dateline"))
    item["paragraphs"] = result.paragraphs
    item["dateline"] = result.dateline
    body = "\n\n".join(result.paragraphs)
    item["body"] = body or None
    item["word_count"] = len(body.split())
    return result.removed


class BoilerplatePipeline:
    """Boilerplate and datelines out of the body; counts ``clean/paragraphs_removed``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoilerplatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = spider_site(self.crawler)
        removed = clean_item(adapter, site.boilerplate if site else ())
        if removed:
            self.stats.inc_value("clean/paragraphs_removed", removed)
        if adapter.get("dateline"):
            self.stats.inc_value("clean/datelines")
        return item
