"""Incremental crawls end to end: three runs over loopback against one archive and state.

Run 1 crawls edition 1 of the generated site; run 2 crawls it again with every known article
due; run 3 crawls edition 2 (24 updated articles, 24 with only widget changes, 12 new, one
removed). Each run is a ``scrapy crawl`` subprocess, as a scheduler starts it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.records import digest
from archive.state_sqlite import SqliteCrawlState
from archive.warc import IDENTICAL_PAYLOAD_DIGEST, SERVER_NOT_MODIFIED
from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import CrawlResult, page_fetches, run_crawl, run_scrapy
from tests.pywb_harness import running_pywb

pytestmark = pytest.mark.slow

ALL_DUE = {"REVISIT_ALL_DUE": "True"}


@dataclass(frozen=True)
class Record:
    """One WARC record, read back."""

    file: str
    offset: int
    type: str
    uri: str
    date: str
    record_id: str
    payload_digest: str | None
    profile: str | None
    refers_to: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    status: int | None
    payload: bytes

    @property
    def timestamp14(self) -> str:
        return self.date[:19].replace("-", "").replace("T", "").replace(":", "")


@dataclass
class Run:
    result: CrawlResult
    files: list[Path]
    items: list[dict[str, Any]]
    records: list[Record] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)

    def of_type(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.type == kind]


@dataclass
class Runs:
    origin: str
    edition1: SiteManifest
    edition2: SiteManifest
    runs: list[Run]
    out: Path

    @property
    def records(self) -> list[Record]:
        return [record for run in self.runs for record in run.records]

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for run in self.runs for item in run.items]


def read_records(path: Path) -> list[Record]:
    records = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            # Before get_record_offset(), which reads the record to its end.
            payload = record.raw_stream.read()
            head = record.rec_headers
            http = record.http_headers
            status = None
            if http is not None and record.rec_type in ("response", "revisit"):
                status = int(http.get_statuscode())
            records.append(
                Record(
                    file=path.name,
                    offset=iterator.get_record_offset(),
                    type=record.rec_type,
                    uri=head.get_header("WARC-Target-URI") or "",
                    date=head.get_header("WARC-Date") or "",
                    record_id=head.get_header("WARC-Record-ID") or "",
                    payload_digest=head.get_header("WARC-Payload-Digest"),
                    profile=head.get_header("WARC-Profile"),
                    refers_to=head.get_header("WARC-Refers-To"),
                    refers_to_uri=head.get_header("WARC-Refers-To-Target-URI"),
                    refers_to_date=head.get_header("WARC-Refers-To-Date"),
                    status=status,
                    payload=payload,
                )
            )
    return records


@pytest.fixture(scope="module")
def runs(
    demo_site: SiteManifest, demo_site_v2: SiteManifest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    assert demo_site.directory is not None and demo_site_v2.directory is not None
    out = tmp_path_factory.mktemp("dedup")
    done: list[Run] = []
    with DemoServer(demo_site.directory) as server:
        for site_dir, settings in (
            (demo_site.directory, {}),
            (demo_site.directory, ALL_DUE),
            (demo_site_v2.directory, ALL_DUE),
        ):
            server.switch(site_dir)
            before = set((out / "warc").glob("*.warc.gz"))
            items_before = set((out / "items").glob("*.jsonl"))
            result = run_crawl(out, "demo", server.origin, settings)
            assert result.returncode == 0, result.log[-5000:]
            assert result.stats["finish_reason"] == "finished"
            files = sorted(set((out / "warc").glob("*.warc.gz")) - before)
            items = [
                json.loads(line)
                for path in sorted(set((out / "items").glob("*.jsonl")) - items_before)
                for line in path.read_text(encoding="utf-8").splitlines()
            ]
            run = Run(result, files, items)
            run.records = [record for path in files for record in read_records(path)]
            done.append(run)
        yield Runs(server.origin, demo_site, demo_site_v2, done, out)


def article_urls(truths: list[ArticleTruth], origin: str) -> set[str]:
    return {truth.url(origin) for truth in truths}


def test_runs_finish_cleanly(runs: Runs) -> None:
    for run in runs.runs:
        assert "Traceback" not in run.result.log
        assert run.result.stats.get("log_count/ERROR", 0) == 0


def test_run_1_emits_every_article_as_version_1(runs: Runs) -> None:
    items = runs.runs[0].items
    assert len(items) == len(runs.edition1.live())
    assert {item["version"] for item in items} == {1}
    assert {item["emit_reason"] for item in items} == {"new"}
    assert {item["canonical_url"] for item in items} == article_urls(
        runs.edition1.live(), runs.origin
    )


def test_run_2_archives_no_response_and_emits_nothing(runs: Runs) -> None:
    first, second = runs.runs[0], runs.runs[1]
    stats = second.result.stats
    assert second.items == []
    assert second.of_type("response") == []
    fetched = stats["downloader/response_count"]
    # Every page again but the listing pages past one whose articles were all fetched before;
    # pictures only of the articles extracted again (multi-page ones).
    skipped_listings = stats.get("discovery/section/all_known", 0)
    assert skipped_listings > 0
    assert page_fetches(first.result.stats) - page_fetches(stats) >= skipped_listings
    revisits = second.of_type("revisit")
    assert len(revisits) == fetched  # one record per unchanged fetch, nothing else
    assert stats["versions/unchanged"] == len(runs.edition1.live())
    assert stats["schedule/due"] == len(runs.edition1.live())
    assert second.bytes < 0.05 * first.bytes, (second.bytes, first.bytes)


def test_run_2_conditional_gets_became_304_revisits(runs: Runs) -> None:
    second = runs.runs[1]
    revisits = second.of_type("revisit")
    assert {r.profile for r in revisits} == {SERVER_NOT_MODIFIED}
    assert second.result.stats["conditional/not_modified"] == len(revisits)


def test_run_3_stores_updated_and_widget_pages_again_but_emits_only_content_changes(
    runs: Runs,
) -> None:
    third = runs.runs[2]
    origin = runs.origin
    updated = article_urls(runs.edition2.by_status("updated"), origin)
    widget = article_urls(runs.edition2.by_status("widget"), origin)
    new = article_urls(runs.edition2.by_status("new"), origin)
    unchanged = article_urls(runs.edition2.by_status("unchanged"), origin)
    assert len(updated) == len(widget) == 24 and len(new) == 12
    stored = {r.uri for r in third.of_type("response")}
    assert updated | widget | new <= stored
    assert not unchanged & stored
    items = {item["canonical_url"]: item for item in third.items}
    assert len(items) == len(third.items) == len(updated) + len(new)
    assert set(items) == updated | new
    for url in new:
        assert (items[url]["version"], items[url]["emit_reason"]) == (1, "new")


def test_updated_articles_are_version_2_naming_the_fields_that_changed(runs: Runs) -> None:
    first_items = {item["canonical_url"]: item for item in runs.runs[0].items}
    items = {item["canonical_url"]: item for item in runs.runs[2].items}
    before = {truth.path: truth for truth in runs.edition1.articles}
    changed_kinds: Counter[str] = Counter()
    for truth in runs.edition2.by_status("updated"):
        url = truth.url(runs.origin)
        item, old = items[url], before[truth.path]
        assert (item["version"], item["emit_reason"]) == (2, "updated")
        assert item["previous_content_hash"] == first_items[url]["content_hash"]
        assert item["content_hash"] != item["previous_content_hash"]
        expected = [
            name
            for name, differs in (
                ("title", truth.title != old.title),
                ("body", truth.paragraphs != old.paragraphs),
                ("authors", truth.authors != old.authors),
                ("published", truth.published != old.published),
                ("updated", truth.updated != old.updated),
            )
            if differs
        ]
        assert item["changed_fields"] == expected
        changed_kinds.update(expected)
    assert changed_kinds["body"] > 0


def test_the_removed_article_is_reported_gone_and_its_captures_stay(runs: Runs) -> None:
    removed = runs.edition2.by_status("removed")
    assert len(removed) == 1
    url = removed[0].url(runs.origin)
    assert runs.runs[2].result.stats["versions/gone"] == 1
    with SqliteCrawlState(runs.out / "state.sqlite") as state:
        article = state.get_article(url)
    assert article is not None and article.status == "gone" and article.next_visit is None
    assert article.gone_at is not None and article.gone_at > article.last_seen
    first = [r for r in runs.runs[0].of_type("response") if r.uri == url]
    gone = [r for r in runs.runs[2].records if r.uri == url and r.type == "response"]
    assert [r.status for r in first] == [200] and [r.status for r in gone] == [404]


def test_nothing_is_emitted_twice(runs: Runs) -> None:
    versions = Counter((item["canonical_url"], item["version"]) for item in runs.items)
    assert versions and max(versions.values()) == 1
    hashes = Counter((item["canonical_url"], item["content_hash"]) for item in runs.items)
    assert max(hashes.values()) == 1


def test_every_item_points_at_the_record_it_was_extracted_from(runs: Runs) -> None:
    by_id = {r.record_id: r for r in runs.records}
    for item in runs.items:
        record = by_id[item["warc_record_id"]]
        assert (record.file, record.offset) == (item["warc_file"], item["warc_offset"])
        assert record.uri == item["url"] and record.type == "response"
        assert datetime.fromisoformat(item["fetched_at"]) == datetime.fromisoformat(
            record.date.replace("Z", "+00:00")
        )


def test_every_revisit_resolves_to_a_response_with_its_payload(runs: Runs) -> None:
    responses = {r.record_id: r for r in runs.records if r.type == "response"}
    revisits = [r for r in runs.records if r.type == "revisit"]
    assert len(revisits) > 500
    for revisit in revisits:
        assert revisit.profile in (IDENTICAL_PAYLOAD_DIGEST, SERVER_NOT_MODIFIED)
        original = responses.get(revisit.refers_to or "")
        assert original is not None, revisit
        assert original.payload_digest == revisit.payload_digest == digest(original.payload)
        assert (original.uri, original.date) == (revisit.refers_to_uri, revisit.refers_to_date)
        assert original.date < revisit.date


def test_each_version_has_a_decision_record_beside_its_capture(runs: Runs) -> None:
    decisions = [
        r for r in runs.records if r.type == "metadata" and b"kabarsip-version" in r.payload
    ]
    assert len(decisions) == len(runs.items)
    by_capture = {r.payload.split(b"warc-record-id: ")[1].split(b"\r\n")[0]: r for r in decisions}
    for item in runs.items:
        decision = by_capture[item["warc_record_id"].encode()]
        assert decision.uri == item["url"]
        assert f"version: {item['version']}".encode() in decision.payload


def test_state_matches_the_archive_and_the_items(runs: Runs) -> None:
    latest = {}
    for item in runs.items:
        latest[item["canonical_url"]] = item
    with SqliteCrawlState(runs.out / "state.sqlite") as state:
        articles = {a.canonical_url: a for a in state.articles("demo")}
        captures = {c.url: c for c in state.captures()}
    assert set(articles) == set(latest)
    for url, item in latest.items():
        article = articles[url]
        assert (article.version, article.fingerprint) == (item["version"], item["content_hash"])
        assert article.warc_record_id == item["warc_record_id"]
        assert article.last_seen >= article.last_changed >= article.first_seen
    last_fetch: dict[str, str] = {}
    for record in runs.records:
        if record.type in ("response", "revisit"):
            last_fetch[record.uri] = record.date
    assert set(captures) == set(last_fetch)
    for url, capture in captures.items():
        assert capture.fetched_at == datetime.fromisoformat(last_fetch[url].replace("Z", "+00:00"))
        assert capture.fetched_at.tzinfo == UTC


def test_every_article_capture_of_runs_1_to_3_replays_in_pywb(
    runs: Runs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    files = [path for run in runs.runs for path in run.files]
    records = runs.records
    responses = {r.record_id: r for r in records if r.type == "response"}
    captures = [r for r in records if r.type in ("response", "revisit") and "/read/" in r.uri]
    kinds = Counter(r.profile or r.type for r in captures)
    assert kinds["response"] and kinds[SERVER_NOT_MODIFIED] >= len(runs.edition1.live())
    with running_pywb(files, tmp_path_factory.mktemp("pywb-dedup")) as pywb:
        for capture in captures:
            original = capture if capture.type == "response" else responses[capture.refers_to or ""]
            replay = pywb.replay(capture.uri, capture.timestamp14)
            where = f"{capture.uri} at {capture.timestamp14} ({capture.profile or capture.type})"
            assert replay.status == original.status, where
            assert replay.memento == capture.timestamp14, where
            assert replay.body == original.payload, where
    removed = runs.edition2.by_status("removed")[0].url(runs.origin)
    statuses = [r.status for r in captures if r.uri == removed and r.type == "response"]
    assert statuses == [200, 404]


def test_state_rebuilt_from_the_warc_files_alone_equals_the_live_state(
    runs: Runs, tmp_path: Path
) -> None:
    rebuilt_path = tmp_path / "rebuilt.sqlite"
    command = run_scrapy("state", "rebuild", str(runs.out / "warc"), "--state", str(rebuilt_path))
    assert command.returncode == 0, command.stdout + command.stderr
    with (
        SqliteCrawlState(runs.out / "state.sqlite") as live,
        SqliteCrawlState(rebuilt_path) as rebuilt,
    ):
        live_articles, rebuilt_articles = list(live.articles()), list(rebuilt.articles())
        assert len(live_articles) == len(runs.edition1.live()) + 12
        assert rebuilt_articles == live_articles
        live_captures = list(live.captures())
        assert len(live_captures) > len(live_articles)
        assert list(rebuilt.captures()) == live_captures


# Hints from sitemaps and feeds: a re-extraction has no discovery to take them from.
DISCOVERY_FIELDS = {"sitemap_published_raw", "sitemap_title"}


def test_reextract_over_runs_1_to_3_gives_every_versions_item(runs: Runs, tmp_path: Path) -> None:
    output = tmp_path / "again.jsonl"
    command = run_scrapy("reextract", str(runs.out / "warc"), "-o", str(output))
    assert command.returncode == 0, command.stdout + command.stderr
    again = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert f"{len(runs.items)} items" in command.stderr

    def key(item: dict[str, Any]) -> tuple[str, int]:
        return item["canonical_url"], item["version"]

    live = {key(item): item for item in runs.items}
    assert len(again) == len(live) and {key(item) for item in again} == set(live)
    for item in again:
        expected = live[key(item)]
        for name in set(expected) - DISCOVERY_FIELDS:
            assert item[name] == expected[name], (key(item), name)
