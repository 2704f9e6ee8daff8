"""CrawlState: SQLite round trips, schema and lock guards, due articles, SURT keys, schedule."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from surt import surt
from warcio.archiveiterator import ArchiveIterator

from archive.schedule import (
    DEFAULT_SCHEDULE,
    DEFAULT_TAIL,
    next_visit,
    parse_interval,
    parse_schedule,
)
from archive.state import (
    ArticleState,
    CaptureState,
    CrawlState,
    CrawlStateError,
    CrawlStateLockedError,
    RunRecord,
    surt_key,
)
from archive.state_redis import RedisCrawlState
from archive.state_sqlite import SCHEMA_VERSION, SqliteCrawlState
from archive.tracking import strip_tracking
from archive.transitions import gone
from archive.warc import CapturedRequest, CapturedResponse, WarcWriter

WIB = timezone(timedelta(hours=7), "WIB")
FETCHED_AT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=WIB)
ARTICLE_URL = "https://www.liputan6.com/news/read/5512345/banjir-rendam-ribuan-rumah-di-jakarta"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOLDER = """
import sys
from archive.state_sqlite import SqliteCrawlState
state = SqliteCrawlState(sys.argv[1], site="liputan6")
print("ready", flush=True)
sys.stdin.readline()
state.close()
print("closed", flush=True)
"""


def capture(url: str = ARTICLE_URL, **changes: Any) -> CaptureState:
    state = CaptureState(
        url=url,
        fetched_at=FETCHED_AT,
        status=200,
        etag='W/"5512345-1709345730"',
        last_modified="Sat, 02 Mar 2026 02:10:00 GMT",
        payload_digest="sha1:2Z3HMQWCJH6AGDSLOWXZHHI6C2JDRLAV",
        warc_file="KABARSIP-20260302021530123-00000-crawler1-4242.warc.gz",
        warc_offset=48213,
        warc_record_id="<urn:uuid:0b9f3c1e-8a51-4f0e-9a3e-2f1d5c6b7a80>",
        warc_date=FETCHED_AT,
        content_type="text/html; charset=UTF-8",
    )
    return dataclasses.replace(state, **changes)


def article(url: str = ARTICLE_URL, **changes: Any) -> ArticleState:
    state = ArticleState(
        canonical_url=url,
        url=url,
        site="liputan6",
        fingerprint="sha1:JQ4XKZ7Q3MNTU5G4WQZ6E2RZ3VQKX7LA",
        version=1,
        published="2026-03-02T08:40:00+07:00",
        updated=None,
        first_seen=FETCHED_AT,
        last_seen=FETCHED_AT,
        last_changed=FETCHED_AT,
        next_visit=FETCHED_AT + timedelta(hours=1),
        warc_file="KABARSIP-20260302021530123-00000-crawler1-4242.warc.gz",
        warc_offset=48213,
        warc_record_id="<urn:uuid:0b9f3c1e-8a51-4f0e-9a3e-2f1d5c6b7a80>",
    )
    return dataclasses.replace(state, **changes)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.sqlite"


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, state_path: Path) -> Iterator[CrawlState]:
    """The contract's scenarios run on both backends: the SQLite file and Redis."""
    if request.param == "sqlite":
        store: CrawlState = SqliteCrawlState(state_path, site="liputan6")
    else:
        store = RedisCrawlState(request.getfixturevalue("fresh_redis"), site="liputan6")
    with store:
        yield store


# --- round trips -------------------------------------------------------------------------


def test_capture_round_trips_through_a_reopened_file(state_path: Path) -> None:
    with SqliteCrawlState(state_path) as store:
        store.put_capture(capture())
    with SqliteCrawlState(state_path) as store:
        loaded = store.get_capture(ARTICLE_URL)
    assert loaded == capture()
    assert loaded is not None and loaded.fetched_at.tzinfo == UTC


def test_a_capture_read_after_its_put_is_what_a_reopened_file_reads(state_path: Path) -> None:
    """The store answers reads of what it wrote itself as the file would: times in UTC."""
    with SqliteCrawlState(state_path, group_seconds=60.0) as store:
        assert store.get_capture(ARTICLE_URL) is None
        store.put_capture(capture())
        remembered = store.get_capture(ARTICLE_URL)
    with SqliteCrawlState(state_path) as store:
        read = store.get_capture(ARTICLE_URL)
    assert remembered == read == capture()
    assert remembered is not None and read is not None
    assert remembered.fetched_at.tzinfo == read.fetched_at.tzinfo == UTC
    assert remembered.warc_date.tzinfo == UTC


