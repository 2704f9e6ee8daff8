"""ArchiveSpider: every archived article response crawled again, in capture order.

The crawl behind ``scrapy reextract``: no discovery, no network.  The replay index of
``REPLAY_FROM`` (read once, shared with the replay download handler) lists the ``response``
records of its WARC files in order (file names start with the time they were opened); each one
of an article URL with HTTP 200 becomes a request answered, through the handler, by that very
capture (``replay_at`` in its meta); an article's later
pages are the captures of their URLs from then on.  Extraction, the item steps, the versions
stage and the feeds are those of the live crawl, so one item comes out per article version.
Revisits repeat a payload already read and are passed over.

Requests go one at a time and in order (the next capture is read only once the scheduler is
empty), so that the captures of an article reach the versions stage in the order they were
made, and memory does not grow with requests waiting.  A damaged file is reported
(``problems``) from the point where it stops being readable; the rest of the archive is crawled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from tqdm import tqdm

from archive.replay import REPLAY_AT_META, shared_index
from crawler.processing import site_for_url
from crawler.sites import SiteConfig, load_site
from crawler.spiders.news import NewsSpider


class ArchiveSpider(NewsSpider):
    """Re-reads every archived article response; ``-a site=NAME`` reads all with one site file."""

    name = "archive"
    custom_settings = {
        "CONCURRENT_REQUESTS": 1,
        # A response gives one item or one request: a hundred workers per response (Scrapy's
        # default) only cost a task each.
        "CONCURRENT_ITEMS": 1,
        # Every request names one capture: an article's later pages are asked again for each
        # of its versions, and no set of seen URLs grows with the archive.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        # The archive was fetched as robots.txt allowed then; its rules are not asked again.
        "ROBOTSTXT_OBEY": False,
    }

    def __init__(self, site: str | None = None, progress: str = "", **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, **kwargs)
        self.fixed: SiteConfig | None = load_site(site) if site else None
        if self.fixed is not None:
            self.site = self.fixed
            self.site_name = self.fixed.name
            self.allowed_domains = list(self.fixed.domains)
        # Size limits per kind of page, read from the settings on first use.
        self.limits: dict[str, dict[str, int]] | None = None
        # Articles are told by their site file's patterns, never by learned URL shapes.
        self.shapes = None
        self.started_at = datetime.now(UTC)
        self.show_progress = progress.lower() in ("1", "true", "yes")
        self.problems: list[str] = []

    def site_for(self, url: str) -> SiteConfig:
        return self.fixed if self.fixed is not None else site_for_url(url)

    async def start(self) -> AsyncIterator[Any]:
        try:
            index = shared_index(self.crawler)
        except ValueError as exc:
            self._problem(str(exc))
            return
        for problem in index.problems:
            self._problem(problem)
        responses = tqdm(index.responses(), unit=" responses", disable=not self.show_progress)
        with responses:
            for capture in responses:
                url = capture.target or capture.url
                if not self.site_for(url).is_article(url):
                    continue
                self.crawler.stats.inc_value("archive/article_responses")
                await self._scheduler_empty()
                yield scrapy.Request(
                    url,
                    callback=self.parse_article,
                    errback=self.on_error,
                    meta={REPLAY_AT_META: capture.date, **self._size_limits("article")},
                    dont_filter=True,
                )

    async def _scheduler_empty(self) -> None:
        """Wait until the scheduler holds no request: one capture is read at a time, and the
        requests waiting in memory do not grow with the archive."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if scheduler is not None and scheduler.has_pending_requests():
            await self.crawler.signals.wait_for(signals.scheduler_empty)

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        self._skip("archive/damaged_files", message)
