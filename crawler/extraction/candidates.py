"""Each metadata source's say on the fields chosen by weighing them: title and dates.

``RawFields`` of the meta tags merge OpenGraph, other ``<meta>`` tags and microdata into one
value per field; the title and the dates need each source apart, labelled (``jsonld``, ``og``,
``meta``, ``itemprop``, ``time``, ``title_tag``, ``fallback``), best first. The day a URL names
is the last resort for the publication day.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from parsel import Selector

from crawler.extraction.fields import RawFields
from crawler.extraction.meta import PUBLISHED_KEYS, UPDATED_KEYS, itemprop_value, meta_value
from crawler.extraction.pageindex import page_index
from crawler.extraction.selectors import element_text, normalise_space, select_nodes

Labelled = tuple[str, str | None]

# "/read/2016/02/16/..." : many news URLs carry the day of publication.
_URL_DAY = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")


def _first_meta(root: Selector, keys: tuple[str, ...]) -> Labelled | None:
    for key in keys:
        value = meta_value(root, key)
        if value:
            return ("og" if key.startswith("og:") else "meta"), value
    return None


def title_candidates(root: Selector, jsonld: RawFields, fallback: RawFields) -> list[Labelled]:
    title_tag = select_nodes(root, "//head/title")
    return [
        ("jsonld", jsonld.title),
        ("og", meta_value(root, "og:title")),
        ("meta", meta_value(root, "twitter:title", "title")),
        ("itemprop", itemprop_value(root, "headline")),
        ("title_tag", element_text(title_tag[0]) if title_tag else None),
        ("fallback", fallback.title),
    ]


def headings(root: Selector, level: str = "h1", limit: int = 5) -> list[str]:
    """Texts of the page's headings of one level, in page order."""
    found = (element_text(h) for h in select_nodes(root, f"//{level}")[:limit])
    return [text for text in found if text]


def published_candidates(root: Selector, jsonld: RawFields, fallback: RawFields) -> list[Labelled]:
    meta = _first_meta(root, PUBLISHED_KEYS) or ("itemprop", itemprop_value(root, "datePublished"))
    time = normalise_space(page_index(root).pubdate_time or "")
    return [
        ("jsonld", jsonld.published),
        meta,
        ("time", time or None),
        ("fallback", fallback.published),
    ]


def updated_candidates(root: Selector, jsonld: RawFields) -> list[Labelled]:
    meta = _first_meta(root, UPDATED_KEYS) or ("itemprop", itemprop_value(root, "dateModified"))
    return [("jsonld", jsonld.updated), meta]


def url_day(url: str) -> str | None:
    """The day an article URL names (``/2016/02/16/``) as ISO, or None."""
    match = _URL_DAY.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None
