"""Extraction and item steps in worker processes, beside the reactor that keeps fetching.

Reading an article page and running the item steps on it (:mod:`crawler.pagework`) are pure
and CPU-bound; the crawl process also fetches, archives and keeps the state, on one core.
With ``EXTRACT_WORKERS`` > 0 (``"auto"``: one per core beyond the first, at most 4) the
spider and the steps pipeline hand that work to this pool and await it, so the event loop
goes on fetching and writing meanwhile.  Everything stateful (crawl state, WARC files,
learned boilerplate, versions) stays in the crawl process.

Each hand-over costs the crawl process (pickling a page, the pipe, the answer), so an article
is handed over with its pages only: the steps pipeline gives the pool its steps
(:meth:`ExtractionPool.step_with_extraction`), the worker runs them right after reading the
article's last page (its earlier pages' articles merged in), and the pipeline takes the
outcome the pool keeps for the item (:class:`SteppedItems`) instead of handing the item over
again.  Articles whose page was not archived (their ``fetched_at`` is only known later), or
whose paging the spider stops early, are stepped by the pipeline as before.  The worker also
lists the files each page names for archiving with it (``ARCHIVE_ASSETS``, asked by
:class:`crawler.spidermiddlewares.assets.PageAssetsMiddleware`), so that the crawl process
never parses an article page.

Bounds, so that a bad page neither hangs the crawl nor fills memory:

- at most ``EXTRACT_WORKER_QUEUE`` jobs per worker are in flight; further pages wait their
  turn in their callbacks, and Scrapy stops feeding responses while its scraper holds more
  than ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` bytes of them;
- a job without an answer ``EXTRACT_WORKER_TIMEOUT`` seconds after it was handed over (a new
  worker's start included) is given up (logged, counted ``extraction/pool/timeouts``,
  :class:`WorkerTimeout` raised to the caller, which skips the page) and the workers are
  replaced;
- a worker that dies (``extraction/pool/crashes``) is replaced and the jobs it took down are
  done in the crawl process (``extraction/pool/in_process``); after ``MAX_CRASHES_IN_ROW``
  deaths without an answer between them (workers that cannot start), every job is; the jobs
  in flight on workers replaced after a timeout are done in the crawl process too.

Each worker is a :class:`crawler.jobpipe.JobWorker`: the event loop writes its jobs to its
pipe and reads its answers itself, with no thread of the crawl process in between (threads
would wait for the GIL beside the busy loop, and keep it waiting).  Workers are started with
``spawn`` (the crawl process has threads, which ``fork`` would copy in an unknown state) when
the spider opens, so that they import the extraction code while the first pages are fetched,
and stopped (and reaped) when the spider closes, when the stats
``process/cpu_seconds/crawl`` and ``process/cpu_seconds/workers`` are set.

A worker's start (spawn and imports, about half a CPU second) costs more than reading a few
dozen pages here.  When the crawl state already holds articles of the spider's site, the
crawl is a re-crawl, where most pages are unchanged and never extracted: the workers are
then started only by the ``EXTRACT_WORKERS_AFTER``-th job, the jobs before it done in the
crawl process (``extraction/pool/before_start``).  0 starts them when the spider opens on
every crawl.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from archive.crawlstate import CrawlStateFailed, crawl_state
from crawler.jobpipe import JobWorker, WorkerLost
from crawler.pagework import (
    ExtractedPage,
    Finish,
    PageData,
    StepsOutcome,
    extract_page,
    item_steps,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import TextResponse
    from scrapy.statscollectors import StatsCollector

    from archive.state import CrawlState
    from crawler.extraction.assets import AssetMode
    from crawler.items import Article
    from crawler.sites import SiteConfig
    from pipelines.steps import Step

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Workers started for ``EXTRACT_WORKERS = "auto"`` at most.
MAX_AUTO_WORKERS = 4
#: What a worker imports when it starts, before its first job.
PRELOAD = ("crawler.pagework",)
#: Worker deaths in a row after which the pool is given up for the rest of the crawl.
MAX_CRASHES_IN_ROW = 3


class WorkerTimeout(Exception):
    """A job ran past ``EXTRACT_WORKER_TIMEOUT``: its page is skipped."""


def worker_count(value: object) -> int:
    """``EXTRACT_WORKERS`` as a number; ``"auto"`` (or empty): the cores beyond the first."""
    if value in (None, "", "auto"):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return max(0, min(MAX_AUTO_WORKERS, (cores or os.cpu_count() or 1) - 1))
    try:
        count = int(str(value))
    except ValueError:
        raise ValueError(f"EXTRACT_WORKERS must be a number or 'auto', not {value!r}") from None
    return max(0, count)


class SteppedItems:
    """What the steps did to the items stepped with their extraction, until the pipeline asks.

    Kept by the item's identity, and only while the item lives: an item dropped on its way
    leaves nothing behind, and another item never takes its outcome.
    """

    def __init__(self) -> None:
        self._outcomes: dict[int, tuple[weakref.ref[Any], StepsOutcome]] = {}

    def __len__(self) -> int:
        return len(self._outcomes)

    def note(self, outcome: StepsOutcome) -> None:
        key = id(outcome.item)
        alive = weakref.ref(outcome.item, lambda _: self._outcomes.pop(key, None))
        # The item itself is left out: the entry must not keep it alive.
        self._outcomes[key] = (alive, StepsOutcome(None, outcome.counts, outcome.dropped))

    def take(self, item: Any) -> StepsOutcome | None:
        """The steps' outcome for ``item`` (once), or None when its steps are still to run."""
        entry = self._outcomes.pop(id(item), None)
        if entry is None or entry[0]() is not item:
            return None
        return StepsOutcome(item, entry[1].counts, entry[1].dropped)


