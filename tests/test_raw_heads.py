"""Response records hold the HTTP head exactly as the server sent it (archive.rawhead).

A loopback server writes each answer byte for byte: header names in odd case and order,
repeated and folded headers, bare LF line ends, gzip, chunked bodies, a 304, an interim 100.
A crawl through Kabarsip's download handler archives them; each response record's block must
be the bytes sent (the body de-chunked, a ``Transfer-Encoding`` header renamed), and the
files must still index and replay in pywb.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.capture import WarcCaptureMiddleware
from archive.index import write_index
from archive.rawhead import raw_head_received
from archive.records import TRANSFER_ENCODING_NOTE, head_fields, received_head
from archive.scan import http_head, scan_file
from archive.warc import CapturedRequest, CapturedResponse, WarcWriter
from tests.crawling import CAPTURE_ONLY_SETTINGS, capture_crawl
from tests.hostile import HostileServer
from tests.pywb_harness import PywbServer, require_wayback, running_pywb

WARCIO = Path(sys.executable).with_name("warcio")
PAGE = (
    "<!doctype html><html><head><title>Banjir rob di pesisir</title></head><body>"
    + "<p>Air laut pasang merendam permukiman warga sejak subuh.</p>" * 80
    + "</body></html>"
).encode()
PAGE_GZ = gzip.compress(PAGE, mtime=0)


def head(*lines: str, end: str = "\r\n") -> bytes:
    return "".join(line + end for line in (*lines, "")).encode("latin-1")


def chunked(body: bytes, sizes: tuple[int, ...] = (500, 1500)) -> bytes:
    pieces, start = [], 0
    for end in (*sizes, len(body)):
        piece = body[start:end]
        pieces.append(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
        start = end
    return b"".join(pieces) + b"0\r\nX-Trailer: ignored\r\n\r\n"


@dataclass(frozen=True)
class Answer:
    head: bytes
    body: bytes = b""
    wire_body: bytes | None = None
    """The body as framed on the wire, when that is not ``body`` (chunked)."""
    interim: bytes = b""

    def send(self, conn: object, out: BinaryIO) -> None:
        wire = self.wire_body if self.wire_body is not None else self.body
        out.write(self.interim + self.head + wire)


ANSWERS = {
    "/aneh": Answer(
        head(
            "HTTP/1.1 200 Baik Sekali",
            "X-weird-CASE: a",
            "Set-Cookie: a=1; Path=/",
            'ETag: "x"',
            "set-cookie: b=2",
            "X-Folded: satu,",
            "\tdua",
            "content-type: text/html; charset=utf-8",
            "X-Kosong:",
            f"CONTENT-LENGTH: {len(PAGE)}",
            "Date: Mon, 02 Mar 2026 07:30:15 GMT",
        ),
        PAGE,
    ),
    "/gzip": Answer(
        head(
            "HTTP/1.1 200 OK",
            "Content-Type: text/html; charset=utf-8",
            "Vary: Accept-Encoding",
            "Content-Encoding: gzip",
            f"Content-Length: {len(PAGE_GZ)}",
        ),
        PAGE_GZ,
    ),
    "/chunked": Answer(
        head(
            "HTTP/1.1 200 OK",
            "Content-Type: text/html; charset=utf-8",
            "transfer-encoding: chunked",
            "Cache-Control: max-age=60",
        ),
        PAGE,
        chunked(PAGE),
    ),
    "/chunked-gzip": Answer(
        head(
            "HTTP/1.1 200 OK",
            "Content-Encoding: gzip",
            "Transfer-Encoding: chunked",
            "Content-Type: text/html; charset=utf-8",
        ),
        PAGE_GZ,
        chunked(PAGE_GZ, (300, 900)),
    ),
    "/baris-kosong": Answer(
        head("HTTP/1.1 200 OK", "X-Satu: 1", " ", "Content-Type: text/plain", "Content-Length: 3"),
        b"isi",
    ),
    "/lf": Answer(
        head(
            "HTTP/1.0 200 OK",
            "Content-Type: text/plain",
            "Content-Length: 6",
            end="\n",
        ),
        b"pasang",
    ),
    "/tidak-berubah": Answer(
        head("HTTP/1.1 304 Not Modified", 'ETag: "x"', "Cache-Control: max-age=60"),
    ),
    "/lanjut": Answer(
        head("HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 6"),
        b"lanjut",
        interim=head("HTTP/1.1 100 Continue"),
    ),
}


def archived_block(answer: Answer) -> bytes:
    """The response record's block for ``answer``: what was sent, framing aside."""
    return received_head(answer.head) + answer.body


