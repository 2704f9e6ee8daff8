"""JSON-LD ``NewsArticle``/``Article`` objects of a page, read into ``RawFields``.

Objects are found at the top level, in lists and inside ``@graph``. Broken blocks are common
(raw newlines in strings, trailing commas, HTML comments): a lenient second attempt repairs the
usual faults, and a block that still fails is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.extraction.fields import RawFields
from crawler.extraction.images import absolute
from crawler.extraction.pageindex import page_index
from crawler.extraction.selectors import normalise_space
from crawler.items import Image

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
    }
)

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")


def parse_block(text: str, url: str = "") -> Any:
    """One ``<script type="application/ld+json">`` block, or None when it cannot be read."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _WRAPPERS.sub("", text.strip()))
    try:
        # strict=False accepts the raw control characters (newlines, tabs) CMSs leave in strings.
        return json.loads(repaired, strict=False)
    except ValueError as exc:
        logger.warning("skipping unreadable JSON-LD on %s: %s", url or "page", exc)
        return None


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _objects(entry)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph)


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    names = value if isinstance(value, list) else [value]
    # Some sites write full IRIs ("http://schema.org/NewsArticle").
    return {n.rsplit("/", 1)[-1] for n in names if isinstance(n, str)}


def find_articles(root: Selector, url: str = "") -> list[dict[str, Any]]:
    """Article objects of the page, ``NewsArticle`` family first, in page order."""
    found: list[dict[str, Any]] = []
    for block in page_index(root).jsonld_texts:
        data = parse_block(block, url)
        found.extend(obj for obj in _objects(data) if _types(obj) & ARTICLE_TYPES)
    # A page that has a NewsArticle and a generic Article describes the news one better.
    found.sort(key=lambda obj: "Article" in _types(obj) and len(_types(obj)) == 1)
    return found


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return normalise_space(str(value)) or None
    return None


def _names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names = []
    for entry in values:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and normalise_space(name):
            names.append(normalise_space(name))
    return names


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [k for k in (normalise_space(v) for v in value if isinstance(v, str)) if k]


def _images(value: Any, base_url: str) -> list[Image]:
    values = value if isinstance(value, list) else [value]
    for entry in values:
        if isinstance(entry, dict):
            src = _string(entry.get("url") or entry.get("contentUrl"))
            caption = entry.get("caption")
        else:
            src, caption = _string(entry), None
        url = absolute(src, base_url) if src else None
        if url:
            # Several entries are usually crops of one lead picture: keep the first.
            caption_text = normalise_space(caption) if isinstance(caption, str) else None
            return [Image(url=url, caption=caption_text or None)]
    return []


def _body(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    parts = re.split(r"\n\s*\n" if "\n\n" in value else r"\n", value)
    return [p for p in (normalise_space(part) for part in parts) if p]


def jsonld_article_body(root: Selector, url: str = "") -> str | None:
    """The ``articleBody`` text of the page's first article object, as written."""
    articles = find_articles(root, url)
    body = articles[0].get("articleBody") if articles else None
    return body if isinstance(body, str) else None


def jsonld_fields(root: Selector, base_url: str) -> RawFields:
    """Fields of the page's first article object; empty when the page has none."""
    articles = find_articles(root, base_url)
    if not articles:
        return RawFields()
    obj = articles[0]
    return RawFields(
        title=_string(obj.get("headline")) or _string(obj.get("name")),
        description=_string(obj.get("description")),
        authors=_names(obj.get("author")),
        published=_string(obj.get("datePublished")) or _string(obj.get("dateCreated")),
        updated=_string(obj.get("dateModified")),
        section=_string(obj.get("articleSection")),
        tags=_keywords(obj.get("keywords")),
        paragraphs=_body(obj.get("articleBody")),
        images=_images(obj.get("image"), base_url),
        dateline=_string(obj.get("dateline")),
    )