class ExtractionPool:
    """Worker processes for page extraction and the item steps, awaited from the event loop."""

    def __init__(
        self,
        stats: StatsCollector,
        workers: int,
        timeout: float,
        queue: int,
        after: int = 0,
        state: Callable[[], CrawlState | None] | None = None,
    ) -> None:
        self.stats = stats
        self.workers = workers
        self.timeout = timeout
        self.queue = max(1, queue) * workers
        # On a re-crawl (``state`` knows the site), the job that starts the workers.
        self.after = max(0, after)
        self._state = state
        self._started = False
        self._jobs_before_start = 0
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[JobWorker] = []
        self._slots: asyncio.Semaphore | None = None
        self._crashes_in_row = 0
        # The steps pipeline's steps, when they may run with the extraction of a page.
        self.item_steps: list[Step] | None = None
        # The ``ARCHIVE_ASSETS`` mode each page's own files are listed by, for the crawl.
        self.assets: AssetMode = "none"
        self.stepped = SteppedItems()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        workers = worker_count(settings.get("EXTRACT_WORKERS"))
        if workers == 0:
            raise NotConfigured  # extraction in the crawl process
        try:
            asyncio_loop = is_asyncio_available()
        except RuntimeError:
            asyncio_loop = True  # no reactor yet: the crawl installs TWISTED_REACTOR (asyncio)
        if not asyncio_loop:
            logger.warning("EXTRACT_WORKERS needs the asyncio reactor: extracting in-process")
            raise NotConfigured
        assert crawler.stats is not None
        pool = cls(
            crawler.stats,
            workers,
            settings.getfloat("EXTRACT_WORKER_TIMEOUT"),
            settings.getint("EXTRACT_WORKER_QUEUE"),
            settings.getint("EXTRACT_WORKERS_AFTER"),
            lambda: crawl_state(crawler),
        )
        crawler.signals.connect(pool.start, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    # --- the jobs ---------------------------------------------------------------------------

    def step_with_extraction(self, steps: list[Step]) -> None:
        """Let the worker run ``steps`` on a page's article right after reading it.

        Called by the steps pipeline when nothing stands between the spider and it that the
        steps would have to see first.
        """
        self.item_steps = steps

    def assets_with_extraction(self, mode: AssetMode) -> None:
        """Let the worker list each page's own files by ``mode`` (``ExtractedPage.assets``).

        Called by the asset middleware: the worker has the page parsed, the crawl has not.
        """
        self.assets = mode

    async def extract(
        self,
        response: TextResponse,
        site: SiteConfig,
        next_selector: str | None,
        fields: dict[str, Any] | None = None,
        earlier: tuple[Article, ...] = (),
    ) -> ExtractedPage:
        """``extract_page`` of ``response`` in a worker.

        ``fields``: what the crawl sets on the page's item before the steps, when the page
        may be its article whole; the item steps then run in the same job (if the steps
        pipeline allowed it), and :attr:`stepped` keeps their outcome for the pipeline.
        ``earlier``: the articles of the earlier pages, when ``response`` is a later page.
        """
        finish = (
            Finish(fields, self.item_steps, earlier)
            if fields is not None and self.item_steps is not None
            else None
        )
        page = await self.run(
            extract_page, PageData.of(response), site, next_selector, finish, self.assets
        )
        if page.stepped is not None:
            self.stepped.note(page.stepped)
            self.stats.inc_value("extraction/pool/stepped")
        return page

    async def steps(self, item: Any, site: SiteConfig | None, steps: list[Step]) -> StepsOutcome:
        """``item_steps`` in a worker: the item that comes back is a copy."""
        return await self.run(item_steps, item, site, steps)

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """``job(*args)`` in a worker, awaited; see the module for timeouts and crashes."""
        if self._crashes_in_row >= MAX_CRASHES_IN_ROW:
            self.stats.inc_value("extraction/pool/in_process")
            return job(*args)
        if not self._started:
            self._jobs_before_start += 1
            if self._jobs_before_start < self.after:
                self.stats.inc_value("extraction/pool/before_start")
                return job(*args)
            self._begin()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.queue)
        async with self._slots:
            try:
                result: T = await asyncio.wait_for(self._hand_over(job, args), self.timeout)
            except TimeoutError:
                self.stats.inc_value("extraction/pool/timeouts")
                logger.warning(
                    "Extraction worker gave no answer in %.0f s: page skipped, workers replaced",
                    self.timeout,
                )
                self._stop_workers(wait=0)
                raise WorkerTimeout(f"no answer in {self.timeout:.0f} s") from None
            except WorkerLost:
                # Its worker died under it (or was replaced): redone here, the crawl's own way.
                self.stats.inc_value("extraction/pool/in_process")
                return job(*args)
        self._crashes_in_row = 0
        self.stats.inc_value("extraction/pool/jobs")
        return result

    def _hand_over(self, job: Callable[..., T], args: tuple[Any, ...]) -> asyncio.Future[T]:
        """Give the job to the worker with the fewest jobs in flight."""
        if self._crashes_in_row >= MAX_CRASHES_IN_ROW:
            raise WorkerLost(crashed=False)  # given up while the job waited for its turn
        return min(self._live_workers(), key=len).submit(job, *args)

    def _crashed(self, worker: JobWorker) -> None:
        self._workers.remove(worker)
        self.stats.inc_value("extraction/pool/crashes")
        self._crashes_in_row += 1
        if self._crashes_in_row >= MAX_CRASHES_IN_ROW:
            logger.error(
                "Extraction workers died %d times in a row: pages are read in-process from now",
                self._crashes_in_row,
            )
            self._stop_workers(wait=0)
        else:
            logger.warning("An extraction worker died: its jobs are done in-process")

    # --- the processes ----------------------------------------------------------------------

    def start(self, spider: Spider) -> None:
        """Start the workers, which import the extraction code while pages are fetched.

        On a re-crawl, the ``after``-th job starts them instead (see the module).
        """
        if self.after > 0 and self._knows_site(spider):
            logger.debug("Re-crawl: extraction workers start at job %d", self.after)
            return
        self._begin()

    def _knows_site(self, spider: Spider) -> bool:
        """Whether the crawl state holds an article of the spider's site (a re-crawl)."""
        site = getattr(spider, "site_name", None)
        state = self._state() if self._state is not None else None
        if not isinstance(site, str) or state is None:
            return False
        try:
            return next(iter(state.articles(site)), None) is not None
        except CrawlStateFailed:
            return False  # the run is failing already (exit 6): the workers start as ever

    def _begin(self) -> None:
        self._started = True
        if self._crashes_in_row < MAX_CRASHES_IN_ROW:
            self._live_workers()

    def _live_workers(self) -> list[JobWorker]:
        """The workers, a new one started for each that died."""
        while len(self._workers) < self.workers:
            self._workers.append(JobWorker(self._context, PRELOAD, on_lost=self._crashed))
        return self._workers

    def _stop_workers(self, wait: float) -> None:
        """Stop the workers (hung ones at once after ``wait`` s); the next job starts anew."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop(wait)

    def close(self) -> None:
        """Stop the workers (reaped before this returns) and set the CPU stats."""
        self._stop_workers(wait=self.timeout)
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.stats.set_value("process/cpu_seconds/crawl", round(own.ru_utime + own.ru_stime, 2))
        self.stats.set_value(
            "process/cpu_seconds/workers", round(workers.ru_utime + workers.ru_stime, 2)
        )


def extraction_pool(crawler: Crawler) -> ExtractionPool | None:
    """This crawl's pool, or None when pages are extracted in the crawl process."""
    return crawler.get_extension(ExtractionPool)
