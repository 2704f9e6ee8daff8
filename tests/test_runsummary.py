"""The run summary extension: one INFO line from the crawl's stats when the spider closes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.runsummary import RunCounts, RunSummary, format_summary, summarise

EXTENSION = "crawler.runsummary.RunSummary"

RERUN_STATS: dict[str, Any] = {
    "versions/new": 12,
    "versions/updated": 24,
    "versions/unchanged": 180,
    "versions/gone": 1,
    "schedule/due": 228,
    "schedule/skipped_not_due": 3,
    "warc/records/response": 90,
    "warc/records/request": 312,
    "warc/records/revisit": 200,
    "warc/records/not_modified": 22,
    "warc/records/metadata": 5,
    "warc/bytes": 654321,
    "warc/files": 1,
    "conditional/sent": 240,
    "conditional/not_modified": 22,
    "items/written": 36,
    "downloader/response_count": 312,
}
RERUN_LINE = (
    "Run summary: 12 new, 24 updated, 180 unchanged, 22 not-modified, 1 gone, "
    "3 skipped-not-due; WARC: 90 responses, 200 revisits, 22 not-modified, 654321 bytes added"
)


def build_crawler(**settings: Any) -> Crawler:
    crawler = get_crawler(Spider, {"EXTENSIONS": {EXTENSION: 500}, **settings})
    crawler.spider = Spider.from_crawler(crawler, name="summary-test")
    return crawler


def close(crawler: Crawler, stats: dict[str, Any]) -> None:
    assert crawler.stats is not None and crawler.spider is not None
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider, reason="finished")


def summary_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Run summary:")]


def test_summarise_reads_every_count() -> None:
    counts = summarise(RERUN_STATS)
    assert counts == RunCounts(
        new=12,
        updated=24,
        unchanged=180,
        not_modified=22,
        gone=1,
        due=228,
        skipped_not_due=3,
        warc_responses=90,
        warc_requests=312,
        warc_revisits=200,
        warc_metadata=5,
        warc_bytes=654321,
        warc_files=1,
        conditional_sent=240,
        items=36,
        pages=312,
    )
    assert format_summary(counts) == RERUN_LINE


def test_missing_or_odd_values_count_zero() -> None:
    counts = summarise({"versions/new": 3, "warc/bytes": "1200", "versions/gone": "n/a"})
    assert counts == RunCounts(new=3, warc_bytes=1200)
    assert format_summary(RunCounts()) == (
        "Run summary: 0 new, 0 updated, 0 unchanged, 0 not-modified, 0 gone, "
        "0 skipped-not-due; WARC: 0 responses, 0 revisits, 0 not-modified, 0 bytes added"
    )


def test_extension_logs_one_info_line_on_close(caplog: pytest.LogCaptureFixture) -> None:
    crawler = build_crawler()
    assert crawler.get_extension(RunSummary) is not None
    with caplog.at_level(logging.INFO):
        close(crawler, RERUN_STATS)
    (record,) = summary_lines(caplog)
    assert record.levelno == logging.INFO
    assert record.name == "crawler.runsummary"
    assert record.getMessage() == RERUN_LINE


def test_first_run_summary(caplog: pytest.LogCaptureFixture) -> None:
    crawler = build_crawler()
    stats = {
        "versions/new": 240,
        "warc/records/response": 312,
        "warc/records/request": 312,
        "warc/bytes": 3441061,
        "items/written": 240,
    }
    with caplog.at_level(logging.INFO):
        close(crawler, stats)
    (record,) = summary_lines(caplog)
    assert record.getMessage() == (
        "Run summary: 240 new, 0 updated, 0 unchanged, 0 not-modified, 0 gone, "
        "0 skipped-not-due; WARC: 312 responses, 0 revisits, 0 not-modified, 3441061 bytes added"
    )


def test_disabled_by_setting(caplog: pytest.LogCaptureFixture) -> None:
    crawler = build_crawler(RUN_SUMMARY_ENABLED=False)
    assert crawler.get_extension(RunSummary) is None
    with caplog.at_level(logging.INFO):
        close(crawler, RERUN_STATS)
    assert summary_lines(caplog) == []


def test_pictures_archived_with_the_articles_are_summed_up() -> None:
    stats = {
        **RERUN_STATS,
        "assets/requested": 40,
        "assets/archived": 9,
        "assets/bytes": 310000,
        "assets/not_modified": 25,
        "assets/revisit": 2,
        "assets/reused": 14,
        "assets/refused": 1,
        "assets/failed/status_404": 2,
        "assets/failed/DownloadCancelledError": 1,
    }
    counts = summarise(stats)
    assert (counts.assets_archived, counts.assets_failed, counts.assets_bytes) == (9, 4, 310000)
    assert format_summary(counts) == (
        RERUN_LINE + "; assets: 9 archived (310000 bytes), 27 unchanged, 14 reused, 4 not archived"
    )