def test_a_capture_put_that_fails_changes_no_read(state_path: Path) -> None:
    with SqliteCrawlState(state_path, group_seconds=60.0) as store:
        store.put_capture(capture())
        with pytest.raises(CrawlStateError):
            store.put_capture(capture(status=304, warc_file=None))  # NOT NULL in the file
        assert store.get_capture(ARTICLE_URL) == capture()


def test_text_damaged_into_invalid_utf8_is_named_damage_with_the_rebuild(
    state_path: Path,
) -> None:
    """SQLite's own check passes such a file; reading the value finds it."""
    with SqliteCrawlState(state_path) as store:
        store.put_capture(capture())
    data = state_path.read_bytes()
    record_id = capture().warc_record_id.encode("ascii")
    assert data.count(record_id) == 1
    at = data.index(record_id) + 20
    state_path.write_bytes(data[:at] + b"\xff" + data[at + 1 :])
    with SqliteCrawlState(state_path) as store, pytest.raises(CrawlStateError) as error:
        store.get_capture(ARTICLE_URL)
    assert "is damaged" in str(error.value)
    assert "scrapy state rebuild" in str(error.value)


def test_capture_is_keyed_by_the_exact_url_fetched(state: CrawlState) -> None:
    state.put_capture(capture())
    assert state.get_capture(ARTICLE_URL + "?utm_source=twitter") is None
    assert state.get_capture(ARTICLE_URL.replace("https://", "http://")) is None


def test_put_capture_replaces_the_earlier_state(state: CrawlState) -> None:
    state.put_capture(capture())
    later = capture(fetched_at=FETCHED_AT + timedelta(hours=6), status=304, etag='W/"2"')
    state.put_capture(later)
    assert state.get_capture(ARTICLE_URL) == later
    assert len(list(state.captures())) == 1


def test_capture_from_record_refers_to_the_warc_date_written(
    tmp_path: Path, state: SqliteCrawlState
) -> None:
    request = CapturedRequest(b"GET /news HTTP/1.1\r\nHost: www.liputan6.com\r\n\r\n")
    response = CapturedResponse(
        200, "OK", [(b"Content-Type", b"text/html; charset=UTF-8")], b"<html>", FETCHED_AT
    )
    with WarcWriter(tmp_path / "warc", prefix="TEST") as writer:
        location = writer.write_exchange(ARTICLE_URL, request, response)
    state.put_capture(
        CaptureState.from_record(
            ARTICLE_URL, location, fetched_at=FETCHED_AT, status=200, etag='"abc"'
        )
    )
    stored = state.get_capture(ARTICLE_URL)
    assert stored is not None
    with open(tmp_path / "warc" / stored.warc_file, "rb") as stream:
        stream.seek(stored.warc_offset)
        record = next(iter(ArchiveIterator(stream)))
    assert record.rec_headers.get_header("WARC-Record-ID") == stored.warc_record_id
    assert record.rec_headers.get_header("WARC-Payload-Digest") == stored.payload_digest
    written_date = record.rec_headers.get_header("WARC-Date")
    assert written_date == stored.warc_date.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_article_round_trips_and_is_found_by_any_variant_of_its_url(
    state: CrawlState,
) -> None:
    stored = article(status="gone", gone_at=FETCHED_AT, next_visit=None)
    state.put_article(stored)
    variant = "http://liputan6.com/news/read/5512345/banjir-rendam-ribuan-rumah-di-jakarta/"
    assert state.get_article(variant + "?utm_source=whatsapp#komentar") == stored
    assert state.get_article(ARTICLE_URL.replace("5512345", "5512346")) is None


def test_an_article_is_found_by_the_url_fetched_as_well_as_its_canonical_url(
    state: CrawlState,
) -> None:
    fetched = ARTICLE_URL + "?page=all&utm_medium=feed"
    stored = dataclasses.replace(article(), url=fetched, field_digests={"title": "a1", "body": "b"})
    state.put_article(stored)
    assert state.find_article(ARTICLE_URL + "?page=all") == stored
    assert state.find_article(ARTICLE_URL) == stored
    assert state.find_article(ARTICLE_URL + "?page=2") is None
    assert state.get_article(fetched) is None  # get_article matches the canonical key only


