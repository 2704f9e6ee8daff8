"""The crawl's CrawlState: one store per crawl, opened when the spider opens.

Settings (documented in ``crawler/settings.py``): ``STATE_ENABLED`` (off, every run is a first
run: no dedup, no versions, no schedule), ``STATE_PATH`` (one crawl at a time uses it),
``STATE_FSYNC``, ``STATE_CHECK_SECONDS`` (time SQLite's ``quick_check`` may take on the file
when it is opened; a damaged file fails the run, exit 6, a larger one is used unchecked).

A state file that cannot be opened, or that fails a read or write during the crawl (damage
found late, a full disk), ends the run as failed (close reason ``state_failed``, exit 6) with
one line naming the file; the step that hit the error stops quietly (:class:`CrawlStateFailed`).

Components reach the store through :func:`crawl_state`, so none of them opens a file itself.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem, IgnoreRequest, NotConfigured
from twisted.internet.task import LoopingCall

from archive.state import CrawlState, CrawlStateError
from archive.stateopen import open_crawl_state, redacted_url
from crawler.outcome import fail_crawl

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class CrawlStateFailed(CloseSpider, IgnoreRequest, DropItem):
    """The state store failed mid-crawl, and the run is already failing because of it.

    One exception for every place that uses the store, each of which Scrapy ends quietly: a
    spider callback closes the spider, a downloader middleware drops its request and an item
    pipeline its item, with no traceback per request or item.
    """

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.reason = "state_failed"
        self.log_level = "DEBUG"


class CrawlStateExtension:
    """Opens the state store on ``spider_opened`` and closes it on ``spider_closed``.

    Its place last in ``EXTENSIONS`` makes its ``spider_closed`` handler run after every other
    one (Scrapy calls them in the order the extensions were built), so the run recorder and the
    monitors still find the store open; others open it, earlier, through :func:`crawl_state`.

    A store that cannot be opened (held by another crawl, newer schema, not a state file,
    damaged) fails the run before anything is fetched: a run without its state would archive
    and emit everything again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.store: CrawlState | None = None
        # Set once opening failed or the spider closed: the store is not (re)opened after.
        self.done = False
        # Commits the store's grouped writes at least every STATE_COMMIT_SECONDS.
        self.ticker: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED"):
            raise NotConfigured  # switched off: no message, no warning
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.open()
        seconds = self.settings.getfloat("STATE_COMMIT_SECONDS")
        if self.store is not None and seconds > 0:
            self.ticker = LoopingCall(self._commit)
            self.ticker.start(seconds, now=False)

    def _commit(self) -> None:
        if self.store is not None:
            # A failing store has already failed the run (exit 6).
            with suppress(CrawlStateError, CrawlStateFailed):
                self.store.commit()

    def open(self) -> CrawlState | None:
        """Open the store (once); on failure fail the run, which stops the engine."""
        if self.store is not None or self.done:
            return self.store
        spider = self.crawler.spider
        site = getattr(spider, "site_name", None) or getattr(spider, "name", None)
        try:
            self.store = state_from_settings(
                self.settings,
                site,
                on_error=self._failed,
                group_seconds=self.settings.getfloat("STATE_COMMIT_SECONDS"),
            )
        except CrawlStateError as exc:
            self.done = True
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("state/error", str(exc))
            fail_crawl(self.crawler, "state_failed", str(exc))
            return None
        logger.info("Crawl state: %s", describe_state(self.settings))
        return self.store

    def _failed(self, error: CrawlStateError) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("state/errors")
        fail_crawl(self.crawler, "state_failed", str(error))
        raise CrawlStateFailed(str(error)) from error

    def spider_closed(self, spider: Spider) -> None:
        self.done = True
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        if self.store is not None:
            store, self.store = self.store, None
            try:
                store.close()
            except CrawlStateFailed as exc:
                # Already counted and failing the run (``_failed``): one line, no traceback.
                logger.error("Crawl state not written at close: %s", exc)


def state_from_settings(
    settings: BaseSettings,
    site: str | None = None,
    *,
    on_error: Callable[[CrawlStateError], None] | None = None,
    group_seconds: float = 0.0,
) -> CrawlState:
    """The store the settings name: ``KABARSIP_REDIS_URL`` when set, else ``STATE_PATH``.

    ``group_seconds``: commit a file's writes in groups of up to that many seconds.
    """
    return open_crawl_state(
        settings["STATE_PATH"],
        site,
        redis_url=settings.get("KABARSIP_REDIS_URL") or "",
        redis_namespace=settings.get("KABARSIP_REDIS_NAMESPACE") or "",
        fsync=settings.getbool("STATE_FSYNC"),
        check_seconds=settings.getfloat("STATE_CHECK_SECONDS"),
        on_error=on_error,
        group_seconds=group_seconds,
    )


def describe_state(settings: BaseSettings) -> str:
    """Where the settings keep the state, for logs (a Redis password left out)."""
    url = settings.get("KABARSIP_REDIS_URL")
    if not url:
        return str(settings["STATE_PATH"])
    namespace = settings.get("KABARSIP_REDIS_NAMESPACE") or "default"
    return f"Redis {redacted_url(url)} (namespace {namespace})"


def crawl_state(crawler: Crawler) -> CrawlState | None:
    """The open store of this crawl, or None when state is off or could not be opened.

    Opens the store if no ``spider_opened`` handler has yet, whatever the handlers' order.
    """
    extension = crawler.get_extension(CrawlStateExtension)
    return extension.open() if extension is not None else None
