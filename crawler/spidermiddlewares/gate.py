"""Spider middleware: the discovery gate (:class:`crawler.discovery.gate.DiscoveryGate`).

Discovery requests (``request.meta["discovery"]``: their kind) pass once per URL; article
requests (``request.meta["article_url"]``: their key) are held until no discovery page is
left, one per URL with the discovery hints of all (``request.cb_kwargs["hints"]``, merged),
then released in batches: once the spider idles, or, when the workers of a crawl share one
queue, once :data:`discovery_over` says that no discovery page of any of them is left (a
worker busy with the articles of another would not idle before its own are done).  Counts
``discovery/requests`` and ``discovery/articles/<found_in>`` (``request.meta["found_in"]``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro

from crawler.discovery.gate import DiscoveryGate
from crawler.discovery.hints import Hints

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: ``request.meta`` key of a discovery request: the kind of page (sitemap, feed...).
DISCOVERY_META = "discovery"
#: ``request.meta`` key of an article request: the article's URL, one request per URL.
ARTICLE_META = "article_url"
#: ``request.meta`` key: where discovery found the article (sitemap, feed, section, schedule).
FOUND_IN_META = "found_in"
#: ``request.cb_kwargs`` key of an article request: its :class:`Hints`.
HINTS_ARG = "hints"
#: Signal: no discovery page is left to read, though the spider may be busy.
discovery_over = object()


class DiscoveryGateMiddleware:
    """Holds article requests while discovery runs; releases them once the spider idles."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.gate: DiscoveryGate[Request] = DiscoveryGate()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(middleware.release, signal=discovery_over)
        return middleware

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            passed = self._admit(output)
            if passed is not None:
                yield passed

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            passed = self._admit(output)
            if passed is not None:
                yield passed

    def _admit(self, output: Any) -> Any:
        if not isinstance(output, Request):
            return output
        if DISCOVERY_META in output.meta:
            if not self.gate.first_visit(output.url):
                return None
            self.stats.inc_value("discovery/requests")
            return output
        key = output.meta.get(ARTICLE_META)
        if key is None:
            return output
        self.stats.inc_value(f"discovery/articles/{output.meta.get(FOUND_IN_META, 'other')}")
        return self.gate.admit(key, output, _merge_hints)

    def spider_idle(self) -> None:
        """Discovery is done: queue the articles it found, a batch at a time."""
        self.release()
        if self.gate.releasing:
            raise DontCloseSpider

    def release(self) -> None:
        """Queue the articles discovery found, a batch at a time; later ones pass at once."""
        held = self.gate.discovery_done()
        if held:
            logger.info("Discovery done: %d article pages to fetch", len(held))
            engine = self.crawler.engine
            assert engine is not None
            deferred_from_coro(
                self.gate.release(held, engine.crawl, lambda: engine.spider is not None)
            )


def _merge_hints(held: Request, found: Request) -> Request:
    """The held request of an article, with the hints of another one of its URL added."""
    hints, more = held.cb_kwargs.get(HINTS_ARG), found.cb_kwargs.get(HINTS_ARG)
    if isinstance(hints, Hints) and isinstance(more, Hints):
        held.cb_kwargs[HINTS_ARG] = hints.merged(more)
    return held