def test_a_new_version_replaces_the_article_under_its_key(state: CrawlState) -> None:
    state.put_article(article())
    changed = FETCHED_AT + timedelta(hours=6)
    state.put_article(
        article(
            "http://liputan6.com/news/read/5512345/banjir-rendam-ribuan-rumah-di-jakarta",
            version=2,
            fingerprint="sha1:NEW",
            last_seen=changed,
            last_changed=changed,
        )
    )
    stored = state.get_article(ARTICLE_URL)
    assert stored is not None and (stored.version, stored.fingerprint) == (2, "sha1:NEW")
    assert len(list(state.articles())) == 1


def test_iteration_pages_through_everything_while_the_caller_writes(
    state: CrawlState,
) -> None:
    for n in range(2500):
        state.put_capture(capture(f"https://www.liputan6.com/news/read/{n:05d}/x"))
        state.put_article(article(f"https://www.liputan6.com/news/read/{n:05d}/x"))
    seen = []
    for item in state.captures():
        seen.append(item.url)
        state.put_capture(dataclasses.replace(item, status=304))
    assert seen == sorted(seen) and len(seen) == 2500
    assert all(item.status == 304 for item in state.captures())
    assert len(list(state.articles())) == 2500


def test_articles_filters_by_site(state: CrawlState) -> None:
    state.put_article(article())
    state.put_article(article("https://www.detik.com/berita/d-7212345/gempa", site="detik"))
    assert [a.site for a in state.articles("detik")] == ["detik"]
    assert {a.site for a in state.articles()} == {"detik", "liputan6"}


def run(run_id: str, site: str = "liputan6", hour: int = 9, **stats: float) -> RunRecord:
    start = datetime(2026, 3, 2, hour, tzinfo=UTC)
    return RunRecord(run_id, site, start, start + timedelta(minutes=5), "finished", stats)


def test_runs_come_back_newest_first_per_site_with_their_figures(
    state: CrawlState,
) -> None:
    state.put_run(run("a", hour=9, **{"coverage/items": 10, "coverage/authors": 7}))
    state.put_run(run("b", hour=11, **{"coverage/items": 12, "warc/bytes": 1.5}))
    state.put_run(run("c", site="detik", hour=10))
    assert [r.run_id for r in state.runs()] == ["b", "c", "a"]
    assert [r.run_id for r in state.runs("liputan6")] == ["b", "a"]
    assert [r.run_id for r in state.runs("liputan6", limit=1)] == ["b"]
    first = state.runs("liputan6")[1]
    assert first.stats == {"coverage/items": 10, "coverage/authors": 7}
    assert first.finished_at == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    # The same run recorded again replaces its record.
    state.put_run(run("a", hour=12, **{"coverage/items": 3}))
    assert [(r.run_id, r.stats) for r in state.runs("liputan6")] == [
        ("a", {"coverage/items": 3}),
        ("b", {"coverage/items": 12, "warc/bytes": 1.5}),
    ]


def test_a_run_keeps_only_numeric_stats(state: CrawlState) -> None:
    stats: dict[str, Any] = {"items": 4, "start_time": datetime.now(UTC), "flag": True, "x": "y"}
    state.put_run(RunRecord("r", "kompas", datetime.now(UTC), datetime.now(UTC), "finished", stats))
    assert state.runs()[0].stats == {"items": 4}


def test_a_damaged_run_row_is_named_damage(state_path: Path) -> None:
    with SqliteCrawlState(state_path) as state:
        state.put_run(run("a"))
    with sqlite3.connect(state_path) as db:
        db.execute("UPDATE runs SET stats = '[1, 2]'")
    with SqliteCrawlState(state_path) as state, pytest.raises(CrawlStateError, match="damaged"):
        state.runs()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"fetched_at.*time zone"):
        capture(fetched_at=datetime(2026, 3, 2, 9, 15))
    with pytest.raises(ValueError, match=r"next_visit.*time zone"):
        article(next_visit=datetime(2026, 3, 2, 10, 15))


# --- due articles and gone ---------------------------------------------------------------


