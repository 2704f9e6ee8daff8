"""The news spider in process: its callbacks on the demo site's pages, built as responses.

Each test builds the crawler from the project's settings (``tests.inprocess``), takes the
spider's own requests and answers them with the generated demo site's files, through the spider
middlewares as the engine runs callbacks. Nothing is served or fetched: a test takes
milliseconds, where the end-to-end crawls of the same behaviour take many seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request

from archive.crawlstate import crawl_state
from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.items import Article
from crawler.spidermiddlewares.gate import DiscoveryGateMiddleware
from tests.inprocess import (
    DEMO_ORIGIN,
    InProcessCrawl,
    demo_response,
    open_crawl,
    single_page_article,
)


@pytest.fixture
def crawl(tmp_path: Path) -> Iterator[InProcessCrawl]:
    with open_crawl(tmp_path) as running:
        yield running


def start_request(crawl: InProcessCrawl, path: str) -> Request:
    return next(r for r in crawl.start_requests() if r.url == DEMO_ORIGIN + path)


def requests_in(outputs: list[Any]) -> list[Request]:
    return [output for output in outputs if isinstance(output, Request)]


def held(crawl: InProcessCrawl) -> list[Request]:
    """Article requests the discovery gate holds until discovery is done."""
    (gate,) = (
        mw
        for mw in crawl.engine.scraper.spidermw.middlewares
        if isinstance(mw, DiscoveryGateMiddleware)
    )
    return list(gate.gate.discovery_done())


def article_requests(crawl: InProcessCrawl, outputs: list[Any]) -> dict[str, Request]:
    """Article requests a discovery page gave: yielded, or held until discovery is done."""
    requests = [*requests_in(outputs), *held(crawl)]
    return {r.url: r for r in requests if crawl.spider.site.is_article(r.url)}


def item(crawl: InProcessCrawl, site: SiteManifest, request: Request) -> Article:
    """The item an article request ends in, later pages fetched as the spider asks."""
    outputs = crawl.scrape(demo_response(site, request))
    while requests_in(outputs):
        (follow,) = requests_in(outputs)
        outputs = crawl.scrape(demo_response(site, follow))
    (article,) = outputs
    assert isinstance(article, Article)
    return article


def test_start_requests_are_the_site_files_discovery_pages(crawl: InProcessCrawl) -> None:
    urls = [request.url for request in crawl.start_requests()]
    paths = ["/sitemap.xml", "/rss.xml", "/news/", "/bisnis/", "/tekno/", "/bola/", "/showbiz/"]
    assert urls == [DEMO_ORIGIN + path for path in paths] + [DEMO_ORIGIN + "/"]
    assert crawl.stats["discovery/requests"] == len(urls)


def test_sitemap_index_leads_to_every_news_sitemap(
    crawl: InProcessCrawl, small_site: SiteManifest
) -> None:
    outputs = crawl.scrape(demo_response(small_site, start_request(crawl, "/sitemap.xml")))
    assert {r.url.removeprefix(DEMO_ORIGIN) for r in requests_in(outputs)} == {
        f"/sitemaps/{name}" for name in ("news.xml", "bisnis.xml", "tekno.xml", "bola.xml")
    } | {"/sitemaps/showbiz.xml.gz"}


def test_news_sitemap_gives_its_articles_with_their_dates_and_titles(
    crawl: InProcessCrawl, small_site: SiteManifest
) -> None:
    index = crawl.scrape(demo_response(small_site, start_request(crawl, "/sitemap.xml")))
    sitemap = next(r for r in requests_in(index) if r.url.endswith("/sitemaps/news.xml"))
    found = article_requests(crawl, crawl.scrape(demo_response(small_site, sitemap)))

    in_section = [a for a in small_site.live() if a.section_path == "/news/"]
    assert set(found) == {a.url(DEMO_ORIGIN) for a in in_section}
    assert crawl.stats["discovery/articles/sitemap"] == len(in_section)
    truth = in_section[0]
    article = item(crawl, small_site, found[truth.url(DEMO_ORIGIN)])
    assert article.sitemap_title == truth.title
    assert article.sitemap_published_raw


def test_feed_gives_the_articles_it_lists(crawl: InProcessCrawl, small_site: SiteManifest) -> None:
    found = article_requests(
        crawl, crawl.scrape(demo_response(small_site, start_request(crawl, "/rss.xml")))
    )
    assert found
    assert set(found) <= {a.url(DEMO_ORIGIN) for a in small_site.live()}
    assert crawl.stats["discovery/articles/feed"] == len(found)


def test_section_page_gives_its_articles(crawl: InProcessCrawl, small_site: SiteManifest) -> None:
    found = article_requests(
        crawl, crawl.scrape(demo_response(small_site, start_request(crawl, "/bola/")))
    )
    in_section = {a.url(DEMO_ORIGIN) for a in small_site.live() if a.section_path == "/bola/"}
    assert set(found) == in_section


def test_article_page_gives_its_item(crawl: InProcessCrawl, small_site: SiteManifest) -> None:
    truth = single_page_article(small_site)
    article = item(
        crawl, small_site, Request(truth.url(DEMO_ORIGIN), callback=crawl.spider.parse_article)
    )
    assert article.url == truth.url(DEMO_ORIGIN)
    assert article.site == "demo"
    assert article.title == truth.title
    assert article.authors_raw
    assert article.paragraphs[-1] == truth.paragraphs[-1]
    assert article.pages == 1


def test_multipage_article_is_one_item_of_all_its_pages(
    crawl: InProcessCrawl, small_site: SiteManifest
) -> None:
    truth = next(a for a in small_site.live() if a.pages > 1)
    request = Request(truth.url(DEMO_ORIGIN), callback=crawl.spider.parse_article)
    first = crawl.scrape(demo_response(small_site, request))
    (page_2,) = requests_in(first)
    assert page_2.url == truth.url(DEMO_ORIGIN, page=2)

    article = item(crawl, small_site, request)
    assert article.pages == truth.pages
    assert article.paragraphs[-1] == truth.paragraphs[-1]
    assert len(article.paragraphs) >= len(truth.paragraphs) - 1
    assert crawl.stats["articles/multipage"] == 1


def make_known(
    crawl: InProcessCrawl, site: SiteManifest, truth: ArticleTruth, ago: timedelta
) -> None:
    """Article ``truth`` as a crawl ``ago`` left it: fetched, versioned and in the state."""
    when = (datetime.now(UTC) - ago).isoformat()
    request = Request(
        truth.url(DEMO_ORIGIN),
        callback=crawl.spider.parse_article,
        meta={"warc": {"warc_date": when}},
    )
    (article,) = crawl.scrape(demo_response(site, request))
    crawl.process_item(article)


def test_known_article_not_yet_due_is_not_requested(
    crawl: InProcessCrawl, small_site: SiteManifest
) -> None:
    in_section = [a for a in small_site.live() if a.section_path == "/bola/"]
    make_known(crawl, small_site, in_section[0], ago=timedelta(hours=1))

    found = article_requests(
        crawl, crawl.scrape(demo_response(small_site, start_request(crawl, "/bola/")))
    )
    assert set(found) == {a.url(DEMO_ORIGIN) for a in in_section[1:]}
    assert crawl.stats["schedule/skipped_not_due"] == 1


def test_known_article_that_is_due_is_requested_from_the_start(
    tmp_path: Path, small_site: SiteManifest
) -> None:
    truth = single_page_article(small_site)
    with open_crawl(tmp_path) as earlier:
        make_known(earlier, small_site, truth, ago=timedelta(days=60))
    with open_crawl(tmp_path) as crawl:
        urls = [request.url for request in crawl.start_requests()]
        assert truth.url(DEMO_ORIGIN) in [*urls, *(r.url for r in held(crawl))]
        assert crawl.stats["schedule/due"] == 1


def test_known_article_answering_404_is_recorded_gone(
    crawl: InProcessCrawl, small_site: SiteManifest
) -> None:
    truth = single_page_article(small_site)
    make_known(crawl, small_site, truth, ago=timedelta(days=60))
    request = Request(
        truth.url(DEMO_ORIGIN), callback=crawl.spider.parse_article, errback=crawl.spider.on_error
    )
    response = demo_response(small_site, request, status=404)

    assert crawl.scrape(response) == []
    state = crawl_state(crawl.crawler)
    assert state is not None
    gone = state.get_article(truth.url(DEMO_ORIGIN))
    assert gone is not None and gone.status == "gone"
    assert crawl.stats["versions/gone"] == 1
