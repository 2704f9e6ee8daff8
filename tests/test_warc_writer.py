"""WarcWriter: record layout, digests, header hygiene, rotation, naming, repair, full disk."""

from __future__ import annotations

import base64
import errno
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

import archive.warc as warc_module
from archive.naming import parse_warc_name
from archive.warc import (
    IDENTICAL_PAYLOAD_DIGEST,
    SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    RecordLocation,
    WarcWriteError,
    WarcWriter,
    repair_open_files,
)

WARCIO = Path(sys.executable).with_name("warcio")
NAME_RE = re.compile(r"^TEST-\d{17}-\d{5}-[A-Za-z0-9._-]+-\d+\.warc\.gz$")
FETCHED_AT = datetime(2026, 3, 2, 7, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7)))
PAGE = (
    "<!doctype html><html lang='id'><head><meta charset='utf-8'><title>Banjir di Jakarta</title>"
    "</head><body><article><h1>Banjir merendam ribuan rumah</h1>"
    + "<p>Hujan deras sejak Senin malam membuat sungai meluap.</p>" * 200
    + "</article></body></html>"
).encode()
PAGE_GZ = gzip.compress(PAGE, mtime=0)


@dataclass
class Record:
    type: str
    headers: dict[str, str]
    http: list[tuple[str, str]]
    statusline: str
    payload: bytes
    offset: int
    length: int
    raw_http_head: bytes = field(default=b"")


def read_records(path: Path) -> list[Record]:
    records = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            http = record.http_headers
            payload = record.raw_stream.read()
            records.append(
                Record(
                    type=record.rec_type,
                    headers=dict(record.rec_headers.headers),
                    http=list(http.headers) if http else [],
                    statusline=f"{http.protocol} {http.statusline}" if http else "",
                    payload=payload,
                    offset=iterator.get_record_offset(),
                    length=iterator.get_record_length(),
                )
            )
    return records


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARCIO), "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def request(path: str = "/berita/banjir-jakarta") -> CapturedRequest:
    return CapturedRequest(
        head=(
            f"GET {path} HTTP/1.1\r\nAccept-Encoding: gzip, deflate\r\n"
            "User-Agent: Kabarsip/0.1 (+https://kabarsip.example/about)\r\nHost: news.example\r\n"
            "\r\n"
        ).encode()
    )


def response(
    body: bytes = PAGE_GZ, headers: list[tuple[bytes, bytes]] | None = None, **kwargs: Any
) -> CapturedResponse:
    if headers is None:
        headers = [
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Encoding", b"gzip"),
            (b"Content-Length", str(len(body)).encode()),
        ]
    values: dict[str, Any] = {
        "status": 200,
        "reason": "OK",
        "headers": headers,
        "body": body,
        "fetched_at": FETCHED_AT,
        "ip_address": "203.0.113.7",
    }
    values.update(kwargs)
    return CapturedResponse(**values)


def writer(directory: Path, **kwargs: Any) -> WarcWriter:
    kwargs.setdefault("prefix", "TEST")
    kwargs.setdefault("operator", "Tim Arsip <arsip@kabarsip.example>")
    return WarcWriter(directory, **kwargs)


def only_file(directory: Path) -> Path:
    files = sorted(directory.iterdir())
    assert len(files) == 1, files
    return files[0]


def test_an_exchange_is_warcinfo_then_request_then_response(tmp_path: Path) -> None:
    with writer(tmp_path, description="uji") as w:
        location = w.write_exchange(
            "https://news.example/berita/banjir-jakarta", request(), response()
        )
    path = only_file(tmp_path)
    records = read_records(path)

    assert [r.type for r in records] == ["warcinfo", "request", "response"]
    info, req, resp = records
    assert b"software: Kabarsip/" in info.payload
    assert b"format: WARC File Format 1.1" in info.payload
    assert b"operator: Tim Arsip <arsip@kabarsip.example>" in info.payload
    assert b"description: uji" in info.payload
    assert info.headers["WARC-Filename"] == path.name
    assert req.headers["WARC-Concurrent-To"] == resp.headers["WARC-Record-ID"]
    assert resp.headers["WARC-Record-ID"] == location.record_id
    assert req.headers["WARC-Target-URI"] == resp.headers["WARC-Target-URI"]
    assert resp.headers["WARC-Date"] == req.headers["WARC-Date"] == "2026-03-02T00:30:15.123456Z"
    assert resp.headers["WARC-IP-Address"] == "203.0.113.7"
    assert resp.headers["WARC-Warcinfo-ID"] == info.headers["WARC-Record-ID"]
    assert req.payload == b""
    assert req.statusline == "GET /berita/banjir-jakarta HTTP/1.1"