def test_due_articles_respects_next_visit_site_and_status(state: CrawlState) -> None:
    now = FETCHED_AT + timedelta(hours=2)

    def url(n: int) -> str:
        return f"https://www.liputan6.com/news/read/{n}/x"

    state.put_article(article(url(1), next_visit=now - timedelta(minutes=30)))
    state.put_article(article(url(2), next_visit=now))
    state.put_article(article(url(3), next_visit=now + timedelta(seconds=1)))
    state.put_article(article(url(4), next_visit=None))
    state.put_article(article(url(5), next_visit=now - timedelta(hours=1), site="detik"))
    state.put_article(article(url(6), next_visit=now - timedelta(hours=1)))
    sixth = state.get_article(url(6))
    assert sixth is not None
    state.put_article(gone(sixth, now))
    # The same instant in another zone compares as the instant it is.
    state.put_article(article(url(7), next_visit=(now - timedelta(hours=1)).astimezone(UTC)))

    due = state.due_articles("liputan6", now)
    assert [a.canonical_url for a in due] == [url(7), url(1), url(2)]
    assert [a.canonical_url for a in state.due_articles("liputan6", now, limit=1)] == [url(7)]
    assert [a.canonical_url for a in state.due_articles("detik", now)] == [url(5)]


def test_a_gone_article_is_not_revisited_and_keeps_the_first_date(
    state: CrawlState,
) -> None:
    state.put_article(article(next_visit=FETCHED_AT))
    when = FETCHED_AT + timedelta(days=1)
    first = state.get_article(ARTICLE_URL)
    assert first is not None
    state.put_article(gone(first, when))
    again = state.get_article(ARTICLE_URL)
    assert again is not None
    state.put_article(gone(again, when + timedelta(days=3)))
    stored = state.get_article(ARTICLE_URL)
    assert stored is not None
    assert (stored.status, stored.gone_at, stored.next_visit) == ("gone", when, None)
    assert state.due_articles("liputan6", when + timedelta(days=30)) == []


# --- the file ----------------------------------------------------------------------------


def test_meta_holds_schema_version_and_the_sites_sharing_the_file(state_path: Path) -> None:
    with SqliteCrawlState(state_path, site="liputan6") as store:
        store.put_article(article())
    with SqliteCrawlState(state_path, site="detik") as store:
        store.put_article(article("https://www.detik.com/berita/d-7212345/gempa", site="detik"))
        assert store.sites == ["liputan6", "detik"]
        assert [a.site for a in store.due_articles("detik", FETCHED_AT + timedelta(days=1))] == [
            "detik"
        ]
    db = sqlite3.connect(state_path)
    meta = dict(db.execute("SELECT key, value FROM meta"))
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["created_by"].startswith("kabarsip ")


