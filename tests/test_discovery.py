"""Discovery parsers: sitemaps, robots.txt, feeds and section-page link helpers."""

from __future__ import annotations

import gzip
import time

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.discovery import (
    DiscoveryError,
    links_from_page,
    next_page_link,
    parse_feed,
    parse_sitemap,
    sitemap_urls_from_robots,
)

SITEMAP_URL = "https://news.example.id/sitemap-news.xml"

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <loc>https://news.example.id/read/2024/10/04/banjir-jakarta</loc>
    <lastmod>2024-10-04T10:15:00+07:00</lastmod>
    <image:image><image:loc>https://cdn.example.id/banjir.jpg</image:loc></image:image>
    <xhtml:link rel="alternate" hreflang="en" href="/en/read/flood"/>
    <news:news>
      <news:publication>
        <news:name>Example News</news:name>
        <news:language>id</news:language>
      </news:publication>
      <news:publication_date>2024-10-04T09:30:00+07:00</news:publication_date>
      <news:title>Banjir Rendam Jakarta &amp; Sekitarnya</news:title>
      <news:keywords>banjir, jakarta</news:keywords>
    </news:news>
  </url>
  <url>
    <loc>
      /read/2024/10/04/relatif?a=1&b=2
    </loc>
  </url>
  <url><lastmod>2024-10-04</lastmod></url>
</urlset>
"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.id/sitemap-1.xml.gz</loc>
    <lastmod>2024-10-01</lastmod></sitemap>
  <sitemap><loc>sitemap-2.xml</loc></sitemap>
