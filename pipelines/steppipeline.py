"""The item steps inside a crawl: one pipeline runs ``ITEM_STEPS`` on every item.

With an extraction pool, the steps of an article read from a single page already ran in the
worker that read it (:mod:`crawler.extractpool`); the pipeline adds what they counted and
drops what they dropped, as if it had run them, without handing the item over again.
"""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from crawler.extractpool import ExtractionPool, WorkerTimeout, extraction_pool
from crawler.pagework import StepsOutcome
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

    def open_spider(self) -> None:
        pool = extraction_pool(self.crawler)
        if pool is not None and self._first():
            pool.step_with_extraction(self.steps)

    def _first(self) -> bool:
        """Whether this is the first item pipeline: no other one changes items before it."""
        listed = build_component_list(self.crawler.settings.getwithbase("ITEM_PIPELINES"))
        return bool(listed) and load_object(listed[0]) is type(self)

    def process_item(self, item: Any) -> Any:
        """The item after the steps; with an extraction pool, a coroutine the worker answers."""
        pool = extraction_pool(self.crawler)
        if pool is not None:
            done = pool.stepped.take(item)
            if done is not None:
                return self._outcome(done)
            site = site_of(self.crawler, str(ItemAdapter(item).get("url") or ""))
            return self._in_worker(pool, item, site)
        adapter = ItemAdapter(item)
        site = site_of(self.crawler, str(adapter.get("url") or ""))
        drop = run_steps(self.steps, adapter, site, self.stats)
        if drop is not None:
            raise DropItem(f"{drop.reason}: {adapter.get('url')}: {drop.why}")
        return item

    async def _in_worker(self, pool: ExtractionPool, item: Any, site: SiteConfig | None) -> Any:
        url = ItemAdapter(item).get("url")
        try:
            outcome = await pool.steps(item, site, self.steps)
        except WorkerTimeout as exc:
            raise DropItem(f"steps_timeout: {url}: {exc}") from exc
        return self._outcome(outcome)

    def _outcome(self, outcome: StepsOutcome) -> Any:
        """The item the steps left, their counts added to the stats; raises what they dropped."""
        for key, count in outcome.counts.items():
            self.stats.inc_value(key, count)
        if outcome.dropped is not None:
            reason, why = outcome.dropped
            raise DropItem(f"{reason}: {ItemAdapter(outcome.item).get('url')}: {why}")
        return outcome.item


def site_of(crawler: Crawler, url: str) -> SiteConfig | None:
    """The site file of the page: per URL when the spider reads several sites."""
    spider = crawler.spider
    site_for = getattr(spider, "site_for", None)
    site = site_for(url) if site_for is not None else getattr(spider, "site", None)
    return site if isinstance(site, SiteConfig) else None
