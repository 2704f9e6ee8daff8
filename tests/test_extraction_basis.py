"""Extraction bases and batched article puts in both state backends, and the schema step."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from archive.state import CrawlState, ExtractionBasis, surt_key
from archive.state_redis import RedisCrawlState
from archive.state_sqlite import SCHEMA_VERSION, SqliteCrawlState
from archive.unchanged import learned_digest
from tests.states import SEEN, SITE
from tests.states import article_state as article


def basis(number: int, pages: int = 0) -> ExtractionBasis:
    later = tuple(
        (f"https://kanalpagi.example/berita/{number}?page={p}", f"<urn:uuid:{number}-{p}>")
        for p in range(2, pages + 2)
    )
    key = surt_key(f"https://kanalpagi.example/berita/{number}")
    return ExtractionBasis(key, f"f{number}", learned_digest({"a", "b"}), later)


@contextmanager
def sqlite_state(tmp_path: Path) -> Iterator[CrawlState]:
    with SqliteCrawlState(tmp_path / "state.sqlite", site=SITE) as state:
        yield state


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrawlState]:
    if request.param == "sqlite":
        with sqlite_state(tmp_path) as store:
            yield store
    else:
        url = request.getfixturevalue("fresh_redis")
        with RedisCrawlState(url, site=SITE) as store:
            yield store


def test_bases_are_stored_and_replaced_by_key(state: CrawlState) -> None:
    assert state.get_basis(basis(1).key) is None
    state.put_bases([basis(1), basis(2, pages=2)])
    assert state.get_basis(basis(1).key) == basis(1)
    assert state.get_basis(basis(2).key) == basis(2, pages=2)
    assert state.get_basis(basis(2).key).pages[1][1] == "<urn:uuid:2-3>"  # type: ignore[union-attr]
    forgotten = ExtractionBasis(basis(2).key, "", "")
    state.put_bases([forgotten])
    assert state.get_basis(basis(2).key) == forgotten
    state.put_bases([])
    assert state.get_basis(basis(1).key) == basis(1)


def test_articles_put_together_are_each_stored(state: CrawlState) -> None:
    state.put_article(article(1))
    moved = [dataclasses.replace(article(n), last_seen=SEEN + timedelta(hours=n)) for n in (1, 2)]
    state.put_articles(moved)
    state.put_articles([])
    for number in (1, 2):
        stored = state.get_article(f"https://kanalpagi.example/berita/{number}")
        assert stored is not None and stored.last_seen == SEEN + timedelta(hours=number)


def test_the_learned_digest_names_the_set_not_its_order() -> None:
    assert learned_digest(set()) == learned_digest(frozenset()) == ""
    assert learned_digest(["b", "a"]) == learned_digest({"a", "b"}) != learned_digest({"a"})


def test_a_schema_4_file_gains_the_basis_table_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with SqliteCrawlState(path, site=SITE) as state:
        state.put_article(article(3))
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE article_basis")
        db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with SqliteCrawlState(path, site=SITE) as state:
        assert state.get_article(article(3).canonical_url) == article(3)
        assert state.get_basis(basis(3).key) is None
        state.put_bases([basis(3)])
        assert state.get_basis(basis(3).key) == basis(3)
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