</sitemapindex>
"""


# --- sitemaps -------------------------------------------------------------------------------


def test_news_sitemap_keeps_title_and_publication_date() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP, SITEMAP_URL)
    assert sitemap.kind == "urlset"
    first, second = sitemap.entries
    assert first.loc == "https://news.example.id/read/2024/10/04/banjir-jakarta"
    assert first.lastmod == "2024-10-04T10:15:00+07:00"
    assert first.news_publication_date == "2024-10-04T09:30:00+07:00"
    assert first.news_title == "Banjir Rendam Jakarta & Sekitarnya"
    assert first.news_language == "id"
    assert first.news_keywords == "banjir, jakarta"
    assert first.alternates == ["https://news.example.id/en/read/flood"]
    # Relative, padded and carrying a bare "&" that recover mode would otherwise eat.
    assert second.loc == "https://news.example.id/read/2024/10/04/relatif?a=1&b=2"
    assert second.news_title is None
    assert second.news_publication_date is None


def test_sitemap_index() -> None:
    sitemap = parse_sitemap(SITEMAP_INDEX, "https://news.example.id/sitemap.xml")
    assert sitemap.kind == "sitemapindex"
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.id/sitemap-1.xml.gz",
        "https://news.example.id/sitemap-2.xml",
    ]
    assert sitemap.entries[0].lastmod == "2024-10-01"


def test_gzip_sitemap() -> None:
    body = gzip.compress(NEWS_SITEMAP)
    sitemap = parse_sitemap(body, "https://news.example.id/sitemap-news.xml.gz")
    assert len(sitemap.entries) == 2
    assert sitemap.entries[0].news_title == "Banjir Rendam Jakarta & Sekitarnya"


def test_multi_member_gzip_sitemap() -> None:
    half = len(NEWS_SITEMAP) // 2
    body = gzip.compress(NEWS_SITEMAP[:half]) + gzip.compress(NEWS_SITEMAP[half:])
    assert len(parse_sitemap(body, SITEMAP_URL + ".gz").entries) == 2


def test_gzip_with_trailing_padding() -> None:
    body = gzip.compress(NEWS_SITEMAP) + b"\x00" * 16
    assert len(parse_sitemap(body, SITEMAP_URL + ".gz").entries) == 2


def test_truncated_gzip_is_an_error() -> None:
    body = gzip.compress(NEWS_SITEMAP * 20)
    with pytest.raises(DiscoveryError, match=r"sitemap-news\.xml\.gz.*truncated"):
        parse_sitemap(body[: len(body) // 2], SITEMAP_URL + ".gz")


def test_gzip_that_is_not_gzip_is_an_error() -> None:
    with pytest.raises(DiscoveryError, match="gzip"):
        parse_sitemap(b"\x1f\x8b\x08\x00garbage", SITEMAP_URL + ".gz")


def test_gzip_bomb_is_refused_by_max_size() -> None:
    body = gzip.compress(b" " * 2_000_000 + NEWS_SITEMAP)
    with pytest.raises(DiscoveryError, match="exceeded"):
        parse_sitemap(body, SITEMAP_URL + ".gz", max_size=1_000_000)
    assert parse_sitemap(body, SITEMAP_URL + ".gz", max_size=0).kind == "urlset"


def test_html_where_a_sitemap_was_expected() -> None:
    html = b"<!DOCTYPE html><html><head><title>404</title></head><body><p>Not found</body></html>"
    with pytest.raises(DiscoveryError, match=r"sitemap-news\.xml.*<html>"):
        parse_sitemap(html, SITEMAP_URL)


@pytest.mark.parametrize("body", [b"", b"   \n", b"\x00\x01\x02\x03", b"hello, world"])
def test_garbage_is_an_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="not a sitemap"):
        parse_sitemap(body, SITEMAP_URL)


def test_feed_given_as_sitemap_says_so() -> None:
    with pytest.raises(DiscoveryError, match="a feed, not a sitemap"):
        parse_sitemap(b"<rss version='2.0'><channel/></rss>", SITEMAP_URL)


def test_text_sitemap() -> None:
    body = b"https://news.example.id/a\n\nhttps://news.example.id/b\n"
    sitemap = parse_sitemap(body, "https://news.example.id/sitemap.txt")
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.id/a",
        "https://news.example.id/b",
    ]


def test_blank_line_and_bom_before_xml_declaration() -> None:
    sitemap = parse_sitemap(b"\xef\xbb\xbf\n\n  " + SITEMAP_INDEX, SITEMAP_URL)
    assert len(sitemap.entries) == 2


def test_billion_laughs_is_not_expanded() -> None:
    levels = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        ref = f"&lol{level - 1};".encode() * 10
        levels.append(b'<!ENTITY lol%d "%s">' % (level, ref))
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [' + b"".join(levels) + b"]>"
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://news.example.id/&lol9;</loc></url>"
        b"<url><loc>https://news.example.id/ok</loc><news:news xmlns:news="
        b'"http://www.google.com/schemas/sitemap-news/0.9"><news:title>&lol9;</news:title>'
        b"</news:news></url></urlset>"
    )
    started = time.monotonic()
    try:
        sitemap = parse_sitemap(body, SITEMAP_URL)
    except DiscoveryError as exc:
        # libxml2 2.11+ stops at its amplification limit even when nothing is expanded.
        assert "limits" in str(exc)
    else:
        assert all(len(e.loc) < 100 for e in sitemap.entries)
        assert all("lollol" not in (e.news_title or "") for e in sitemap.entries)
    assert time.monotonic() - started < 2


def test_billion_laughs_in_a_feed() -> None:
    levels = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        levels.append(b'<!ENTITY lol%d "%s">' % (level, f"&lol{level - 1};".encode() * 10))
    body = (
        b"<!DOCTYPE rss [" + b"".join(levels) + b"]><rss><channel><item><title>&lol9;</title>"
        b"<link>https://news.example.id/a</link></item></channel></rss>"
    )
    try:
        entries = parse_feed(body, FEED_URL)
    except DiscoveryError as exc:
        assert "limits" in str(exc)
    else:
        assert all(len(e.title or "") < 100 for e in entries)


def test_external_entities_are_not_loaded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://news.example.id/a</loc>"
        b"<news:news xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        b"<news:title>&xxe;</news:title></news:news></url></urlset>"
    )
    (entry,) = parse_sitemap(body, SITEMAP_URL).entries
    assert entry.news_title is None or "root:" not in entry.news_title


# --- robots.txt -----------------------------------------------------------------------------

ROBOTS = """User-agent: *
Disallow: /search
Sitemap: https://news.example.id/sitemap.xml
sitemap:   /sitemap-news.xml   # news only
  SITEMAP: https://news.example.id/sitemap.xml
