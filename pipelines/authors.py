"""Bylines ("Oleh Tommy Kurnia", "Penulis: A dan B") to a list of author names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

_I = re.IGNORECASE

# Credit words that introduce a byline; repeated because pages write "Oleh: Reporter: ...".
PREFIX = re.compile(
    r"^(?:oleh|by|penulis|reporter|editor|pewarta|kontributor|ditulis\s+oleh|written\s+by"
    r"|author)\b\s*[:\-]?\s*",
    _I,
)
# Reporter initials after a name: "Corry Anestia (Cas/Isk)".
INITIALS = re.compile(r"\s*\(\s*[A-Za-z]{2,5}(?:\s*/\s*[A-Za-z]{2,5})*\s*\)\s*$")
SEPARATORS = re.compile(r"\s*(?:,|&|;|\s+dan\s+|\s+and\s+)\s*", _I)


def _strip_prefixes(text: str) -> str:
    while True:
        stripped = PREFIX.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def split_byline(byline: str) -> list[str]:
    """Names in one byline; organisations ("Liputan6.com") stay as written."""
    text = INITIALS.sub("", " ".join(byline.split()))
    names = []
    for part in SEPARATORS.split(_strip_prefixes(text)):
        name = _strip_prefixes(part).strip(" :-|")
        if len(name) > 1:
            names.append(name)
    return names


def normalise_authors(bylines: Iterable[str]) -> list[str]:
    """Every name of every byline, first spelling kept, duplicates (any case) dropped."""
    seen: set[str] = set()
    authors = []
    for byline in bylines:
        for name in split_byline(byline):
            if name.casefold() not in seen:
                seen.add(name.casefold())
                authors.append(name)
    return authors


def fill_authors(item: ItemAdapter) -> bool:
    """Set ``authors`` from ``authors_raw`` unless the item already has authors."""
    if item.get("authors"):
        return False
    item["authors"] = normalise_authors(item.get("authors_raw") or [])
    return bool(item["authors"])


class AuthorsPipeline:
    """Fills ``authors``; counts ``authors/filled`` and ``authors/missing``."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AuthorsPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if fill_authors(adapter):
            self.stats.inc_value("authors/filled")
        if not adapter.get("authors"):
            self.stats.inc_value("authors/missing")
        return item
