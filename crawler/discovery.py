"""Pure parsers for discovery documents: sitemaps, robots.txt, RSS/Atom feeds, section pages.

Nothing here fetches or schedules; the spider hands bodies in and gets plain dataclasses back.
Dates stay raw strings (``pipelines.dates`` parses them). XML is parsed without entity
expansion, DTD loading or network access, in lxml's recover mode because real feeds are messy.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import struct
import zlib
from dataclasses import dataclass, field
from html.entities import html5
from io import BytesIO
from typing import Literal
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree as etree
from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots as _scrapy_robots_sitemaps
from w3lib.encoding import read_bom
from w3lib.html import strip_html5_whitespace

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DiscoveryError",
    "FeedEntry",
    "Sitemap",
    "SitemapEntry",
    "links_from_page",
    "next_page_link",
    "parse_feed",
    "parse_sitemap",
    "sitemap_urls_from_robots",
]

#: Largest decompressed sitemap or feed accepted (the sitemaps.org limit); 0 means no limit.
DEFAULT_MAX_SIZE = 50 * 1024 * 1024


class DiscoveryError(ValueError):
    """A discovery document could not be used; the message names the URL and the reason."""


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


@dataclass(slots=True)
class FeedEntry:
    """One RSS item or Atom entry; dates are kept exactly as the feed wrote them."""

    link: str
    title: str | None = None
    published_raw: str | None = None
    updated_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    categories: list[str] = field(default_factory=list)
    guid: str | None = None


# --- shared XML preparation ----------------------------------------------------------------

_NS_DC = "http://purl.org/dc/elements/1.1/"
_NS_DCTERMS = "http://purl.org/dc/terms/"
_NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_NS_ATOM = "http://www.w3.org/2005/Atom"
_NS_ATOM03 = "http://purl.org/atom/ns#"
_NS_RSS1 = "http://purl.org/rss/1.0/"
_NS_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_XHTML = "http://www.w3.org/1999/xhtml"

_XML_DECL = re.compile(r"^<\?xml\s[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
_BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"lt", "gt", "amp", "quot", "apos"})


def _decompress(body: bytes, url: str, max_size: int) -> bytes:
    """Gunzip ``body`` if it carries the gzip magic number; enforce ``max_size`` either way."""
    if body[:2] != b"\x1f\x8b":
        if max_size and len(body) > max_size:
            raise DiscoveryError(f"{url}: body of {len(body)} B exceeds the {max_size} B limit")
        return body
    try:
        data = gunzip(body, max_size=max_size)
    except (OSError, EOFError, ValueError, struct.error, zlib.error) as exc:
        raise DiscoveryError(f"{url}: gzip body could not be decompressed: {exc}") from exc
    # Scrapy's gunzip returns whatever it got from a cut stream; a sitemap cut mid-way would
    # then quietly lose entries, so a stream without its end marker is refused here.
    if not _gzip_complete(body, len(data)):
        raise DiscoveryError(f"{url}: gzip body is truncated (no end-of-stream marker)")
    return data


def _gzip_complete(body: bytes, size: int) -> bool:
    # The trailer's ISIZE settles the usual single-member case without a second inflate.
    if len(body) >= 18 and struct.unpack("<I", body[-4:])[0] == size % 2**32:
        return True
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while True:
                inflater.decompress(data, 65536)
                data = inflater.unconsumed_tail
                if inflater.eof or not data:
                    break
        except zlib.error:
            return False
        if not inflater.eof:
            return False
        data = inflater.unused_data
        if data[:2] != b"\x1f\x8b":
            return True  # padding or trailing junk after the last member, as gzip(1) allows
    return True


def _decode(body: bytes) -> str:
    """Body as text: BOM, then valid UTF-8, then the declared encoding, then a lenient guess."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom) :].decode(bom_encoding, "replace")
    if body[:1] == b"\x00" and body[1:2] not in (b"", b"\x00"):
        return body.decode("utf-16-be", "replace")
    if body[1:2] == b"\x00" and body[:1] != b"\x00":
        return body.decode("utf-16-le", "replace")
    # Declarations lie (iso-8859-1 over UTF-8 bytes is common), while bytes that decode as
    # UTF-8 are almost never meant as anything else.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_ENCODING.match(body[:512])
    encoding = "utf-8"
    if declared:
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
    if encoding == "utf-8" and not _UTF8_MULTIBYTE.search(body):
        encoding = "cp1252"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return body.decode(encoding, "replace")


def _html_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(char)};" for char in value)


