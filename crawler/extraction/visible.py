"""Generic guesses at the visible byline and date, for pages that no layout describes.

Sites name their byline and date elements alike ("author", "byline", "reporter", "date",
"tanggal", "tgl"): on a page of an unknown site, the first short element so named is probably
the byline, and the date elements are candidates that the date choice checks against the
page's metadata before trusting one.
"""

from __future__ import annotations

from parsel import Selector

from crawler.extraction.fields import RawFields
from crawler.extraction.selectors import element_text


def _classed(*words: str) -> str:
    tests = " or ".join(f"contains(@class, '{word}')" for word in words)
    return f"//body//*[{tests}][not(self::meta or self::script or self::style or self::link)]"


_BYLINE = _classed("author", "byline", "reporter", "penulis", "writer")
_DATE = f"//body//time | {_classed('date', 'time', 'tanggal', 'tgl', 'publish')}"
_MAX_BYLINE = 80
_MAX_DATE = 120
_MAX_DATES = 40


def _short_texts(root: Selector, xpath: str, limit: int) -> list[str]:
    texts = []
    for match in root.xpath(xpath):
        text = element_text(match.root)
        if text and len(text) <= limit and text not in texts:
            texts.append(text)
    return texts


def guessed_fields(root: Selector) -> RawFields:
    """The first byline-like element, and every short date-like text in page order."""
    bylines = _short_texts(root, _BYLINE, _MAX_BYLINE)
    return RawFields(authors=bylines[:1])


def guessed_dates(root: Selector) -> list[str]:
    """Short texts of date-like elements, in page order (sidebars included: check them)."""
    return _short_texts(root, _DATE, _MAX_DATE)[:_MAX_DATES]
