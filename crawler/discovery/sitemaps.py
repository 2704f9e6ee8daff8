"""Sitemaps and sitemap indexes (XML, gzipped XML or plain URL lists) and robots.txt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import lxml.etree as etree
from scrapy.utils.sitemap import sitemap_urls_from_robots as _scrapy_robots_sitemaps

from crawler.discovery.xml import (
    DEFAULT_MAX_SIZE,
    DiscoveryError,
    absolute_url,
    clean,
    free,
    local_name,
    opening,
    prepend,
    root_name,
    text_chunks,
    trim,
    xml_events,
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
    parts = iter_sitemap(body, url, max_size=max_size)
    sitemap = next(parts)
    for part in parts:
        sitemap.entries.extend(part.entries)
    return sitemap


def iter_sitemap(body: bytes, url: str, *, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[Sitemap]:
    """``parse_sitemap`` a chunk at a time: one ``Sitemap`` per chunk read (entries may be none).

    Memory stays a few chunks and one entry whatever the document's size; a caller may pause
    between parts. ``DiscoveryError`` comes before the first part, or later for damage found
    late (the entries before it were good).
    """
    texts = text_chunks(body, url, max_size)
    first = opening(texts)
    if not first.startswith("<"):
        yield from _text_sitemap(first, texts, url)
        return
    name = root_name(first)
    if name is None:
        raise DiscoveryError(f"{url}: not a sitemap: body is not XML {first[:40]!r}")
    kind = _sitemap_kind(name, url)
    wanted = "url" if kind == "urlset" else "sitemap"
    root: etree._Element | None = None
    try:
        for events in xml_events(first, texts, url, _SITEMAP_TAGS):
            entries: list[SitemapEntry] = []
            for event, element in events:
                if root is None:
                    root = element
                elif event == "end" and element.getparent() is root:
                    if local_name(element.tag) == wanted and (
                        entry := _sitemap_entry(element, url)
                    ):
                        entries.append(entry)
                    free(element)
            if root is not None:
                trim(root)
            yield Sitemap(kind=kind, entries=entries)
    except DiscoveryError as exc:
        raise DiscoveryError(str(exc).replace(": body is", ": not a sitemap: body is", 1)) from exc


# The root (whatever it is) and the entries of either kind, in any namespace.
_SITEMAP_TAGS = ("{*}urlset", "{*}sitemapindex", "{*}url", "{*}sitemap")


def _sitemap_kind(name: str, url: str) -> Literal["sitemapindex", "urlset"]:
    if name == "urlset":
        return "urlset"
    if name == "sitemapindex":
        return "sitemapindex"
    hint = " (a feed, not a sitemap)" if name in ("rss", "RDF", "feed") else ""
    raise DiscoveryError(f"{url}: not a sitemap: root element is <{name}>{hint}")


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


def _text_sitemap(first: str, texts: Iterator[str], url: str) -> Iterator[Sitemap]:
    # sitemaps.org allows a plain UTF-8 list of URLs, one per line.
    held = ""
    found = False
    for text in prepend(first, texts):
        lines = (held + text).splitlines(keepends=True)
        held = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        entries = _text_entries(lines, url, first)
        found = found or bool(entries)
        yield Sitemap(kind="urlset", entries=entries)
    entries = _text_entries([held], url, first)
    if not (found or entries):
        raise DiscoveryError(
            f"{url}: not a sitemap: body is neither XML nor a URL list {first[:40]!r}"
        )
    yield Sitemap(kind="urlset", entries=entries)


def _text_entries(lines: list[str], url: str, first: str) -> list[SitemapEntry]:
    entries = []
    for line in lines:
        if not (loc := line.strip()):
            continue
        if absolute_url(url, loc) != loc:
            raise DiscoveryError(
                f"{url}: not a sitemap: body is neither XML nor a URL list {first[:40]!r}"
            )
        entries.append(SitemapEntry(loc=loc))
    return entries


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
