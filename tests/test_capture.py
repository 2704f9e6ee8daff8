"""WarcCaptureMiddleware: a real crawl over loopback lands in WARC files byte for byte."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.capture import WarcCaptureMiddleware, wire_request
from archive.state_sqlite import SqliteCrawlState
from archive.warc import CapturedRequest, CapturedResponse, WarcWriteError, WarcWriter
from crawler.outcome import EXIT_CODE_STAT, ExitCode
from tests.crawling import CAPTURE_ONLY_SETTINGS, capture_crawl

WARCIO = Path(sys.executable).with_name("warcio")
PAGE = (
    "<!doctype html><html><head><title>Gempa di Cianjur</title></head><body><article>"
    + "<p>Gempa bermagnitudo 5,6 mengguncang Cianjur, Jawa Barat, Senin siang.</p>" * 120
    + "</article></body></html>"
).encode()
PAGE_GZ = gzip.compress(PAGE, mtime=0)
CHUNKS = [PAGE[:1000], PAGE[1000:5000], PAGE[5000:]]
PATHS = ["/berita/gempa", "/berita/chunked", "/berita/chunked-gzip", "/lama", "/hilang"]


class _RecordingReader:
    """Wraps a socket file to keep the bytes of the request being parsed."""

    def __init__(self, raw: BufferedIOBase) -> None:
        self.raw = raw
        self.seen = bytearray()

    def readline(self, limit: int = -1) -> bytes:
        line = self.raw.readline(limit)
        self.seen += line
        return line

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.seen += data
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class NewsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: dict[str, bytes]

    def setup(self) -> None:
        super().setup()
        self.rfile = _RecordingReader(self.rfile)  # type: ignore[assignment]

    def do_GET(self) -> None:
        reader: _RecordingReader = self.rfile  # type: ignore[assignment]
        self.received[self.path] = bytes(reader.seen)
        reader.seen.clear()
        if self.path == "/berita/gempa":
            self._send(200, PAGE_GZ, [("Content-Encoding", "gzip")])
        elif self.path in ("/berita/chunked", "/berita/chunked-gzip"):
            encoded = self.path.endswith("gzip")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if encoded:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            body = PAGE_GZ if encoded else PAGE
            for chunk in (body[:700], body[700:3000], body[3000:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/lama":
            self._send(301, b"moved", [("Location", "/berita/pindah")], "text/plain")
        elif self.path == "/berita/pindah":
            self._send(200, PAGE, [])
        else:
            self._send(404, b"<h1>Tidak ditemukan</h1>", [])

    def _send(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]],
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Crawl:
    base: str
    warc_dir: Path
    received: dict[str, bytes]
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    records: list[Any]
    leftover: Path


@dataclass
class Rec:
    file: Path
    type: str
    headers: dict[str, str]
    http: list[tuple[str, str]]
    statusline: str
    head: bytes
    payload: bytes


def read_all(warc_dir: Path) -> list[Rec]:
    records = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                http = record.http_headers
                records.append(
                    Rec(
                        file=path,
                        type=record.rec_type,
                        headers=dict(record.rec_headers.headers),
                        http=list(http.headers) if http else [],
                        statusline=http.statusline if http else "",
                        head=http.to_bytes() if http else b"",
                        payload=record.raw_stream.read(),
                    )
                )
    return records


def leave_crashed_file(warc_dir: Path) -> Path:
    """A ``.open`` file as a killed crawl leaves it: its last record half written."""
    with WarcWriter(warc_dir, prefix="KABARSIP") as writer:
        request = CapturedRequest(b"GET / HTTP/1.1\r\nHost: news.example\r\n\r\n")
        response = CapturedResponse(200, "OK", [], PAGE, datetime.now(UTC))
        writer.write_exchange("https://news.example/", request, response)
        last = writer.write_exchange("https://news.example/", request, response)
    (done,) = warc_dir.iterdir()
    crashed = done.with_name(done.name + ".open")
    done.rename(crashed)
    with crashed.open("r+b") as stream:
        stream.truncate(last.offset + last.length // 2)
    return crashed.with_name(done.name)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("capture")
    warc_dir = tmp / "warc"
    leftover = leave_crashed_file(warc_dir)
    received: dict[str, bytes] = {}
    handler = type("Handler", (NewsHandler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        settings = {
            "WARC_DIR": str(warc_dir),
            "WARC_OPERATOR": "Tim Arsip <arsip@kabarsip.example>",
            "HTTPERROR_ALLOW_ALL": True,
            "FEEDS": {str(tmp / "items.jsonl"): {"format": "jsonlines"}},
        }
        stats = capture_crawl(tmp, [base + path for path in PATHS], settings)
    finally:
        server.shutdown()
        server.server_close()
    items = [json.loads(line) for line in (tmp / "items.jsonl").read_text().splitlines()]
    yield Crawl(base, warc_dir, received, items, stats, read_all(warc_dir), leftover)
    shutil.rmtree(tmp, ignore_errors=True)


def records_for(crawl: Crawl, path: str, kind: str) -> list[Rec]:
    uri = crawl.base + path
    return [r for r in crawl.records if r.type == kind and r.headers["WARC-Target-URI"] == uri]


def test_every_fetched_url_has_a_request_and_a_response_record(crawl: Crawl) -> None:
    assert set(crawl.received) == {*PATHS, "/berita/pindah"}
    for path in crawl.received:
        (request,) = records_for(crawl, path, "request")
        (response,) = records_for(crawl, path, "response")
        assert request.headers["WARC-Concurrent-To"] == response.headers["WARC-Record-ID"]
    assert crawl.stats["warc/records/request"] == crawl.stats["warc/records/response"] == 6


def test_request_record_holds_the_bytes_the_server_received(crawl: Crawl) -> None:
    for path, wire in crawl.received.items():
        (request,) = records_for(crawl, path, "request")
        assert request.head == wire


def test_response_payload_is_exactly_what_the_server_sent(crawl: Crawl) -> None:
    expected = {
        "/berita/gempa": PAGE_GZ,
        "/berita/chunked": PAGE,
        "/berita/chunked-gzip": PAGE_GZ,
        "/lama": b"moved",
        "/berita/pindah": PAGE,
        "/hilang": b"<h1>Tidak ditemukan</h1>",
    }
    for path, body in expected.items():
        (response,) = records_for(crawl, path, "response")
        assert response.payload == body, path


def test_redirect_and_not_found_are_recorded_with_their_status(crawl: Crawl) -> None:
    (moved,) = records_for(crawl, "/lama", "response")
    (missing,) = records_for(crawl, "/hilang", "response")
    assert moved.statusline.startswith("301 ")
    assert ("Location", "/berita/pindah") in moved.http
    assert missing.statusline == "404 Not Found"


def test_no_transfer_encoding_claim_for_a_dechunked_body(crawl: Crawl) -> None:
    for response in (r for r in crawl.records if r.type == "response"):
        assert "transfer-encoding" not in {name.lower() for name, _ in response.http}


def test_responses_carry_the_peer_ip_address(crawl: Crawl) -> None:
    responses = [r for r in crawl.records if r.type == "response" and r.file != crawl.leftover]
    assert len(responses) == 6
    assert {r.headers["WARC-IP-Address"] for r in responses} == {"127.0.0.1"}


def test_items_point_at_their_response_record(crawl: Crawl) -> None:
    by_url = {item["url"]: item for item in crawl.items}
    assert set(by_url) == {crawl.base + p for p in PATHS if p != "/lama"} | {
        crawl.base + "/berita/pindah"
    }
    for url, item in by_url.items():
        pointer = item["warc"]
        assert set(pointer) == {
            "warc_file",
            "warc_offset",
            "warc_record_id",
            "warc_date",
            "warc_type",
        }
        assert pointer["warc_type"] == "response"
        with (crawl.warc_dir / pointer["warc_file"]).open("rb") as stream:
            stream.seek(pointer["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == pointer["warc_record_id"]
            date = record.rec_headers.get_header("WARC-Date")
            assert datetime.fromisoformat(date) == datetime.fromisoformat(pointer["warc_date"])
            assert record.rec_headers.get_header("WARC-Target-URI") == url


def test_leftover_open_file_is_repaired_and_no_open_file_remains(crawl: Crawl) -> None:
    assert list(crawl.warc_dir.glob("*.open")) == []
    assert crawl.stats["warc/repaired_files"] == 1
    kinds = [r.type for r in crawl.records if r.file == crawl.leftover]
    assert kinds == ["warcinfo", "request", "response", "request"]
    result = subprocess.run(
        [str(WARCIO), "check", *map(str, sorted(crawl.warc_dir.iterdir()))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert crawl.stats["warc/files"] == 1


def test_warcinfo_names_the_crawl(crawl: Crawl) -> None:
    (info,) = [r for r in crawl.records if r.type == "warcinfo" and r.file != crawl.leftover]
    assert b"operator: Tim Arsip <arsip@kabarsip.example>" in info.payload
    assert b"isPartOf: capture" in info.payload
    assert b"robots: ignore" in info.payload


class StubEngine:
    def __init__(self) -> None:
        self.close_reasons: list[str] = []
        self.spider = Spider("news")

    def close_spider_async(self, *, reason: str) -> None:
        self.close_reasons.append(reason)


def make_middleware(tmp_path: Path, **settings: Any) -> WarcCaptureMiddleware:
    # Driven one call at a time: records written on the calling thread unless a test says so.
    defaults = {**CAPTURE_ONLY_SETTINGS, "WARC_DIR": str(tmp_path), "WARC_THREAD_MIN_BYTES": -1}
    crawler = get_crawler(Spider, {**defaults, **settings})
    return WarcCaptureMiddleware.from_crawler(crawler)


def test_wire_request_mirrors_the_http11_handler() -> None:
    request = Request(
        "http://127.0.0.1:8080/cari;v=2?q=banjir#hasil",
        method="POST",
        body=b"q=banjir",
        headers={"User-Agent": "Kabarsip", "Proxy-Authorization": "Basic cmFoYXNpYQ=="},
    )
    assert wire_request(request).head == (
        b"POST /cari;v=2?q=banjir HTTP/1.1\r\nContent-Length: 8\r\nUser-Agent: Kabarsip\r\n"
        b"Host: 127.0.0.1:8080\r\n\r\n"
    )
    proxied = Request("http://news.example/a", meta={"proxy": "http://proxy.example:3128"})
    assert wire_request(proxied).head == (
        b"GET http://news.example/a HTTP/1.1\r\nHost: news.example\r\n\r\n"
    )


def test_response_that_never_went_on_the_wire_is_not_recorded(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    middleware.files.spider_opened(Spider("news"))
    request = Request("https://news.example/a")
    cached = HtmlResponse(request.url, body=PAGE, request=request, flags=["cached"])

    assert middleware.process_response(request, cached) is cached
    assert "warc" not in request.meta
    assert middleware.stats.get_value("warc/skipped/not_fetched") == 1
    middleware.files.spider_closed(Spider("news"))
    assert list(tmp_path.iterdir()) == []


def test_failed_download_is_recorded_as_request_and_failure(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    middleware.files.spider_opened(Spider("news"))
    request = Request("https://news.example/a")
    middleware.process_request(request)

    middleware.process_exception(request, TimeoutError("took longer than 180.0 seconds"))
    middleware.files.spider_closed(Spider("news"))
    assert middleware.stats.get_value("warc/records/failure") == 1
    kinds = [(record.type, record.headers.get("Content-Type")) for record in read_all(tmp_path)]
    assert kinds == [
        ("warcinfo", "application/warc-fields"),
        ("request", "application/http;msgtype=request"),
        ("metadata", "application/warc-fields"),
    ]
    assert read_all(tmp_path)[-1].payload == (
        b"kabarsip-fetch-error: builtins.TimeoutError\r\n"
        b"error-message: took longer than 180.0 seconds\r\n"
    )


def test_a_request_refused_before_it_went_out_is_counted_not_recorded(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    middleware.files.spider_opened(Spider("news"))
    request = Request("https://news.example/a")
    middleware.process_request(request)

    middleware.process_exception(request, IgnoreRequest("forbidden by robots.txt"))
    middleware.files.spider_closed(Spider("news"))
    assert middleware.stats.get_value("warc/skipped/exception") == 1
    assert not list(tmp_path.glob("*.warc.gz"))


def test_write_failure_drops_the_response_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    middleware = make_middleware(tmp_path)
    middleware.files.spider_opened(Spider("news"))
    assert middleware.writer is not None

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise WarcWriteError(28, "writing a WARC record failed (No space left on device)")

    monkeypatch.setattr(middleware.writer, "write_exchange", disk_full)
    engine = StubEngine()
    middleware.crawler.engine = engine  # type: ignore[assignment]
    for url in ("https://news.example/a", "https://news.example/b"):
        request = Request(url)
        middleware.process_request(request)
        with pytest.raises(IgnoreRequest, match="not archived"):
            middleware.process_response(request, HtmlResponse(request.url, body=PAGE))

    assert engine.close_reasons == ["warc_write_failed"]
    assert middleware.stats.get_value("warc/errors/write") == 2
    assert middleware.stats.get_value(EXIT_CODE_STAT) == ExitCode.ARCHIVE


def test_disabled_capture_is_not_configured(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        make_middleware(tmp_path, WARC_ENABLED=False)


def test_bad_prefix_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="WARC_PREFIX"):
        make_middleware(tmp_path, WARC_PREFIX="berita/arsip")


def test_a_url_fetched_again_in_the_same_run_is_no_missing_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A retry finds its first answer in the file still being written, not a missing file."""
    middleware = make_middleware(tmp_path / "warc")
    middleware.files.spider_opened(Spider("news"))
    with SqliteCrawlState(tmp_path / "state.sqlite") as state:
        middleware.state = state
        url = "https://news.example/a"
        answers = [(503, b"busy, try again"), (200, PAGE), (200, PAGE)]
        kinds = []
        for status, body in answers:
            request = Request(url)
            middleware.process_request(request)
            middleware.process_response(request, HtmlResponse(url, status=status, body=body))
            kinds.append(request.meta["warc"]["warc_type"])
        middleware.files.spider_closed(Spider("news"))
    assert "State refers to" not in caplog.text
    assert middleware.stats.get_value("state/fallback/warc_missing") is None
    assert middleware.stats.get_value("state/fallback/unreadable") is None
    # The unchanged third answer refers to the second, in the same (then open) file.
    assert kinds == ["response", "response", "revisit"]
