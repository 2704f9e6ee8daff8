"""Re-crawls pay for what changed: pages whose payload the state knows are not extracted.

The demo site is crawled three times (edition 1, edition 1 again with every article due,
edition 2 with every article due) twice over loopback: once as configured, once with
``RECRAWL_EXTRACT_UNCHANGED`` on, which extracts every page as crawls did before. Both must
archive the same records and leave the same state; only the extraction count differs. The
first writes every WARC record in the writer thread, the second on the event loop.
Multi-page articles are extracted whatever their pages say (a later page may have changed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.state import ArticleState
from archive.state_sqlite import SqliteCrawlState
from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import CrawlResult, run_crawl
from tests.test_dedup_e2e import Record, read_records

pytestmark = pytest.mark.slow

ARTICLES = 60
ALL_DUE = {"REVISIT_ALL_DUE": "True"}
EXTRACT_ALL = {"RECRAWL_EXTRACT_UNCHANGED": "True"}
# Every record written by the writer thread in one mode, every one on the event loop in the other.
MODES = {
    "skip": {"WARC_THREAD_MIN_BYTES": "0"},
    "extract": {**EXTRACT_ALL, "WARC_THREAD_MIN_BYTES": "-1"},
}


@dataclass
class Run:
    result: CrawlResult
    records: list[Record]
    items: list[dict[str, Any]]
    articles: dict[str, ArticleState]

    @property
    def stats(self) -> dict[str, Any]:
        return self.result.stats

    def record_of(self, url: str) -> Record:
        """This run's (last) record of ``url``."""
        return [r for r in self.records if r.uri == url and r.type != "request"][-1]


