"""Incremental crawls given a bad state or archive: a clear message, a safe fallback, no loss."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.state import ArticleState
from archive.state_sqlite import SqliteCrawlState
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import CrawlResult, run_crawl

pytestmark = pytest.mark.slow

ALL_DUE = {"REVISIT_ALL_DUE": "True"}


def record_types(warc_files: list[Path]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for path in warc_files:
        with path.open("rb") as stream:
            kinds.update(record.rec_type for record in ArchiveIterator(stream))
    return kinds


def crawl(out: Path, server: DemoServer, settings: dict[str, str] | None = None) -> CrawlResult:
    return run_crawl(out, "demo", server.origin, settings)


def test_a_state_file_held_by_another_crawl_stops_the_run_before_any_fetch(
    tmp_path: Path, small_server: DemoServer
) -> None:
    served = len(small_server.requests)
    with SqliteCrawlState(tmp_path / "state.sqlite", "demo"):
        result = crawl(tmp_path, small_server)
    assert result.returncode == ExitCode.STATE
    assert "in use by another crawl" in result.log and "Traceback" not in result.log
    assert str(tmp_path / "state.sqlite") in result.log
    assert len(small_server.requests) == served
    assert not (tmp_path / "warc").exists()


def test_a_state_file_of_a_newer_schema_is_refused_and_left_as_it_was(
    tmp_path: Path, small_server: DemoServer
) -> None:
    path = tmp_path / "state.sqlite"
    SqliteCrawlState(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    before = path.read_bytes()
    result = crawl(tmp_path, small_server)
    assert result.returncode == ExitCode.STATE
    assert "schema version 99" in result.log and "Traceback" not in result.log
    assert path.read_bytes() == before


def test_a_file_that_is_no_state_file_is_refused_by_name(
    tmp_path: Path, small_server: DemoServer
) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"items,that,are,no,database\n" * 40)
    result = crawl(tmp_path, small_server)
    assert result.returncode == ExitCode.STATE
    assert f"{path} is not a Kabarsip state file" in result.log
    assert path.read_bytes() == b"items,that,are,no,database\n" * 40


def test_a_state_file_of_another_site_is_shared_and_its_articles_left_alone(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    path = tmp_path / "state.sqlite"
    with SqliteCrawlState(path, "liputan6") as state:
        other = next(iter(_one_article(state)))
    result = crawl(tmp_path, small_server)
    assert result.returncode == 0
    assert len(result.items) == len(small_site.live())
    assert {item["version"] for item in result.items} == {1}
    assert "now shared by ['liputan6'] and demo" in result.log
    with SqliteCrawlState(path) as state:
        assert state.get_article(other.canonical_url) == other
        assert state.sites == ["liputan6", "demo"]
        assert len(list(state.articles("demo"))) == len(small_site.live())


def _one_article(state: SqliteCrawlState) -> list[ArticleState]:
    from datetime import UTC, datetime

    moment = datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    article = ArticleState(
        canonical_url="https://www.liputan6.com/news/read/5512345/banjir",
        url="https://www.liputan6.com/news/read/5512345/banjir",
        site="liputan6",
        fingerprint="0" * 64,
        version=3,
        published=None,
        updated=None,
        first_seen=moment,
        last_seen=moment,
        last_changed=moment,
        next_visit=moment,
        warc_file="KABARSIP-20260302011500000-00000-host-1.warc.gz",
        warc_offset=0,
        warc_record_id="<urn:uuid:00000000-0000-0000-0000-000000000000>",
    )
    state.put_article(article)
    return [article]


def test_captures_deleted_from_the_archive_are_fetched_and_stored_in_full_again(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    first = crawl(tmp_path, small_server)
    assert first.returncode == 0 and len(first.items) == len(small_site.live())
    deleted = sorted(first.warc_dir.glob("*.warc.gz"))
    for path in deleted:
        path.unlink()
    second = crawl(tmp_path, small_server, ALL_DUE)
    assert second.returncode == 0
    kinds = record_types(sorted(second.warc_dir.glob("*.warc.gz")))
    fetched = second.stats["downloader/response_count"]
    assert kinds["response"] == kinds["request"] == fetched
    assert kinds["revisit"] == 0
    assert "conditional/sent" not in second.stats
    assert second.stats["state/fallback/warc_missing"] >= 1
    assert f"State refers to {deleted[0].name}, which is not in" in second.log
    # Content did not change: the refetch archives again but emits no second version.
    assert second.stats.get("item_scraped_count", 0) == 0
    assert second.stats["versions/unchanged"] == len(small_site.live())


def test_a_damaged_capture_is_fetched_in_full_instead_of_confirmed(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    first = crawl(tmp_path, small_server)
    assert first.returncode == 0
    files = sorted(first.warc_dir.glob("*.warc.gz"))
    kept = {path: path.read_bytes() for path in files}
    for path in files:  # same names and sizes, unreadable records
        path.write_bytes(bytes(len(kept[path])))
    second = crawl(tmp_path, small_server, ALL_DUE)
    assert second.returncode == 0
    new_files = sorted(set(second.warc_dir.glob("*.warc.gz")) - set(files))
    kinds = record_types(new_files)
    assert kinds["revisit"] == 0
    assert kinds["response"] == second.stats["downloader/response_count"]
    assert second.stats["state/fallback/unreadable"] == second.stats["downloader/response_count"]
    assert "Cannot use the archived capture of" in second.log
    assert second.stats.get("item_scraped_count", 0) == 0
