"""The page's fixed lookups, read in one walk over its document and kept with the parse.

Every page is asked the same questions: its ``<meta>`` contents, its microdata (``itemprop``)
elements, its canonical link, its ``og:url``, its language, its JSON-LD blocks and its
``<time pubdate>``. A whole-document XPath query per question walks the whole tree each time;
here one walk over the few element types involved, and one over the ``itemprop`` attributes,
answer them all, exactly as those queries did (the XPath each answer stands for is given).
The index is built at the first question and dropped with the parsed page (``pagememo``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from crawler.extraction.pagememo import page_memo
from crawler.extraction.selectors import normalise_space

if TYPE_CHECKING:
    from parsel import Selector

# XPath's translate() as the queries wrote it: only these ASCII letters fold.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_CANONICAL_LOWER = str.maketrans("CANONICAL", "canonical")
_LDJSON_LOWER = str.maketrans("LDJSON+", "ldjson+")

# Attribute results keep their element (smart strings): the elements that carry ``itemprop``.
_ITEMPROPS = etree.XPath("descendant-or-self::*/@itemprop")
_TEXT_NODES = etree.XPath("text()", smart_strings=False)


class PageIndex:
    """What the page's fixed lookups find, each in page order."""

    def __init__(self, root: etree._Element) -> None:
        #: ``<meta>`` contents (whitespace-normalised, empty ones left out) by lower-cased
        #: ``property`` and ``name``.
        self.meta: dict[str, list[str]] = {}
        #: Elements by their ``itemprop``: ``//*[@itemprop]``.
        self.itemprops: dict[str, list[etree._Element]] = {}
        #: ``//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href``
        self.canonical_links: list[str] = []
        #: ``//meta[@property="og:url" or @name="og:url"]/@content``
        self.og_urls: list[str] = []
        #: ``//html/@lang``
        self.languages: list[str] = []
        #: ``//script[translate(@type, "LDJSON+", "ldjson+")="application/ld+json"]/text()``
        self.jsonld_texts: list[str] = []
        #: ``(//time[@pubdate][@datetime])[1]/@datetime``
        self.pubdate_time: str | None = None
        for element in root.iter("meta", "link", "html", "script", "time"):
            tag = element.tag
            if tag == "meta":
                self._meta(element)
            elif tag == "link":
                rel, href = element.get("rel"), element.get("href")
                canonical = rel is not None and rel.translate(_CANONICAL_LOWER) == "canonical"
                if canonical and href is not None:
                    self.canonical_links.append(href)
            elif tag == "html":
                if (lang := element.get("lang")) is not None:
                    self.languages.append(lang)
            elif tag == "script":
                kind = element.get("type")
                if kind is not None and kind.translate(_LDJSON_LOWER) == "application/ld+json":
                    self.jsonld_texts.extend(_TEXT_NODES(element))
            elif self.pubdate_time is None and element.get("pubdate") is not None:
                self.pubdate_time = element.get("datetime")  # None: look further
        for value in _ITEMPROPS(root):
            self.itemprops.setdefault(str(value), []).append(value.getparent())

    def _meta(self, element: etree._Element) -> None:
        content = element.get("content")
        if content is None:
            return
        prop, name = element.get("property"), element.get("name")
        if prop == "og:url" or name == "og:url":
            self.og_urls.append(content)
        if value := normalise_space(content):
            keys = {key.translate(_ASCII_LOWER) for key in (prop, name) if key is not None}
            for key in keys:
                self.meta.setdefault(key, []).append(value)


def page_index(root: Selector) -> PageIndex:
    """The index of the page ``root`` was parsed from (built at the first call)."""
    memo = page_memo(root.root)
    index = memo.get(PageIndex)
    if index is None:
        index = memo[PageIndex] = PageIndex(root.root.getroottree().getroot())
    return index