@dataclass
class Crawls:
    origin: str
    edition1: SiteManifest
    edition2: SiteManifest
    runs: dict[str, list[Run]]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    edition1 = generate_site(tmp_path_factory.mktemp("recrawl-e1"), ARTICLES, edition=1)
    edition2 = generate_site(tmp_path_factory.mktemp("recrawl-e2"), ARTICLES, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    runs: dict[str, list[Run]] = {}
    with DemoServer(edition1.directory) as server:
        for mode, settings in MODES.items():
            out = tmp_path_factory.mktemp(f"recrawl-{mode}")
            done = runs.setdefault(mode, [])
            for site_dir, extra in (
                (edition1.directory, settings),
                (edition1.directory, {**ALL_DUE, **settings}),
                (edition2.directory, {**ALL_DUE, **settings}),
            ):
                server.switch(site_dir)
                done.append(_crawl(out, server.origin, extra))
        yield Crawls(server.origin, edition1, edition2, runs)


def _crawl(out: Path, origin: str, settings: dict[str, str]) -> Run:
    warc_before = set((out / "warc").glob("*.warc.gz"))
    items_before = set((out / "items").glob("*.jsonl"))
    result = run_crawl(out, "demo", origin, settings)
    assert result.returncode == 0, result.log[-5000:]
    assert "Traceback" not in result.log
    assert result.stats.get("log_count/ERROR", 0) == 0
    records = [
        record
        for path in sorted(set((out / "warc").glob("*.warc.gz")) - warc_before)
        for record in read_records(path)
    ]
    items = [
        json.loads(line)
        for path in sorted(set((out / "items").glob("*.jsonl")) - items_before)
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    with SqliteCrawlState(out / "state.sqlite") as state:
        articles = {article.canonical_url: article for article in state.articles()}
    return Run(result, records, items, articles)


def _pages(truths: list[ArticleTruth]) -> int:
    return sum(truth.pages for truth in truths)


def _multipage(truths: list[ArticleTruth]) -> list[ArticleTruth]:
    return [truth for truth in truths if truth.pages > 1]


def test_unchanged_recrawl_extracts_only_multipage_articles(crawls: Crawls) -> None:
    second = crawls.runs["skip"][1]
    live = crawls.edition1.live()
    multipage = _multipage(live)
    assert multipage and len(multipage) < len(live)
    assert second.items == []
    assert second.stats["articles/extracted_pages"] == _pages(multipage)
    skipped = second.stats["articles/unchanged/skipped_extraction"]
    assert skipped == len(live) - len(multipage)
    # Only what was extracted reaches the item pipelines, where versions drops it unchanged.
    assert second.stats.get("item_dropped_count", 0) == len(multipage)
    assert second.stats["versions/unchanged"] == len(live)
    assert f"{len(live)} unchanged ({skipped} not extracted again)" in second.result.log


def test_extracting_every_page_is_what_the_setting_restores(crawls: Crawls) -> None:
    second = crawls.runs["extract"][1]
    live = crawls.edition1.live()
    assert second.items == []
    assert second.stats["articles/extracted_pages"] == _pages(live)
    assert "articles/unchanged/skipped_extraction" not in second.stats
    assert second.stats["item_dropped_count"] == len(live)
    assert second.stats["versions/unchanged"] == len(live)


def _record_shape(records: list[Record]) -> list[tuple[Any, ...]]:
    return sorted(
        (r.uri, r.type, r.profile, r.status, r.refers_to_uri, r.payload_digest) for r in records
    )


@pytest.mark.parametrize("run", [1, 2])
def test_the_same_records_are_archived_as_when_extracting(crawls: Crawls, run: int) -> None:
    skip, extract = crawls.runs["skip"][run], crawls.runs["extract"][run]
    assert skip.records and _record_shape(skip.records) == _record_shape(extract.records)
    # Only the version decisions are metadata records; no unchanged article writes one.
    decisions = [r.uri for r in skip.records if r.type == "metadata"]
    assert len(decisions) == len(skip.items)


def _state_shape(run: Run, article: ArticleState, first: Run) -> tuple[Any, ...]:
    """The state of one article, with its times told by the records they came from."""
    seen_in = run.record_of(article.url) if article.status == "live" else None
    versioned_in = next(
        (r for r in (run.records + first.records) if r.record_id == article.warc_record_id),
        None,
    )
    return (
        article.version,
        article.fingerprint,
        article.status,
        seen_in is not None and _moment(seen_in.date) == article.last_seen,
        versioned_in is not None and _moment(versioned_in.date) == article.last_changed,
        article.next_visit - article.last_seen if article.next_visit else None,
        dict(article.field_digests),
    )


@pytest.mark.parametrize("run", [1, 2])
def test_the_state_moves_on_as_when_extracting(crawls: Crawls, run: int) -> None:
    shapes = {}
    for mode, runs in crawls.runs.items():
        shapes[mode] = {
            url: _state_shape(runs[run], article, runs[0])
            for url, article in runs[run].articles.items()
        }
    assert shapes["skip"] == shapes["extract"]
    live = [shape for shape in shapes["skip"].values() if shape[2] == "live"]
    # Every live article was seen in this run, at its page's record, and is due again later.
    assert live and all(shape[3] and shape[5] > timedelta(0) for shape in live)


def test_an_updated_edition_extracts_only_changed_pages(crawls: Crawls) -> None:
    third, reference = crawls.runs["skip"][2], crawls.runs["extract"][2]
    edition = crawls.edition2
    changed = [truth for truth in edition.articles if truth.status in ("updated", "widget", "new")]
    unchanged = edition.by_status("unchanged")
    # Widget-only changes alter the bytes, so they are extracted (and found unchanged).
    assert third.stats["articles/extracted_pages"] == _pages(changed) + _pages(
        _multipage(unchanged)
    )
    assert third.stats["articles/unchanged/skipped_extraction"] == len(unchanged) - len(
        _multipage(unchanged)
    )
    emitted = {item["canonical_url"] for item in third.items}
    expected = {truth.url(crawls.origin) for truth in changed if truth.status != "widget"}
    assert emitted == expected and len(third.items) == len(expected)
    assert sorted(
        (item["canonical_url"], item["version"], item["content_hash"]) for item in third.items
    ) == sorted(
        (item["canonical_url"], item["version"], item["content_hash"]) for item in reference.items
    )
    assert third.stats["versions/gone"] == reference.stats["versions/gone"] == 1


def _timed_writes(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(f"{prefix}/"))


def test_write_times_are_measured_where_the_writes_ran(crawls: Crawls) -> None:
    threaded, inline = crawls.runs["skip"][0].stats, crawls.runs["extract"][0].stats
    # One timed write per capture and per decision (warcinfo records are part of the first).
    for stats in (threaded, inline):
        records = stats["warc/records/response"] + stats["warc/records/metadata"]
        timed = _timed_writes(stats, "warc/write_ms") + _timed_writes(stats, "warc/thread/write_ms")
        assert timed == records
    # Captures went to the thread; decisions, small and made on the event loop, stay there.
    assert _timed_writes(threaded, "warc/thread/write_ms") == threaded["warc/records/response"]
    assert _timed_writes(inline, "warc/thread/write_ms") == 0
    assert threaded["warc/thread/write_ms_max"] > 0 and inline["warc/write_ms_max"] > 0


def _moment(warc_date: str) -> datetime:
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