@dataclass
class Crawl:
    origin: str
    warc_dir: Path
    stats: dict[str, Any]
    blocks: dict[str, bytes]
    """Target URI path to the block of its response record."""


def response_blocks(warc_dir: Path, origin: str) -> dict[str, bytes]:
    blocks = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, no_record_parse=True):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    blocks[uri.removeprefix(origin)] = record.raw_stream.read()
    return blocks


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("rawheads")
    warc_dir = tmp / "warc"
    with HostileServer({path: answer.send for path, answer in ANSWERS.items()}) as server:
        settings = {"WARC_DIR": str(warc_dir), "HTTPERROR_ALLOW_ALL": True}
        stats = capture_crawl(tmp, [server.url(path) for path in ANSWERS], settings)
    yield Crawl(server.origin, warc_dir, stats, response_blocks(warc_dir, server.origin))
    shutil.rmtree(tmp, ignore_errors=True)


def test_the_header_block_is_the_bytes_the_server_sent(crawl: Crawl) -> None:
    aneh = ANSWERS["/aneh"]
    assert crawl.blocks["/aneh"] == aneh.head + aneh.body


@pytest.mark.parametrize("path", ["/gzip", "/lf", "/tidak-berubah"])
def test_gzip_bare_lf_and_304_heads_are_kept_byte_for_byte(crawl: Crawl, path: str) -> None:
    assert crawl.blocks[path] == ANSWERS[path].head + ANSWERS[path].body


@pytest.mark.parametrize("path", ["/chunked", "/chunked-gzip"])
def test_a_chunked_body_is_stored_dechunked_under_a_renamed_header(crawl: Crawl, path: str) -> None:
    sent = ANSWERS[path].head
    name = b"transfer-encoding" if path == "/chunked" else b"Transfer-Encoding"
    assert crawl.blocks[path] == sent.replace(name, TRANSFER_ENCODING_NOTE) + ANSWERS[path].body


def test_a_whitespace_only_line_is_left_out_so_readers_see_the_whole_head(crawl: Crawl) -> None:
    sent = ANSWERS["/baris-kosong"].head
    assert crawl.blocks["/baris-kosong"] == sent.replace(b"\r\n \r\n", b"\r\n") + b"isi"


def test_an_interim_100_is_not_part_of_the_record(crawl: Crawl) -> None:
    assert crawl.blocks["/lanjut"] == ANSWERS["/lanjut"].head + b"lanjut"


def test_every_head_came_from_the_wire(crawl: Crawl) -> None:
    assert set(crawl.blocks) == set(ANSWERS)
    assert "warc/headers/rebuilt" not in crawl.stats
    assert crawl.stats["warc/records/response"] == len(ANSWERS)


