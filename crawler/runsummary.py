"""One log line per crawl saying what it did: article versions, schedule and WARC records.

New and updated versions count once their items are durably written (:mod:`pipelines.output`).

``summarise`` and ``format_summary`` are pure, so the demo prints the same line from a stats
file that :class:`RunSummary` logs when the spider closes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.spiders import Spider

from crawler.discovery.caps import CAPPED_PREFIX

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunCounts:
    """The counts of one run, read from its Scrapy stats (a missing key counts 0)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_extraction: int = 0
    not_modified: int = 0
    gone: int = 0
    due: int = 0
    skipped_not_due: int = 0
    warc_responses: int = 0
    warc_requests: int = 0
    warc_revisits: int = 0
    warc_metadata: int = 0
    warc_bytes: int = 0
    warc_files: int = 0
    conditional_sent: int = 0
    items: int = 0
    pages: int = 0
    assets_requested: int = 0
    assets_archived: int = 0
    assets_revisited: int = 0
    assets_not_modified: int = 0
    assets_reused: int = 0
    assets_failed: int = 0
    assets_bytes: int = 0
    capped: tuple[tuple[str, int], ...] = ()
    """Discovery caps hit (``discovery/capped/<setting>``): setting in lower case, hits."""


# RunCounts field -> stats key.
STATS_KEYS: dict[str, str] = {
    "new": "versions/new",
    "updated": "versions/updated",
    "unchanged": "versions/unchanged",
    "skipped_extraction": "articles/unchanged/skipped_extraction",
    "not_modified": "warc/records/not_modified",
    "gone": "versions/gone",
    "due": "schedule/due",
    "skipped_not_due": "schedule/skipped_not_due",
    "warc_responses": "warc/records/response",
    "warc_requests": "warc/records/request",
    "warc_revisits": "warc/records/revisit",
    "warc_metadata": "warc/records/metadata",
    "warc_bytes": "warc/bytes",
    "warc_files": "warc/files",
    "conditional_sent": "conditional/sent",
    "items": "items/written",
    "pages": "downloader/response_count",
    "assets_requested": "assets/requested",
    "assets_archived": "assets/archived",
    "assets_revisited": "assets/revisit",
    "assets_not_modified": "assets/not_modified",
    "assets_reused": "assets/reused",
    "assets_bytes": "assets/bytes",
}
#: Stats keys of the pictures and page files that were not archived, by reason.
ASSETS_FAILED_PREFIX = "assets/failed/"
ASSETS_REFUSED = "assets/refused"


def summarise(stats: Mapping[str, Any]) -> RunCounts:
    """The run's counts from live stats or a ``STATS_FILE`` read back as JSON."""
    capped = tuple(
        sorted(
            (key.removeprefix(CAPPED_PREFIX), _count(value))
            for key, value in stats.items()
            if key.startswith(CAPPED_PREFIX) and _count(value)
        )
    )
    counts = {name: _count(stats.get(key)) for name, key in STATS_KEYS.items()}
    counts["assets_failed"] = _count(stats.get(ASSETS_REFUSED)) + sum(
        _count(value) for key, value in stats.items() if key.startswith(ASSETS_FAILED_PREFIX)
    )
    return RunCounts(**counts, capped=capped)


def format_summary(counts: RunCounts) -> str:
    """The ``Run summary: ...; WARC: ...`` line."""
    # Only a re-crawl that left pages unextracted says so; other lines stay as they were.
    skipped = (
        f" ({counts.skipped_extraction} not extracted again)" if counts.skipped_extraction else ""
    )
    return (
        f"Run summary: {counts.new} new, {counts.updated} updated, "
        f"{counts.unchanged} unchanged{skipped}, "
        f"{counts.not_modified} not-modified, {counts.gone} gone, "
        f"{counts.skipped_not_due} skipped-not-due; "
        f"WARC: {counts.warc_responses} responses, {counts.warc_revisits} revisits, "
        f"{counts.not_modified} not-modified, {counts.warc_bytes} bytes added"
        + _assets(counts)
        + _capped(counts.capped)
    )


def _assets(counts: RunCounts) -> str:
    """Pictures and page files archived with the articles; nothing when none was asked for."""
    asked = (
        counts.assets_archived
        + counts.assets_revisited
        + counts.assets_not_modified
        + counts.assets_reused
        + counts.assets_failed
    )
    if not asked:
        return ""
    return (
        f"; assets: {counts.assets_archived} archived ({counts.assets_bytes} bytes), "
        f"{counts.assets_revisited + counts.assets_not_modified} unchanged, "
        f"{counts.assets_reused} reused, {counts.assets_failed} not archived"
    )


def _capped(capped: tuple[tuple[str, int], ...]) -> str:
    if not capped:
        return ""
    hits = ", ".join(f"{setting.upper()} x{count}" for setting, count in capped)
    return f"; discovery capped (articles may be missed, raise the setting): {hits}"


def _count(value: Any) -> int:
    # Stats files hold whatever a component stored; a non-number must not break the report.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        return int(value)
    except ValueError:
        return 0


class RunSummary:
    """Logs :func:`format_summary` of the crawl's stats at INFO when the spider closes.

    Disabled with ``RUN_SUMMARY_ENABLED = False``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("RUN_SUMMARY_ENABLED", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        logger.info(format_summary(summarise(self.crawler.stats.get_stats())))
