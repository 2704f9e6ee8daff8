"""Required fields: an item without a title or body text is dropped with a clear reason."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from pipelines.fingerprint import fingerprint


def drop_reason(item: ItemAdapter) -> str | None:
    """Why the item is not an article (``no_title``, ``no_body``), or None when it is one."""
    if not str(item.get("title") or "").strip():
        return "no_title"
    if not str(item.get("body") or "").strip():
        return "no_body"
    return None


_EXPLAINED = {
    "no_title": "no title found (site selectors, JSON-LD and meta all empty)",
    "no_body": "no body text left after extraction and cleaning",
}


class ValidatePipeline:
    """Drops incomplete items (``items/dropped/<reason>``), sets ``content_hash`` on the rest."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        reason = drop_reason(adapter)
        if reason:
            self.stats.inc_value(f"items/dropped/{reason}")
            raise DropItem(f"{reason}: {adapter.get('url')}: {_EXPLAINED[reason]}")
        adapter["content_hash"] = fingerprint(item)
        self.stats.inc_value("items/valid")
        return item
