"""Kabarsip's crawler built in this process, not started: unit tests drive its components.

``open_crawl(tmp_path)`` builds a Scrapy crawler from the project's settings (state and WARC
files under ``tmp_path``), the news spider for a site file and the engine with every spider
middleware, downloader middleware, item pipeline and extension the settings enable, and opens
them as ``spider_opened`` does. Nothing is fetched: tests hand built responses to the same
chains the engine runs (:meth:`InProcessCrawl.scrape`, :meth:`InProcessCrawl.download`,
:meth:`InProcessCrawl.process_item`), so they exercise the real components, whatever their
order or split, through their public entry points.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

import crawler.settings as project_settings
from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.spiders.news import NewsSpider

#: The demo site file's placeholder origin: its seed URLs as written.
DEMO_ORIGIN = "http://127.0.0.1:8000"


def settings_for(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings with its files under ``tmp_path`` and nothing on the network.

    The scope middleware is left out: it checks resolved addresses against the reactor's
    resolver, and these tests resolve nothing.
    """
    settings = {name: getattr(project_settings, name) for name in dir(project_settings)}
    settings = {name: value for name, value in settings.items() if name.isupper()}
    for reactor_setting in ("TWISTED_REACTOR", "TWISTED_DNS_RESOLVER"):
        settings.pop(reactor_setting, None)
    downloader = dict(settings["DOWNLOADER_MIDDLEWARES"])
    downloader["crawler.middlewares.scope.ScopeMiddleware"] = None
    settings.update(
        DOWNLOADER_MIDDLEWARES=downloader,
        DOWNLOAD_HANDLERS={"http": None, "https": None, "ftp": None},
        ROBOTSTXT_OBEY=False,
        STATE_PATH=str(tmp_path / "state.sqlite"),
        WARC_DIR=str(tmp_path / "warc"),
        ITEMS_PATH="",
        LOG_LEVEL="WARNING",
        LOGSTATS_INTERVAL=0,
        # The components are driven one call at a time: pages are read in this process.
        EXTRACT_WORKERS=0,
    )
    settings.update(overrides)
    return settings


def demo_response(site: SiteManifest, request: Request, status: int = 200) -> Response:
    """The demo site's file for ``request`` as its server sends it (origin filled in)."""
    target = request.url.removeprefix(DEMO_ORIGIN)
    route = site.routes[target]
    assert site.directory is not None
    body = (site.directory / route.file).read_bytes()
    if route.file.endswith(".gz"):
        body = gzip.decompress(body)
    body = body.replace(site.origin_token.encode(), DEMO_ORIGIN.encode())
    headers = Headers({"Content-Type": route.content_type})
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=headers, body=body, request=request)


def single_page_article(site: SiteManifest) -> ArticleTruth:
    """The first live article of ``site`` that fits on one page."""
    return next(a for a in site.live() if a.pages == 1)


@dataclass
class InProcessCrawl:
    """A built, opened crawler and its spider; every method runs one chain of the engine."""

    crawler: Crawler
    spider: NewsSpider

    @property
    def stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def start_requests(self) -> list[Request]:
        """What the spider starts with, through the spider middlewares' ``process_start``."""

        async def collect() -> list[Request]:
            start = await self.engine.scraper.spidermw.process_start()
            assert start is not None
            return [request async for request in start]

        return asyncio.run(collect())

    def scrape(self, response: Response) -> list[Any]:
        """The output of ``response.request``'s callback, through the spider middlewares (or of
        its errback, when one of them refuses the response)."""
        request = response.request
        assert request is not None and request.callback is not None

        async def call(
            result: Response | Failure, request: Request
        ) -> Iterable[Any] | AsyncIterator[Any]:
            assert request.callback is not None
            if isinstance(result, Failure):
                # A spider middleware refused the response: its errback runs, as in a crawl.
                if request.errback is None:
                    result.raiseException()
                result.request = request  # type: ignore[attr-defined]  # as Scrapy sets it
                return request.errback(result) or []
            output: Iterable[Any] | AsyncIterator[Any] = request.callback(
                result, **request.cb_kwargs
            )
            return output

        async def collect() -> list[Any]:
            chain = await self.engine.scraper.spidermw.scrape_response_async(
                call, response, request
            )
            return [output async for output in chain]

        return asyncio.run(collect())

    def download(
        self, request: Request, answer: Callable[[Request], Response]
    ) -> Response | Request:
        """``request`` through the downloader middlewares, ``answer`` standing for the server."""

        async def fetch(request: Request) -> Response:
            return answer(request)

        return asyncio.run(self.engine.downloader.middleware.download_async(fetch, request))

    def process_item(self, item: Any) -> Any:
        """``item`` through the item pipelines; raises ``DropItem`` as they do."""
        return asyncio.run(self.engine.scraper.itemproc.process_item_async(item))

    @property
    def engine(self) -> ExecutionEngine:
        engine = self.crawler.engine
        assert engine is not None
        return engine


@contextmanager
def open_crawl(
    tmp_path: Path, site: str = "demo", origin: str | None = None, **settings: Any
) -> Iterator[InProcessCrawl]:
    """A crawler of ``site`` built from the project's settings, opened, closed on exit."""
    crawler = get_crawler(NewsSpider, settings_for(tmp_path, **settings))
    spider = NewsSpider.from_crawler(crawler, site=site, origin=origin)
    crawler.spider = spider
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    asyncio.run(crawler.engine.scraper.itemproc.open_spider_async())
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    try:
        yield InProcessCrawl(crawler, spider)
    finally:
        asyncio.run(crawler.engine.scraper.itemproc.close_spider_async())
        crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
