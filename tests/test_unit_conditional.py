"""Conditional GET in process: requests through the downloader middlewares, a real archive.

A first run fetches the page: the capture middleware archives it and the state keeps its
validators. The next run's request of it carries them, and a 304 comes out of the middlewares as the
archived page. ``answer`` functions stand for the server and see the request as sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from warcio.archiveiterator import ArchiveIterator

from tests.inprocess import InProcessCrawl, open_crawl

URL = "http://127.0.0.1:8000/news/read/4900101/banjir-rob-di-pesisir-utara"
PAGE = b"<html><body><h1>Banjir rob</h1><p>Air laut naik.</p></body></html>"
ETAG = b'"v1-banjir"'
MODIFIED = b"Tue, 01 Feb 2022 00:15:00 GMT"

Answer = Callable[[Request], Response]


def page(request: Request, **headers: bytes) -> Response:
    return HtmlResponse(
        request.url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", **headers},
        body=PAGE,
        request=request,
    )


def validated_page(request: Request) -> Response:
    return page(request, ETag=ETAG, **{"Last-Modified": MODIFIED})


def not_modified(request: Request) -> Response:
    return HtmlResponse(request.url, status=304, headers={"ETag": ETAG}, request=request)


def archive_page(tmp_path: Path, answer: Answer) -> None:
    """A first run that fetched the page (WARC files and state under ``tmp_path``)."""
    with open_crawl(tmp_path) as first_run:
        request, response = fetch(first_run, answer)
        assert b"If-None-Match" not in request.headers
        assert response.status == 200
        assert "conditional/sent" not in first_run.stats


@pytest.fixture
def crawl(tmp_path: Path) -> Iterator[InProcessCrawl]:
    """The next run, after a first one archived the page with its validators."""
    archive_page(tmp_path, validated_page)
    with open_crawl(tmp_path) as running:
        yield running


def fetch(crawl: InProcessCrawl, answer: Answer, **meta: object) -> tuple[Request, Response]:
    sent: list[Request] = []

    def server(request: Request) -> Response:
        sent.append(request)
        return answer(request)

    response = crawl.download(Request(URL, meta=dict(meta)), server)
    assert isinstance(response, Response)
    (request,) = sent
    return request, response


def record_types(warc_dir: Path) -> list[str]:
    types = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            types += [record.rec_type for record in ArchiveIterator(stream)]
    return types


def test_next_run_asks_with_the_archived_validators(crawl: InProcessCrawl) -> None:
    request, _ = fetch(crawl, validated_page)
    assert request.headers[b"If-None-Match"] == ETAG
    assert request.headers[b"If-Modified-Since"] == MODIFIED
    assert crawl.stats["conditional/sent"] == 1


def test_304_comes_out_as_the_archived_page(tmp_path: Path) -> None:
    archive_page(tmp_path, validated_page)
    with open_crawl(tmp_path) as crawl:
        _, response = fetch(crawl, not_modified)
        assert response.status == 200
        assert response.body == PAGE
        assert "not_modified" in response.flags
        assert crawl.stats["conditional/not_modified"] == 1
        assert crawl.stats["warc/records/not_modified"] == 1
    assert record_types(tmp_path / "warc") == [
        *["warcinfo", "request", "response"],
        *["warcinfo", "revisit"],
    ]


def test_page_without_validators_is_fetched_in_full_again(tmp_path: Path) -> None:
    archive_page(tmp_path, page)
    with open_crawl(tmp_path) as crawl:
        request, _ = fetch(crawl, page)
    assert b"If-None-Match" not in request.headers
    assert b"If-Modified-Since" not in request.headers


def test_a_request_can_turn_conditional_get_off(crawl: InProcessCrawl) -> None:
    request, _ = fetch(crawl, validated_page, dont_conditional=True)
    assert b"If-None-Match" not in request.headers


def test_damaged_archived_capture_is_fetched_in_full(crawl: InProcessCrawl, tmp_path: Path) -> None:
    fetch(crawl, validated_page)
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    request, response = fetch(crawl, validated_page)
    assert b"If-None-Match" not in request.headers
    assert response.body == PAGE
    assert crawl.stats["state/fallback/unreadable"] == 1
