"""Sitemaps and feeds read a chunk at a time give what reading them whole gives.

Tiny chunks put every boundary inside an entity, a CDATA marker, a multi-byte character or a
gzip member somewhere; the entries must not change.
"""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery import xml
from crawler.discovery.feeds import iter_feed, parse_feed
from crawler.discovery.sitemaps import iter_sitemap, parse_sitemap

FEED = """<?xml version="1.0" encoding="iso-8859-1"?>

<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Kabar &amp; Berita</title><link>https://news.example.id/</link>
<item><title>Harga naik&nbsp;5% — “kata” menteri</title>
<link>https://news.example.id/read/1?a=1&b=2</link>
<description><![CDATA[<p>Isi & ringkasan &nbsp; ]]></description>
<pubDate>Tue, 01 Feb 2022 08:00:00 +0700</pubDate><dc:creator>Ani</dc:creator></item>
<item><title>Café déjà vu &hellip;</title><link>https://news.example.id/read/2</link></item>
</channel></rss>
"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<junk>ignored &amp; freed</junk>
<url><loc>https://news.example.id/read/1?a=1&b=2</loc>
<news:news><news:title>Kafe “Bintang” &amp; déjà</news:title>
<news:publication_date>2022-02-01T08:00:00+07:00</news:publication_date></news:news></url>
<url><loc>https://news.example.id/read/2</loc><lastmod>2022-02-02</lastmod></url>
</urlset>
"""


def feed_bytes() -> bytes:
    # UTF-8 text declared iso-8859-1, with one real Latin-1 byte: what real feeds do.
    return FEED.encode("utf-8").replace("déjà".encode(), b"d\xe9j\xe0")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64])
def test_a_feed_read_in_tiny_chunks_gives_the_same_entries(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    whole = parse_feed(feed_bytes(), "https://news.example.id/rss")
    monkeypatch.setattr(xml, "CHUNK_SIZE", chunk)
    assert parse_feed(feed_bytes(), "https://news.example.id/rss") == whole
    first, second = whole
    assert first.title == "Harga naik\xa05% — “kata” menteri"
    assert first.link == "https://news.example.id/read/1?a=1&b=2"
    assert first.summary == "<p>Isi & ringkasan &nbsp;"
    assert second.title == "Café déjà vu …"


@pytest.mark.parametrize("chunk", [1, 3, 8, 13, 64])
def test_a_gzipped_sitemap_of_two_members_read_in_tiny_chunks_gives_the_same_entries(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    data = SITEMAP.encode("utf-8")
    body = gzip.compress(data[:200]) + gzip.compress(data[200:])
    whole = parse_sitemap(data, "https://news.example.id/sitemap.xml")
    monkeypatch.setattr(xml, "CHUNK_SIZE", chunk)
    assert parse_sitemap(body, "https://news.example.id/sitemap.xml.gz") == whole
    assert [entry.loc for entry in whole.entries] == [
        "https://news.example.id/read/1?a=1&b=2",
        "https://news.example.id/read/2",
    ]
    assert whole.entries[0].news_title == "Kafe “Bintang” & déjà"


def test_parts_come_as_the_document_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xml, "CHUNK_SIZE", 64)
    parts = list(iter_sitemap(SITEMAP.encode(), "https://news.example.id/sitemap.xml"))
    assert len(parts) > 5
    assert sum(len(part.entries) for part in parts) == 2
    feed_parts = list(iter_feed(feed_bytes(), "https://news.example.id/rss"))
    assert sum(len(part) for part in feed_parts) == 2


def test_a_document_without_entries_is_not_held_whole() -> None:
    junk = "".join(f"<junk>{n}</junk>" for n in range(20000))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{junk}</urlset>'.encode()
    held = []
    for part in iter_sitemap(body, "https://news.example.id/sitemap.xml"):
        assert part.entries == []
        held.append(part)
    assert len(held) > 1
