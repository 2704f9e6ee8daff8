"""Real feeds and index pages from ``../shared/corpus/feeds``, fetched over loopback HTTP."""

from __future__ import annotations

import os
import re
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.discovery import FeedEntry, links_from_page, next_page_link, parse_feed

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
FEEDS_DIR = CORPUS / "feeds"


@dataclass(frozen=True)
class FeedFacts:
    """What reading the file by hand shows."""

    items: int
    blank_line_first: bool
    date_suffix: str


FEEDS = {
    "antara-jambi-rss-2022.xml": FeedFacts(20, False, "+0700"),
    "antara-rss-2015.xml": FeedFacts(20, True, "+0700"),
    "antara-rss-2017.xml": FeedFacts(20, False, "+0700"),
    "detik-finance-rss-2017.xml": FeedFacts(10, False, "+0700"),
    "detik-news-rss-2017.xml": FeedFacts(10, False, "+0700"),
    "detik-rss-2015.xml": FeedFacts(20, True, " GMT"),
    "kapanlagi-rss-2015.xml": FeedFacts(3, True, "+0700"),
    "liputan6-rss-2017.xml": FeedFacts(200, False, "+0700"),
    "republika-rss-2015.xml": FeedFacts(10, True, "+0700"),
    "republika-rss-2017.xml": FeedFacts(15, False, "+0700"),
    "tempo-rss-2017.xml": FeedFacts(30, False, "+0100"),
    "viva-rss-2017.xml": FeedFacts(200, False, "+0700"),
}

