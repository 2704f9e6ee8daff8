"""Re-extraction in worker processes: an archived article capture in, its stepped item out.

``scrapy reextract`` reads the archive on every core: the spider (:mod:`crawler.spiders.archive`)
sends each article capture it finds in the replay index to a :class:`ReextractPool`, whose
worker processes read the capture (and the article's later pages) from the WARC files, build
the response the crawl's downloader would have built (replay handler, then HTTP decompression),
extract the article and run the item steps (``ITEM_STEPS``) on it.  The spider gets the
outcomes back in the order it sent the captures, and passes the items to the stateful item
pipelines (learned boilerplate, versions, output), which stay in the crawl's process.

A worker's counts and warnings travel back with each outcome: the crawl's stats and log read
as they did when the crawl made a request per capture.  At most ``in_flight`` batches wait at
a time, so memory does not grow with the archive.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import warnings
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from archive.metakeys import META_KEY
from archive.replay import REPLAY_AT_META, Replayer
from archive.replayindex import ArchiveIndex
from archive.warcitems import CONTINUES_META, locate
from crawler.discovery import next_page_link
from crawler.extraction import extract_article, merge_pages
from crawler.items import Article
from crawler.processing import site_for_url, utf8_first
from crawler.sites import SiteConfig, load_site
from pipelines.steps import StepStats, load_steps, run_steps

#: Captures sent to a worker at once: fewer round trips between the processes.
BATCH = 8
#: Batches the crawl's process extracts itself at most while the workers start up.
START_BATCHES = 32


class ReextractPoolError(Exception):
    """A worker process died or failed: the re-extraction cannot go on; the message says why."""


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What every worker needs, sent once when it starts."""

    site: str | None
    """The site file for every page (``--site``); None: the one whose domains hold the host."""
    steps: dict[str, int | None]
    limits: dict[str, int]
    """``download_maxsize``/``download_warnsize`` of an article page."""
    log_level: int


@dataclass(frozen=True, slots=True)
class Job:
    """One article capture: its URL and the time of its capture (``replay_at``)."""

    index: str
    """The replay index file, opened by the worker on first use."""
    url: str
    at: datetime


@dataclass(slots=True)
class Outcome:
    """What became of one capture: the stepped item, or None (skipped, or dropped by a step)."""

    item: Article | None
    dropped: str | None = None
    """Why a step dropped the item (as the steps pipeline says it)."""
    stats: dict[str, int] = field(default_factory=dict)
    logs: list[logging.LogRecord] = field(default_factory=list)


# --- the worker side --------------------------------------------------------------------------


