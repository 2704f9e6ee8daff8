"""Fetches that got no response are archived as what was sent plus what went wrong.

A hostile loopback server resets a body half-way, sends nothing until the timeout and
announces a body above the size limit.  Each such fetch leaves a ``request`` record and a
warc-fields ``metadata`` record naming the error; neither becomes a capture anywhere: not in
the CDXJ index, not in replay, not in a rebuilt state, and no revisit can refer to one.
"""

from __future__ import annotations

import io
import json
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.index import write_index
from archive.rebuild import rebuild_state
from archive.replayindex import ArchiveIndex
from archive.scan import find_warc_files
from archive.state_sqlite import SqliteCrawlState
from archive.verify import verify_files
from tests.crawling import CAPTURE_ONLY_SETTINGS
from tests.test_capture import PAGE, RUNNER

FAILING = {
    "/putus": "ResponseDataLossError",
    "/diam": "DownloadTimeoutError",
    "/raksasa": "DownloadCancelledError",
}
#: How long the silent path keeps its connection open: well past DOWNLOAD_TIMEOUT.
SILENCE = 3.0


class HostileHandler(socketserver.StreamRequestHandler):
    """One request per connection; every misbehaviour ends by itself."""

    def handle(self) -> None:
        request_line = self.rfile.readline(8192).decode("latin-1")
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        path = request_line.split(" ")[1] if " " in request_line else "/"
        if path == "/putus":  # a reset half-way through the body
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            self.wfile.write(b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE[:500])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        elif path == "/diam":  # nothing at all, then goes away
            time.sleep(SILENCE)
        elif path == "/raksasa":  # announces 50 MB, sends a little
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n")
            self.wfile.write(b"Content-Length: 50000000\r\n\r\n<urlset>")
            self.wfile.flush()
            time.sleep(0.5)
        else:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n")
            self.wfile.write(b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(PAGE))
            self.wfile.write(PAGE)


@dataclass
class FailedCrawl:
    base: str
    warc_dir: Path
    stats: dict[str, Any]
    records: list[tuple[str, dict[str, str], bytes]]


@pytest.fixture(scope="module")
def failed_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FailedCrawl]:
    tmp = tmp_path_factory.mktemp("failed-fetches")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), HostileHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        runner = tmp / "runner.py"
        runner.write_text(RUNNER, encoding="utf-8")
        settings = {
            **CAPTURE_ONLY_SETTINGS,
            "ROBOTSTXT_OBEY": False,
            "RETRY_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 1,
            "DOWNLOAD_MAXSIZE": 1_000_000,
            "WARC_DIR": str(tmp / "warc"),
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
        }
        urls = ",".join(base + path for path in [*FAILING, "/utuh"])
        result = subprocess.run(
            [sys.executable, str(runner), json.dumps(settings), urls, str(tmp / "stats.json")],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        server.shutdown()
        server.server_close()
    records = []
    for path in sorted((tmp / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, no_record_parse=True):
                headers = dict(record.rec_headers.headers)
                records.append((record.rec_type, headers, record.raw_stream.read()))
    stats = json.loads((tmp / "stats.json").read_text())
    yield FailedCrawl(base, tmp / "warc", stats, records)


def test_each_failed_fetch_is_a_request_and_a_metadata_record_naming_the_error(
    failed_crawl: FailedCrawl,
) -> None:
    for path, error in FAILING.items():
        url = failed_crawl.base + path
        mine = [
            (kind, h, block)
            for kind, h, block in failed_crawl.records
            if h.get("WARC-Target-URI") == url
        ]
        assert [kind for kind, _, _ in mine] == ["request", "metadata"], path
        (_, request, sent), (_, metadata, block) = mine
        assert sent.startswith(f"GET {path} HTTP/1.1\r\n".encode())
        assert metadata["Content-Type"] == "application/warc-fields"
        assert metadata["WARC-Concurrent-To"] == request["WARC-Record-ID"]
        assert request["WARC-Concurrent-To"] == metadata["WARC-Record-ID"]
        fields = dict(line.split(": ", 1) for line in block.decode().splitlines())
        assert fields["kabarsip-fetch-error"].endswith(error), fields
        assert fields["error-message"]
    cut = next(
        block
        for kind, headers, block in failed_crawl.records
        if kind == "metadata" and headers["WARC-Target-URI"].endswith("/putus")
    )
    assert b"error-cause: twisted.web.http._DataLoss" in cut
    assert failed_crawl.stats["warc/records/failure"] == len(FAILING)
    assert "warc/skipped/exception" not in failed_crawl.stats


def test_failure_records_pass_verify_and_are_never_captures(
    failed_crawl: FailedCrawl, tmp_path: Path
) -> None:
    found = find_warc_files([failed_crawl.warc_dir])
    report = verify_files(found)
    assert report.clean and report.records == len(failed_crawl.records)
    index = io.StringIO()
    write_index(found.warc, index)
    assert [json.loads(line.split(" ", 2)[2])["url"] for line in index.getvalue().splitlines()] == [
        failed_crawl.base + "/utuh"
    ]
    replay = ArchiveIndex.load([failed_crawl.warc_dir])
    for path in FAILING:
        assert replay.nearest(failed_crawl.base + path) == []
    assert replay.nearest(failed_crawl.base + "/utuh")
    with SqliteCrawlState(tmp_path / "state.sqlite") as state:
        rebuilt = rebuild_state([failed_crawl.warc_dir], state)
        assert [capture.url for capture in state.captures()] == [failed_crawl.base + "/utuh"]
    assert rebuilt.damaged_records == 0 and rebuilt.skipped_records == 0
