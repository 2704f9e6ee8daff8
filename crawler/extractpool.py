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
  deaths without an answer between them (workers that cannot start), every job is.

Workers are started with ``spawn`` (the crawl process has threads, which ``fork`` would copy in
an unknown state) when the spider opens, so that they import the extraction code while the
first pages are fetched, and stopped when the spider closes, when the stats
``process/cpu_seconds/crawl`` and ``process/cpu_seconds/workers`` are set.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from crawler.pagework import (
    ExtractedPage,
    Finish,
    PageData,
    StepsOutcome,
    extract_page,
    item_steps,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import TextResponse
    from scrapy.statscollectors import StatsCollector

    from crawler.extraction.assets import AssetMode
    from crawler.items import Article
    from crawler.sites import SiteConfig
    from pipelines.steps import Step

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Workers started for ``EXTRACT_WORKERS = "auto"`` at most.
MAX_AUTO_WORKERS = 4
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

    def __init__(self, stats: StatsCollector, workers: int, timeout: float, queue: int) -> None:
        self.stats = stats
        self.workers = workers
        self.timeout = timeout
        self.queue = max(1, queue) * workers
        self._executor: ProcessPoolExecutor | None = None
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
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.queue)
        async with self._slots:
            executor = self._pool()
            try:
                future = asyncio.wrap_future(executor.submit(job, *args))
                result: T = await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                self.stats.inc_value("extraction/pool/timeouts")
                logger.warning(
                    "Extraction worker gave no answer in %.0f s: page skipped, workers replaced",
                    self.timeout,
                )
                self._replace(executor)
                raise WorkerTimeout(f"no answer in {self.timeout:.0f} s") from None
            except BrokenProcessPool:
                self._crashed(executor)
                # The worker died under one of its jobs: redone here, the crawl's own way.
                self.stats.inc_value("extraction/pool/in_process")
                return job(*args)
        self._crashes_in_row = 0
        self.stats.inc_value("extraction/pool/jobs")
        return result

    def _crashed(self, executor: Executor) -> None:
        if executor is not self._executor:
            return  # a death already counted: the jobs in flight all hear of it
        self.stats.inc_value("extraction/pool/crashes")
        self._crashes_in_row += 1
        self._replace(executor)
        if self._crashes_in_row >= MAX_CRASHES_IN_ROW:
            logger.error(
                "Extraction workers died %d times in a row: pages are read in-process from now",
                self._crashes_in_row,
            )
        else:
            logger.warning("An extraction worker died: its jobs are done in-process")

    # --- the processes ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers now: they import the extraction code while pages are fetched."""
        if self._crashes_in_row >= MAX_CRASHES_IN_ROW:
            return
        executor = self._pool()
        # Each job finding no idle worker starts one (spawn starts them on demand).
        for _ in range(self.workers):
            executor.submit(_ready)

    def _pool(self) -> Executor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self._executor

    def _replace(self, executor: Executor) -> None:
        """Stop ``executor``'s workers at once (hung ones included); the next job starts anew."""
        if executor is self._executor:
            self._executor = None
        assert isinstance(executor, ProcessPoolExecutor)
        _stop(executor, wait=0)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            _stop(executor, wait=self.timeout)
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.stats.set_value("process/cpu_seconds/crawl", round(own.ru_utime + own.ru_stime, 2))
        self.stats.set_value(
            "process/cpu_seconds/workers", round(workers.ru_utime + workers.ru_stime, 2)
        )


def _ready() -> None:
    """A job that does nothing: the worker it starts has imported the extraction code."""


def _start_worker() -> None:
    """In a worker: leave stopping to the crawl process, and end with it.

    Ctrl-C reaches the whole process group: the crawl process alone decides how to stop (it
    finishes or abandons its jobs, then stops the workers).  A crawl process killed outright
    stops nothing, and a worker waiting for its next job would wait for ever: a thread
    watches the parent and ends the worker when it is gone.

    A worker told to stop ends without tearing its interpreter down: it holds nothing to
    close, and freeing its modules and objects one by one took most of a second, which the
    closing crawl waited for.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    atexit.register(_end_now)


def _end_now() -> None:
    """The worker's last exit handler: what it wrote flushed, the process ends.

    Its exit status is then 0 whatever it was to be: the pool reads none (a worker dying
    under a job is told by its pipe closing).
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _stop(executor: ProcessPoolExecutor, wait: float) -> None:
    """Shut ``executor`` down; workers still running after ``wait`` seconds are killed."""
    # The executor has no public way to stop a hung worker before Python 3.14.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(wait)
        if process.is_alive():
            process.kill()
            process.join(5)
    # The executor's own thread joins the workers too: until it has, a worker it reaped may
    # still look alive here (both wait for the same pid; one of them gets no status).
    if manager is not None:
        manager.join(wait + 1)


def extraction_pool(crawler: Crawler) -> ExtractionPool | None:
    """This crawl's pool, or None when pages are extracted in the crawl process."""
    return crawler.get_extension(ExtractionPool)