class _Records(logging.Handler):
    """Keeps a job's log records, made picklable, to be logged again in the crawl's process."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


class Worker:
    """Turns captures into outcomes, one worker process (or a test) at a time."""

    def __init__(self, config: WorkerConfig, *, keep_logs: bool = True) -> None:
        """``keep_logs``: the log records of each job go back with its outcome (a worker
        process); False: they are logged where they happen (the crawl's own process)."""
        self.fixed: SiteConfig | None = load_site(config.site) if config.site else None
        self.steps = load_steps(config.steps)
        self.limits = config.limits
        self.stats = StepStats()
        with warnings.catch_warnings():
            # Built without a crawler: the page's size limits come with each request's meta.
            warnings.simplefilter("ignore")
            self.decompression = HttpCompressionMiddleware(stats=self.stats)  # type: ignore[arg-type]
        self.indexes: dict[str, Replayer] = {}
        self.records = _Records()
        self.keep_logs = keep_logs
        if keep_logs:
            root = logging.getLogger()
            root.addHandler(self.records)
            root.setLevel(config.log_level)

    def run(self, job: Job) -> Outcome:
        self.stats.values = Counter()
        self.records.records = []
        item, dropped = None, None
        try:
            item = self._article(job)
            if item is not None:
                site = self.site_for(item.url)
                drop = run_steps(self.steps, ItemAdapter(item), site, self.stats)
                if drop is not None:
                    dropped = f"{drop.reason}: {item.url}: {drop.why}"
        except Exception as exc:
            # As a crawl takes an error in a callback: logged and counted, the rest goes on.
            item = None
            self.stats.inc_value("spider_exceptions/count")
            self.stats.inc_value(f"spider_exceptions/{type(exc).__name__}")
            logging.getLogger("archive").exception("Error re-extracting %s", job.url)
        return Outcome(item, dropped, dict(self.stats.values), self.records.records)

    def close(self) -> None:
        for replayer in self.indexes.values():
            replayer.close()
            replayer.index.close()
        self.indexes.clear()
        if self.keep_logs:
            logging.getLogger().removeHandler(self.records)

    def site_for(self, url: str) -> SiteConfig:
        return self.fixed if self.fixed is not None else site_for_url(url)

    def _article(self, job: Job) -> Article | None:
        """What the archive spider's ``parse_article`` made of the capture (later pages and
        their failures included), with its capture's place in the archive."""
        replayer = self._replayer(job.index)
        first = self._fetch(
            replayer, Request(job.url, meta={REPLAY_AT_META: job.at, **self.limits})
        )
        if first is None:
            return None
        if not isinstance(first, TextResponse):
            self._skip("articles/skipped/not_text", f"skipped non-text article {first.url}")
            return None
        capture = first.meta.get(META_KEY) or {}
        article = self._extract(first)
        rest: list[Article] = []
        seen = {first.url}
        # The page read last: a later page that is no text ends the article there.
        last: Response = first
        rule = self.site_for(article.url).multipage
        while rule and rule.next and isinstance(last, TextResponse):
            response = last
            next_url = next_page_link(response, response.url, rule.next)
            if not next_url or next_url in seen or len(seen) >= rule.max_pages:
                break
            meta = {CONTINUES_META: True, **self.limits, REPLAY_AT_META: job.at}
            page = self._fetch(replayer, Request(next_url, meta=meta))
            if page is None:
                # As the crawl holds back an article whose later page failed.
                self.stats.inc_value("articles/held_back/page_failed")
                logging.getLogger("archive").warning(
                    "Held back %s: its page %s could not be fetched; the next run fetches it again",
                    article.url,
                    next_url,
                )
                return None
            if isinstance(page, TextResponse):
                rest.append(self._extract(page))
            seen.add(page.url)
            last = page
        if rest:
            self.stats.inc_value("articles/multipage")
        item = merge_pages(article, rest) if rest else article
        locate(ItemAdapter(item), capture)
        return item

    def _fetch(self, replayer: Replayer, request: Request) -> Response | None:
        """The response the crawl's downloader gave the request; None (counted, logged) where
        the crawl's errback got a failure instead."""
        served = replayer.response(request)
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value("downloader/response_count")
        self.stats.inc_value(f"downloader/response_status_count/{served.status}")
        try:
            response = self.decompression.process_response(request, served)
        except IgnoreRequest as exc:
            self._skip("errors/IgnoreRequest", f"failed {request.url}: {exc}")
            return None
        assert isinstance(response, Response)  # decompression never asks for another request
        if not 200 <= response.status < 300:
            self.stats.inc_value("httperror/response_ignored_count")
            self.stats.inc_value(f"httperror/response_ignored_status_count/{response.status}")
            self._skip("errors/HttpError", f"failed {request.url}: Ignoring non-200 response")
            return None
        return response

    def _extract(self, response: TextResponse) -> Article:
        self.stats.inc_value("articles/extracted_pages")
        return extract_article(utf8_first(response), self.site_for(response.url))

    def _replayer(self, path: str) -> Replayer:
        replayer = self.indexes.get(path)
        if replayer is None:
            replayer = self.indexes[path] = Replayer(ArchiveIndex(Path(path)), self.stats)
        return replayer

    def _skip(self, stat: str, message: str) -> None:
        self.stats.inc_value(stat)
        logging.getLogger("archive").warning(message)


# The worker of this process: a pool's processes are set up once, by ``_start``.
_worker: Worker | None = None


def _start(config: WorkerConfig) -> None:
    global _worker
    _worker = Worker(config)


def _ready() -> None:
    """A job that only starts its worker process."""


def _run(jobs: list[Job]) -> list[Outcome]:
    assert _worker is not None, "a worker process set up without its configuration"
    return [_worker.run(job) for job in jobs]


# --- the crawl's side -------------------------------------------------------------------------


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ReextractPool:
    """``processes`` worker processes; outcomes come back in the order the jobs went in.

    While the workers start up (until the first outcome of one is back), the crawl's process
    extracts batches itself (up to ``START_BATCHES``) rather than wait.  Not later: by then a
    worker runs on every CPU, and the crawl's process has their outcomes to take in.
    """

    def __init__(self, config: WorkerConfig, processes: int, in_flight: int | None = None) -> None:
        self.config = config
        self.processes = max(1, processes)
        # Enough waiting batches to keep every worker busy while the crawl takes an outcome.
        self.in_flight = in_flight or 3 * self.processes
        # Spawned: a fork would copy the crawl's reactor, threads and open SQLite files.
        self.executor = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(config,),
        )
        # A process is spawned per job submitted while none is idle: these start them all now,
        # so they import and set up while the crawl builds the index.
        for _ in range(self.processes):
            self.executor.submit(_ready)
        # The crawl's own worker, set up on first use.
        self.local: Worker | None = None

    async def outcomes(self, jobs: Iterable[Job]) -> AsyncIterator[tuple[Job, Outcome]]:
        """Each job with its outcome, in order; ``ReextractPoolError`` when a worker fails."""
        waiting: deque[tuple[list[Job], Future[list[Outcome]]]] = deque()
        # Batches at the workers; those done here, while none has answered, wait among them.
        sent, here, answered = 0, 0, False
        for batch in _batches(iter(jobs)):
            if answered or sent < self.in_flight or here >= START_BATCHES:
                waiting.append((batch, self._send(batch)))
                sent += 1
            else:
                waiting.append((batch, self._here(batch)))
                here += 1
            # Outcomes are taken as they are ready, and waited for once the workers have
            # ``in_flight`` batches and this process none to do.
            while waiting and (waiting[0][1].done() or self._full(sent, here, answered)):
                if not _local(waiting[0][1]):
                    sent, answered = sent - 1, True
                for pair in await self._next(waiting):
                    yield pair
        while waiting:
            for pair in await self._next(waiting):
                yield pair

    def _full(self, sent: int, here: int, answered: bool) -> bool:
        """Whether the workers have batches enough and this process is to do none itself."""
        return sent >= self.in_flight and (answered or here >= START_BATCHES)

    def _send(self, batch: list[Job]) -> Future[list[Outcome]]:
        """The batch's outcomes, extracted by a worker process."""
        try:
            return self.executor.submit(_run, batch)
        except BrokenProcessPool as exc:  # a worker died before the outcomes waiting told it
            raise _died(exc, batch) from exc

    def _here(self, batch: list[Job]) -> Future[list[Outcome]]:
        """The batch's outcomes, extracted in this process."""
        if self.local is None:
            self.local = Worker(self.config, keep_logs=False)
        done: Future[list[Outcome]] = _LocalFuture()
        done.set_result([self.local.run(job) for job in batch])
        return done

    async def _next(
        self, waiting: deque[tuple[list[Job], Future[list[Outcome]]]]
    ) -> list[tuple[Job, Outcome]]:
        batch, future = waiting.popleft()
        try:
            outcomes = future.result() if future.done() else await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:
            raise _died(exc, batch) from exc
        except Exception as exc:
            raise ReextractPoolError(
                f"re-extracting {batch[0].url} (or a capture after it) failed in a worker "
                f"process: {type(exc).__name__}: {exc}"
            ) from exc
        return list(zip(batch, outcomes, strict=True))

    def close(self) -> None:
        """Stop the workers; jobs still waiting are dropped."""
        # Not waited for: the workers exit on their own, while the crawl goes on.
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.local is not None:
            self.local.close()


class _LocalFuture(Future[list[Outcome]]):
    """The outcomes of a batch extracted in the crawl's process."""


def _local(future: Future[list[Outcome]]) -> bool:
    return isinstance(future, _LocalFuture)


def _died(exc: BrokenProcessPool, batch: list[Job]) -> ReextractPoolError:
    return ReextractPoolError(
        f"a re-extraction worker process died ({exc}); the items of the captures "
        f"from {batch[0].url} on were not written"
    )


def _batches(jobs: Iterator[Job]) -> Iterator[list[Job]]:
    batch: list[Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def worker_count(settings: BaseSettings) -> int:
    """``REEXTRACT_WORKERS``: ``auto`` (one per CPU) or a number (0: no worker process)."""
    value = settings.get("REEXTRACT_WORKERS", "auto")
    if str(value).strip().lower() == "auto":
        return available_cpus()
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ValueError(f"REEXTRACT_WORKERS must be 'auto' or a number 0 or more, not {value!r}")
    return count
