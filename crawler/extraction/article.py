"""``extract_article``: one response and its site file to an ``Article`` of raw strings.

Per field the first source that has a value wins: the site's selectors (the page's layout,
chosen by what the page matches and when it was captured), then JSON-LD, then OpenGraph/article
meta/microdata, then the readable-text fallback, which runs only when none of them gives a body.
Title, dates and (on a page no layout describes) bylines are weighed among the sources instead:
the headline by ``titles``, the dates by ``datesources`` (the shown date first), the bylines by
``bylines``. Dates stay text (``published_raw``, ``updated_raw``); bylines stay as shown
(``authors_raw``, editors credited as "Editor: ..."): the pipelines interpret them. Every
decision is recorded in ``field_sources``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from cssselect import SelectorError
from parsel import Selector

from crawler.extraction.body import generic_fields
from crawler.extraction.bylines import generic_bylines
from crawler.extraction.candidates import (
    headings,
    published_candidates,
    title_candidates,
    updated_candidates,
    url_day,
)
from crawler.extraction.canonical import canonical_url, page_candidates
from crawler.extraction.datesources import DateSources, choose_dates
from crawler.extraction.fallback import readable_fields
from crawler.extraction.fields import RawFields, first_said_from
from crawler.extraction.images import select_images
from crawler.extraction.jsonld import jsonld_fields
from crawler.extraction.meta import meta_fields, meta_value
from crawler.extraction.page import page_selector
from crawler.extraction.pageindex import page_index
from crawler.extraction.selectors import (
    matches,
    normalise_space,
    select,
    select_elements,
    select_paragraphs,
    select_text,
    select_texts,
)
from crawler.extraction.titles import choose_title
from crawler.extraction.visible import guessed_dates, guessed_fields
from crawler.items import Article, Image
from crawler.sites import Layout, SiteConfig, SiteConfigError

if TYPE_CHECKING:
    from scrapy.http import TextResponse

T = TypeVar("T")

_SINGLE = ("title", "description", "published", "updated", "section", "dateline", "canonical")
_MULTIPLE = ("authors", "editors", "tags")


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


def choose_layout(root: Selector, site: SiteConfig, captured: date | None = None) -> Layout | None:
    """The first layout in use on ``captured`` whose ``match`` is on the page, else the first
    in use without ``match``. An unknown capture date leaves every layout in the running."""
    current = [layout for layout in site.layouts if layout.valid_on(captured)]
    for layout in current:
        match = layout.match
        if match and _apply(site, layout, "match", match, lambda s: matches(root, s)):
            return layout
    return next((layout for layout in current if not layout.match), None)


def capture_date(response: TextResponse, captured: date | datetime | None = None) -> date | None:
    """When the page was fetched: ``captured`` if given, else the response's HTTP ``Date``
    (a replayed WARC record keeps the date of its capture)."""
    if isinstance(captured, datetime):
        return captured.date()
    if isinstance(captured, date):
        return captured
    header = response.headers.get(b"Date")
    if not header:
        return None
    try:
        return parsedate_to_datetime(header.decode("latin-1")).date()
    except (TypeError, ValueError):
        return None


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
    skip: frozenset[Any] = frozenset()
    if "body_exclude" in selectors:
        skip = _apply(
            site,
            layout,
            "body_exclude",
            selectors["body_exclude"],
            lambda s: select_elements(root, s),
        )
    body = selectors.get("paragraphs") or selectors.get("body")
    if body:
        found.paragraphs = _apply(
            site, layout, "body", body, lambda s: select_paragraphs(root, s, skip)
        )
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
    lang = normalise_space(next(iter(page_index(root).languages), ""))
    return lang or None


def extract_article(
    response: TextResponse, site: SiteConfig, captured: date | datetime | None = None
) -> Article:
    """The article of ``response`` as raw strings, by the precedence described above.

    ``captured`` (the fetch or WARC date) picks the layouts in use then; by default the
    response's ``Date`` header tells.
    """
    root = page_selector(response)
    layout = choose_layout(root, site, capture_date(response, captured))
    # A page no layout describes gets generic guesses at its visible byline and dates.
    own = selector_fields(root, site, layout, response.url) if layout else guessed_fields(root)
    jsonld = jsonld_fields(root, response.url)
    meta = meta_fields(root, response.url)
    fallback = RawFields()
    if not any(source.paragraphs for source in (own, jsonld, meta)):
        fallback = readable_fields(response.text, response.url)
    labelled = [
        ("selector" if layout else "byline", own),
        # On a page no layout describes, the story's own text comes before the metadata's copy.
        ("container", RawFields() if layout else generic_fields(root, jsonld, meta)),
        ("jsonld", jsonld),
        ("meta", meta),
        ("fallback", fallback),
    ]
    raw, labels = first_said_from(*labelled)
    sources: dict[str, str | None] = dict(labels)
    title, sources["title"] = (
        (own.title, "selector")
        if own.title
        else _weighed_title(root, site, response.url, raw.section, jsonld, fallback)
    )
    # A body container often holds the picture captions too; the site file says which they are.
    captions = set(own.captions)
    paragraphs = [p for p in raw.paragraphs if p not in captions]
    if paragraphs and title and paragraphs[0] == title:
        del paragraphs[0]  # the headline repeated at the top of the text
    body = "\n\n".join(paragraphs) or None
    dates = choose_dates(
        DateSources(
            shown_published=own.published,
            shown_updated=own.updated,
            metadata_published=published_candidates(root, jsonld, fallback),
            metadata_updated=updated_candidates(root, jsonld),
            guessed=[] if layout else guessed_dates(root, title),
            url_day=url_day(response.url),
        ),
        site.timezone,
        site.z_is_local,
    )
    sources["published"], sources["updated"] = dates.published_source, dates.updated_source
    if layout:
        bylines = [*raw.authors, *(_as_editor(name) for name in own.editors)]
    else:
        bylines, sources["authors"] = generic_bylines(
            root, title, [(label, source.authors) for label, source in labelled]
        )
    return Article(
        url=response.url,
        site=site.name,
        canonical_url=canonical_url([own.canonical, *page_candidates(root)], response.url, site),
        section=raw.section,
        title=title,
        description=raw.description,
        authors_raw=_unique(bylines),
        published_raw=dates.published,
        updated_raw=dates.updated,
        dateline=raw.dateline,
        body=body,
        paragraphs=paragraphs,
        images=raw.images,
        tags=_unique(raw.tags),
        language=page_language(root) or site.language,
        word_count=len(body.split()) if body else 0,
        field_sources=_recorded(sources),
    )


def _weighed_title(
    root: Selector,
    site: SiteConfig,
    url: str,
    section: str | None,
    jsonld: RawFields,
    fallback: RawFields,
) -> tuple[str | None, str | None]:
    """The headline and its source, weighed among the page's headings and metadata."""
    return choose_title(
        headings(root),
        title_candidates(root, jsonld, fallback),
        [site.name, *site.domains, meta_value(root, "og:site_name")],
        # The section names a prefix may carry: the page's section, the URL's folders.
        [section, *urlsplit(url).path.split("/")[:-1]],
        [*headings(root, "h2", 10), *headings(root, "h3", 10)],
    )


_RECORDED = {"paragraphs": "body", "canonical": "canonical_url"}
_UNRECORDED = ("editors", "captions")


def _recorded(sources: dict[str, str | None]) -> dict[str, str]:
    """Per item field that has a value, its source (``RawFields`` names as item names)."""
    return {
        _RECORDED.get(name, name): label
        for name, label in sources.items()
        if label and name not in _UNRECORDED
    }


def _as_editor(credit: str) -> str:
    """An editor credit as the pages write it; one that already names its role stays."""
    return credit if ":" in credit else f"Editor: {credit}"


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
    fill: dict[str, Any] = {}
    sources = dict(first.field_sources)
    for name in ("title", "description", "published_raw", "updated_raw", "section", "dateline"):
        page = next((page for page in pages if getattr(page, name)), None)
        fill[name] = getattr(page, name) if page else None
        field = name.removesuffix("_raw")
        if page is not None and field in page.field_sources:
            sources[field] = page.field_sources[field]
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
        field_sources=sources,
    )
