"""A spider middleware for test crawls: counts the article pages the crawl process parsed.

Placed after the asset middleware on the way out (a lower order), it sees each item with its
page once the page's files were listed: ``probe/parsed`` counts the pages whose selector the
crawl process built by then, ``probe/items`` the items.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Self

from itemadapter import is_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector


class ParseProbe:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if is_item(output):
                self.stats.inc_value("probe/items")
                if getattr(response, "_cached_selector", None) is not None:
                    self.stats.inc_value("probe/parsed")
            yield output
