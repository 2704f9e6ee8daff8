"""ArchiveSpider: every archived article response crawled again, in capture order.

The crawl behind ``scrapy reextract``: no discovery, no network.  The replay index of
``REPLAY_FROM`` (read once, shared with the replay download handler) lists the ``response``
records of its WARC files in order (file names start with the time they were opened); each one
of an article URL with HTTP 200 becomes a request answered, through the handler, by that very
capture (``replay_at`` in its meta); an article's later
pages are the captures of their URLs from then on.  Extraction, the item steps, the versions
stage and the feeds are those of the live crawl, so one item comes out per article version.
Revisits repeat a payload already read and are passed over.

With ``REEXTRACT_WORKERS`` (default ``auto``: one per CPU) the captures are not requested:
worker processes (:mod:`crawler.reextract_pool`) read each one, extract it and run the item
steps, and the spider yields the items, in capture order, to the pipelines that keep state
(learned boilerplate, versions, outputs); :class:`pipelines.prestepped.PresteppedPipeline`
stands in for the steps.  A first pass of ``scrapy reextract`` (``spill_to``) keeps its
outcomes in a file that the second (``spill_from``) reads instead of extracting again
(:mod:`crawler.reextract_spill`).  A worker process that dies ends the crawl as failed.

``REEXTRACT_WORKERS = 0`` requests each capture through the replay download handler instead,
one at a time and in order (the next capture is read only once the scheduler is empty), so that
the captures of an article reach the versions stage in the order they were made, and memory
does not grow with requests waiting.  Either way, a damaged file is reported (``problems``)
from the point where it stops being readable; the rest of the archive is crawled.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from tqdm import tqdm

from archive.replay import REPLAY_AT_META, shared_index
from archive.replayindex import ArchiveIndex, Capture
from crawler.outcome import ExitCode, record_failure
from crawler.processing import site_for_url
from crawler.reextract_pool import (
    Job,
    Outcome,
    ReextractPool,
    ReextractPoolError,
    WorkerConfig,
    worker_count,
)
from crawler.reextract_spill import Head, SpillError, SpillWriter, read_spill
from crawler.sites import SiteConfig, load_site
from crawler.spiders.news import NewsSpider

_STEPS = "pipelines.steppipeline.StepsPipeline"
_PRESTEPPED = "pipelines.prestepped.PresteppedPipeline"
#: Close reason of a crawl whose worker processes failed.
FAILED_REASON = "reextract_failed"
SPIDER_PRIORITY = SETTINGS_PRIORITIES["spider"]


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

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if worker_count(settings):
            # Its own worker processes extract: the live crawl's pool would only start up.
            priority = max(settings.getpriority("EXTRACT_WORKERS") or 0, SPIDER_PRIORITY)
            settings.set("EXTRACT_WORKERS", 0, priority=priority)
            # The workers run the steps: the crawl's pipeline only drops what they dropped.
            pipelines = settings.getdict("ITEM_PIPELINES")
            order = pipelines.get(_STEPS)
            if order is not None:
                # Kept switched off (not left out): the defaults, set later, would add it back.
                pipelines.update({_STEPS: None, _PRESTEPPED: order})
                priority = max(settings.getpriority("ITEM_PIPELINES") or 0, SPIDER_PRIORITY)
                settings.set("ITEM_PIPELINES", pipelines, priority=priority)

    def __init__(
        self,
        site: str | None = None,
        progress: str = "",
        spill_to: str = "",
        spill_from: str = "",
        **kwargs: Any,
    ) -> None:
        scrapy.Spider.__init__(self, **kwargs)
        self.site_arg = site
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
        # The first pass keeps its outcomes in this file; the second reads them from it.
        self.spill_to = Path(spill_to) if spill_to else None
        self.spill_from = Path(spill_from) if spill_from else None
        # Why the item steps dropped an item (by its id), for PresteppedPipeline.
        self.step_drops: dict[int, str] = {}

    def site_for(self, url: str) -> SiteConfig:
        return self.fixed if self.fixed is not None else site_for_url(url)

    async def start(self) -> AsyncIterator[Any]:
        workers = worker_count(self.settings)
        try:
            if not workers:
                source = self._requests()
            elif self.spill_from is not None:
                source = self._spilled(self.spill_from)
            else:
                source = self._extracted(workers)
            async for value in source:
                yield value
        except (ReextractPoolError, SpillError) as exc:
            self.logger.error("%s", exc)
            record_failure(self.crawler.stats, ExitCode.ERROR, str(exc))
            raise CloseSpider(FAILED_REASON) from exc

    def _index(self) -> ArchiveIndex | None:
        try:
            index = shared_index(self.crawler)
        except ValueError as exc:
            self._problem(str(exc))
            return None
        for problem in index.problems:
            self._problem(problem)
        return index

    def _articles(self, index: ArchiveIndex) -> Iterator[tuple[str, Capture]]:
        """The article captures, in capture order, each counted."""
        responses = tqdm(index.responses(), unit=" responses", disable=not self.show_progress)
        with responses:
            for capture in responses:
                url = capture.target or capture.url
                if not self.site_for(url).is_article(url):
                    continue
                self.crawler.stats.inc_value("archive/article_responses")
                yield url, capture

    async def _requests(self) -> AsyncIterator[Any]:
        """A request per capture, answered by the replay download handler."""
        index = self._index()
        if index is None:
            return
        for url, capture in self._articles(index):
            await self._scheduler_empty()
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.on_error,
                meta={REPLAY_AT_META: capture.date, **self._size_limits("article")},
                dont_filter=True,
            )

    async def _extracted(self, workers: int) -> AsyncIterator[Any]:
        """The items of the captures, extracted and stepped by worker processes."""
        config = WorkerConfig(
            site=self.site_arg,
            steps=self.settings.getdict("ITEM_STEPS"),
            limits=self._size_limits("article"),
            log_level=_level(self.settings.get("LOG_LEVEL")),
        )
        # Started first: the workers start up while the index is built.
        pool = ReextractPool(config, workers)
        spill: SpillWriter | None = None
        try:
            index = self._index()
            if self.spill_to is not None:
                stats = self.crawler.stats
                figures = {
                    name: stats.get_value(name)
                    for name in ("replay/captures", "replay/damaged_files")
                    if stats.get_value(name) is not None
                }
                spill = SpillWriter(self.spill_to, Head(list(self.problems), figures))
            articles = self._articles(index) if index is not None else iter(())
            where = str(index.path) if index is not None else ""
            jobs = (Job(where, url, capture.date) for url, capture in articles)
            async for _, outcome in pool.outcomes(jobs):
                if spill is not None:
                    spill.write(outcome)
                item = self._take(outcome)
                if item is not None:
                    yield item
            if spill is not None:
                spill.finish()
        finally:
            if spill is not None:
                spill.close()
            pool.close()

    async def _spilled(self, path: Path) -> AsyncIterator[Any]:
        """The outcomes a first pass kept, read again."""
        head, outcomes = read_spill(path)
        for problem in head.problems:
            self._problem(problem)
        for name, value in head.stats.items():
            self.crawler.stats.set_value(name, value)
        shown = tqdm(outcomes, unit=" responses", disable=not self.show_progress)
        with shown:
            for outcome in shown:
                self.crawler.stats.inc_value("archive/article_responses")
                item = self._take(outcome)
                if item is not None:
                    yield item

    def _take(self, outcome: Outcome) -> Any:
        """A worker's outcome into this crawl: its counts, its log lines, its item."""
        stats = self.crawler.stats
        for name, count in outcome.stats.items():
            stats.inc_value(name, count)
        for record in outcome.logs:
            logging.getLogger(record.name).handle(record)
        if outcome.item is not None and outcome.dropped is not None:
            self.step_drops[id(outcome.item)] = outcome.dropped
        return outcome.item

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


def _level(value: Any) -> int:
    """``LOG_LEVEL`` as a number: the workers send back only the records the crawl logs."""
    if isinstance(value, int):
        return value
    level = logging.getLevelName(str(value or "").upper())
    return level if isinstance(level, int) else logging.DEBUG
