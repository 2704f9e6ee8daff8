"""The crawl's CrawlState: one store per crawl, opened when the spider opens.

Settings (defaults in brackets):

- ``STATE_ENABLED`` [True]: keep state at all; off, every run is a first run (no dedup, no
  versions, no schedule).
- ``STATE_PATH`` ["data/state.sqlite"]: the SQLite state file; one crawl at a time uses it.
- ``STATE_FSYNC`` [False]: make every state write durable against power loss.

Components reach the store through :func:`crawl_state`, so none of them opens a file itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archive.state import DEFAULT_STATE_PATH, CrawlState, CrawlStateError
from archive.state_sqlite import SqliteCrawlState

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CrawlStateExtension:
    """Opens the state store on ``spider_opened`` and closes it on ``spider_closed``.

    A store that cannot be opened (held by another crawl, newer schema, not a state file)
    closes the spider with reason ``state_unavailable`` before anything is fetched: a run
    without its state would archive and emit everything again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("STATE_PATH") or str(DEFAULT_STATE_PATH)
        self.fsync = crawler.settings.getbool("STATE_FSYNC", False)
        self.store: CrawlState | None = None
        # Set once opening failed or the spider closed: the store is not (re)opened after.
        self.done = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED", True):
            raise NotConfigured  # switched off: no message, no warning
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.open()

    def open(self) -> CrawlState | None:
        """Open the store (once); on failure log why and ask the engine to stop."""
        if self.store is not None or self.done:
            return self.store
        spider = self.crawler.spider
        site = getattr(spider, "site_name", None) or getattr(spider, "name", None)
        try:
            self.store = SqliteCrawlState(self.path, site, fsync=self.fsync)
        except CrawlStateError as exc:
            self.done = True
            logger.error("%s", exc)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("state/error", str(exc))
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="state_unavailable"))
            return None
        logger.info("Crawl state: %s", self.path)
        return self.store

    def spider_closed(self, spider: Spider) -> None:
        self.done = True
        if self.store is not None:
            store, self.store = self.store, None
            store.close()


def crawl_state(crawler: Crawler) -> CrawlState | None:
    """The open store of this crawl, or None when state is off or could not be opened.

    Opens the store if no ``spider_opened`` handler has yet, whatever the handlers' order.
    """
    extension = crawler.get_extension(CrawlStateExtension)
    return extension.open() if extension is not None else None
