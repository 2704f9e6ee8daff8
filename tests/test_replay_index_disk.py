"""The replay index on disk: revisits resolved across files, a kept index reused until its files
change, damaged files skipped, and re-extraction through it equal to the live crawl."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.replayindex import ArchiveIndex
from archive.warc import CapturedRequest, CapturedResponse, RecordLocation, WarcWriter
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl, run_scrapy

ORIGIN = "http://berita.example"
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Written:
    folder: Path
    first: Path
    second: Path
    original: RecordLocation
    """The response of ``/a`` in the first file, which the second file's revisit names."""


def _response(at: datetime, body: bytes, status: int = 200) -> CapturedResponse:
    headers = [(b"Content-Type", b"text/html; charset=utf-8")]
    return CapturedResponse(status, "OK", headers, body, at, ip_address="127.0.0.1")


def _exchange(
    writer: WarcWriter, path: str, body: bytes, at: datetime, status: int = 200
) -> RecordLocation:
    request = CapturedRequest(f"GET {path} HTTP/1.1\r\nHost: berita.example\r\n\r\n".encode())
    return writer.write_exchange(ORIGIN + path, request, _response(at, body, status))


def _write_file(folder: Path, prefix: str, pages: dict[str, bytes], at: datetime) -> Path:
    with WarcWriter(folder, prefix=prefix) as writer:
        for number, (path, body) in enumerate(pages.items()):
            _exchange(writer, path, body, at + timedelta(seconds=number))
    [written] = writer.finished_files
    return written


def _archive(folder: Path) -> Written:
    """``/a`` and ``/b`` in one file; in a second one, ``/a`` revisited and ``/b`` changed."""
    folder.mkdir()
    with WarcWriter(folder, prefix="ARSIP1") as writer:
        original = _exchange(writer, "/a", b"<p>pertama</p>", START)
        _exchange(writer, "/b", b"<p>kedua</p>", START + timedelta(seconds=1))
    with WarcWriter(folder, prefix="ARSIP2") as second:
        second.write_revisit(
            ORIGIN + "/a",
            _response(START + timedelta(hours=1), b""),
            refers_to_target_uri=ORIGIN + "/a",
            refers_to_date=START,
            payload_digest=original.payload_digest,
        )
        _exchange(second, "/b", b"<p>kedua, diubah</p>", START + timedelta(hours=1))
    return Written(folder, writer.finished_files[0], second.finished_files[0], original)


def _source_ids(index_file: Path) -> dict[str, int]:
    with sqlite3.connect(index_file) as db:
        return {Path(path).name: id_ for id_, path in db.execute("SELECT id, path FROM sources")}


