"""End to end: ``scrapy crawl news`` over loopback on a generated site of 240 articles.

One crawl (in a subprocess, as a user runs it) is checked from every side: the items against
what the generator wrote, the WARC files against what the server sent.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import CrawlResult, run_crawl

pytestmark = pytest.mark.slow

# Small enough that 240 articles fill several files.
MAX_WARC_SIZE = 1_000_000


@dataclass
class Capture:
    """One WARC record, read back."""

    file: Path
    offset: int
    type: str
    uri: str
    record_id: str
    http_headers: dict[str, str]
    status: int | None
    payload: bytes


@dataclass
class Crawl:
    result: CrawlResult
    server: DemoServer
    manifest: SiteManifest
    captures: list[Capture]

    @property
    def origin(self) -> str:
        return self.server.origin

    def items_by_url(self) -> dict[str, dict[str, Any]]:
        return {item["canonical_url"]: item for item in self.result.items}


def read_captures(warc_dir: Path) -> list[Capture]:
    captures = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                headers = record.http_headers
                # Before get_record_offset(), which reads the record to its end.
                payload = record.raw_stream.read()
                captures.append(
                    Capture(
                        file=path,
                        offset=iterator.get_record_offset(),
                        type=record.rec_type,
                        uri=record.rec_headers.get_header("WARC-Target-URI") or "",
                        record_id=record.rec_headers.get_header("WARC-Record-ID"),
                        http_headers={k.lower(): v for k, v in headers.headers} if headers else {},
                        status=int(headers.get_statuscode())
                        if headers and record.rec_type == "response"
                        else None,
                        payload=payload,
                    )
                )
    return captures


@pytest.fixture(scope="module")
def crawl(demo_site: SiteManifest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    assert demo_site.directory is not None
    out = tmp_path_factory.mktemp("e2e")
    with DemoServer(demo_site.directory) as server:
        result = run_crawl(out, "demo", server.origin, {"WARC_MAX_SIZE": str(MAX_WARC_SIZE)})
        assert result.returncode == 0, result.log[-5000:]
        yield Crawl(result, server, demo_site, read_captures(result.warc_dir))


def test_crawl_finishes_cleanly(crawl: Crawl) -> None:
    assert crawl.result.stats["finish_reason"] == "finished"
    assert "Traceback" not in crawl.result.log
    assert crawl.result.stats.get("log_count/ERROR", 0) == 0


def test_one_item_per_article_with_fields_as_generated(crawl: Crawl) -> None:
    live = crawl.manifest.live()
    assert len(live) >= 200
    items = crawl.items_by_url()
    assert len(crawl.result.items) == len(items) == len(live)
    for truth in live:
        item = items[truth.url(crawl.origin)]
        assert item["title"] == truth.title
        assert item["published"] == truth.published
        assert item["updated"] == truth.updated
        assert item["published"].endswith("+07:00")
        assert item["authors"] == truth.authors
        assert item["dateline"] == truth.dateline
        assert item["paragraphs"] == truth.text_after_dateline
        assert item["section"] == truth.section
        assert [image["url"] for image in item["images"]] == [
            image.url(crawl.origin) for image in truth.images
        ]
        assert [image["caption"] for image in item["images"]] == [
            image.caption for image in truth.images
        ]


def test_multi_page_articles_are_complete(crawl: Crawl) -> None:
    items = crawl.items_by_url()
    multi = [truth for truth in crawl.manifest.live() if truth.pages > 1]
    assert len(multi) >= 10
    for truth in multi:
        item = items[truth.url(crawl.origin)]
        assert item["pages"] == truth.pages
        assert item["paragraphs"][-1] == truth.paragraphs[-1]
        assert item["word_count"] == len(" ".join(truth.text_after_dateline).split())


def test_every_fetch_has_a_request_and_a_response_record(crawl: Crawl) -> None:
    served = Counter(crawl.origin + entry.target for entry in crawl.server.requests)
    responses = Counter(c.uri for c in crawl.captures if c.type == "response")
    requests = Counter(c.uri for c in crawl.captures if c.type == "request")
    assert served == responses == requests
    assert crawl.result.stats["warc/records/response"] == sum(served.values())


def test_response_bodies_are_byte_identical_to_what_was_served(crawl: Crawl) -> None:
    compressed = 0
    for capture in crawl.captures:
        if capture.type != "response" or capture.status != 200:
            continue
        parts = urlsplit(capture.uri)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        gzipped = capture.http_headers.get("content-encoding") == "gzip"
        compressed += gzipped
        assert capture.payload == crawl.server.served_body(target, gzip=gzipped), capture.uri
        assert "transfer-encoding" not in capture.http_headers
    assert compressed > 200


def test_items_point_at_their_response_record(crawl: Crawl) -> None:
    by_place = {(c.file.name, c.offset): c for c in crawl.captures}
    for item in crawl.result.items:
        capture = by_place[(item["warc_file"], item["warc_offset"])]
        assert capture.type == "response"
        assert capture.record_id == item["warc_record_id"]
        assert capture.uri == item["url"]


def test_warc_files_rotate_pass_warcio_check_and_none_left_open(crawl: Crawl) -> None:
    files = sorted(crawl.result.warc_dir.glob("*.warc.gz"))
    assert len(files) >= 3
    assert not list(crawl.result.warc_dir.glob("*.open"))
    warcio = Path(sys.executable).parent / "warcio"
    for path in files:
        check = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        first = next(c for c in crawl.captures if c.file == path)
        assert first.type == "warcinfo"
        assert path.stat().st_size <= MAX_WARC_SIZE
