"""Spidermon monitors run when the spider closes: field coverage per site against its history.

For each site with at least ``COVERAGE_MIN_ITEMS`` items this run, each field's share
(:mod:`crawler.coverage`) is compared with the median share of the site's last
``COVERAGE_HISTORY`` recorded runs that had as many items (:mod:`crawler.runrecord`); a share
that fell by more than ``COVERAGE_MAX_DROP``, or is below its ``COVERAGE_MIN_SHARES`` floor,
fails the monitor.  A failed monitor fails the run (exit 7, :class:`FailRun`) with one line
naming the site, the field and both figures, then runs the Spidermon actions listed in
``COVERAGE_ACTIONS`` (file report, e-mail, Slack...; each reads its own ``SPIDERMON_*``
settings).

Enabled by ``SPIDERMON_ENABLED`` and ``SPIDERMON_SPIDER_CLOSE_MONITORS``; the Spidermon extension
sits after :class:`crawler.outcome.RunOutcome` in ``EXTENSIONS`` (a failure decided there wins)
and before :class:`crawler.runrecord.RunRecorder` (this run is not its own history).
"""

from __future__ import annotations

import logging
import warnings
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite
from spidermon.core.actions import Action

from archive.crawlstate import crawl_state
from crawler.coverage import FIELDS, Coverage, Thresholds, Verdict, check, sites_in
from crawler.outcome import CrawlFailure, ExitCode, record_failure
from crawler.runrecord import run_started

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: Where the coverage monitor leaves its failure lines for the actions (``data.meta``).
DROPS_META = "coverage_drops"
# Earlier runs read per site, newest first: room for runs with too few items between them.
_RUNS_READ_PER_HISTORY = 10


def thresholds(settings: BaseSettings) -> Thresholds:
    """The ``COVERAGE_*`` settings; ``ValueError`` names a floor that is not a field or share."""
    floors: dict[str, float] = {}
    for name, share in settings.getdict("COVERAGE_MIN_SHARES").items():
        if name not in FIELDS:
            raise ValueError(f"COVERAGE_MIN_SHARES: {name!r} is none of {', '.join(FIELDS)}")
        try:
            floors[name] = float(share)
        except (TypeError, ValueError):
            raise ValueError(f"COVERAGE_MIN_SHARES: {name}: {share!r} is no share") from None
    return Thresholds(
        min_items=settings.getint("COVERAGE_MIN_ITEMS", 20),
        history=settings.getint("COVERAGE_HISTORY", 5),
        max_drop=settings.getfloat("COVERAGE_MAX_DROP", 0.25),
        floors=floors,
    )


def coverage_verdicts(crawler: Crawler, stats: Mapping[str, Any]) -> list[Verdict]:
    """Check every site of the run against its runs recorded before this one started."""
    limits = thresholds(crawler.settings)
    started = run_started(stats, datetime.now(UTC))
    state = crawl_state(crawler)
    verdicts = []
    for site in sites_in(stats):
        earlier = (
            state.runs(site, limit=max(1, limits.history) * _RUNS_READ_PER_HISTORY)
            if state is not None
            else []
        )
        history = [Coverage.from_stats(r.stats) for r in earlier if r.finished_at < started]
        verdicts.append(check(site, Coverage.from_stats(stats, site), history, limits))
    return verdicts


class CoverageMonitor(Monitor):
    """Field coverage per site, against the site's earlier runs and the floors."""

    def test_coverage_holds(self) -> None:
        """No field's share fell beyond COVERAGE_MAX_DROP or below its floor."""
        stats = self.data.stats
        verdicts = coverage_verdicts(self.data.crawler, stats)
        for verdict in verdicts:
            _log(verdict, Coverage.from_stats(stats, verdict.site))
        drops = [str(drop) for verdict in verdicts for drop in verdict.drops]
        self.data.meta[DROPS_META] = drops
        if drops:
            self.fail("; ".join(drops))


def _log(verdict: Verdict, current: Coverage) -> None:
    shares = ", ".join(f"{name} {current.share(name):.0%}" for name in FIELDS)
    if verdict.skipped:
        logger.info("Coverage on %s not checked: %s", verdict.site, verdict.skipped)
    elif verdict.baseline is None:
        logger.info("Coverage on %s (%d items, first run): %s", verdict.site, current.items, shares)
    else:
        logger.info("Coverage on %s (%d items): %s", verdict.site, current.items, shares)


class FailRun(Action):
    """Fails a run that passed so far with exit 7 and the monitors' one-line message."""

    def run_action(self) -> None:
        lines = self.data.meta.get(DROPS_META) or [
            f"monitor {result.item.name} failed" for result in self.result.monitors_failed_results
        ]
        message = "; ".join(lines)
        crawler = self.data.crawler
        if crawler.stats is not None and record_failure(crawler.stats, ExitCode.QUALITY, message):
            logger.error("Crawl failed: %s", message)


def _quiet_spidermon_log_deprecation() -> None:
    """Spidermon 1.27 logs its results through ``Spider.log()``, which Scrapy 2.13+ deprecates:
    one warning per crawl that says nothing about the crawl. Only Spidermon's own calls."""
    warnings.filterwarnings(
        "ignore",
        message=r"Spider\.log\(\) is deprecated",
        category=ScrapyDeprecationWarning,
        module=r"spidermon\.",
    )


class CoverageMonitorSuite(MonitorSuite):
    """The spider-close suite: coverage, then :class:`FailRun` and ``COVERAGE_ACTIONS``."""

    monitors = [CoverageMonitor]
    monitors_failed_actions = [FailRun]

    def __init__(self, *args: Any, crawler: Crawler | None = None, **kwargs: Any) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        _quiet_spidermon_log_deprecation()
        if crawler is None:
            return
        try:
            thresholds(crawler.settings)
        except ValueError as exc:
            raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
        for path in crawler.settings.getlist("COVERAGE_ACTIONS"):
            try:
                self.add_monitors_failed_action(load_object(path))
            except Exception as exc:  # an action's own check of its settings: any exception
                raise CrawlFailure(ExitCode.USAGE, f"COVERAGE_ACTIONS: {path}: {exc}") from exc
