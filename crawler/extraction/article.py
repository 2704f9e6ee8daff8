"""``extract_article``: one response and its site file to an ``Article`` of raw strings.

Per field the first source that has a value wins: the site's selectors (the page's layout),
then JSON-LD, then OpenGraph/article meta/microdata. Dates stay text (``published_raw``,
``updated_raw``) and bylines stay as shown (``authors_raw``): the pipelines interpret them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from cssselect import SelectorError
from parsel import Selector
from scrapy.http import TextResponse

from crawler.extraction.canonical import canonical_url, page_candidates
from crawler.extraction.fields import RawFields, first_said
from crawler.extraction.images import select_images
from crawler.extraction.jsonld import jsonld_fields
from crawler.extraction.meta import meta_fields
from crawler.extraction.selectors import (
    matches,
    normalise_space,
    select,
    select_paragraphs,
    select_text,
    select_texts,
)
from crawler.items import Article, Image
from crawler.sites import Layout, SiteConfig, SiteConfigError

T = TypeVar("T")

_SINGLE = ("title", "description", "published", "updated", "section", "dateline", "canonical")
_MULTIPLE = ("authors", "tags")


def _apply(site: SiteConfig, layout: Layout, key: str, selector: str, run: Callable[[str], T]) -> T:
    """Run a site selector; a broken one names the site file, layout and field."""
    try:
        return run(selector)
    except (ValueError, SelectorError) as exc:
        raise SiteConfigError(
            f"{site.path}: layout {layout.name!r}, {key}: invalid selector {selector!r}: {exc}"
        ) from exc


def check_selectors(site: SiteConfig) -> None:
    """Compile every selector of a site once, so a typo fails at start, not on each page."""
    probe = Selector(text="<html><body></body></html>")
    for layout in site.layouts:
        named = dict(layout.selectors)
        if layout.match:
            named["match"] = layout.match
        for key, selector in named.items():
            _apply(site, layout, key, selector, lambda s: select(probe, s))


def choose_layout(root: Selector, site: SiteConfig) -> Layout | None:
    """The first layout whose ``match`` is on the page, else the first without ``match``."""
    for layout in site.layouts:
        match = layout.match
        if match and _apply(site, layout, "match", match, lambda s: matches(root, s)):
            return layout
    return next((layout for layout in site.layouts if not layout.match), None)


def selector_fields(root: Selector, site: SiteConfig, layout: Layout, base_url: str) -> RawFields:
    """What the layout's selectors find; fields without a selector stay empty."""
    found = RawFields()
    selectors = layout.selectors
    for key in _SINGLE:
        if key in selectors:
            value = _apply(site, layout, key, selectors[key], lambda s: select_text(root, s))
            setattr(found, key, value)
    for key in _MULTIPLE:
        if key in selectors:
            values = _apply(site, layout, key, selectors[key], lambda s: select_texts(root, s))
            setattr(found, key, _unique(values))
    body = selectors.get("paragraphs") or selectors.get("body")
    if body:
        found.paragraphs = _apply(site, layout, "body", body, lambda s: select_paragraphs(root, s))
    captions = selectors.get("captions")
    if captions:
        found.captions = _apply(site, layout, "captions", captions, lambda s: select_texts(root, s))
    if "images" in selectors:
        found.images = _apply(
            site,
            layout,
            "images",
            selectors["images"],
            lambda s: select_images(root, s, base_url, captions),
        )
        # Addresses and captions selected separately pair up by position when they agree.
        uncaptioned = all(image.caption is None for image in found.images)
        if found.images and uncaptioned and len(found.captions) == len(found.images):
            found.images = [
                Image(url=image.url, caption=caption)
                for image, caption in zip(found.images, found.captions, strict=True)
            ]
    return found


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def page_language(root: Selector) -> str | None:
    lang = normalise_space(root.xpath("//html/@lang").get() or "")
    return lang or None


def extract_article(response: TextResponse, site: SiteConfig) -> Article:
    """The article of ``response`` as raw strings, by the precedence described above."""
    root = response.selector
    layout = choose_layout(root, site)
    own = selector_fields(root, site, layout, response.url) if layout else RawFields()
    raw = first_said(own, jsonld_fields(root, response.url), meta_fields(root, response.url))
    # A body container often holds the picture captions too; the site file says which they are.
    captions = set(own.captions)
    paragraphs = [p for p in raw.paragraphs if p not in captions]
    body = "\n\n".join(paragraphs) or None
    return Article(
        url=response.url,
        site=site.name,
        canonical_url=canonical_url([own.canonical, *page_candidates(root)], response.url, site),
        section=raw.section,
        title=raw.title,
        description=raw.description,
        authors_raw=raw.authors,
        published_raw=raw.published,
        updated_raw=raw.updated,
        dateline=raw.dateline,
        body=body,
        paragraphs=paragraphs,
        images=raw.images,
        tags=_unique(raw.tags),
        language=page_language(root) or site.language,
        word_count=len(body.split()) if body else 0,
    )


def merge_pages(first: Article, rest: list[Article]) -> Article:
    """One article from its pages in order: paragraphs joined, pictures appended."""
    pages = [first, *rest]
    paragraphs = [p for page in pages for p in page.paragraphs]
    images: list[Image] = []
    seen: set[str] = set()
    for image in (image for page in pages for image in page.images):
        if image.url not in seen:
            seen.add(image.url)
            images.append(image)
    body = "\n\n".join(paragraphs) or None
    fill: dict[str, Any] = {
        name: next((getattr(page, name) for page in pages if getattr(page, name)), None)
        for name in ("title", "description", "published_raw", "updated_raw", "section", "dateline")
    }
    return dataclasses.replace(
        first,
        **fill,
        authors_raw=_unique([a for page in pages for a in page.authors_raw]),
        tags=_unique([t for page in pages for t in page.tags]),
        paragraphs=paragraphs,
        images=images,
        body=body,
        word_count=len(body.split()) if body else 0,
        pages=len(pages),
    )
