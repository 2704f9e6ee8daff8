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
====  =====================================================================================

Components report a failure by closing the spider with one of the reasons in
:data:`CLOSE_REASONS` (or by raising :class:`CrawlFailure` before the crawl starts).
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    FETCH = 3
    ARCHIVE = 4
    OUTPUT = 5
    STATE = 6


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
    if stats.get_value(EXIT_CODE_STAT):
        return
    stats.set_value(EXIT_CODE_STAT, int(code))
    stats.set_value(FAILURE_STAT, message)
    logger.error("%s; closing the spider", message)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))
