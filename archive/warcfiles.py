"""The crawl's WARC files: one writer per crawl, owned by an extension.

Settings (documented in ``crawler/settings.py``): ``WARC_ENABLED``, ``WARC_DIR``,
``WARC_PREFIX``, ``WARC_MAX_SIZE``, ``WARC_GZIP_LEVEL``, ``WARC_OPERATOR``, ``WARC_FSYNC``,
``WARC_THREAD_MIN_BYTES``.

Compressing a large page takes tens of milliseconds: records of that size are written by one
writer thread (:meth:`WarcFiles.in_thread`), in the order they are handed over, so the event
loop goes on meanwhile.  The component waits for the write before it goes on with the
response, as it does for a write on the event loop: nothing is processed before its record is
written.

Every component that writes records (the capture middleware, the versions stage) reaches the
writer through :func:`warc_files`, so none of them opens a file or reads these settings itself.
A write that fails fails the run (close reason ``warc_write_failed``, exit 4).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.naming import check_prefix
from archive.warc import WarcWriteError, WarcWriter, repair_open_files
from crawler.outcome import fail_crawl

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: Upper bounds (ms, exclusive) of the ``warc/write_ms/...`` buckets; the last is open-ended.
WRITE_MS_BUCKETS = (1, 5, 20, 100)


class WarcFiles:
    """Repairs what a killed run left, opens the writer when the spider opens, closes it after."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.directory = Path(settings["WARC_DIR"])
        self.prefix: str = settings["WARC_PREFIX"]
        self.max_size = settings.getint("WARC_MAX_SIZE")
        self.gzip_level = settings.getint("WARC_GZIP_LEVEL")
        self.operator: str = settings.get("WARC_OPERATOR") or ""
        self.fsync = settings.getbool("WARC_FSYNC")
        self.user_agent: str = settings.get("USER_AGENT") or ""
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        try:
            check_prefix(self.prefix)
        except ValueError as exc:
            raise ValueError(f"WARC_PREFIX: {exc}") from exc
        if self.max_size <= 0:
            raise ValueError(f"WARC_MAX_SIZE must be a positive byte count, got {self.max_size}")
        if not 0 <= self.gzip_level <= 9:
            raise ValueError(f"WARC_GZIP_LEVEL must be 0..9, got {self.gzip_level}")
        self.thread_min_bytes = settings.getint("WARC_THREAD_MIN_BYTES")
        self.writer: WarcWriter | None = None
        # Told of each finished file: the ones this run wrote and the ones it repaired.
        self._finished_hooks: list[Callable[[Path], None]] = []
        self.repaired_files: list[Path] = []
        # One thread, so records handed over are written in that order.
        self._pool: ThreadPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured  # switched off: no message, no warning
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Repair what a killed run left behind, then get a writer ready."""
        try:
            repaired = repair_open_files(self.directory)
        except OSError as exc:
            # New captures matter more than old leftovers: record on, repair next time.
            logger.error("Could not repair leftover WARC files in %s: %s", self.directory, exc)
        else:
            self.stats.inc_value("warc/repaired_files", len(repaired))
            self.repaired_files = [Path(file.final_path) for file in repaired if file.final_path]
        self.writer = WarcWriter(
            self.directory,
            prefix=self.prefix,
            max_size=self.max_size,
            gzip_level=self.gzip_level,
            fsync=self.fsync,
            operator=self.operator,
            description=f"Kabarsip crawl by spider {spider.name}",
            info={
                "isPartOf": spider.name,
                "robots": "obey" if self.obey_robots else "ignore",
                "http-header-user-agent": self.user_agent,
            },
            on_finished=self._file_finished,
        )

    def on_file_finished(self, hook: Callable[[Path], None]) -> None:
        """Call ``hook`` with the path of each file finished from now on (rotation, close).

        It runs in the thread that finished the file, the writer thread included.
        """
        self._finished_hooks.append(hook)

    def _file_finished(self, path: Path) -> None:
        for hook in self._finished_hooks:
            hook(path)

    def spider_closed(self, spider: Spider) -> None:
        """Finish the current file so no ``.open`` file outlives a clean run."""
        # Whatever was handed over is written before the file is finished.
        self._stop_thread()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def _stop_thread(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()

    def threaded(self, size: int) -> bool:
        """Whether a record with a body of ``size`` bytes is written by the writer thread."""
        return 0 <= self.thread_min_bytes <= size

    def in_thread(self, write: Callable[[], T]) -> Deferred[T]:
        """Run ``write`` in the writer thread; the result comes back on the event loop.

        Its time there is kept as ``warc/thread/write_ms_max`` (and a histogram).
        """
        # The reactor the crawl installed: imported only once it runs, never at import time.
        from twisted.internet import reactor

        if self._pool is None:
            self._pool = ThreadPool(1, 1, "warc-writer")
            self._pool.start()
            # A crawl stopped without spider_closed must not wait on the thread for ever.
            reactor.addSystemEventTrigger("during", "shutdown", self._stop_thread)  # type: ignore[arg-type]
        deferred: Deferred[tuple[T, float]] = deferToThreadPool(
            reactor, self._pool, _timed_call, write
        )
        return deferred.addCallback(self._thread_done)

    def _thread_done(self, result: tuple[T, float]) -> T:
        value, elapsed = result
        self._count_time("warc/thread/write_ms", elapsed)
        return value

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Time one write on the calling thread: ``warc/write_ms_max`` and a histogram.

        The buckets (``warc/write_ms/under_1``, ``1_to_5``... ``100_or_more``) say how long
        records held the event loop, the figure that decides whether writing needs a thread.
        """
        started = time.perf_counter()
        try:
            yield
        finally:
            self._count_time("warc/write_ms", (time.perf_counter() - started) * 1000)

    def _count_time(self, prefix: str, elapsed_ms: float) -> None:
        self.stats.max_value(f"{prefix}_max", round(elapsed_ms, 1))
        self.stats.inc_value(f"{prefix}/{_bucket(elapsed_ms)}")

    def written(self) -> None:
        """Keep the byte and file counts up to date after a write."""
        if self.writer is not None:
            self.stats.set_value("warc/bytes", self.writer.bytes_written)
            self.stats.set_value("warc/files", self.writer.files_opened)

    def write_failed(self, error: WarcWriteError) -> None:
        """Count a failed write and fail the run (exit 4)."""
        self.stats.inc_value("warc/errors/write")
        # An archive-first crawl that cannot archive would only produce items nothing backs.
        fail_crawl(self.crawler, "warc_write_failed", error.strerror or str(error))


def _timed_call(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = call()
    return value, (time.perf_counter() - started) * 1000


def _bucket(elapsed_ms: float) -> str:
    lower = 0
    for upper in WRITE_MS_BUCKETS:
        if elapsed_ms < upper:
            return f"under_{upper}" if lower == 0 else f"{lower}_to_{upper}"
        lower = upper
    return f"{lower}_or_more"


def warc_files(crawler: Crawler) -> WarcFiles | None:
    """This crawl's WARC files, or None when archiving is off."""
    return crawler.get_extension(WarcFiles)