def test_a_newer_schema_is_refused_and_left_untouched(state_path: Path) -> None:
    with SqliteCrawlState(state_path) as store:
        store.put_capture(capture())
    db = sqlite3.connect(state_path)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    db.close()
    before = state_path.read_bytes()

    with pytest.raises(CrawlStateError) as error:
        SqliteCrawlState(state_path, site="newsite")
    message = str(error.value)
    assert str(state_path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"version {SCHEMA_VERSION} " in message
    assert state_path.read_bytes() == before
    # The refused open let go of its lock.
    with pytest.raises(CrawlStateError, match="newer"):
        SqliteCrawlState(state_path)


def test_a_file_that_is_not_sqlite_is_refused_by_name(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    garbage = b"WARC/1.1\r\nWARC-Type: warcinfo\r\n" + bytes(range(256)) * 8
    state_path.write_bytes(garbage)
    with pytest.raises(CrawlStateError, match="not an SQLite database") as error:
        SqliteCrawlState(state_path)
    assert str(state_path) in str(error.value)
    assert state_path.read_bytes() == garbage


def test_another_sqlite_database_is_refused(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    db = sqlite3.connect(state_path)
    db.execute("CREATE TABLE moz_places (url TEXT)")
    db.close()
    with pytest.raises(CrawlStateError, match="not a Kabarsip state file"):
        SqliteCrawlState(state_path)


def test_a_closed_store_says_so(state_path: Path) -> None:
    store = SqliteCrawlState(state_path)
    store.close()
    store.close()
    with pytest.raises(CrawlStateError, match="closed"):
        store.get_capture(ARTICLE_URL)


# --- one crawl at a time -----------------------------------------------------------------


def test_a_second_opener_in_this_process_is_refused(state_path: Path) -> None:
    with SqliteCrawlState(state_path), pytest.raises(CrawlStateLockedError) as error:
        SqliteCrawlState(state_path)
    assert error.value.pid == os.getpid()
    assert "in use by another crawl" in str(error.value)


def _hold(state_path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_path)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_another_process_holding_the_state_blocks_until_it_closes(state_path: Path) -> None:
    holder = _hold(state_path)
    try:
        with pytest.raises(CrawlStateLockedError) as error:
            SqliteCrawlState(state_path)
        assert error.value.pid == holder.pid
        message = str(error.value)
        assert f"state file {state_path} is in use by another crawl (pid {holder.pid})" in message
        assert "STATE_PATH" in message
        out, _ = holder.communicate("\n", timeout=30)
        assert out.strip() == "closed"
    finally:
        holder.kill()
        holder.wait()
    with SqliteCrawlState(state_path) as store:
        assert store.sites == ["liputan6"]


def test_a_killed_crawl_leaves_no_stale_lock(state_path: Path) -> None:
    holder = _hold(state_path)
    holder.kill()
    holder.wait()
    with SqliteCrawlState(state_path) as store:
        store.put_capture(capture())


# --- SURT keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        ARTICLE_URL,
        ARTICLE_URL.replace("https://www.", "http://"),
        ARTICLE_URL.replace(".com/", ".com:443/") + "/",
        ARTICLE_URL.replace("https://www.liputan6.com", "HTTPS://WWW.Liputan6.COM") + "#komentar",
        ARTICLE_URL + "?utm_source=facebook&utm_medium=social&fbclid=IwAR0xyz",
        ARTICLE_URL.replace("https://", "http://").replace(".com/", ".com:80/") + "?",
        ARTICLE_URL.replace("www.", "www2."),
    ],
)
def test_url_variants_share_one_key(variant: str) -> None:
    expected = "com,liputan6)/news/read/5512345/banjir-rendam-ribuan-rumah-di-jakarta"
    assert surt_key(variant) == expected


def test_query_order_does_not_matter_but_values_and_path_case_do() -> None:
    base = "https://www.detik.com/berita/d-7212345/gempa"
    assert surt_key(base + "?single=1&page=2") == surt_key(base + "?page=2&single=1")
    assert surt_key(base + "?page=2") == "com,detik)/berita/d-7212345/gempa?page=2"
    assert surt_key(base + "?page=2") != surt_key(base + "?page=3")
    assert surt_key("https://example.id/v/AbC12") != surt_key("https://example.id/v/abc12")
    assert surt_key("https://m.detik.com/berita/d-7212345/gempa") != surt_key(base)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8080",
        "10.0.0.255",
        "255.255.255.255",
        "127.1",
        "0177.0.0.1",
        "01.2.3.4",
        "256.1.1.1",
        "1.2.3.4.5",
        "user:pw@127.0.0.1",
        "WWW.Example.COM",
        "bücher.example",
    ],
)
def test_an_ip_address_host_is_keyed_as_surt_keys_it(host: str) -> None:
    # Canonical IPv4 hosts skip surt's resolver call: their keys must not change for it.
    url = f"http://{host}/news/./read/1/Gempa?b=2&utm_source=x&a=1"
    plain = surt(strip_tracking(url), path_lowercase=False, query_lowercase=False)
    assert surt_key(url) == plain


@pytest.mark.parametrize("url", ["/news/read/1/x", "ftp://example.id/a", "mailto:a@example.id"])
def test_only_absolute_http_urls_have_a_key(url: str) -> None:
    with pytest.raises(ValueError, match="state key"):
        surt_key(url)


# --- revisit schedule --------------------------------------------------------------------

PUBLISHED = datetime(2026, 3, 2, 8, 0, tzinfo=WIB)
H, D = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("last_visit", "expected"),
    [
        (PUBLISHED + 10 * timedelta(minutes=1), PUBLISHED + H),
        (PUBLISHED + H, PUBLISHED + 6 * H),
        (PUBLISHED + 5 * H + 59 * timedelta(minutes=1), PUBLISHED + 6 * H),
        (PUBLISHED + 6 * H, PUBLISHED + D),
        (PUBLISHED + D, PUBLISHED + 3 * D),
        (PUBLISHED + 4 * D, PUBLISHED + 7 * D),
        (PUBLISHED + 7 * D, PUBLISHED + 7 * D + DEFAULT_TAIL),
        (PUBLISHED + 400 * D, PUBLISHED + 400 * D + DEFAULT_TAIL),
    ],
)
def test_next_visit_follows_the_schedule_after_publication(
    last_visit: datetime, expected: datetime
) -> None:
    assert next_visit(PUBLISHED, last_visit, DEFAULT_SCHEDULE) == expected


