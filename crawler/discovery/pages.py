"""Links of section pages: every article link, and the link to the following page."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

from parsel import Selector
from scrapy.http import TextResponse
from w3lib.html import strip_html5_whitespace

from crawler.discovery.xml import absolute_url

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
        if url := absolute_url(base, href):
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
            url = absolute_url(base, href)
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


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


def feed_links(html: Selector | TextResponse | str, base_url: str) -> list[str]:
    """Feeds a page announces (``<link rel=alternate type=application/rss+xml|atom+xml>``)."""
    page = _selector(html)
    base = _page_base(page, base_url)
    links: dict[str, None] = {}
    for link in page.xpath("//link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        url = absolute_url(base, link.attrib["href"])
        if url and "alternate" in rel and kind in _FEED_TYPES:
            links.setdefault(urldefrag(url).url, None)
    return list(links)


def nav_links(html: Selector | TextResponse | str, base_url: str) -> list[str]:
    """Links of a page's menus (``<nav>``, ``<header>``, elements named menu or nav) first,
    then every other link, each once."""
    page = _selector(html)
    menus = (
        "//nav//a/@href | //header//a/@href"
        " | //*[contains(@class, 'menu') or contains(@class, 'nav')]//a/@href"
    )
    first = links_from_page(page, base_url, menus)
    return list(dict.fromkeys([*first, *links_from_page(page, base_url)]))