# Sitemap: https://news.example.id/commented.xml
"""


def test_sitemap_urls_from_robots_bytes_and_str() -> None:
    expected = [
        "https://news.example.id/sitemap.xml",
        "https://news.example.id/sitemap-news.xml",
    ]
    base = "https://news.example.id/robots.txt"
    assert sitemap_urls_from_robots(ROBOTS.encode(), base) == expected
    assert sitemap_urls_from_robots(ROBOTS, base) == expected
    assert sitemap_urls_from_robots(b"User-agent: *\nDisallow:\n", base) == []


# --- feeds ----------------------------------------------------------------------------------

FEED_URL = "https://news.example.id/rss/terkini"

RSS = """
<?xml version="1.0" encoding="iso-8859-1"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Terkini</title>
    <link>https://news.example.id/</link>
    <pubDate>Thu, 05 Nov 15 12:58:01 +0700</pubDate>
    <atom:link href="https://news.example.id/rss/terkini" rel="self"/>
    <item>
      <title>Harga&nbsp;Cabai Naik &#039;Drastis&#039; — Pasar Induk</title>
      <link>
         /read/2015/11/05/harga-cabai?src=rss&utm_medium=feed
      </link>
      <pubDate>Thu, 05 Nov 2015 12:45:00 +0800</pubDate>
      <dc:creator>Siti Aminah</dc:creator>
      <dc:creator>Budi</dc:creator>
      <category><![CDATA[Ekonomi]]></category>
      <category>Pasar</category>
      <description><![CDATA[<p>Harga&nbsp;cabai <b>naik</b> & pedagang mengeluh</p>]]></description>
      <guid isPermaLink="false">berita-1244234</guid>
    </item>
    <item>
      <title><![CDATA[Tanpa link, guid permalink]]></title>
      <guid>https://news.example.id/read/2</guid>
      <dc:date>2015-11-05T12:00:00+07:00</dc:date>
    </item>
    <item><title>No link at all</title><description>x</description></item>
  </channel>
</rss>
""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.id/atom/">
  <title>Example</title>
  <author><name>Redaksi</name></author>
  <updated>2024-10-04T10:00:00+07:00</updated>
  <entry>
    <title type="html">Gempa &amp;lt;5 SR</title>
    <link rel="self" href="https://news.example.id/api/entry/1"/>
    <link rel="alternate" type="text/html" href="../read/gempa"/>
    <id>tag:news.example.id,2024:1</id>
    <published>2024-10-04T09:00:00+07:00</published>
    <updated>2024-10-04T09:45:00+07:00</updated>
    <author><name>Andi</name><email>andi@example.id</email></author>
    <category term="nasional" label="Nasional"/>
    <summary>Gempa terasa di Jakarta.</summary>
  </entry>
  <entry>
    <title>Second</title>
    <link href="https://news.example.id/read/second#top"/>
    <id>tag:news.example.id,2024:2</id>
    <updated>2024-10-04T08:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Isi</p></div></content>
  </entry>
</feed>
"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.id/rdf">
    <title>RDF</title><link>https://news.example.id/</link>
  </channel>
  <item rdf:about="https://news.example.id/read/rdf-1">
    <title>Satu</title>
    <link>https://news.example.id/read/rdf-1</link>
    <dc:date>2017-04-28T07:00:00+07:00</dc:date>
    <dc:creator>Ani</dc:creator>
    <dc:subject>Politik</dc:subject>
    <description>Ringkasan</description>
  </item>
  <item rdf:about="https://news.example.id/read/rdf-2"><title>Dua</title></item>
