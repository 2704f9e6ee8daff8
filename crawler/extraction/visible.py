"""Generic guesses at the visible byline and date, for pages that no layout describes.

Sites name their byline and date elements alike ("author", "byline", "reporter", "date",
"tanggal", "tgl"), in ``class``, ``itemprop`` or ``rel``: on a page of an unknown site, the
first short element so named is probably the byline (a social handle, "Twitter @x", is not),
and the date elements are candidates that the date choice checks against the page's metadata
before trusting one. Short texts next to the headline that read as a date with a time are
candidates too: many layouts print the date right under the <h1> in an unnamed element.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from parsel import Selector

from crawler.extraction.fields import RawFields
from crawler.extraction.pagememo import page_memo
from crawler.extraction.selectors import element_text, text_longer_than, xpath_nodes
from crawler.extraction.titles import title_key

_NOT_TEXT = "not(self::meta or self::script or self::style or self::link)"


def _named(*words: str) -> str:
    tests = " or ".join(
        f"contains(@{attribute}, '{word}')"
        for word in words
        for attribute in ("class", "itemprop", "rel")
    )
    return f"//body//*[{tests}][{_NOT_TEXT}]"


def _classed(*words: str) -> str:
    tests = " or ".join(f"contains(@class, '{word}')" for word in words)
    return f"//body//*[{tests}][{_NOT_TEXT}]"


_BYLINE = _named("author", "byline", "reporter", "penulis", "writer")
_DATE = f"//body//time | {_classed('date', 'time', 'tanggal', 'tgl', 'publish')}"
# Elements around the headline, nearest first: what follows it, what follows its container,
# then what precedes it.
_NEAR = (
    "following-sibling::*[position() <= 6]/descendant-or-self::*",
    "parent::*/following-sibling::*[position() <= 4]/descendant-or-self::*",
    "preceding-sibling::*[position() <= 3]/descendant-or-self::*",
)
# A day with a year, and a clock time: "Kamis, 05 November 2015 11:52", "05/11/2015 11.52".
_DATE_WITH_TIME = re.compile(
    r"(?:\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4}"
    r"|\d{1,2}\s+[A-Za-z]{3,10}\.?,?\s+\d{4}|[A-Za-z]{3,10}\.?\s+\d{1,2},?\s+\d{4})"
    r".{0,20}?\b\d{1,2}[:.]\d{2}\b"
)
_MAX_HEADLINES = 5
_HANDLE = re.compile(r"@\w|\b(?:twitter|facebook|instagram|tiktok|youtube)\b", re.IGNORECASE)
_MAX_BYLINE = 80
_MAX_DATE = 120
_MAX_DATES = 40


def _short_texts(root: Selector, xpath: str, limit: int) -> list[str]:
    # The byline and the date guesses both look near the headline, with other length limits:
    # per page, each query runs once and each element's text is read once.
    memo = page_memo(root.root)
    key = ("matches", root.root, xpath)
    elements: list[etree._Element] | None = memo.get(key)
    if elements is None:
        elements = memo[key] = xpath_nodes(root.root, xpath)
    read: dict[etree._Element, str] = memo.setdefault("element_text", {})
    texts = []
    for element in elements:
        if text_longer_than(element, limit):
            continue
        text = read.get(element)
        if text is None:
            text = read[element] = element_text(element)
        if text and len(text) <= limit and text not in texts:
            texts.append(text)
    return texts


def headline_elements(root: Selector, title: str | None) -> list[Selector]:
    """Elements that say ``title``: headings first (an <h1> may be a section name), then any
    other element whose whole text it is (not a link, nor a link's container: that is a
    teaser of the article in a list); else the first <h1>."""
    memo = page_memo(root.root)
    key = ("headline_elements", title)
    if key not in memo:
        memo[key] = _headline_elements(root, title)
    return list(memo[key])


def _headline_elements(root: Selector, title: str | None) -> list[Selector]:
    wanted = title_key(title or "")
    found = [
        heading
        for heading in root.xpath("//h1 | //h2 | //h3")
        if wanted and title_key(element_text(heading.root)) == wanted
    ]
    if title:
        found += root.xpath(
            "//body//*[not(self::a or self::h1 or self::h2 or self::h3 or ancestor::a)]"
            "[normalize-space(.) = $title][not(.//a[normalize-space(.) = $title])]",
            title=" ".join(title.split()),
        )[:_MAX_HEADLINES]
    return found or root.xpath("//h1")[:1]


def near_headline(
    root: Selector, title: str | None, limit: int, wanted: Callable[[str], object]
) -> list[str]:
    """Short texts ``wanted`` next to the first element saying the headline that has some."""
    for heading in headline_elements(root, title):
        near = [t for xpath in _NEAR for t in _short_texts(heading, xpath, limit) if wanted(t)]
        texts = list(dict.fromkeys(near))
        if texts:
            return texts
    return []


def guessed_fields(root: Selector) -> RawFields:
    """The first byline-like element that is not a social handle."""
    bylines = [
        text for text in _short_texts(root, _BYLINE, _MAX_BYLINE) if not _HANDLE.search(text)
    ]
    return RawFields(authors=bylines[:1])


def guessed_dates(root: Selector, title: str | None = None) -> list[str]:
    """Dated texts next to the headline, then short texts of date-like elements in page order
    (sidebars included: check them)."""
    near = near_headline(root, title, _MAX_DATE, _DATE_WITH_TIME.search)
    named = [text for text in _short_texts(root, _DATE, _MAX_DATE) if text not in near]
    return [*near, *named][:_MAX_DATES]
