"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 feeds; dates are kept as the feed wrote them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.etree as etree

from crawler.discovery.xml import (
    DEFAULT_MAX_SIZE,
    DiscoveryError,
    absolute_url,
    clean,
    free,
    local_name,
    opening,
    root_name,
    text_chunks,
    trim,
    xml_events,
)


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


_NS_DC = "http://purl.org/dc/elements/1.1/"
_NS_DCTERMS = "http://purl.org/dc/terms/"
_NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_NS_ATOM = "http://www.w3.org/2005/Atom"
_NS_ATOM03 = "http://purl.org/atom/ns#"
_NS_RSS1 = "http://purl.org/rss/1.0/"
_NS_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_XHTML = "http://www.w3.org/1999/xhtml"

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
    return [entry for part in iter_feed(body, url, max_size=max_size) for entry in part]


def iter_feed(
    body: bytes, url: str, *, max_size: int = DEFAULT_MAX_SIZE
) -> Iterator[list[FeedEntry]]:
    """``parse_feed`` a chunk at a time: the entries read from each chunk (maybe none).

    Memory stays a few chunks and one entry whatever the feed's size; a caller may pause
    between parts. Feed-level Atom authors count for the entries after them.
    """
    texts = text_chunks(body, url, max_size)
    first = opening(texts)
    name = root_name(first) if first.startswith("<") else None
    if name is None:
        raise DiscoveryError(f"{url}: not a feed: body is not XML {first[:40]!r}")
    if name not in ("rss", "RDF", "feed"):
        hint = " (a sitemap, not a feed)" if name in ("urlset", "sitemapindex") else ""
        raise DiscoveryError(f"{url}: not a feed: root element is <{name}>{hint}")
    feed = _FeedReader(url, atom=name == "feed")
    try:
        for events in xml_events(first, texts, url, _FEED_TAGS):
            yield feed.read(events)
    except DiscoveryError as exc:
        raise DiscoveryError(str(exc).replace(": body is", ": not a feed: body is", 1)) from exc


class _FeedReader:
    """Turns parser events into entries, freeing each entry (and what came before) once read."""

    def __init__(self, url: str, atom: bool) -> None:
        self.url = url
        self.atom = atom
        self.root: etree._Element | None = None
        # The root and RSS <channel> elements: what holds the entries.
        self.containers: list[etree._Element] = []
        self.authors: list[str] = []

    def read(self, events: list[tuple[str, etree._Element]]) -> list[FeedEntry]:
        entries: list[FeedEntry] = []
        for event, element in events:
            if self.root is None:
                self.root = element
                self.containers.append(element)
                continue
            if event == "start":
                if element.getparent() is self.root and local_name(element.tag) == "channel":
                    self.containers.append(element)
                continue
            if element.tag in _ITEM_TAGS or element.tag in _ENTRY_TAGS:
                self._feed_authors()
                if (entry := _feed_entry(element, self.url)) is not None:
                    entry.authors = entry.authors or list(self.authors)
                    entries.append(entry)
                free(element)
        self._feed_authors()
        for container in self.containers:
            trim(container)
        return entries

    def _feed_authors(self) -> None:
        # Atom feed-level authors stand for the entries' own; read before they are freed.
        if self.atom and self.root is not None:
            for author in _authors(_children(self.root)):
                if author not in self.authors:
                    self.authors.append(author)


# The root, RSS <channel> and the entries; everything else stays inside libxml2.
_FEED_TAGS = ("{*}rss", "{*}RDF", "{*}feed", "{*}channel", *_ITEM_TAGS, *_ENTRY_TAGS)


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
        return clean(inner.replace(f' xmlns="{_NS_XHTML}"', ""))
    return clean("".join(element.itertext()))


def _first_text(children: dict[str, list[etree._Element]], names: tuple[str, ...]) -> str | None:
    for name in names:
        for element in children.get(name, ()):
            if value := _text(element):
                return value
    return None


def _authors(children: dict[str, list[etree._Element]]) -> list[str]:
    authors: list[str] = []
    for element in (*children.get("author", ()), *children.get("dc:creator", ())):
        names = [child for child in element if local_name(child.tag) == "name"]
        value = clean("".join(names[0].itertext())) if names else _text(element)
        if value and value not in authors:
            authors.append(value)
    return authors


def _feed_link(item: etree._Element, children: dict[str, list[etree._Element]], base: str) -> str:
    for element in children.get("link", ()):
        link_base = element.base or base
        if url := absolute_url(link_base, element.text):
            return url
        if element.get("rel", "alternate") == "alternate" and (
            url := absolute_url(link_base, element.get("href"))
        ):
            return url
    # Without a link, a permalink guid, an Atom id or the RDF about may still name the page.
    for element in children.get("guid", ()):
        if element.get("isPermaLink", "true").lower() != "false" and (
            url := absolute_url(base, element.text)
        ):
            return url
    for element in children.get("id", ()):
        if url := absolute_url(base, element.text):
            return url
    return absolute_url(base, item.get(f"{{{_NS_RDF}}}about")) or ""


def _feed_entry(item: etree._Element, base: str) -> FeedEntry | None:
    children = _children(item)
    link = _feed_link(item, children, base)
    if not link:
        return None
    categories: list[str] = []
    for element in (*children.get("category", ()), *children.get("dc:subject", ())):
        value = _text(element) or clean(element.get("term")) or clean(element.get("label"))
        if value and value not in categories:
            categories.append(value)
    title = children.get("title")
    return FeedEntry(
        link=link,
        title=clean("".join(title[0].itertext())) if title else None,
        published_raw=_first_text(children, _PUBLISHED),
        updated_raw=_first_text(children, _UPDATED),
        authors=_authors(children),
        summary=_first_text(children, _SUMMARY),
        categories=categories,
        guid=_first_text(children, ("guid", "id")) or clean(item.get(f"{{{_NS_RDF}}}about")),
    )
