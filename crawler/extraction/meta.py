"""OpenGraph, ``article:*``, ``<meta name=...>`` and microdata (``itemprop``) fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.extraction.fields import RawFields
from crawler.extraction.images import absolute
from crawler.extraction.pageindex import page_index
from crawler.extraction.selectors import article_paragraphs, element_blocks, normalise_space
from crawler.items import Image

if TYPE_CHECKING:
    from lxml import etree
    from parsel import Selector

#: Meta tags naming the article's publication and modification times, most specific first.
PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "date",
)
UPDATED_KEYS = ("article:modified_time", "og:updated_time", "og:article:modified_time", "lastmod")


def meta_values(root: Selector, *keys: str) -> list[str]:
    """``content`` of ``<meta property|name=key>`` for the first key present (case-insensitive)."""
    meta = page_index(root).meta
    for key in keys:
        cleaned = meta.get(key)
        if cleaned:
            return list(cleaned)
    return []


def meta_value(root: Selector, *keys: str) -> str | None:
    values = meta_values(root, *keys)
    return values[0] if values else None


def itemprop_values(root: Selector, prop: str) -> list[str]:
    """Microdata values: ``content``/``datetime`` attributes first, else the element's text."""
    values = []
    for element in itemprop_elements(root, prop):
        value = element.get("content") or element.get("datetime")
        if value is None:
            value = " ".join(element_blocks(element))
        value = normalise_space(value)
        # A broken template can leave markup in an attribute (``18 Jun 2015 at <span>...``).
        if value and "<" not in value:
            values.append(value)
    return values


def itemprop_elements(root: Selector, prop: str) -> list[etree._Element]:
    """The elements whose ``itemprop`` is ``prop``, in page order."""
    return page_index(root).itemprops.get(prop, [])


def itemprop_value(root: Selector, prop: str) -> str | None:
    values = itemprop_values(root, prop)
    return values[0] if values else None


def _split(values: list[str]) -> list[str]:
    return [t for t in (normalise_space(part) for v in values for part in v.split(",")) if t]


def meta_fields(root: Selector, base_url: str) -> RawFields:
    """Fields from page metadata, OpenGraph first, then ``<meta name>``, then microdata."""
    image = meta_value(root, "og:image", "og:image:url", "twitter:image")
    image_url = absolute(image, base_url) if image else None
    authors = [
        a
        for a in meta_values(root, "article:author", "author", "dc.creator")
        if not a.startswith(("http://", "https://"))
    ] or itemprop_values(root, "author")
    body = itemprop_elements(root, "articleBody")
    return RawFields(
        title=meta_value(root, "og:title", "twitter:title", "title")
        or itemprop_value(root, "headline"),
        description=meta_value(root, "og:description", "description", "twitter:description")
        or itemprop_value(root, "description"),
        authors=authors,
        published=meta_value(root, *PUBLISHED_KEYS) or itemprop_value(root, "datePublished"),
        updated=meta_value(root, *UPDATED_KEYS) or itemprop_value(root, "dateModified"),
        section=meta_value(root, "article:section") or itemprop_value(root, "articleSection"),
        tags=meta_values(root, "article:tag") or _split(meta_values(root, "news_keywords")),
        paragraphs=article_paragraphs(body[0]) if body else [],
        images=[Image(url=image_url)] if image_url else [],
    )