def _prepare_xml(body: bytes) -> bytes:
    """Bytes lxml can parse well: UTF-8, no declaration, no HTML-only entities, no bare ``&``.

    Recover mode would otherwise drop ``&nbsp;`` and cut ``&b=2`` out of query strings.
    CDATA sections are left alone: inside them an ampersand is plain text already.
    """
    text = _decode(body).lstrip("\ufeff\x00 \t\r\n")
    text = _XML_DECL.sub("", text, count=1).lstrip(" \t\r\n")
    parts = _CDATA.split(text)
    for index in range(0, len(parts), 2):
        part = _NAMED_ENTITY.sub(_html_entity, parts[index])
        parts[index] = _BARE_AMPERSAND.sub("&amp;", part)
    return "".join(parts).encode("utf-8")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        recover=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _check_limits(error_log: etree._ListErrorLog, url: str) -> None:
    """Refuse a document on which libxml2 stopped for safety (entity amplification, ...)."""
    for entry in error_log:
        if entry.type_name in ("ERR_RESOURCE_LIMIT", "ERR_ENTITY_LOOP"):
            raise DiscoveryError(f"{url}: refused by the XML parser's limits: {entry.message}")


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``, whitespace stripped; None unless it is http(s)."""
    if not href:
        return None
    href = strip_html5_whitespace(href)
    if not href:
        return None
    try:
        # Most hrefs in sitemaps and feeds are absolute already; urljoin dominates otherwise.
        url = href if href[:8].lower().startswith(("http://", "https://")) else urljoin(base, href)
        parts = urlsplit(url)
        _ = parts.port  # a malformed port only raises when read
    except ValueError:
        return None
    # Hosts are required: pages carry hrefs like "https:http://twitter.com/x".
    return url if parts.scheme in ("http", "https") and parts.hostname else None


# --- sitemaps -------------------------------------------------------------------------------


def parse_sitemap(body: bytes, url: str, *, max_size: int = DEFAULT_MAX_SIZE) -> Sitemap:
    """Parse a sitemap or sitemap index (XML, gzipped XML or plain-text list of URLs).

    Keeps the Google News fields (``news:title``, ``news:publication_date``, ...) that
    Scrapy's own ``Sitemap`` flattens away. Raises ``DiscoveryError`` for anything else.
    """
    data = _prepare_xml(_decompress(body, url, max_size))
    if not data.startswith(b"<"):
        return _text_sitemap(data, url)
    events = etree.iterparse(
        BytesIO(data),
        events=("start", "end"),
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        recover=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError) as exc:
        raise DiscoveryError(f"{url}: not a sitemap: body is not XML ({exc or 'empty'})") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        hint = " (a feed, not a sitemap)" if kind in ("rss", "RDF", "feed") else ""
        raise DiscoveryError(f"{url}: not a sitemap: root element is <{kind}>{hint}")
    wanted = "url" if kind == "urlset" else "sitemap"
    entries: list[SitemapEntry] = []
    try:
        for event, element in events:
            if event == "end" and element.getparent() is root and _local(element.tag) == wanted:
                if entry := _sitemap_entry(element, url):
                    entries.append(entry)
                # Free each processed entry: big sitemaps would otherwise be held whole.
                element.clear()
                while element.getprevious() is not None:
                    del root[0]
    except etree.XMLSyntaxError:
        pass  # recover mode gave what it could; a cut tail only costs its own entries
    _check_limits(events.error_log, url)
    return Sitemap(kind="urlset" if kind == "urlset" else "sitemapindex", entries=entries)


def _sitemap_entry(element: etree._Element, base: str) -> SitemapEntry | None:
    loc: str | None = None
    lastmod: str | None = None
    alternates: list[str] = []
    news: dict[str, str | None] = {}
    for child in element:
        name = _local(child.tag)
        if name == "loc" and loc is None:
            loc = _absolute(base, child.text)
        elif name == "lastmod":
            lastmod = _clean(child.text)
        elif name == "link" and child.get("rel", "alternate") == "alternate":
            if href := _absolute(base, child.get("href")):
                alternates.append(href)
        elif name == "news":
            for item in child.iter():
                item_name = _local(item.tag)
                if item_name in ("title", "publication_date", "language", "keywords"):
                    news.setdefault(item_name, _clean(item.text))
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
    if not locs or not all(_absolute(url, loc) == loc for loc in locs):
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
        if (absolute := _absolute(base_url, url)) and absolute not in urls:
            urls.append(absolute)
    return urls


# --- feeds ----------------------------------------------------------------------------------

# Namespaces whose element names mean the same thing in RSS 0.9x/1.0/2.0 and Atom 0.3/1.0.
_CORE_NS = {"": "", _NS_RSS1: "", _NS_RSS090: "", _NS_ATOM: "", _NS_ATOM03: ""}
_EXTRA_NS = {_NS_DC: "dc:", _NS_DCTERMS: "dcterms:", _NS_CONTENT: "content:"}
_ITEM_TAGS = ("item", f"{{{_NS_RSS1}}}item", f"{{{_NS_RSS090}}}item")
_ENTRY_TAGS = ("entry", f"{{{_NS_ATOM}}}entry", f"{{{_NS_ATOM03}}}entry")
_PUBLISHED = ("pubDate", "published", "issued", "created", "dc:date", "dcterms:issued")
_UPDATED = ("updated", "modified", "dcterms:modified")
_SUMMARY = ("description", "summary", "dc:description", "content:encoded", "content")


def parse_feed(body: bytes, url: str, *, max_size: int = DEFAULT_MAX_SIZE) -> list[FeedEntry]:
    """Entries of an RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom feed, links made absolute.

    Entries without a usable http(s) link are left out. Raises ``DiscoveryError`` when the
    body is not a feed at all.
    """
    data = _prepare_xml(_decompress(body, url, max_size))
    parser = _parser()
    try:
        root = etree.fromstring(data, parser, base_url=url)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"{url}: not a feed: body is not XML ({exc})") from exc
    _check_limits(parser.error_log, url)
    if root is None:
        preview = data[:40].decode("utf-8", "replace")
        raise DiscoveryError(f"{url}: not a feed: body is not XML {preview!r}")
    kind = _local(root.tag)
    if kind in ("rss", "RDF"):
        items = root.iter(*_ITEM_TAGS)
        feed_authors: list[str] = []
    elif kind == "feed":
        items = root.iter(*_ENTRY_TAGS)
        feed_authors = _authors(_children(root))
    else:
        hint = " (a sitemap, not a feed)" if kind in ("urlset", "sitemapindex") else ""
        raise DiscoveryError(f"{url}: not a feed: root element is <{kind}>{hint}")
    entries = []
    for item in items:
        entry = _feed_entry(item, url)
        if entry is not None:
            if not entry.authors:
                entry.authors = list(feed_authors)
            entries.append(entry)
    return entries


def _children(element: etree._Element) -> dict[str, list[etree._Element]]:
    """Child elements by name: core names bare, extension names as ``dc:creator`` etc."""
    found: dict[str, list[etree._Element]] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        prefix = _CORE_NS.get(namespace, _EXTRA_NS.get(namespace))
        if prefix is not None:
            found.setdefault(prefix + name, []).append(child)
    return found


def _text(element: etree._Element) -> str | None:
    """Element content as text; markup children (Atom ``type="xhtml"``) are kept serialised."""
    if len(element) and any(isinstance(child.tag, str) for child in element):
        inner = (element.text or "") + "".join(
            etree.tostring(child, encoding="unicode", with_tail=True) for child in element
        )
        return _clean(inner.replace(f' xmlns="{_NS_XHTML}"', ""))
    return _clean("".join(element.itertext()))


def _first_text(children: dict[str, list[etree._Element]], names: tuple[str, ...]) -> str | None:
    for name in names:
        for element in children.get(name, ()):
            if value := _text(element):
                return value
    return None


def _authors(children: dict[str, list[etree._Element]]) -> list[str]:
    authors: list[str] = []
    for element in (*children.get("author", ()), *children.get("dc:creator", ())):
        names = [child for child in element if _local(child.tag) == "name"]
        value = _clean("".join(names[0].itertext())) if names else _text(element)
        if value and value not in authors:
            authors.append(value)
    return authors


def _feed_link(item: etree._Element, children: dict[str, list[etree._Element]], base: str) -> str:
    for element in children.get("link", ()):
        link_base = element.base or base
        if url := _absolute(link_base, element.text):
            return url
        if element.get("rel", "alternate") == "alternate" and (
            url := _absolute(link_base, element.get("href"))
        ):
            return url
    # Without a link, a permalink guid, an Atom id or the RDF about may still name the page.
    for element in children.get("guid", ()):
        if element.get("isPermaLink", "true").lower() != "false" and (
            url := _absolute(base, element.text)
        ):
            return url
    for element in children.get("id", ()):
        if url := _absolute(base, element.text):
            return url
    return _absolute(base, item.get(f"{{{_NS_RDF}}}about")) or ""


def _feed_entry(item: etree._Element, base: str) -> FeedEntry | None:
    children = _children(item)
    link = _feed_link(item, children, base)
    if not link:
        return None
    categories: list[str] = []
    for element in (*children.get("category", ()), *children.get("dc:subject", ())):
        value = _text(element) or _clean(element.get("term")) or _clean(element.get("label"))
        if value and value not in categories:
            categories.append(value)
    title = children.get("title")
    return FeedEntry(
        link=link,
        title=_clean("".join(title[0].itertext())) if title else None,
        published_raw=_first_text(children, _PUBLISHED),
        updated_raw=_first_text(children, _UPDATED),
        authors=_authors(children),
        summary=_first_text(children, _SUMMARY),
        categories=categories,
        guid=_first_text(children, ("guid", "id")) or _clean(item.get(f"{{{_NS_RDF}}}about")),
    )


# --- section pages --------------------------------------------------------------------------

_NEXT_WORDS = frozenset(
    {"next", "next page", "selanjutnya", "berikutnya", "halaman selanjutnya", "halaman berikutnya"}
)
_ARROWS = "\u00bb\u203a>\u2192"  # double and single angle quotes, ">", right arrow


def _selector(html: Selector | TextResponse | str) -> Selector:
    if isinstance(html, TextResponse):
        return html.selector
    if isinstance(html, str):
        return Selector(text=html)
    return html


def _page_base(selector: Selector, base_url: str) -> str:
    # A <base href> changes what every relative link on the page means.
    base_href = selector.xpath("//base/@href").get()
    return urljoin(base_url, strip_html5_whitespace(base_href)) if base_href else base_url


def _hrefs(selector: Selector, query: str | None) -> list[str]:
    if query is None:
        return selector.xpath("//a/@href").getall()
    is_xpath = query.startswith(("/", "("))
    matched = selector.xpath(query) if is_xpath else selector.css(query)
    hrefs: list[str] = []
    for result in matched:
        if isinstance(result.root, str):  # ::attr(...), @href or text() results
            hrefs.append(result.root)
        elif (href := result.attrib.get("href")) is not None:
            hrefs.append(href)
        else:
            hrefs.extend(result.xpath(".//a/@href").getall())
    return hrefs


def links_from_page(
    html: Selector | TextResponse | str, base_url: str, selector: str | None = None
) -> list[str]:
    """Absolute http(s) links of a page, fragments removed, first occurrence order kept.

    ``selector`` is XPath when it starts with ``/`` or ``(``, CSS otherwise; a selector that
    yields strings (``::attr(href)``, ``@href``) is used as is, one that yields elements gives
    their ``href`` or, for containers, the ``href`` of the anchors inside them.
    """
    page = _selector(html)
    base = _page_base(page, base_url)
    links: dict[str, None] = {}
    for href in _hrefs(page, selector):
        if url := _absolute(base, href):
            links.setdefault(urldefrag(url).url, None)
    return list(links)


def _label(anchor: Selector) -> str:
    text = " ".join(" ".join(anchor.xpath(".//text()").getall()).split()).lower()
    if not text:
        text = (anchor.attrib.get("aria-label") or anchor.attrib.get("title") or "").lower()
    return " ".join(text.split())


def next_page_link(
    html: Selector | TextResponse | str, base_url: str, selector: str | None = None
) -> str | None:
    """URL of the following page of a listing or article, or None.

    Tries ``selector`` when given, else ``<link rel=next>``, ``<a rel=next>``, anchors
    labelled "Next"/"Selanjutnya"/"Berikutnya", anchors whose (or whose parent's) class
    contains "next", then anchors reading only a single angle quote, then a double one
    (which often means "last page" instead).
    """
    page = _selector(html)
    base = _page_base(page, base_url)
    here = urldefrag(base_url).url

    def first(hrefs: list[str]) -> str | None:
        for href in hrefs:
            url = _absolute(base, href)
            if url and (url := urldefrag(url).url) != here:
                return url
        return None

    if selector is not None:
        return first(_hrefs(page, selector))
    rel_next = (
        "contains(concat(' ', normalize-space(translate(@rel, 'NEXT', 'next')), ' '), ' next ')"
    )
    for tag in ("link", "a"):
        if url := first(page.xpath(f"//{tag}[{rel_next}]/@href").getall()):
            return url
    anchors = page.xpath("//a[@href]")
    labels = [(_label(anchor), anchor) for anchor in anchors]
    by_word = [a for label, a in labels if label.strip(_ARROWS + " ") in _NEXT_WORDS]
    by_class = page.xpath(
        "//a[@href][contains(@class, 'next')"
        " or ancestor::*[position() <= 2][contains(@class, 'next')]]"
    )
    by_single = [a for label, a in labels if label == "\u203a"]
    by_double = [a for label, a in labels if label == "\u00bb"]
    for group in (by_word, by_class, by_single, by_double):
        if url := first([anchor.attrib["href"] for anchor in group]):
            return url
    return None
