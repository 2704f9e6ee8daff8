"""The item steps inside a crawl: one pipeline runs ``ITEM_STEPS`` on every item."""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.sites import SiteConfig
from pipelines.steps import Step, load_steps, run_steps


class StepsPipeline:
    """Runs the steps listed in ``ITEM_STEPS``; a step's :class:`Drop` drops the item."""

    def __init__(self, crawler: Crawler, steps: list[Step]) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.steps = steps

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, load_steps(crawler.settings.getdict("ITEM_STEPS")))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = site_of(self.crawler, str(adapter.get("url") or ""))
        drop = run_steps(self.steps, adapter, site, self.stats)
        if drop is not None:
            raise DropItem(f"{drop.reason}: {adapter.get('url')}: {drop.why}")
        return item


def site_of(crawler: Crawler, url: str) -> SiteConfig | None:
    """The site file of the page: per URL when the spider reads several sites."""
    spider = crawler.spider
    site_for = getattr(spider, "site_for", None)
    site = site_for(url) if site_for is not None else getattr(spider, "site", None)
    return site if isinstance(site, SiteConfig) else None