# Index pages: the site URL they were saved from, a pattern for article URLs, how many
# distinct article links the page holds, and its "next page" link.
PAGES: dict[str, tuple[str, str, int, str | None]] = {
    "detik-index-2024.html": (
        "https://news.detik.com/indeks",
        r"\.detik\.com/.*/d-\d+/",
        16,
        "https://news.detik.com/indeks/2",
    ),
    "kompas-index-2016.html": (
        "http://indeks.kompas.com/",
        r"\.kompas\.com/read/(xml/)?\d{4}/\d{2}/\d{2}/",
        10,
        None,
    ),
    "liputan6-index-2016.html": (
        "http://www.liputan6.com/indeks",
        r"\.liputan6\.com/read/\d+/",
        95,
        "http://www.liputan6.com/indeks?page=2",
    ),
    "okezone-home-2015.html": (
        "http://www.okezone.com/",
        r"\.okezone\.com/read/\d{4}/\d{2}/\d{2}/",
        22,
        None,
    ),
    "tempo-en-home-2015.html": (
        "http://en.tempo.co/",
        r"\.tempo\.co/read/news/\d{4}/\d{2}/\d{2}/",
        49,
        None,
    ),
    "tempo-home-2015.html": (
        "http://www.tempo.co/",
        r"\.tempo\.co/read/news/\d{4}/\d{2}/\d{2}/",
        41,
        None,
    ),
    "viva-index-2016.html": (
        "http://www.viva.co.id/indeks",
        r"\.viva\.co\.id/.*/read/\d+-",
        30,
        "http://www.viva.co.id/indeks?page=2",
    ),
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _require_corpus() -> None:
    if not FEEDS_DIR.is_dir():
        message = f"../shared/corpus not found at {CORPUS}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Base URL of a loopback HTTP server over the corpus feeds directory."""
    _require_corpus()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(FEEDS_DIR)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetch(url: str) -> tuple[bytes, str]:
    # No proxy handler: the fetch must stay on loopback whatever the environment says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Type", "")


def _feed(server: str, name: str) -> tuple[bytes, list[FeedEntry]]:
    body, _ = _fetch(server + name)
    return body, parse_feed(body, server + name)


def _item_dates(body: bytes) -> list[str | None]:
    items = re.findall(rb"<item[\s>](.*?)</item>", body, re.S)
    dates = [re.search(rb"<pubDate>([^<]*)</pubDate>", item) for item in items]
    return [m.group(1).strip().decode() if m else None for m in dates]


def test_corpus_lists_every_feed_and_page() -> None:
    _require_corpus()
    assert sorted(p.name for p in FEEDS_DIR.glob("*.xml")) == sorted(FEEDS)
    assert sorted(p.name for p in FEEDS_DIR.glob("*.html")) == sorted(PAGES)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_feed(server: str, name: str) -> None:
    facts = FEEDS[name]
    body, entries = _feed(server, name)
    assert body[:1] == b"\n" if facts.blank_line_first else body[:1] == b"<"
    assert len(re.findall(rb"<item[\s>]", body)) == facts.items
    assert len(entries) == facts.items
    for entry in entries:
        assert urlsplit(entry.link).scheme in ("http", "https")
        assert urlsplit(entry.link).hostname
        assert entry.link == entry.link.strip() and "#" not in entry.link
        assert entry.title
        assert entry.published_raw and entry.published_raw.endswith(facts.date_suffix)
    # Dates come back exactly as written, item by item.
    assert [e.published_raw for e in entries] == _item_dates(body)


def test_tempo_offsets_are_kept_even_though_wrong(server: str) -> None:
    _, entries = _feed(server, "tempo-rss-2017.xml")
    assert entries[0].published_raw == "Fri, 28 Apr 2017 01:38:02 +0100"
    assert all(e.published_raw and e.published_raw.endswith(" +0100") for e in entries)


def test_kapanlagi_two_digit_year_is_channel_only(server: str) -> None:
    body, entries = _feed(server, "kapanlagi-rss-2015.xml")
    assert b'encoding="iso-8859-1"' in body
    assert b"<pubDate>Thu, 05 Nov 15 12:58:01 +0700</pubDate>" in body
    assert [e.published_raw for e in entries] == [
        "Thu, 05 Nov 2015 12:45:00 +0700",
        "Thu, 05 Nov 2015 12:38:00 +0700",
        "Thu, 05 Nov 2015 12:35:00 +0700",
    ]
    assert entries[0].title == "Drama Adaptasi Webtoon 'Cheese In Trap' Rilis Teaser Perdana"
    assert all(e.authors == ["kapanlagi.com"] for e in entries)
    assert entries[0].categories == ["asian-star"]


def test_viva_channel_offset_differs_from_items(server: str) -> None:
    body, entries = _feed(server, "viva-rss-2017.xml")
    assert b"<pubDate>Fri, 28 Apr 2017 08:33:21 +0800</pubDate>" in body
    assert not body.startswith(b"<?xml")
    assert all(e.published_raw and e.published_raw.endswith(" +0700") for e in entries)


def test_detik_2015_links_are_redirects_and_guid_is_the_article(server: str) -> None:
    _, entries = _feed(server, "detik-rss-2015.xml")
    assert all(urlsplit(e.link).hostname == "detik.feedsportal.com" for e in entries)
    assert all(e.guid and re.match(r"http://\w+\.detik\.com/(\w+/)?read/", e.guid) for e in entries)
    assert entries[0].published_raw == "Thu, 05 Nov 2015 03:08:58 GMT"


def test_liputan6_links_keep_their_query(server: str) -> None:
    _, entries = _feed(server, "liputan6-rss-2017.xml")
    assert entries[0].link == (
        "http://bola.liputan6.com/read/2934383/misi-rooney-bersama-mu-buktikan-diri-belum-habis"
        "?utm_source=lpfeed&utm_medium=lpfeed&utm_campaign=rss"
    )
    assert all(e.guid and e.guid.isdigit() for e in entries)


def test_republika_authors_and_categories(server: str) -> None:
    _, entries = _feed(server, "republika-rss-2017.xml")
    assert entries[0].authors == ["Nidia Zuraya"]
    assert entries[0].categories == ["Korporasi"]
    assert all(e.authors and e.categories for e in entries)
    assert entries[0].summary and "&nbsp;" in entries[0].summary  # CDATA kept verbatim


@pytest.mark.parametrize("name", sorted(PAGES))
def test_index_page_links(server: str, name: str) -> None:
    site_url, pattern, articles, next_url = PAGES[name]
    body, content_type = _fetch(server + name)
    response = HtmlResponse(site_url, body=body, headers={"Content-Type": content_type})
    links = links_from_page(response, response.url)
    assert len(links) == len(set(links))
    for link in links:
        parts = urlsplit(link)
        assert parts.scheme in ("http", "https") and parts.hostname and not parts.fragment
    found = [link for link in links if re.search(pattern, link)]
    assert len(found) == articles
    assert next_page_link(response, response.url) == next_url
