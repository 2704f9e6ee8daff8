"""Sitemaps and sitemap indexes (XML, gzipped XML or plain URL lists) and robots.txt."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Literal

import lxml.etree as etree
from scrapy.utils.sitemap import sitemap_urls_from_robots as _scrapy_robots_sitemaps

from crawler.discovery.xml import (
    DEFAULT_MAX_SIZE,
    SAFE_XML_OPTIONS,
    DiscoveryError,
    absolute_url,
    check_limits,
    clean,
    decompress,
    local_name,
    prepare_xml,
)


@dataclass(slots=True)
class SitemapEntry:
    """One ``<url>`` of a urlset or one ``<sitemap>`` of a sitemap index (raw strings)."""

    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_publication_date: str | None = None
    news_language: str | None = None
    news_keywords: str | None = None
    alternates: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Sitemap:
    """A parsed sitemap: ``entries`` are pages (urlset) or further sitemaps (sitemapindex)."""

    kind: Literal["sitemapindex", "urlset"]
    entries: list[SitemapEntry]


def parse_sitemap(body: bytes, url: str, *, max_size: int = DEFAULT_MAX_SIZE) -> Sitemap:
    """Parse a sitemap or sitemap index (XML, gzipped XML or plain-text list of URLs).

    Keeps the Google News fields (``news:title``, ``news:publication_date``, ...) that
    Scrapy's own ``Sitemap`` flattens away. Raises ``DiscoveryError`` for anything else.
    """
    data = prepare_xml(decompress(body, url, max_size))
    if not data.startswith(b"<"):
        return _text_sitemap(data, url)
    events = etree.iterparse(BytesIO(data), events=("start", "end"), **SAFE_XML_OPTIONS)
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError) as exc:
        raise DiscoveryError(f"{url}: not a sitemap: body is not XML ({exc or 'empty'})") from exc
    kind = local_name(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        hint = " (a feed, not a sitemap)" if kind in ("rss", "RDF", "feed") else ""
        raise DiscoveryError(f"{url}: not a sitemap: root element is <{kind}>{hint}")
    wanted = "url" if kind == "urlset" else "sitemap"
    entries: list[SitemapEntry] = []
    try:
        for event, element in events:
            if event == "end" and element.getparent() is root and local_name(element.tag) == wanted:
                if entry := _sitemap_entry(element, url):
                    entries.append(entry)
                # Free each processed entry: big sitemaps would otherwise be held whole.
                element.clear()
                while element.getprevious() is not None:
                    del root[0]
    except etree.XMLSyntaxError:
        pass  # recover mode gave what it could; a cut tail only costs its own entries
    check_limits(events.error_log, url)
    return Sitemap(kind="urlset" if kind == "urlset" else "sitemapindex", entries=entries)


def _sitemap_entry(element: etree._Element, base: str) -> SitemapEntry | None:
    loc: str | None = None
    lastmod: str | None = None
    alternates: list[str] = []
    news: dict[str, str | None] = {}
    for child in element:
        name = local_name(child.tag)
        if name == "loc" and loc is None:
            loc = absolute_url(base, child.text)
        elif name == "lastmod":
            lastmod = clean(child.text)
        elif name == "link" and child.get("rel", "alternate") == "alternate":
            if href := absolute_url(base, child.get("href")):
                alternates.append(href)
        elif name == "news":
            for item in child.iter():
                item_name = local_name(item.tag)
                if item_name in ("title", "publication_date", "language", "keywords"):
                    news.setdefault(item_name, clean(item.text))
    if loc is None:
        return None
    return SitemapEntry(
        loc=loc,
        lastmod=lastmod,
        news_title=news.get("title"),
        news_publication_date=news.get("publication_date"),
        news_language=news.get("language"),
        news_keywords=news.get("keywords"),
        alternates=alternates,
    )


def _text_sitemap(data: bytes, url: str) -> Sitemap:
    # sitemaps.org allows a plain UTF-8 list of URLs, one per line.
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    locs = [line for line in lines if line]
    if not locs or not all(absolute_url(url, loc) == loc for loc in locs):
        preview = data[:40].decode("utf-8", "replace")
        raise DiscoveryError(
            f"{url}: not a sitemap: body is neither XML nor a URL list {preview!r}"
        )
    return Sitemap(kind="urlset", entries=[SitemapEntry(loc=loc) for loc in locs])


_ROBOTS_COMMENT = re.compile(r"\s+#")


def sitemap_urls_from_robots(body: bytes | str, base_url: str) -> list[str]:
    """Absolute URLs of the ``Sitemap:`` lines of a robots.txt, in order, without repeats."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    urls: list[str] = []
    for line_url in _scrapy_robots_sitemaps(body, base_url):
        url = _ROBOTS_COMMENT.split(line_url, maxsplit=1)[0]  # "Sitemap: /a.xml  # main"
        if (absolute := absolute_url(base_url, url)) and absolute not in urls:
            urls.append(absolute)
    return urls
