"""Field coverage: shares and drops (crawler.coverage), the counting pipeline, run records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from archive.state_sqlite import SqliteCrawlState
from crawler.coverage import FIELDS, Coverage, Thresholds, check, sites_in, stat_key
from crawler.items import Article
from crawler.monitors import thresholds
from crawler.runrecord import RunRecorder, site_records
from pipelines.clean import boilerplate_left
from pipelines.coverage import CoveragePipeline, covered_fields
from tests.inprocess import open_crawl

LIMITS = Thresholds(min_items=20, history=3, max_drop=0.25)


def coverage(items: int, **shares: float) -> Coverage:
    """``items`` items, each field at its share (1.0 unless given)."""
    return Coverage(items, {name: round(items * shares.get(name, 1.0)) for name in FIELDS})


# --- shares and drops ---------------------------------------------------------------------------


def test_a_first_run_has_no_history_and_passes() -> None:
    verdict = check("demo", coverage(30, authors=0.0), [], LIMITS)
    assert verdict.skipped is None and verdict.baseline is None and verdict.drops == []


def test_a_run_with_too_few_items_is_skipped() -> None:
    verdict = check("demo", coverage(19, authors=0.0), [coverage(40)], LIMITS)
    assert verdict.skipped == "19 items, fewer than 20" and verdict.drops == []


def test_a_drop_beyond_the_threshold_names_site_field_and_figures() -> None:
    verdict = check("demo", coverage(30, authors=0.0), [coverage(40)], LIMITS)
    assert [str(drop) for drop in verdict.drops] == [
        "coverage of authors on demo fell from 100% to 0% (30 items)"
    ]


def test_a_drop_exactly_at_the_threshold_passes_and_one_item_more_fails() -> None:
    history = [coverage(100, published=0.9)]
    at = check("demo", coverage(100, published=0.65), history, LIMITS)
    assert at.drops == []
    beyond = check("demo", coverage(100, published=0.64), history, LIMITS)
    assert [(d.field, d.before, d.now) for d in beyond.drops] == [("published", 0.9, 0.64)]


def test_rises_and_small_drops_pass() -> None:
    history = [coverage(50, updated=0.5, body=0.9)]
    assert check("demo", coverage(50, updated=1.0, body=0.7), history, LIMITS).drops == []


def test_the_baseline_is_the_median_of_recent_runs_with_enough_items() -> None:
    # Newest first: a small run is left out, and only the newest three of the rest count.
    history = [
        coverage(5, authors=0.0),
        coverage(30, authors=1.0),
        coverage(30, authors=0.2),
        coverage(30, authors=0.9),
        coverage(30, authors=0.0),
        coverage(30, authors=0.0),
    ]
    verdict = check("demo", coverage(30, authors=0.6), history, LIMITS)
    assert verdict.baseline is not None and verdict.baseline["authors"] == pytest.approx(0.9)
    assert [d.field for d in verdict.drops] == ["authors"]


def test_history_of_small_runs_only_is_no_history() -> None:
    verdict = check("demo", coverage(30, authors=0.0), [coverage(10), coverage(3)], LIMITS)
    assert verdict.baseline is None and verdict.drops == []


def test_a_floor_fails_without_history_and_is_off_by_default() -> None:
    floors = Thresholds(min_items=20, floors={"published": 0.9})
    verdict = check("demo", coverage(40, published=0.5), [], floors)
    assert [str(d) for d in verdict.drops] == [
        "coverage of published on demo is 50%, below its floor of 90% (40 items)"
    ]
    assert check("demo", coverage(40, published=0.9), [], floors).drops == []
    assert check("demo", coverage(40, published=0.0), [], Thresholds()).drops == []


def test_figures_come_from_run_and_site_stats() -> None:
    stats: dict[str, Any] = {
        "coverage/items": 5,
        "coverage/authors": 4,
        "coverage/a/items": 3,
        "coverage/a/authors": 3,
        "coverage/b/items": 2,
        "coverage/b/authors": 1,
        "coverage/b/published": "n/a",
    }
    assert sites_in(stats) == ["a", "b"]
    assert Coverage.from_stats(stats).share("authors") == pytest.approx(0.8)
    site_b = Coverage.from_stats(stats, "b")
    assert (site_b.items, site_b.share("authors"), site_b.share("published")) == (2, 0.5, 0.0)
    assert Coverage(0).share("authors") == 0.0
    assert stat_key("body", "a") == "coverage/a/body"


# --- the counting pipeline ----------------------------------------------------------------------

WORDS = " ".join(["kata"] * 60)


def article(site: str = "demo", **fields: Any) -> Article:
    values: dict[str, Any] = {
        "url": f"http://127.0.0.1/{site}/1",
        "site": site,
        "title": "Judul",
        "published": "2022-02-15T07:15:00+07:00",
        "updated": "2022-02-15T08:00:00+07:00",
        "authors": ["Citra Permata"],
        "body": WORDS,
        "paragraphs": [WORDS],
    }
    values.update(fields)
    return Article(**values)


def test_covered_fields_of_a_full_and_a_bare_item() -> None:
    assert covered_fields(ItemAdapter(article()), 50) == list(FIELDS)
    bare = article(published=None, updated=None, authors=[], body="Pendek.", paragraphs=["Pendek."])
    assert covered_fields(ItemAdapter(bare), 50) == ["clean"]


def test_boilerplate_left_inside_a_paragraph_is_no_clean_body() -> None:
    text = f"{WORDS}. Baca juga: Harga cabai naik lagi"
    assert boilerplate_left([text])
    assert not boilerplate_left([WORDS, "Lihat saja hasilnya nanti."])
    assert "clean" not in covered_fields(ItemAdapter(article(body=text, paragraphs=[text])), 50)


def test_the_pipeline_counts_per_run_and_per_site() -> None:
    crawler = get_crawler(Spider, {"COVERAGE_MIN_BODY_WORDS": 50})
    assert crawler.stats is not None
    pipeline = CoveragePipeline.from_crawler(crawler)
    items = [article(), article(authors=[]), article("other", updated=None, body="", paragraphs=[])]
    for item in items:
        assert pipeline.process_item(item) is item
    stats = crawler.stats.get_stats()
    assert {k: v for k, v in stats.items() if k.startswith("coverage/")} == {
        "coverage/items": 3,
        "coverage/published": 3,
        "coverage/updated": 2,
        "coverage/authors": 2,
        "coverage/body": 2,
        "coverage/clean": 2,
        "coverage/demo/items": 2,
        "coverage/demo/published": 2,
        "coverage/demo/updated": 2,
        "coverage/demo/authors": 1,
        "coverage/demo/body": 2,
        "coverage/demo/clean": 2,
        "coverage/other/items": 1,
        "coverage/other/published": 1,
        "coverage/other/authors": 1,
    }


# --- run records --------------------------------------------------------------------------------


def test_one_record_per_site_with_its_own_coverage_unprefixed() -> None:
    started = datetime(2026, 1, 5, 9, tzinfo=UTC)
    stats: dict[str, Any] = {
        "coverage/items": 5,
        "coverage/authors": 4,
        "coverage/a/items": 3,
        "coverage/a/authors": 3,
        "coverage/b/items": 2,
        "coverage/b/authors": 1,
        "warc/bytes": 1234,
        "outcome/exit_code": 0,
        "start_time": started,
        "log_count/ERROR": 2,
    }
    finished = started + timedelta(minutes=3)
    records = site_records(stats, "r1", "spider-site", "finished", started, finished)
    assert [(r.run_id, r.site, r.outcome) for r in records] == [
        ("r1-a", "a", "finished"),
        ("r1-b", "b", "finished"),
    ]
    b = records[1].stats
    assert (b["coverage/items"], b["coverage/authors"], b["coverage/published"]) == (2, 1, 0)
    assert (b["warc/bytes"], b["log_count/ERROR"], b["outcome/exit_code"]) == (1234, 2, 0)
    assert not any(key.startswith(("coverage/a/", "coverage/b/")) for key in b)
    assert "start_time" not in b


def test_a_run_without_items_is_recorded_for_the_spiders_site() -> None:
    now = datetime.now(UTC)
    (record,) = site_records({"warc/bytes": 10}, "r2", "demo", "fetch_failed", now, now)
    assert (record.site, record.outcome, record.stats["coverage/items"]) == (
        "demo",
        "fetch_failed",
        0,
    )
    assert site_records({}, "r3", None, "finished", now, now) == []


def test_floors_must_name_fields_and_shares() -> None:
    assert thresholds(Settings({"COVERAGE_MIN_SHARES": {"published": "0.9"}})).floors == {
        "published": 0.9
    }
    with pytest.raises(ValueError, match="'author' is none of published, updated, authors"):
        thresholds(Settings({"COVERAGE_MIN_SHARES": {"author": 0.9}}))
    with pytest.raises(ValueError, match="authors: 'most' is no share"):
        thresholds(Settings({"COVERAGE_MIN_SHARES": {"authors": "most"}}))


def test_a_closed_crawl_is_recorded_before_its_state_closes(tmp_path: Path) -> None:
    with open_crawl(tmp_path) as crawl:
        crawl.process_item(article())
        crawl.process_item(article(authors=[]))
    state = SqliteCrawlState(tmp_path / "state.sqlite")
    try:
        (run,) = state.runs("demo")
    finally:
        state.close()
    assert (run.site, run.outcome) == ("demo", "finished")
    assert (run.stats["coverage/items"], run.stats["coverage/authors"]) == (2, 1)


def test_a_replay_records_no_run() -> None:
    crawler = get_crawler(Spider, {"REPLAY_FROM": "data/warc"})
    with pytest.raises(NotConfigured):
        RunRecorder.from_crawler(crawler)