def test_a_revisit_resolves_to_its_original_in_another_file(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    index = ArchiveIndex.load([written.folder])
    try:
        assert index.captures == 4 and not index.problems
        latest = index.nearest(ORIGIN + "/a")
        assert [c.kind for c in latest] == ["revisit", "response"]
        revisit = latest[0]
        assert revisit.location.path.name == written.second.name
        original = index.original(ORIGIN + "/a", START, revisit.payload_digest)
        assert original is not None
        assert (original.location.path.name, original.location.offset) == (
            written.original.warc_file,
            written.original.offset,
        )
        assert original.record_id == written.original.record_id
        # Another spelling of the URL (scheme, www, trailing slash) finds it by its key.
        assert index.nearest("https://www.berita.example/a/") == latest
        # As of the first crawl, the first version of /b comes first.
        as_then = index.nearest(ORIGIN + "/b", START + timedelta(minutes=5))
        assert [c.location.path.name for c in as_then] == [written.first.name, written.second.name]
        assert index.original(ORIGIN + "/a", START, "sha1:AAAA") is None
        assert index.nearest(ORIGIN + "/never") == []
    finally:
        index.close()


def test_the_responses_come_file_by_file_in_record_order(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    with WarcWriter(written.folder, prefix="ARSIP3") as writer:
        _exchange(writer, "/hilang", b"<p>tidak ada</p>", START + timedelta(hours=2), 404)
        _exchange(writer, "/c#bagian", b"<p>ketiga</p>", START + timedelta(hours=2))
    index = ArchiveIndex.load([written.folder])
    try:
        found = [(c.location.path.name, c.target, c.status, c.date) for c in index.responses()]
        third = writer.finished_files[0].name
        assert found == [
            (written.first.name, ORIGIN + "/a", 200, START),
            (written.first.name, ORIGIN + "/b", 200, START + timedelta(seconds=1)),
            (written.second.name, ORIGIN + "/b", 200, START + timedelta(hours=1)),
            (third, ORIGIN + "/c#bagian", 200, START + timedelta(hours=2)),
        ]
        assert [c.url for c in index.responses(404)] == [ORIGIN + "/hilang"]
        assert index.nearest(ORIGIN + "/c")[0].target == ORIGIN + "/c#bagian"
    finally:
        index.close()


def test_a_temporary_index_is_removed_when_closed(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    index = ArchiveIndex.load([written.folder])
    assert index.path.is_file() and index.path.stat().st_size > 0
    index.close()
    assert not index.path.exists()


def test_a_kept_index_is_reused_until_a_file_changes(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    kept = tmp_path / "index.sqlite"
    ArchiveIndex.load([written.folder], kept).close()
    before = _source_ids(kept)
    assert set(before) == {written.first.name, written.second.name}

    again = ArchiveIndex.load([written.folder], kept)
    assert again.captures == 4
    again.close()
    assert _source_ids(kept) == before  # nothing indexed again

    # Records appended to the second file (gzip members follow one another).
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    more = _write_file(scratch, "TIGA", {"/c": b"<p>ketiga</p>"}, START + timedelta(hours=2))
    with written.second.open("ab") as stream:
        stream.write(more.read_bytes())
    appended = ArchiveIndex.load([written.folder], kept)
    try:
        assert appended.captures == 5
        assert [c.url for c in appended.nearest(ORIGIN + "/c")] == [ORIGIN + "/c"]
        after = _source_ids(kept)
        assert after[written.first.name] == before[written.first.name]
        assert after[written.second.name] != before[written.second.name]
    finally:
        appended.close()

    # The first file replaced by another holding other captures.
    replacement = _write_file(scratch, "EMPAT", {"/d": b"<p>keempat</p>"}, START)
    written.first.write_bytes(replacement.read_bytes())
    replaced = ArchiveIndex.load([written.folder], kept)
    try:
        assert replaced.captures == 4
        assert replaced.nearest(ORIGIN + "/d") and len(replaced.nearest(ORIGIN + "/b")) == 1
        assert replaced.original(ORIGIN + "/a", START, written.original.payload_digest) is None
    finally:
        replaced.close()

    # A file no longer among the sources is not served, though its entry is kept.
    alone = ArchiveIndex.load([written.second], kept)
    try:
        assert alone.captures == 3
        assert alone.nearest(ORIGIN + "/d") == []
    finally:
        alone.close()
    assert written.first.name in _source_ids(kept)

    # A file that is gone leaves the index.
    written.first.unlink()
    ArchiveIndex.load([written.folder], kept).close()
    assert set(_source_ids(kept)) == {written.second.name}


def test_an_index_of_another_layout_is_built_again(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    kept = tmp_path / "index.sqlite"
    with sqlite3.connect(kept) as db:
        db.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT)")
        db.execute("PRAGMA user_version = 99")
    index = ArchiveIndex.load([written.folder], kept)
    try:
        assert index.captures == 4 and index.nearest(ORIGIN + "/a")
    finally:
        index.close()
    # One of this layout marked as older.
    with sqlite3.connect(kept) as db:
        db.execute("PRAGMA user_version = 1")
    index = ArchiveIndex.load([written.folder], kept)
    try:
        assert index.captures == 4 and index.nearest(ORIGIN + "/a")
    finally:
        index.close()


def test_a_damaged_file_is_counted_and_skipped_and_the_rest_indexed(tmp_path: Path) -> None:
    written = _archive(tmp_path / "warc")
    data = written.second.read_bytes()
    written.second.write_bytes(data[: len(data) - 40])  # the last record cut short
    (written.folder / "catatan.warc.gz").write_bytes(b"bukan berkas WARC\n")
    kept = tmp_path / "index.sqlite"
    for _ in range(2):  # built, then reused: the damage is reported both times
        index = ArchiveIndex.load([written.folder], kept)
        try:
            assert len(index.problems) == 2
            assert any(str(written.second) in problem for problem in index.problems)
            assert any("catatan.warc.gz" in problem for problem in index.problems)
            # The first file whole, the second up to its damage (the revisit of /a).
            assert index.captures == 3
            assert [c.kind for c in index.nearest(ORIGIN + "/a")] == ["revisit", "response"]
            assert len(index.nearest(ORIGIN + "/b")) == 1
        finally:
            index.close()


# --- re-extraction through a kept index --------------------------------------------------

DISCOVERY_FIELDS = {"sitemap_published_raw", "sitemap_title"}


def _items(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    keyed = {(item["canonical_url"], item["version"]): item for item in items}
    assert len(keyed) == len(items)
    return {key: {**item, **dict.fromkeys(DISCOVERY_FIELDS)} for key, item in keyed.items()}


@pytest.mark.slow
def test_reextract_through_a_kept_index_gives_the_live_crawls_items(tmp_path: Path) -> None:
    edition1 = generate_site(tmp_path / "site-1", 12, edition=1)
    edition2 = generate_site(tmp_path / "site-2", 12, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    out = tmp_path / "live"
    with DemoServer(edition1.directory) as server:
        # Twice the same edition (revisits of unchanged pages), then the next one.
        for directory in (edition1.directory, edition1.directory, edition2.directory):
            server.switch(directory)
            crawled = run_crawl(out, "demo", server.origin, {"WARC_MAX_SIZE": "100000"})
            assert crawled.returncode == 0, crawled.log[-3000:]
    live = _items_of(out)
    assert {version for _, version in live} == {1, 2}
    kept = tmp_path / "index.sqlite"
    for run in ("built", "reused"):
        output = tmp_path / f"{run}.jsonl"
        command = run_scrapy("reextract", out / "warc", "-o", output, "-s", f"REPLAY_INDEX={kept}")
        assert command.returncode == 0, command.stderr[-3000:]
        assert _items(output) == live, run
    assert kept.is_file()


def _items_of(out: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The items of every live run, in one file."""
    merged = out / "all.jsonl"
    merged.write_text(
        "".join(path.read_text(encoding="utf-8") for path in sorted(out.glob("items/*.jsonl"))),
        encoding="utf-8",
    )
    return _items(merged)