</rdf:RDF>
"""


def test_rss_with_blank_line_entities_and_wrong_encoding() -> None:
    first, second = parse_feed(RSS, FEED_URL)
    article = "https://news.example.id/read/2015/11/05/harga-cabai"
    assert first.link == article + "?src=rss&utm_medium=feed"
    assert first.title == "Harga\u00a0Cabai Naik 'Drastis' \u2014 Pasar Induk"
    assert first.published_raw == "Thu, 05 Nov 2015 12:45:00 +0800"
    assert first.updated_raw is None
    assert first.authors == ["Siti Aminah", "Budi"]
    assert first.categories == ["Ekonomi", "Pasar"]
    assert first.summary == "<p>Harga&nbsp;cabai <b>naik</b> & pedagang mengeluh</p>"
    assert first.guid == "berita-1244234"
    assert second.link == "https://news.example.id/read/2"
    assert second.title == "Tanpa link, guid permalink"
    assert second.published_raw == "2015-11-05T12:00:00+07:00"


def test_rss_in_cp1252_declared_as_utf8() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss><channel><item><title>Caf\u00e9</title>'
    body += "<link>https://news.example.id/a</link></item></channel></rss>"
    (entry,) = parse_feed(body.encode("cp1252"), FEED_URL)
    assert entry.title == "Caf\u00e9"


def test_rss_in_utf16() -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><rss><channel><item><title>Satu</title>'
    body += "<link>https://news.example.id/a</link></item></channel></rss>"
    (entry,) = parse_feed(body.encode("utf-16"), FEED_URL)
    assert entry.title == "Satu"


def test_atom() -> None:
    first, second = parse_feed(ATOM, "https://news.example.id/atom.xml")
    assert first.link == "https://news.example.id/read/gempa"
    assert first.title == "Gempa &lt;5 SR"
    assert first.published_raw == "2024-10-04T09:00:00+07:00"
    assert first.updated_raw == "2024-10-04T09:45:00+07:00"
    assert first.authors == ["Andi"]
    assert first.categories == ["nasional"]
    assert first.summary == "Gempa terasa di Jakarta."
    assert first.guid == "tag:news.example.id,2024:1"
    assert second.link == "https://news.example.id/read/second#top"
    assert second.published_raw is None
    assert second.updated_raw == "2024-10-04T08:00:00Z"
    assert second.authors == ["Redaksi"]  # inherited from the feed
    assert second.summary is not None and "<p>Isi</p>" in second.summary


def test_rss_1_rdf() -> None:
    first, second = parse_feed(RDF, "https://news.example.id/rdf")
    assert first.link == "https://news.example.id/read/rdf-1"
    assert first.published_raw == "2017-04-28T07:00:00+07:00"
    assert first.authors == ["Ani"]
    assert first.categories == ["Politik"]
    assert first.summary == "Ringkasan"
    assert second.link == "https://news.example.id/read/rdf-2"  # from rdf:about
    assert second.title == "Dua"


def test_gzip_feed() -> None:
    (entry, _) = parse_feed(gzip.compress(RDF), "https://news.example.id/rdf.gz")
    assert entry.title == "Satu"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "<html>"),
        (SITEMAP_INDEX, "a sitemap, not a feed"),
        (b"", "not XML"),
        (b"Service Unavailable", "not XML"),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message) as caught:
        parse_feed(body, FEED_URL)
    assert FEED_URL in str(caught.value)


def test_empty_feed_is_not_an_error() -> None:
    body = b"<rss version='2.0'><channel><title>x</title></channel></rss>"
    assert parse_feed(body, FEED_URL) == []


# --- section pages --------------------------------------------------------------------------

PAGE_URL = "https://news.example.id/indeks/nasional"

SECTION = """<!DOCTYPE html>
<html><head>
  <link rel="next" href="/indeks/nasional?page=2">
