"""ArchiveSpider: every archived article response crawled again, in capture order.

The crawl behind ``scrapy reextract``: no discovery, no network.  The WARC files of
``REPLAY_FROM`` are read in order (file names start with the time they were opened) and each
``response`` record of an article URL with HTTP 200 becomes a request answered, through the
replay download handler, by that very capture (``replay_at`` in its meta); an article's later
pages are the captures of their URLs from then on.  Extraction, the item steps, the versions
stage and the feeds are those of the live crawl, so one item comes out per article version.
Revisits repeat a payload already read and are passed over.

Requests go one at a time and in order (the next capture is read only once the scheduler is
empty), so that the captures of an article reach the versions stage in the order they were
made, and memory does not grow with requests waiting.  A damaged file is reported
(``problems``) from the point where it stops being readable; the rest of the archive is crawled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from tqdm import tqdm

from archive.reader import parse_warc_date
from archive.replay import REPLAY_AT_META
from archive.replayindex import archive_files
from archive.scan import WARC_SUFFIXES, Problem, walk_records
from crawler.processing import site_for_url
from crawler.sites import SiteConfig, load_site
from crawler.spiders.news import NewsSpider

# Longer status lines are no HTTP status lines.
_STATUS_LINE = 1024


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
        files = [
            path
            for path in archive_files(Path(p) for p in self.settings.getlist("REPLAY_FROM"))
            if path.name.endswith(WARC_SUFFIXES)
        ]
        total = sum(path.stat().st_size for path in files)
        with tqdm(total=total, unit="B", unit_scale=True, disable=not self.show_progress) as bar:
            for path in files:
                for url, date in self._article_responses(path, bar.update):
                    self.crawler.stats.inc_value("archive/article_responses")
                    await self._scheduler_empty()
                    yield scrapy.Request(
                        url,
                        callback=self.parse_article,
                        errback=self.on_error,
                        meta={REPLAY_AT_META: date, **self._size_limits("article")},
                        dont_filter=True,
                    )

    async def _scheduler_empty(self) -> None:
        """Wait until the scheduler holds no request: one capture is read at a time, and the
        requests waiting in memory do not grow with the archive."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if scheduler is not None and scheduler.has_pending_requests():
            await self.crawler.signals.wait_for(signals.scheduler_empty)

    def _article_responses(
        self, path: Path, advance: Callable[[int], Any]
    ) -> Iterator[tuple[str, datetime]]:
        """URL and date of each HTTP 200 response of an article URL in one WARC file."""
        done = 0
        try:
            stream = path.open("rb")
        except OSError as exc:
            self._problem(f"{path}: cannot open: {exc.strerror or exc}")
            return
        with stream:
            for item in walk_records(stream, str(path), self._article_of):
                if isinstance(item, Problem):
                    self._problem(f"{item}; the rest of the file skipped")
                    break
                advance(item.offset + item.length - done)
                done = item.offset + item.length
                if item.value is not None:
                    yield item.value
        advance(max(path.stat().st_size - done, 0))

    def _article_of(self, record: Any, iterator: Any) -> tuple[str, datetime] | None:
        if record.rec_type != "response":
            return None
        # The status line alone: warcio need not parse the HTTP head of every record.
        status = record.raw_stream.readline(_STATUS_LINE).split(maxsplit=2)
        if len(status) < 2 or not status[0].startswith(b"HTTP/") or status[1] != b"200":
            return None
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if not url or not self.site_for(url).is_article(url):
            return None
        date = parse_warc_date(record.rec_headers.get_header("WARC-Date"))
        return None if date is None else (url, date)

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        self._skip("archive/damaged_files", message)
