"""Records each finished run in the crawl state: one :class:`~archive.state.RunRecord` per site.

A record keeps the close reason (``outcome``) and the run's numeric stats, where the coverage
figures are the site's own, un-prefixed (``coverage/items``, ``coverage/authors``, ...; see
:mod:`crawler.coverage`); the other figures (WARC, items, errors, ``outcome/exit_code``) are the
whole run's.  A run that extracted nothing is recorded for the spider's site.

The extension's ``spider_closed`` handler must run after the outcome is decided and the
coverage monitors have read the earlier runs, and before the state closes: its place in
``EXTENSIONS`` (after ``crawler.outcome.RunOutcome`` and Spidermon, before
``archive.crawlstate.CrawlStateExtension``) sees to that, since Scrapy calls the handlers in
the order the extensions were built.  No record is written for a replay (``REPLAY_FROM``: the
records are of the live site), without a state (``STATE_ENABLED`` off) or when writing fails
(the run is then failing already, exit 6).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.crawlstate import CrawlStateFailed, crawl_state
from archive.state import RunRecord
from crawler.coverage import PREFIX, Coverage, sites_in

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)


def run_started(stats: Mapping[str, Any], default: datetime) -> datetime:
    """When the run started, from Scrapy's ``start_time`` stat (aware, UTC)."""
    started = stats.get("start_time")
    if not isinstance(started, datetime):
        return default
    return started if started.tzinfo else started.replace(tzinfo=UTC)


def site_records(
    stats: Mapping[str, Any],
    run_id: str,
    fallback_site: str | None,
    reason: str,
    started: datetime,
    finished: datetime,
) -> list[RunRecord]:
    """One record per site with coverage figures in ``stats`` (else ``fallback_site``)."""
    shared = {
        key: value
        for key, value in stats.items()
        if not key.startswith(f"{PREFIX}/") and isinstance(value, int | float)
    }
    sites = sites_in(stats) or ([fallback_site] if fallback_site else [])
    return [
        RunRecord(
            f"{run_id}-{site}",
            site,
            started,
            finished,
            reason,
            {**shared, **Coverage.from_stats(stats, site).as_stats()},
        )
        for site in sites
    ]


class RunRecorder:
    """Writes the run's records when the spider closes (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.opened_at = datetime.now(UTC)
        self.run_id = f"{self.opened_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.get("REPLAY_FROM"):
            raise NotConfigured  # a replay: no run of the live site
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        state = crawl_state(self.crawler)
        if state is None or self.crawler.stats is None:
            return
        stats = self.crawler.stats.get_stats()
        site = getattr(spider, "site_name", None)
        records = site_records(
            stats,
            self.run_id,
            site if isinstance(site, str) else None,
            reason,
            run_started(stats, self.opened_at),
            datetime.now(UTC),
        )
        try:
            for record in records:
                state.put_run(record)
        except CrawlStateFailed:
            return  # the run fails with the state's error already
        logger.info("Run %s recorded for %s", self.run_id, ", ".join(r.site for r in records))
