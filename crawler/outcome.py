"""How a crawl ended, as an exit status: cron, systemd and Scrapyd only see exit codes.

A run that failed exits non-zero with one line saying why.  Each kind of failure has its own
code, documented in the README:

====  =====================================================================================
code  meaning
====  =====================================================================================
0     the crawl finished
1     unexpected error (a bug: a traceback is in the log)
2     usage: invalid command line, site file or settings
3     fetch: nothing was fetched, or the error ratio passed ``CRAWL_MAX_ERROR_RATIO``
4     archive: a WARC record could not be written (disk full, unwritable ``WARC_DIR``...)
5     output: an item could not be written durably (disk full, unwritable items folder...)
6     state: the state file is damaged, unreadable or could not be written
7     quality: a coverage monitor failed (a field's share fell, :mod:`crawler.monitors`)
====  =====================================================================================

Components report a failure with :func:`fail_crawl`, which closes the spider with one of the
reasons in :data:`CLOSE_REASONS`, or by raising :class:`CrawlFailure` before the crawl starts
(from the crawl command's checks or a component's ``from_crawler``).  :class:`RunOutcome`
decides the outcome when the spider closes: a recorded failure wins; otherwise a run that
fetched nothing, or whose error ratio passed ``CRAWL_MAX_ERROR_RATIO``, failed (code 3).  The
coverage monitors, which run after it, turn a run that passed into a failed one (code 7) with
:func:`record_failure`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    FETCH = 3
    ARCHIVE = 4
    OUTPUT = 5
    STATE = 6
    QUALITY = 7


#: Spider close reasons that mean the run failed, and the exit code each gives.
CLOSE_REASONS: dict[str, ExitCode] = {
    "fetch_failed": ExitCode.FETCH,
    "warc_write_failed": ExitCode.ARCHIVE,
    "output_write_failed": ExitCode.OUTPUT,
    "state_failed": ExitCode.STATE,
}

#: Stats keys where the outcome of a finished crawl is kept for the ``crawl`` command.
EXIT_CODE_STAT = "outcome/exit_code"
FAILURE_STAT = "outcome/failure"


class CrawlFailure(Exception):
    """A failure that ends the run with ``code`` and this one-line message."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def fail_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """End the run as failed: log ``message`` once, keep it for the exit line, close the spider.

    ``reason`` is one of :data:`CLOSE_REASONS`; the first failure of a run is the one reported.
    """
    code = CLOSE_REASONS[reason]
    stats = crawler.stats
    assert stats is not None
    if not record_failure(stats, code, message):
        return
    logger.error("%s; closing the spider", message)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


def record_failure(stats: StatsCollector, code: ExitCode, message: str) -> bool:
    """Keep ``code`` and ``message`` as the run's outcome, unless a failure is kept already.

    Returns whether this failure is the one the run reports.
    """
    if stats.get_value(EXIT_CODE_STAT):
        return False
    stats.set_value(EXIT_CODE_STAT, int(code))
    stats.set_value(FAILURE_STAT, message)
    return True


#: Close reasons that end a run normally: the fetch figures then decide.  ``shutdown`` (SIGTERM,
#: Ctrl-C) is left out: the run was stopped, it will resume, its figures are partial.
_FETCH_CHECKED = ("finished", "closespider_")

# Answers that are as good as no answer: the server failed or refused for now.
_FAILED_STATUSES = frozenset({429})

_STATUS_PREFIX = "downloader/response_status_count/"
_EXCEPTION_PREFIX = "downloader/exception_type_count/"
_ROBOTS_STATUS_PREFIX = "robotstxt/response_status_count/"


def fetch_failure(stats: Mapping[str, Any], max_error_ratio: float) -> str | None:
    """Why a run's fetching failed, from its Scrapy stats, or None when it did not.

    Fetched means at least one response with a status below 400, robots.txt not counted: a
    robots.txt proves only that the host answers.  Errors are counted per attempt, retries
    included: exceptions while downloading (requests refused before they were sent, such as
    robots.txt disallows, are not attempts) and answers 5xx or 429.  The ratio is errors over
    download attempts (``downloader/request_count``, robots.txt included).
    """
    requests = int(stats.get("downloader/request_count", 0))
    failures: Counter[str] = Counter()
    fetched = 0
    for key, value in stats.items():
        if key.startswith(_EXCEPTION_PREFIX):
            name = key.removeprefix(_EXCEPTION_PREFIX)
            if not _is_refusal(name):
                failures[name.rpartition(".")[2]] += int(value)
        elif key.startswith(_STATUS_PREFIX):
            status = int(key.removeprefix(_STATUS_PREFIX))
            if status < 400:
                fetched += int(value)
            elif status >= 500 or status in _FAILED_STATUSES:
                failures[f"HTTP {status}"] += int(value)
    for key, value in stats.items():
        if key.startswith(_ROBOTS_STATUS_PREFIX) and int(key.rpartition("/")[2]) < 400:
            fetched -= int(value)
    errors = sum(failures.values())
    detail = ", ".join(f"{count} {name}" for name, count in failures.most_common())
    forbidden = int(stats.get("robotstxt/forbidden", 0))
    if forbidden:
        detail = ", ".join(filter(None, (detail, f"{forbidden} forbidden by robots.txt")))
    detail = f" ({detail})" if detail else ""
    if fetched <= 0:
        return f"nothing fetched: no usable response to {requests} download attempt(s){detail}"
    if requests and errors / requests > max_error_ratio:
        return (
            f"{errors} of {requests} download attempts failed{detail}, an error ratio of "
            f"{errors / requests:.2f} above CRAWL_MAX_ERROR_RATIO={max_error_ratio:g}"
        )
    return None


def _is_refusal(name: str) -> bool:
    """Whether an exception class name is a refusal (``IgnoreRequest``), not a failed fetch."""
    try:
        cls = load_object(name)
    except (ImportError, AttributeError, NameError, ValueError):
        return False
    return isinstance(cls, type) and issubclass(cls, IgnoreRequest)


class RunOutcome:
    """Decides, when the spider closes, the exit code of the run (see the module docstring).

    Setting ``CRAWL_MAX_ERROR_RATIO`` [0.5]: a run whose download attempts failed more often
    than this fails with code 3, as does one that fetched nothing.  A failure recorded before
    (``fail_crawl``) is never overridden.
    """

    def __init__(self, stats: StatsCollector, max_error_ratio: float) -> None:
        self.stats = stats
        self.max_error_ratio = max_error_ratio

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        extension = cls(crawler.stats, crawler.settings.getfloat("CRAWL_MAX_ERROR_RATIO", 0.5))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.stats.get_value(EXIT_CODE_STAT):
            return
        code, message = self.decide(reason)
        if code:
            record_failure(self.stats, code, message)
            logger.error("Crawl failed: %s", message)
        else:
            self.stats.set_value(EXIT_CODE_STAT, int(ExitCode.OK))

    def decide(self, reason: str) -> tuple[ExitCode, str]:
        if reason in CLOSE_REASONS:
            return CLOSE_REASONS[reason], f"the spider closed with reason {reason!r}"
        if reason == "shutdown":
            return ExitCode.OK, ""
        if not reason.startswith(_FETCH_CHECKED):
            return ExitCode.ERROR, f"the spider closed with unexpected reason {reason!r}"
        message = fetch_failure(self.stats.get_stats(), self.max_error_ratio)
        return (ExitCode.FETCH, message) if message else (ExitCode.OK, "")