def test_warcio_check_passes_with_every_digest_verified(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        w.write_exchange("https://news.example/a", request("/a"), response())
        w.write_exchange("https://news.example/b", request("/b"), response(PAGE, headers=[]))
    result = warcio_check(only_file(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") == 5
    assert "fail" not in result.stdout


def test_payload_is_the_body_as_served_and_digested_still_compressed(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        location = w.write_exchange("https://news.example/a", request(), response())
    resp = read_records(only_file(tmp_path))[2]

    assert resp.payload == PAGE_GZ
    assert resp.headers["WARC-Payload-Digest"] == location.payload_digest == sha1_b32(PAGE_GZ)
    assert location.payload_digest != sha1_b32(PAGE)


def test_large_precompressed_body_round_trips_in_stored_blocks(tmp_path: Path) -> None:
    body = os.urandom(200_000)  # spans several 64 kB stored blocks
    headers = [(b"Content-Type", b"image/jpeg")]
    with writer(tmp_path) as w:
        location = w.write_exchange("https://news.example/br", request(), response(body, headers))
    path = only_file(tmp_path)
    member = path.read_bytes()[location.offset : location.offset + location.length]

    assert body in gzip.decompress(member)
    assert body[:65535] in member  # stored verbatim, not deflated a second time
    assert read_records(path)[2].payload == body
    assert warcio_check(path).returncode == 0


def test_transfer_encoding_is_renamed_since_the_body_is_dechunked(tmp_path: Path) -> None:
    headers = [(b"Content-Type", b"text/html; charset=utf-8"), (b"Transfer-Encoding", b"chunked")]
    with writer(tmp_path) as w:
        w.write_exchange("https://news.example/a", request(), response(PAGE, headers))
    resp = read_records(only_file(tmp_path))[2]

    names = [name.lower() for name, _ in resp.http]
    assert "transfer-encoding" not in names
    assert ("X-Kabarsip-Transfer-Encoding", "chunked") in resp.http
    assert resp.payload == PAGE


def test_content_length_header_is_kept_as_sent_even_when_wrong(tmp_path: Path) -> None:
    headers = [(b"Content-Type", b"text/plain"), (b"Content-Length", b"999")]
    with writer(tmp_path) as w:
        w.write_exchange("https://news.example/a", request(), response(b"0123456789", headers))
    path = only_file(tmp_path)
    resp = read_records(path)[2]

    assert ("Content-Length", "999") in resp.http
    head_length = len(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 999\r\n\r\n")
    assert int(resp.headers["Content-Length"]) == head_length + 10
    assert warcio_check(path).returncode == 0


def test_header_bytes_are_kept_exactly_even_when_not_ascii(tmp_path: Path) -> None:
    headers = [(b"Content-Disposition", b'inline; filename="berita-\xe9.html"')]
    with writer(tmp_path) as w:
        w.write_exchange("https://news.example/a", request(), response(PAGE, headers))

    text = gzip.decompress(only_file(tmp_path).read_bytes())
    assert b'\r\nContent-Disposition: inline; filename="berita-\xe9.html"\r\n' in text


def test_http2_responses_get_an_http11_status_line_and_warc_protocol(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        w.write_exchange("https://news.example/a", request(), response(protocol="h2"))
    resp = read_records(only_file(tmp_path))[2]

    assert resp.statusline == "HTTP/1.1 200 OK"
    assert resp.headers["WARC-Protocol"] == "h2"


def test_location_points_at_the_response_member(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        first = w.write_exchange("https://news.example/a", request("/a"), response())
        second = w.write_exchange("https://news.example/b", request("/b"), response())
    path = only_file(tmp_path)

    assert first.warc_file == second.warc_file == path.name
    records = read_records(path)
    responses = [r for r in records if r.type == "response"]
    assert [(r.offset, r.length) for r in responses] == [
        (first.offset, first.length),
        (second.offset, second.length),
    ]
    with path.open("rb") as stream:
        stream.seek(second.offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Record-ID") == second.record_id
        assert record.rec_headers.get_header("WARC-Target-URI") == "https://news.example/b"


def test_file_is_open_while_written_and_renamed_on_close(tmp_path: Path) -> None:
    w = writer(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing until the first record

    location = w.write_exchange("https://news.example/a", request(), response())
    (open_file,) = tmp_path.iterdir()
    assert open_file.name == location.warc_file + ".open"
    assert w.path == open_file

    w.close()
    assert [p.name for p in tmp_path.iterdir()] == [location.warc_file]
    w.close()  # closing twice is harmless


def test_names_follow_the_iipc_pattern_with_serial_per_file(tmp_path: Path) -> None:
    with writer(tmp_path, max_size=1, hostname="crawler-1.kabarsip") as w:
        for n in range(3):
            w.write_exchange(f"https://news.example/{n}", request(f"/{n}"), response())
    names = sorted(p.name for p in tmp_path.iterdir())

    assert all(NAME_RE.match(name) for name in names), names
    parsed = [parse_warc_name(name) for name in names]
    assert [p.serial for p in parsed if p] == [0, 1, 2]
    assert {(p.prefix, p.host, p.pid) for p in parsed if p} == {
        ("TEST", "crawler-1.kabarsip", os.getpid())
    }
    assert all(p and abs(p.opened_at - datetime.now(UTC)) < timedelta(minutes=5) for p in parsed)


def test_rotation_starts_a_new_file_with_its_own_warcinfo(tmp_path: Path) -> None:
    with writer(tmp_path / "probe") as probe:
        one = probe.write_exchange("https://news.example/0", request("/0"), response())
    warcinfo_size = read_records(only_file(tmp_path / "probe"))[1].offset
    pair_size = one.offset + one.length - warcinfo_size
    max_size = warcinfo_size + 3 * pair_size + 20  # room for three pairs, not four

    with writer(tmp_path / "out", max_size=max_size) as w:
        locations = [
            w.write_exchange(f"https://news.example/{n}", request(f"/{n}"), response())
            for n in range(10)
        ]
    files = sorted((tmp_path / "out").iterdir())

    assert len(files) == 4
    assert [loc.warc_file for loc in locations] == [p.name for p in files for _ in range(3)][:10]
    for path in files:
        records = read_records(path)
        assert records[0].type == "warcinfo"
        assert records[0].headers["WARC-Filename"] == path.name
        # a request and its response stay in one file
        assert [r.type for r in records[1:]] == ["request", "response"] * ((len(records) - 1) // 2)
        assert path.stat().st_size <= max_size
    assert warcio_check(*files).returncode == 0


def test_a_record_larger_than_max_size_gets_a_file_to_itself(tmp_path: Path) -> None:
    with writer(tmp_path, max_size=100) as w:
        for n in range(3):
            w.write_exchange(f"https://news.example/{n}", request(f"/{n}"), response())
    files = sorted(tmp_path.iterdir())

    assert len(files) == 3
    assert all(
        [r.type for r in read_records(p)] == ["warcinfo", "request", "response"] for p in files
    )


def test_revisit_record_refers_to_the_original_capture(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        original = w.write_exchange("https://news.example/a", request(), response())
        later = FETCHED_AT + timedelta(days=1)
        revisit = w.write_revisit(
            "https://news.example/a",
            response(fetched_at=later),
            refers_to_target_uri="https://news.example/a",
            refers_to_date=FETCHED_AT,
            refers_to=original.record_id,
            payload_digest=original.payload_digest,
            request=request(),
        )
    path = only_file(tmp_path)
    records = read_records(path)

    assert [r.type for r in records] == ["warcinfo", "request", "response", "request", "revisit"]
    rec = records[-1]
    assert rec.headers["WARC-Record-ID"] == revisit.record_id
    assert rec.headers["WARC-Profile"] == IDENTICAL_PAYLOAD_DIGEST
    assert rec.headers["WARC-Refers-To-Target-URI"] == "https://news.example/a"
    assert rec.headers["WARC-Refers-To-Date"] == "2026-03-02T00:30:15.123456Z"
    assert rec.headers["WARC-Refers-To"] == original.record_id
    assert rec.headers["WARC-Payload-Digest"] == original.payload_digest
    assert rec.headers["WARC-Date"] == "2026-03-03T00:30:15.123456Z"
    assert rec.payload == b""  # HTTP headers only
    assert ("Content-Encoding", "gzip") in rec.http
    assert records[-2].headers["WARC-Concurrent-To"] == revisit.record_id
    assert warcio_check(path).returncode == 0


def test_metadata_record_holds_warc_fields(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        original = w.write_exchange("https://news.example/a", request(), response())
        meta = w.write_metadata(
            "https://news.example/a",
            [("via", "https://news.example/sitemap-news.xml"), ("note", "two\nlines")],
            refers_to=original.record_id,
        )
    records = read_records(only_file(tmp_path))

    rec = records[-1]
    assert rec.type == "metadata"
    assert rec.headers["WARC-Record-ID"] == meta.record_id
    assert rec.headers["WARC-Refers-To"] == original.record_id
    assert rec.payload == b"via: https://news.example/sitemap-news.xml\r\nnote: two lines\r\n"


def conditional_request() -> CapturedRequest:
    return CapturedRequest(
        head=(
            b"GET /berita/banjir-jakarta HTTP/1.1\r\nHost: news.example\r\n"
            b'If-None-Match: "5f1e-1a2b3c"\r\n\r\n'
        )
    )


def not_modified(fetched_at: datetime = FETCHED_AT + timedelta(days=2)) -> CapturedResponse:
    headers = [
        (b"Date", b"Wed, 04 Mar 2026 07:30:15 GMT"),
        (b"ETag", b'"5f1e-1a2b3c"'),
        (b"Cache-Control", b"max-age=60"),
        (b"Transfer-Encoding", b"chunked"),
    ]
    return response(b"", headers, status=304, reason="Not Modified", fetched_at=fetched_at)


def write_not_modified(w: WarcWriter, original: RecordLocation, uri: str) -> RecordLocation:
    return w.write_not_modified(
        uri,
        conditional_request(),
        not_modified(),
        refers_to_target_uri=uri,
        refers_to_date=FETCHED_AT,
        payload_digest=original.payload_digest,
        refers_to=original.record_id,
    )


def test_not_modified_is_request_then_empty_revisit_then_metadata(tmp_path: Path) -> None:
    uri = "https://news.example/berita/banjir-jakarta"
    with writer(tmp_path) as w:
        original = w.write_exchange(uri, request(), response())
        revisit = write_not_modified(w, original, uri)
    path = only_file(tmp_path)
    records = read_records(path)

    assert [r.type for r in records] == [
        "warcinfo",
        *("request", "response"),
        *("request", "revisit", "metadata"),
    ]
    sent, rec, meta = records[-3:]
    assert (revisit.offset, revisit.length) == (rec.offset, rec.length)
    assert revisit.warc_file == path.name
    assert revisit.payload_digest == original.payload_digest

    assert ("If-None-Match", '"5f1e-1a2b3c"') in sent.http
    assert sent.headers["WARC-Concurrent-To"] == revisit.record_id

    assert rec.headers["WARC-Record-ID"] == revisit.record_id
    assert rec.headers["WARC-Date"] == "2026-03-04T00:30:15.123456Z"
    assert rec.headers["WARC-IP-Address"] == "203.0.113.7"
    assert rec.headers["WARC-Profile"] == SERVER_NOT_MODIFIED
    assert rec.headers["WARC-Refers-To-Target-URI"] == uri
    assert rec.headers["WARC-Refers-To-Date"] == "2026-03-02T00:30:15.123456Z"
    assert rec.headers["WARC-Refers-To"] == original.record_id
    assert rec.headers["WARC-Truncated"] == "length"
    assert rec.headers["WARC-Block-Digest"] == sha1_b32(b"")
    assert rec.headers["WARC-Payload-Digest"] == original.payload_digest != sha1_b32(b"")
    assert rec.headers["Content-Length"] == "0"
    assert "Content-Type" not in rec.headers
    assert "WARC-Protocol" not in rec.headers
    assert rec.payload == b""

    assert meta.headers["Content-Type"] == "application/warc-fields"
    assert meta.headers["WARC-Concurrent-To"] == revisit.record_id
    assert meta.headers["WARC-Date"] == rec.headers["WARC-Date"]
    assert meta.headers["WARC-Block-Digest"] == sha1_b32(meta.payload)
    assert meta.payload == (
        b"http-status-line: HTTP/1.1 304 Not Modified\r\n"
        b"http-header: Date: Wed, 04 Mar 2026 07:30:15 GMT\r\n"
        b'http-header: ETag: "5f1e-1a2b3c"\r\n'
        b"http-header: Cache-Control: max-age=60\r\n"
        b"http-header: X-Kabarsip-Transfer-Encoding: chunked\r\n"
    )
    assert warcio_check(path).returncode == 0


def test_not_modified_over_http2_says_so_in_the_revisit(tmp_path: Path) -> None:
    with writer(tmp_path) as w:
        w.write_not_modified(
            "https://news.example/a",
            conditional_request(),
            response(b"", [(b"etag", b'"1"')], status=304, reason="", protocol="h2"),
            refers_to_target_uri="https://news.example/a",
            refers_to_date=FETCHED_AT,
            payload_digest=sha1_b32(PAGE_GZ),
        )
    path = only_file(tmp_path)
    rec, meta = read_records(path)[-2:]

    assert rec.headers["WARC-Protocol"] == "h2"
    assert "WARC-Refers-To" not in rec.headers
    assert meta.payload == b'http-status-line: HTTP/1.1 304 \r\nhttp-header: etag: "1"\r\n'
    assert warcio_check(path).returncode == 0


def test_rotation_never_splits_the_three_records_of_a_304(tmp_path: Path) -> None:
    uri = "https://news.example/berita/banjir-jakarta"
    with writer(tmp_path / "probe") as probe:
        original = probe.write_exchange(uri, request(), response())
        write_not_modified(probe, original, uri)
    probe_records = read_records(only_file(tmp_path / "probe"))
    warcinfo_size = probe_records[1].offset
    triple_size = probe_records[-1].offset + probe_records[-1].length - probe_records[-3].offset
    max_size = warcinfo_size + 2 * triple_size + triple_size // 2  # two and a half triples

    with writer(tmp_path / "out", max_size=max_size) as w:
        locations = [write_not_modified(w, original, uri) for _ in range(5)]
    files = sorted((tmp_path / "out").iterdir())

    assert len(files) == 3
    assert [loc.warc_file for loc in locations] == [p.name for p in files for _ in range(2)][:5]
    for path in files:
        records = read_records(path)
        assert [r.type for r in records[1:]] == ["request", "revisit", "metadata"] * (
            (len(records) - 1) // 3
        )
        revisit_ids = [r.headers["WARC-Record-ID"] for r in records if r.type == "revisit"]
        concurrent = [r.headers["WARC-Concurrent-To"] for r in records[1:] if r.type != "revisit"]
        assert concurrent == [rid for rid in revisit_ids for _ in range(2)]
        assert path.stat().st_size <= max_size
    assert warcio_check(*files).returncode == 0


def test_naive_fetch_time_is_refused(tmp_path: Path) -> None:
    with writer(tmp_path) as w, pytest.raises(ValueError, match="time zone"):
        w.write_exchange("https://news.example/a", request(), response(fetched_at=datetime.now()))


def crashed_copy(source: Path, directory: Path, cut: int) -> Path:
    """``source`` as a killed writer would leave it: still ``.open``, ``cut`` bytes shorter."""
    directory.mkdir()
    target = directory / (source.name + ".open")
    shutil.copyfile(source, target)
    with target.open("r+b") as stream:
        stream.truncate(target.stat().st_size - cut)
    return target


def test_repair_keeps_every_whole_record_of_a_killed_writer(tmp_path: Path) -> None:
    with writer(tmp_path / "done") as w:
        locations = [
            w.write_exchange(f"https://news.example/{n}", request(f"/{n}"), response())
            for n in range(3)
        ]
    complete = only_file(tmp_path / "done")
    broken = crashed_copy(complete, tmp_path / "crashed", cut=locations[-1].length // 2)

    (repaired,) = repair_open_files(broken.parent)

    final = broken.with_name(complete.name)
    assert repaired.final_path == str(final)
    assert not broken.exists()
    assert repaired.kept_bytes == locations[-1].offset == final.stat().st_size
    assert repaired.cut_bytes == locations[-1].length - locations[-1].length // 2
    assert repaired.records == 6  # warcinfo, two pairs, and the last request
    records = read_records(final)
    assert [r.type for r in records][-2:] == ["response", "request"]
    assert warcio_check(final).returncode == 0


def test_repair_cuts_garbage_after_the_last_record(tmp_path: Path) -> None:
    with writer(tmp_path / "w") as w:
        w.write_exchange("https://news.example/a", request(), response())
    complete = only_file(tmp_path / "w")
    size = complete.stat().st_size
    complete.rename(complete.with_name(complete.name + ".open"))
    with complete.with_name(complete.name + ".open").open("ab") as stream:
        stream.write(b"\0" * 4096)  # what a power cut can leave in the last block

    (repaired,) = repair_open_files(tmp_path / "w")

    assert (repaired.kept_bytes, repaired.cut_bytes, repaired.records) == (size, 4096, 3)
    assert complete.stat().st_size == size


def test_repair_removes_a_file_without_one_whole_record(tmp_path: Path) -> None:
    leftover = tmp_path / "TEST-20260302003015123-00000-host-1.warc.gz.open"
    leftover.write_bytes(zlib.compress(b"WARC/1.1\r\n")[:5])
    old = time.time() - 3600
    os.utime(leftover, (old, old))

    (repaired,) = repair_open_files(tmp_path)

    assert repaired.final_path is None
    assert list(tmp_path.iterdir()) == []


def test_repair_leaves_a_file_that_a_live_writer_holds(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange("https://news.example/a", request(), response())
    assert w.path is not None
    size = w.path.stat().st_size

    assert repair_open_files(tmp_path) == []
    assert w.path.exists() and w.path.stat().st_size == size
    w.close()


def test_disk_full_cuts_back_to_the_last_whole_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = writer(tmp_path)
    w.write_exchange("https://news.example/a", request("/a"), response())
    assert w.path is not None
    good_size = w.path.stat().st_size
    real_write = warc_module._write_fully
    calls = 0

    def disk_fills_up(fd: int, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the request went out; half the response fits, then the disk is full
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(fd, data)

    monkeypatch.setattr(warc_module, "_write_fully", disk_fills_up)
    with pytest.raises(WarcWriteError, match="last whole record") as raised:
        w.write_exchange("https://news.example/b", request("/b"), response())
    assert raised.value.errno == errno.ENOSPC
    assert w.path.stat().st_size == good_size

    monkeypatch.setattr(warc_module, "_write_fully", real_write)
    w.write_exchange("https://news.example/c", request("/c"), response())
    w.close()
    path = only_file(tmp_path)
    uris = [r.headers.get("WARC-Target-URI") for r in read_records(path)]
    assert uris == [None, *["https://news.example/a"] * 2, *["https://news.example/c"] * 2]
    assert warcio_check(path).returncode == 0


def test_a_torn_record_that_cannot_be_cut_back_moves_writing_to_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = writer(tmp_path)
    w.write_exchange("https://news.example/a", request("/a"), response())
    torn = w.path

    def io_error(fd: int, data: bytes) -> None:
        os.write(fd, data[:100])
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with monkeypatch.context() as patch:
        patch.setattr(warc_module, "_write_fully", io_error)
        patch.setattr(os, "ftruncate", no_truncate)
        with pytest.raises(WarcWriteError, match="repaired on the next start"):
            w.write_exchange("https://news.example/b", request("/b"), response())
    location = w.write_exchange("https://news.example/c", request("/c"), response())
    w.close()

    assert torn is not None and torn.exists()
    assert location.warc_file != torn.name.removesuffix(".open")
    (repaired,) = repair_open_files(tmp_path)
    assert (repaired.records, repaired.cut_bytes) == (3, 100)
