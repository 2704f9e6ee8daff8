"""Article extraction: site selectors, then JSON-LD, then OpenGraph/article meta."""

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
