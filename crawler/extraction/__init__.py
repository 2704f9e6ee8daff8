"""Article extraction: site selectors (or, on a page no layout describes, the generic body
reader), then JSON-LD, then OpenGraph/article meta, then the readable-text fallback."""

from __future__ import annotations

from crawler.extraction.article import check_selectors, choose_layout, extract_article, merge_pages
from crawler.extraction.canonical import canonical_url, normalise_url

__all__ = [
    "canonical_url",
    "check_selectors",
    "choose_layout",
    "extract_article",
    "merge_pages",
    "normalise_url",
]
