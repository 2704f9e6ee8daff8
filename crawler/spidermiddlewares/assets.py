"""Spider middleware: an article's pictures (and, if asked, its page files) are archived with it.

For each item the spider yields, the files :func:`crawler.extraction.assets.page_assets` names
for its page (``ARCHIVE_ASSETS``: ``images``, the default; ``all``; ``none``) are fetched
before the item goes on; those the page itself names come listed by the extraction worker
that read the page, when one did (``OWN_ASSETS_META``), so that it is not parsed again here.
The fetches go through every downloader middleware, like any page: scope (the site file's
``domains`` and ``asset_domains``), robots.txt, politeness, conditional GET and the WARC
capture, which makes an unchanged file a revisit or a 304.  A file is fetched once per run,
however many articles show it (``assets/reused``); larger than ``ASSET_MAX_SIZE``, it is not
fetched (``assets/failed/...``).

Each of the item's ``images`` gets the WARC record holding its bytes (``warc``): this run's
capture, or, when the fetch found the file unchanged, the earlier capture its revisit refers
to, as a replay of the archive answers.  Items a replaying spider yields from ``start()`` (the
worker processes of ``scrapy reextract`` extract without a response here) get the same
pointers: their images are asked of the replay handler as a response's would be.

In a replay, a file the archive holds no capture of is not requested (the replay handler could
only answer 404): ``assets/failed/not_archived``.

Counts: ``assets/requested``, ``assets/archived`` (new captures), ``assets/revisit``,
``assets/not_modified``, ``assets/bytes`` (bodies of the new captures), ``assets/reused``,
``assets/refused`` (scope or robots.txt), ``assets/failed/<reason>``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urldefrag

from itemadapter import ItemAdapter, is_item
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import TextResponse
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredList, succeed

from archive.crawlstate import crawl_state
from archive.metakeys import META_KEY as WARC_META
from archive.replay import shared_index
from crawler.extraction.assets import AssetMode, asset_mode, own_assets, with_images
from crawler.extractpool import extraction_pool
from crawler.items import Image, WarcPointer
from crawler.outcome import CrawlFailure, ExitCode

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: ``request.meta`` flag of an asset request: the site file's ``asset_domains`` are in scope.
ASSET_META = "page_asset"
#: ``response.meta`` of an article page: the files the page itself names (``own_assets``),
#: listed by the extraction worker that parsed it; absent, the page is parsed here.
OWN_ASSETS_META = "_own_assets"
#: Files remembered per run; past it the oldest half is forgotten (then fetched again).
MAX_REMEMBERED = 100_000
_KINDS = {"response": "archived", "revisit": "revisit", "not_modified": "not_modified"}


class PageAssetsMiddleware:
    """Fetches the files of each article page and points its images at their records."""

    def __init__(self, crawler: Crawler, mode: AssetMode, max_size: int) -> None:
        self.crawler = crawler
        self.replaying = bool(crawler.settings.get("REPLAY_FROM"))
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.mode = mode
        self.max_size = max_size
        # What this run's fetch of each file gave, and who waits for a fetch under way: the
        # articles showing the same file share one fetch.
        self._done: dict[str, WarcPointer | None] = {}
        self._waiting: dict[str, list[Deferred[WarcPointer | None]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        try:
            mode = asset_mode(settings.get("ARCHIVE_ASSETS"))
        except ValueError as exc:
            raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
        if mode == "none":
            raise NotConfigured
        # Replay reads the files from the archive; otherwise they are fetched to be archived.
        if not (settings.getbool("WARC_ENABLED") or settings.get("REPLAY_FROM")):
            raise NotConfigured
        max_size = settings.getint("ASSET_MAX_SIZE")
        if max_size < 1:
            raise CrawlFailure(ExitCode.USAGE, f"ASSET_MAX_SIZE must be positive, got {max_size}")
        middleware = cls(crawler, mode, max_size)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self) -> None:
        pool = extraction_pool(self.crawler)
        if pool is not None:
            pool.assets_with_extraction(self.mode)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if is_item(output) and isinstance(response, TextResponse):
                await self.archive_assets(response, ItemAdapter(output))
            yield output

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            if self.replaying and is_item(output):
                adapter = ItemAdapter(output)
                await self._point(_images(adapter), [image.url for image in _images(adapter)])
            yield output

    async def archive_assets(self, response: TextResponse, item: ItemAdapter) -> None:
        """Fetch the page's files, then set ``warc`` on each of the item's images."""
        images = _images(item)
        own = response.meta.get(OWN_ASSETS_META)
        if own is None:
            own = own_assets(response.selector, response.url, self.mode)
        await self._point(images, with_images(images, own))

    async def _point(self, images: list[Image], urls: list[str]) -> None:
        """Fetch ``urls`` (each once this run), then set ``warc`` on each of ``images``."""
        urls = list(dict.fromkeys(url.split("#", 1)[0] for url in urls))
        if not urls:
            return
        # Twisted's DeferredList, not asyncio.gather: this runs under any reactor.
        results = await maybe_deferred_to_future(
            DeferredList([self._fetch_once(url) for url in urls], consumeErrors=True)
        )
        found = {url: value for url, (_, value) in zip(urls, results, strict=True)}
        for image in images:
            pointer = found.get(image.url.split("#", 1)[0])
            image.warc = pointer if isinstance(pointer, WarcPointer) else None

    def _fetch_once(self, url: str) -> Deferred[WarcPointer | None]:
        """The fetch of ``url`` this run: started now, under way, or done."""
        if url in self._done:
            self.stats.inc_value("assets/reused")
            return succeed(self._done[url])
        waiter: Deferred[WarcPointer | None] = Deferred()
        if url in self._waiting:
            self.stats.inc_value("assets/reused")
            self._waiting[url].append(waiter)
            return waiter
        self._waiting[url] = [waiter]
        deferred_from_coro(self._fetch(url)).addBoth(self._fetched, url)
        return waiter

    def _fetched(self, result: object, url: str) -> None:
        pointer = result if isinstance(result, WarcPointer) else None
        if len(self._done) >= MAX_REMEMBERED:
            for old in list(self._done)[: MAX_REMEMBERED // 2]:
                del self._done[old]
        self._done[url] = pointer
        for waiter in self._waiting.pop(url, []):
            waiter.callback(pointer)

    async def _fetch(self, url: str) -> WarcPointer | None:
        assert self.crawler.engine is not None
        self.stats.inc_value("assets/requested")
        meta = {ASSET_META: True, "download_maxsize": self.max_size}
        meta["download_warnsize"] = self.max_size
        request = Request(url, meta=meta)
        if self.replaying and not self._in_archive(request.url):
            # The replay handler could only answer 404: not asked, nor its middlewares.
            self.stats.inc_value("assets/failed/not_archived")
            return None
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest:
            self.stats.inc_value("assets/refused")  # scope or robots.txt: logged where refused
            return None
        except Exception as exc:  # a download error of any kind: counted, never the item's end
            self.stats.inc_value(f"assets/failed/{type(exc).__name__}")
            logger.info("Could not archive %s: %s", url, exc)
            return None
        if response.status != 200:
            self.stats.inc_value(f"assets/failed/status_{response.status}")
            return None
        return self._pointer(response)

    def _in_archive(self, url: str) -> bool:
        """Whether the archive replayed holds a capture of ``url`` (unsure: True)."""
        try:
            return bool(shared_index(self.crawler).nearest(url))
        except ValueError:  # the sources cannot be read: the request says so as before
            return True

    def _pointer(self, response: Response) -> WarcPointer | None:
        capture: Mapping[str, Any] = response.meta.get(WARC_META) or {}
        if not capture.get("warc_file"):
            self.stats.inc_value("assets/failed/not_archived")
            return None
        kind = _KINDS.get(str(capture.get("warc_type")), "archived")
        self.stats.inc_value(f"assets/{kind}")
        if kind == "archived":
            self.stats.inc_value("assets/bytes", len(response.body))
            return _pointer_of(capture)
        # Unchanged: point at the capture holding the bytes, which the revisit refers to (as
        # a replay's answer does), so that a re-extraction from the archive gives the same.
        state = crawl_state(self.crawler)
        original = state.get_capture(urldefrag(response.url)[0]) if state is not None else None
        if original is None or not original.warc_file:
            return _pointer_of(capture)
        return WarcPointer(original.warc_file, original.warc_offset, original.warc_record_id)


def _images(item: ItemAdapter) -> list[Image]:
    return [image for image in item.get("images") or [] if isinstance(image, Image)]


def _pointer_of(capture: Mapping[str, Any]) -> WarcPointer:
    return WarcPointer(
        warc_file=str(capture["warc_file"]),
        warc_offset=int(capture.get("warc_offset") or 0),
        warc_record_id=str(capture.get("warc_record_id") or ""),
    )
