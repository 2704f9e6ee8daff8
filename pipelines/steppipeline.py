"""The item steps inside a crawl: one pipeline runs ``ITEM_STEPS`` on every item."""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from pipelines import item_site
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
        site = item_site(self.crawler, str(adapter.get("url") or ""))
        drop = run_steps(self.steps, adapter, site, self.stats)
        if drop is not None:
            raise DropItem(f"{drop.reason}: {adapter.get('url')}: {drop.why}")
        return item
