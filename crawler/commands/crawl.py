"""``scrapy crawl``, checking the site file, ``WARC_DIR`` and the state file before it starts.

An invalid site file is a user error (exit 2); a ``WARC_DIR`` that is no writable folder is an
archive failure (exit 4); a state file that another crawl holds, that a newer Kabarsip wrote,
that is no state file at all or that is damaged is a state failure (exit 6).  Each is one clear
line, not a traceback, and nothing is fetched or written.  A start-up check may also raise
:class:`~crawler.outcome.CrawlFailure`; a crawl that ran exits with the code its outcome
recorded (:mod:`crawler.outcome`), after one line on standard error saying why; the log's last
line (with ``LOG_FILE``), ``Crawl ended with exit code N``, says it too.  A
:class:`~crawler.outcome.CrawlFailure` raised while the crawl is built (a component's
``from_crawler``) gives its own code the same way; any other exception there is a bug: its
traceback is logged once and the run exits 1.

A crawl that ran to its end leaves without tearing its interpreter down, once its exit
handlers ran and its streams are flushed: freeing the crawl's modules and objects one by one
took up to a second and a half, after everything was written.  A thread still working (which
a normal exit waits for) keeps the normal exit.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import gc
import logging
import os
import sys
import threading

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.spiders import Spider
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archive.crawlstate import state_from_settings
from archive.state import CrawlStateError
from archive.warcdir import UnusableWarcDirError, check_warc_dir
from crawler.extraction import check_selectors
from crawler.identity import check_operator
from crawler.middlewares.addresses import AddressPolicy
from crawler.outcome import EXIT_CODE_STAT, FAILURE_STAT, CrawlFailure, ExitCode
from crawler.sites import SiteConfigError
from crawler.siteurl import site_for_argument

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    crawler: Crawler | None = None
    # A failure raised while the crawl was being built: its code and one line.
    startup_failure: CrawlFailure | None = None

    # Why the run failed, for the log's last line.
    failure_message = ""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self._run(args, opts)
        if self.settings is not None and self.settings.get("LOG_FILE"):
            # The log file's last line says how the run ended (Scrapyd shows a job's log, not
            # its status); standard error has the failure line already.
            ending = f": {self.failure_message}" if self.failure_message else ""
            level = logging.ERROR if self.exitcode else logging.INFO
            logger.log(level, "Crawl ended with exit code %d%s", self.exitcode, ending)
        # The process exits next: Python's collections on the way out would walk the hundred
        # thousand objects it holds (a tenth of a CPU second) to free what the exit frees.
        gc.freeze()
        if self.crawler is not None:
            _exit_now(self.exitcode)

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        try:
            self._check(opts)
        except CrawlFailure as failure:
            self._fail(failure.code, str(failure))
            return
        started = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        if isinstance(started, Deferred):
            started.addErrback(self._startup_failed)
        elif isinstance(started, asyncio.Future):
            started.add_done_callback(self._task_done)
        self.crawler_process.start()
        if self.startup_failure is not None:
            self._fail(self.startup_failure.code, str(self.startup_failure))
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = int(ExitCode.ERROR)
            return
        crawler = self.crawler
        if crawler is None or crawler.stats is None:
            return
        code = int(crawler.stats.get_value(EXIT_CODE_STAT, 0) or 0)
        if code:
            self._fail(ExitCode(code), str(crawler.stats.get_value(FAILURE_STAT, "")))

    def _task_done(self, task: asyncio.Future[None]) -> None:
        # Retrieving the exception here also keeps asyncio from logging it again at exit.
        if not task.cancelled() and (error := task.exception()) is not None:
            self._startup_failed(Failure(error))

    def _startup_failed(self, failure: Failure) -> None:
        """Keep why the crawl could not be built; an unexpected error keeps its traceback."""
        error = failure.value
        if isinstance(error, CrawlFailure):
            self.startup_failure = error
        elif isinstance(error, (UsageError, SiteConfigError)):
            self.startup_failure = CrawlFailure(ExitCode.USAGE, str(error))
        else:
            logger.error("Crawl could not start:\n%s", failure.getTraceback())
            self.startup_failure = CrawlFailure(
                ExitCode.ERROR, f"could not start: {error!r} (traceback in the log)"
            )

    def _check(self, opts: argparse.Namespace) -> None:
        site = opts.spargs.get("site")
        if not site:
            raise CrawlFailure(
                ExitCode.USAGE,
                "no site given: scrapy crawl news -a site=NAME (or a .toml path, or the "
                "site's URL)",
            )
        try:
            config = site_for_argument(
                site, opts.spargs.get("timezone"), opts.spargs.get("language")
            )
            check_selectors(config)
        except SiteConfigError as exc:
            raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
        settings = self.settings
        if settings is None:
            return
        check_operator(config, settings)
        try:
            AddressPolicy.from_settings(settings)
        except ValueError as exc:
            raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
        if _uses(settings, "STATE_ENABLED", "STATE_PATH"):
            try:
                # Opened and closed again: the crawl's own store opens it for good.
                state_from_settings(settings).close()
            except CrawlStateError as exc:
                raise CrawlFailure(ExitCode.STATE, str(exc)) from exc
        if _uses(settings, "WARC_ENABLED"):
            try:
                check_warc_dir(settings["WARC_DIR"])
            except UnusableWarcDirError as exc:
                raise CrawlFailure(ExitCode.ARCHIVE, str(exc)) from exc

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        # Kept: its stats say how the crawl ended once the process has stopped.
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def _fail(self, code: ExitCode, message: str) -> None:
        print(f"kabarsip: crawl failed: {message}", file=sys.stderr)
        self.exitcode = int(code)
        self.failure_message = message


def _uses(settings: BaseSettings, switch: str, replay_keeps: str | None = None) -> bool:
    """Whether the crawl uses what ``switch`` turns on.

    A replay turns WARC writing and state off unless the command line turns them on (state
    also when the command line names ``replay_keeps``, its file).
    """
    if not settings.getbool(switch, True):
        return False
    if not settings.get("REPLAY_FROM"):
        return True
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    return settings.getpriority(switch) == cmdline or (
        replay_keeps is not None and settings.getpriority(replay_keeps) == cmdline
    )


def _exit_now(code: int) -> None:
    """End the process with ``code`` as a normal exit would, minus the interpreter teardown."""
    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return  # a profiler or coverage tool writes its results on the normal way out
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
