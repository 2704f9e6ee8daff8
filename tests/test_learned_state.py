"""Learned blocks in the crawl state (SQLite, Redis): per-article counts, the share, schema 4."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.state import ArticleState, CrawlState, RunRecord, surt_key
from archive.state_redis import RedisCrawlState
from archive.state_sqlite import SCHEMA_VERSION, SqliteCrawlState

SITE = "kanalpagi"
SEEN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
#: Tables and index schema 4 added; a schema-3 file has none of them.
SCHEMA_4 = ("blocks", "block_sites", "article_blocks", "blocks_by_count")


def key(number: int) -> str:
    return surt_key(f"https://kanalpagi.example/berita/{number}")


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrawlState]:
    """Both backends count blocks alike."""
    if request.param == "sqlite":
        store: CrawlState = SqliteCrawlState(tmp_path / "state.sqlite", site=SITE)
    else:
        store = RedisCrawlState(request.getfixturevalue("fresh_redis"), site=SITE)
    with store:
        yield store


def test_an_article_counts_once_per_block_however_often_it_is_seen(
    state: CrawlState,
) -> None:
    for _ in range(3):
        state.record_blocks(SITE, key(1), ["promo", "para1"], SEEN)
    state.record_blocks(SITE, key(2), ["promo", "para2"], SEEN)
    assert state.learned_blocks(SITE, 2, 0.0) == {"promo"}
    # A new version of article 1 with one new paragraph counts only that one.
    state.record_blocks(SITE, key(1), ["promo", "para1", "para2"], SEEN + timedelta(hours=1))
    assert state.learned_blocks(SITE, 2, 0.0) == {"promo", "para2"}
    assert state.learned_blocks(SITE, 3, 0.0) == frozenset()


def test_a_block_must_reach_both_the_count_and_the_share(state: CrawlState) -> None:
    for number in range(10):
        state.record_blocks(SITE, key(number), [f"own{number}", "everywhere"], SEEN)
    for number in range(10, 40):
        blocks = [f"own{number}", "everywhere"] + (["quarter"] if number % 4 == 0 else [])
        state.record_blocks(SITE, key(number), blocks, SEEN)
    assert state.learned_blocks(SITE, 5, 0.2) == {"everywhere", "quarter"}
    assert state.learned_blocks(SITE, 5, 0.3) == {"everywhere"}
    assert state.learned_blocks(SITE, 41, 0.0) == frozenset()


def test_the_share_counts_the_articles_since_the_block_first_appeared(
    state: CrawlState,
) -> None:
    for number in range(1000):
        state.record_blocks(SITE, key(number), [f"own{number}"], SEEN)
    for number in range(1000, 1030):
        state.record_blocks(SITE, key(number), [f"own{number}", "new-promo"], SEEN)
    # 30 of the 1030 articles, but all 30 of those since it appeared.
    assert state.learned_blocks(SITE, 20, 0.2) == {"new-promo"}


@pytest.mark.parametrize("group_seconds", [0.0, 60.0])
def test_a_reopened_file_counts_on_from_its_stored_articles(
    tmp_path: Path, group_seconds: float
) -> None:
    path = tmp_path / "state.sqlite"
    with SqliteCrawlState(path, site=SITE, group_seconds=group_seconds) as store:
        for number in range(1000):
            store.record_blocks(SITE, key(number), [f"own{number}"], SEEN)
    with SqliteCrawlState(path, site=SITE, group_seconds=group_seconds) as store:
        # An article seen before, with a block new to it: measured from the stored count.
        store.record_blocks(SITE, key(0), ["own0", "late"], SEEN)
        for number in range(1000, 1030):
            store.record_blocks(SITE, key(number), [f"own{number}", "new-promo"], SEEN)
        assert store.learned_blocks(SITE, 20, 0.2) == {"new-promo"}
    since = dict(sqlite3.connect(path).execute("SELECT digest, since FROM blocks"))
    assert since["late"] == 999
    assert since["new-promo"] == 1000


def test_sites_learn_apart(state: CrawlState) -> None:
    for number in range(5):
        state.record_blocks(SITE, key(number), ["shared-text"], SEEN)
    state.record_blocks("other", surt_key("https://other.example/a"), ["shared-text"], SEEN)
    assert state.learned_blocks(SITE, 5, 0.5) == {"shared-text"}
    assert state.learned_blocks("other", 2, 0.0) == frozenset()


def test_a_digest_with_spaces_is_refused(state: CrawlState) -> None:
    with pytest.raises(ValueError, match="without spaces"):
        state.record_blocks(SITE, key(1), ["two words"], SEEN)


def test_a_schema_3_file_gains_the_block_tables_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    url = "https://kanalpagi.example/berita/7"
    with SqliteCrawlState(path, site=SITE) as state:
        state.put_article(
            ArticleState(
                canonical_url=url,
                url=url,
                site=SITE,
                fingerprint="f1",
                version=2,
                published="2026-12-01T08:00:00+07:00",
                updated=None,
                first_seen=SEEN,
                last_seen=SEEN,
                last_changed=SEEN,
                next_visit=SEEN + timedelta(days=1),
                warc_file="KABARSIP-1.warc.gz",
                warc_offset=10,
                warc_record_id="<urn:uuid:1>",
                field_digests={"body": "abc"},
            )
        )
        state.put_run(RunRecord("run-1", SITE, SEEN, SEEN, "finished", {"items": 3}))
    # Back to schema 3 as that version wrote it: no block tables, version 3 in meta.
    with sqlite3.connect(path) as db:
        for table in ("blocks", "block_sites", "article_blocks", "article_basis"):
            db.execute(f"DROP TABLE {table}")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert not names & set(SCHEMA_4)
    with SqliteCrawlState(path, site=SITE) as state:
        kept = state.get_article(url)
        assert kept is not None
        assert (kept.version, kept.field_digests) == (2, {"body": "abc"})
        assert [run.stats for run in state.runs(SITE)] == [{"items": 3}]
        assert state.learned_blocks(SITE, 1, 0.0) == frozenset()
        state.record_blocks(SITE, key(7), ["promo"], SEEN)
        assert state.learned_blocks(SITE, 1, 0.0) == {"promo"}
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert version == (str(SCHEMA_VERSION),) == ("5",)
    assert set(SCHEMA_4) <= names