def test_next_visit_without_publication_date_counts_from_first_seen() -> None:
    seen = PUBLISHED
    assert next_visit(None, seen, DEFAULT_SCHEDULE) == seen + H
    assert next_visit(None, seen + H, DEFAULT_SCHEDULE, first_seen=seen) == seen + 6 * H
    assert next_visit(None, seen + 6 * H, DEFAULT_SCHEDULE, first_seen=seen) == seen + D


def test_a_publication_date_after_the_visit_is_not_trusted() -> None:
    visit = PUBLISHED
    assert next_visit(PUBLISHED + 365 * D, visit, DEFAULT_SCHEDULE) == visit + H


def test_next_visit_tail_is_configurable_and_zones_do_not_matter() -> None:
    last = (PUBLISHED + 10 * D).astimezone(UTC)
    assert next_visit(PUBLISHED, last, DEFAULT_SCHEDULE, tail=90 * D) == last + 90 * D
    with pytest.raises(ValueError, match="time zone"):
        next_visit(PUBLISHED, datetime(2026, 3, 2, 9, 0), DEFAULT_SCHEDULE)


def test_schedule_parses_the_site_file_forms() -> None:
    assert parse_schedule("1h, 6h, 1d, 3d, 7d") == DEFAULT_SCHEDULE
    assert parse_schedule(["1h", "6h", "1d", "3d", "7d"]) == DEFAULT_SCHEDULE
    assert parse_schedule("30m,2w") == (timedelta(minutes=30), timedelta(weeks=2))
    assert parse_interval(" 90 M ") == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("6 hours", "unit"),
        ("1h 6h", "unit"),
        ("0h", "longer than zero"),
        ("6h, 1h", "increasing"),
        ("1h, 1h", "increasing"),
        ("", "no interval"),
        (["1h", ""], "unit"),
    ],
)
def test_schedule_errors_say_what_is_wrong(spec: str | list[str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_schedule(spec)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
minutes = st.integers(min_value=1, max_value=60 * 24 * 60).map(lambda m: timedelta(minutes=m))


@given(
    published=st.none() | moments,
    first_seen=st.none() | moments,
    last_visit=moments,
    points=st.lists(minutes, min_size=1, max_size=8, unique=True).map(sorted),
    tail=minutes,
)
def test_next_visit_is_always_after_the_last_visit(
    published: datetime | None,
    first_seen: datetime | None,
    last_visit: datetime,
    points: list[timedelta],
    tail: timedelta,
) -> None:
    visit = next_visit(published, last_visit, points, first_seen=first_seen, tail=tail)
    assert visit > last_visit
    assert next_visit(published, visit, points, first_seen=first_seen, tail=tail) > visit


@given(
    published=st.none() | moments,
    first_seen=moments,
    delay=minutes,
    steps=st.lists(minutes, min_size=1, max_size=8).map(sorted),
    extra_tail=st.integers(min_value=0, max_value=10_000).map(lambda m: timedelta(minutes=m)),
)
def test_gaps_between_visits_never_shrink(
    published: datetime | None,
    first_seen: datetime,
    delay: timedelta,
    steps: list[timedelta],
    extra_tail: timedelta,
) -> None:
    # Non-shrinking steps between points (like 1h, 5h, 18h, 2d, 4d) and a tail at least as long.
    schedule = [sum(steps[: n + 1], timedelta()) for n in range(len(steps))]
    tail = steps[-1] + extra_tail
    visits = [first_seen + delay]
    for _ in range(len(schedule) + 3):
        visits.append(next_visit(published, visits[-1], schedule, first_seen=first_seen, tail=tail))
    gaps = [later - earlier for earlier, later in pairwise(visits)]
    assert all(gap > timedelta() for gap in gaps)
    assert gaps == sorted(gaps)


@given(published=st.none() | moments, first_seen=st.none() | moments, a=moments, b=moments)
def test_a_later_visit_never_brings_the_next_one_forward(
    published: datetime | None, first_seen: datetime | None, a: datetime, b: datetime
) -> None:
    early, late = sorted((a, b))
    assert next_visit(published, early, first_seen=first_seen) <= next_visit(
        published, late, first_seen=first_seen
    )