def test_the_files_pass_warcio_check(crawl: Crawl) -> None:
    files = sorted(crawl.warc_dir.glob("*.warc.gz"))
    result = subprocess.run(
        [str(WARCIO), "check", *map(str, files)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_the_files_verify_and_index_as_pywbs_indexer_does(crawl: Crawl, tmp_path: Path) -> None:
    files = sorted(crawl.warc_dir.glob("*.warc.gz"))
    for path in files:
        assert [record.damage for record in scan_file(path)] == [None] * (1 + 2 * len(ANSWERS))
    ours = io.StringIO()
    write_index(files, ours)
    theirs = tmp_path / "pywb.cdxj"
    subprocess.run(
        [require_wayback().with_name("cdx-indexer"), "--cdxj", "--sort", "-o", theirs]
        + [path.name for path in files],
        cwd=crawl.warc_dir,
        check=True,
        timeout=120,
    )

    def lines(text: str) -> list[tuple[str, str, dict[str, str]]]:
        split = [line.split(" ", 2) for line in text.splitlines()]
        return [(key, ts, json.loads(fields)) for key, ts, fields in split]

    # pywb writes digests without their "sha1:" prefix, and "unk" for a missing Content-Type
    # (the 304) where cdxj-indexer writes no mime.
    expected = [
        (key, ts, {**fields, "digest": "sha1:" + fields["digest"]})
        for key, ts, fields in lines(theirs.read_text())
    ]
    for _, _, fields in expected:
        if fields.get("mime") == "unk":
            del fields["mime"]
    assert lines(ours.getvalue()) == expected
    assert {fields["status"] for _, _, fields in expected} == {"200", "304"}


def test_the_archive_tools_read_a_head_with_bare_lf_line_ends() -> None:
    status, headers = http_head(ANSWERS["/lf"].head + b"pasang")
    assert (status, headers["content-type"], headers["content-length"]) == (200, "text/plain", "6")


@pytest.fixture(scope="module")
def pywb(crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbServer]:
    files = sorted(crawl.warc_dir.glob("*.warc.gz"))
    with running_pywb(files, tmp_path_factory.mktemp("pywb")) as server:
        yield server


def capture_time(pywb: PywbServer, url: str) -> str:
    (line,) = pywb.cdx(url)
    return line["timestamp"]


@pytest.mark.parametrize(("path", "body"), [("/chunked", PAGE), ("/chunked-gzip", PAGE_GZ)])
def test_pywb_replays_a_chunked_capture_as_its_body(
    crawl: Crawl, pywb: PywbServer, path: str, body: bytes
) -> None:
    url = crawl.origin + path
    replay = pywb.replay(url, capture_time(pywb, url))
    assert replay.status == 200, pywb.log_tail()
    assert replay.body == body


def test_pywb_replays_the_odd_head_with_every_header(crawl: Crawl, pywb: PywbServer) -> None:
    url = crawl.origin + "/aneh"
    replay = pywb.replay(url, capture_time(pywb, url))
    assert replay.status == 200, pywb.log_tail()
    assert replay.body == PAGE
    # pywb passes unknown headers through and prefixes the ones it rewrites.
    assert replay.headers["x-weird-case"] == "a"
    assert replay.headers["set-cookie"] == "a=1; Path=/, b=2"
    assert replay.headers["x-folded"] == "satu,\tdua"
    assert replay.headers["x-archive-orig-etag"] == '"x"'


# --- The capture middleware without a crawl ------------------------------------------------


def make_middleware(tmp_path: Path) -> WarcCaptureMiddleware:
    crawler = get_crawler(Spider, {**CAPTURE_ONLY_SETTINGS, "WARC_DIR": str(tmp_path)})
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    middleware.files.spider_opened(Spider("news"))
    return middleware


def test_the_signalled_head_is_written_and_none_is_rebuilt_and_counted(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    sent = ANSWERS["/aneh"].head
    kept, rebuilt = Request("https://news.example/a"), Request("https://news.example/b")
    for request in (kept, rebuilt):
        middleware.process_request(request)
    middleware.crawler.signals.send_catch_log(raw_head_received, request=kept, head=sent)
    for request in (kept, rebuilt):
        response = HtmlResponse(request.url, headers={"ETag": '"x"'}, body=PAGE)
        middleware.process_response(request, response)
    middleware.files.spider_closed(Spider("news"))

    blocks = response_blocks(tmp_path, "https://news.example")
    assert blocks["/a"] == sent + PAGE
    assert blocks["/b"].startswith(b'HTTP/1.1 200 OK\r\nEtag: "x"\r\n')
    assert middleware.stats.get_value("warc/headers/rebuilt") == 1


def test_revisits_and_304_metadata_keep_the_head_as_received(tmp_path: Path) -> None:
    when = datetime(2026, 3, 2, 7, 30, 15, tzinfo=UTC)
    sent = head("HTTP/1.1 304 Not Modified", 'ETag: "x"', "x-cache: HIT", end="\n")
    response = CapturedResponse(304, "Not Modified", [], b"", when, head=sent)
    request = CapturedRequest(b"GET / HTTP/1.1\r\nHost: news.example\r\n\r\n")
    with WarcWriter(tmp_path) as writer:
        common: dict[str, Any] = {
            "refers_to_target_uri": "https://news.example/",
            "refers_to_date": when,
            "payload_digest": "sha1:AAAA",
        }
        writer.write_revisit("https://news.example/", response, **common)
        writer.write_not_modified("https://news.example/", request, response, **common)
    with next(tmp_path.glob("*.warc.gz")).open("rb") as stream:
        blocks = [
            (record.rec_type, record.raw_stream.read())
            for record in ArchiveIterator(stream, no_record_parse=True)
        ]
    assert ("revisit", sent) in blocks
    assert (
        "metadata",
        b'http-status-line: HTTP/1.1 304 Not Modified\r\nhttp-header: ETag: "x"\r\n'
        b"http-header: x-cache: HIT\r\n",
    ) in blocks
    assert head_fields(sent) == head_fields(sent.replace(b"\n", b"\r\n"))
