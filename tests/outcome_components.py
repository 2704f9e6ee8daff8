"""Components that fail on purpose, for crawls that test how a failure becomes an exit code.

Loaded by the crawl subprocess through ``-s EXTENSIONS=...``; each is configured by settings.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from crawler.outcome import CrawlFailure, ExitCode, fail_crawl


class FailAfterResponses:
    """After ``FAIL_AFTER_RESPONSES`` responses, ends the run as a component failing would.

    ``FAIL_REASON`` is the close reason; with ``FAIL_MESSAGE`` set it goes through
    ``fail_crawl``, without it the spider is closed with the bare reason.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.after = crawler.settings.getint("FAIL_AFTER_RESPONSES", 3)
        self.reason = crawler.settings.get("FAIL_REASON")
        self.message = crawler.settings.get("FAIL_MESSAGE", "")
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, response: Response, **kwargs: Any) -> None:
        self.seen += 1
        if self.seen != self.after:
            return
        if self.message:
            fail_crawl(self.crawler, self.reason, self.message)
        else:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.reason))


class RefuseToStart:
    """Raises ``CrawlFailure`` from ``from_crawler``, as a start-up check does."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raise CrawlFailure(ExitCode.ARCHIVE, "WARC_DIR /mnt/archive is not mounted: mount it")


class BrokenAtStart:
    """Fails in ``from_crawler`` with an error nobody expected (a bug)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raise RuntimeError("component bug")
