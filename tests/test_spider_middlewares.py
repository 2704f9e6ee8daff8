"""The spider's helpers on the archive and state side, in process: no crawl, real state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.crawlstate import crawl_state
from archive.gone import ArticleGone, GoneArticleMiddleware
from archive.state import ArticleState
from archive.warcitems import CONTINUES_META, WarcLocationMiddleware
from crawler.addon import KabarsipAddon
from crawler.items import Article
from crawler.spidermiddlewares.gate import ARTICLE_META, FOUND_IN_META
from crawler.spidermiddlewares.schedule import NotDueMiddleware
from tests.test_state import article

URL = "http://127.0.0.1:8000/berita/1"
CAPTURE = {
    "warc_file": "KABARSIP-1.warc.gz",
    "warc_offset": 1234,
    "warc_record_id": "<urn:uuid:r1>",
    "warc_date": "2026-03-01T08:00:00+00:00",
    "warc_type": "response",
}


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = get_crawler(
        Spider, {"ADDONS": {KabarsipAddon: 0}, "STATE_PATH": str(tmp_path / "state.sqlite")}
    )
    yield crawler
    state = crawl_state(crawler)
    if state is not None:
        state.close()


def known(next_visit: datetime | None, status: str = "live") -> ArticleState:
    then = datetime.now(UTC) - timedelta(days=2)
    times = {"first_seen": then, "last_seen": then, "last_changed": then}
    return article(URL, site="demo", next_visit=next_visit, status=status, **times)


def run(middleware: Any, response: HtmlResponse, outputs: list[Any]) -> list[Any]:
    async def source() -> AsyncIterator[Any]:
        for output in outputs:
            yield output

    async def collect() -> list[Any]:
        return [o async for o in middleware.process_spider_output(response, source())]

    return asyncio.run(collect())


def article_request(found_in: str = "sitemap") -> Request:
    return Request(URL, meta={ARTICLE_META: URL, FOUND_IN_META: found_in})


def test_items_get_their_pages_capture_and_later_pages_carry_the_first() -> None:
    middleware = WarcLocationMiddleware()
    first = HtmlResponse(URL, body=b"", request=Request(URL, meta={"warc": CAPTURE}))
    later = Request(URL + "?page=2", meta={CONTINUES_META: True})
    assert run(middleware, first, [later]) == [later]
    page2_capture = {**CAPTURE, "warc_offset": 9999, "warc_record_id": "<urn:uuid:r2>"}
    later.meta["warc"] = page2_capture
    page2 = HtmlResponse(later.url, body=b"", request=later)
    [item] = run(middleware, page2, [Article(url=URL, site="demo")])
    assert (item.warc_file, item.warc_offset, item.warc_record_id, item.fetched_at) == (
        "KABARSIP-1.warc.gz",
        1234,
        "<urn:uuid:r1>",
        "2026-03-01T08:00:00+00:00",
    )


def test_known_articles_not_due_are_dropped_and_counted_once(crawler: Crawler) -> None:
    state = crawl_state(crawler)
    assert state is not None
    state.put_article(known(datetime.now(UTC) + timedelta(days=1)))
    middleware = NotDueMiddleware.from_crawler(crawler)
    section = HtmlResponse("http://127.0.0.1:8000/", body=b"")
    scheduled = article_request("schedule")
    assert run(middleware, section, [article_request(), article_request(), scheduled]) == [
        scheduled
    ]
    assert crawler.stats is not None
    assert crawler.stats.get_value("schedule/skipped_not_due") == 1


@pytest.mark.parametrize(
    ("next_visit", "status"), [(timedelta(hours=-1), "live"), (timedelta(days=1), "gone")]
)
def test_due_or_gone_articles_pass(crawler: Crawler, next_visit: timedelta, status: str) -> None:
    state = crawl_state(crawler)
    assert state is not None
    state.put_article(known(datetime.now(UTC) + next_visit, status))
    middleware = NotDueMiddleware.from_crawler(crawler)
    request = article_request()
    assert run(middleware, HtmlResponse(URL, body=b""), [request]) == [request]


def test_a_known_article_answering_404_is_gone_at_its_capture_date(crawler: Crawler) -> None:
    state = crawl_state(crawler)
    assert state is not None
    state.put_article(known(datetime.now(UTC) + timedelta(days=1)))
    middleware = GoneArticleMiddleware.from_crawler(crawler)
    removed_at = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    capture = {**CAPTURE, "warc_date": removed_at.isoformat()}
    response = HtmlResponse(URL, status=404, body=b"", request=Request(URL, meta={"warc": capture}))
    with pytest.raises(ArticleGone):
        middleware.process_spider_input(response)
    stored = state.get_article(URL)
    assert stored is not None
    assert (stored.status, stored.next_visit) == ("gone", None)
    assert stored.gone_at == removed_at
    assert crawler.stats is not None
    assert crawler.stats.get_value("versions/gone") == 1
    # An unknown page answering 404 is the spider's error to report, not a gone article.
    middleware.process_spider_input(HtmlResponse(URL + "x", status=404, body=b""))