</head><body>
  <nav><a href="/">Home</a> <a href="javascript:void(0)">Menu</a>
    <a href="mailto:x@y.id">Mail</a></nav>
  <ul class="latest">
    <li><a href="/read/1#comments">Satu</a></li>
    <li><a href=" https://news.example.id/read/2 ">Dua</a></li>
    <li><a href="/read/1">Satu lagi</a></li>
    <li><span data-href="/read/3">Tiga</span></li>
  </ul>
  <div class="paging"><a href="?page=2" class="pg">2</a></div>
</body></html>
"""


def test_links_from_page_default_takes_all_anchors() -> None:
    links = links_from_page(Selector(text=SECTION), PAGE_URL)
    assert links == [
        "https://news.example.id/",
        "https://news.example.id/read/1",
        "https://news.example.id/read/2",
        "https://news.example.id/indeks/nasional?page=2",
    ]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("ul.latest a", ["/read/1", "/read/2"]),
        ("ul.latest", ["/read/1", "/read/2"]),  # container: its anchors
        ("ul.latest a::attr(href)", ["/read/1", "/read/2"]),
        ("ul.latest span::attr(data-href)", ["/read/3"]),
        ("//ul[@class='latest']//a/@href", ["/read/1", "/read/2"]),
        ("//ul[@class='latest']//a", ["/read/1", "/read/2"]),
        ("(//ul[@class='latest']//a)[1]", ["/read/1"]),
    ],
)
def test_links_from_page_with_selector(selector: str, expected: list[str]) -> None:
    links = links_from_page(Selector(text=SECTION), PAGE_URL, selector)
    assert links == ["https://news.example.id" + path for path in expected]


def test_links_from_page_accepts_a_response_and_honours_base_href() -> None:
    html = '<html><head><base href="https://m.example.id/x/"></head><body><a href="y">y</a>'
    response = HtmlResponse(PAGE_URL, body=html.encode(), encoding="utf-8")
    assert links_from_page(response, response.url) == ["https://m.example.id/x/y"]


def _next(body: str, selector: str | None = None) -> str | None:
    return next_page_link(Selector(text=f"<html><body>{body}</body></html>"), PAGE_URL, selector)


def test_next_page_link_rel_next() -> None:
    assert next_page_link(Selector(text=SECTION), PAGE_URL) == PAGE_URL + "?page=2"
    assert _next('<a href="/a">1</a><a rel="Next nofollow" href="?page=3">3</a>') == (
        PAGE_URL + "?page=3"
    )


@pytest.mark.parametrize(
    "body",
    [
        '<a href="?page=1">1</a><a href="?page=2">Selanjutnya \u00bb</a>',
        '<a href="?page=2"> Berikutnya </a>',
        '<a href="?page=2"><span>NEXT</span></a>',
        '<a href="?page=2" aria-label="Next"><i class="icon"></i></a>',
        '<ul><li class="next"><a href="?page=2">2</a></li></ul>',
        '<a class="page-numbers next" href="?page=2">\u2192</a>',
        '<a href="?page=9">\u00bb</a><a href="?page=2">\u203a</a>',
        '<a href="#">Next</a><a href="?page=2">Next</a>',
    ],
)
def test_next_page_link_heuristics(body: str) -> None:
    assert _next(body) == PAGE_URL + "?page=2"


def test_next_page_link_selector_and_absence() -> None:
    body = '<a class="more" href="/indeks/nasional/2">Lihat</a><a href="?p=2">Next</a>'
    assert _next(body, "a.more") == "https://news.example.id/indeks/nasional/2"
    assert _next(body, "//a[@class='more']/@href") == "https://news.example.id/indeks/nasional/2"
    assert _next(body, "a.missing") is None
    assert _next('<a href="/read/1">Satu</a><a href="/">Home</a>') is None
