"""Items Kabarsip emits: one ``Article`` per article version.

Dataclasses read and written through ``itemadapter``. Field meanings follow schema.org
``NewsArticle`` and zyte-common-items ``Article`` where they overlap:

============================  =====================================  ===========================
Kabarsip                      schema.org NewsArticle                 zyte-common-items Article
============================  =====================================  ===========================
url                           (fetched URL)                          url
canonical_url                 url / mainEntityOfPage                 canonicalUrl
title                         headline                               headline
description                   description                            description
authors                       author[].name                          authors[].name
published                     datePublished                          datePublished
updated                       dateModified                           dateModified
section                       articleSection                         breadcrumbs (last)
tags                          keywords                               (none)
body                          articleBody                            articleBody
images                        image[] (url, caption)                 images[].url
language                      inLanguage                             inLanguage
dateline                      dateline                               (none)
============================  =====================================  ===========================

``published``/``updated`` are ISO 8601 with the page's own offset (``+07:00`` for WIB);
``*_raw`` keep the text they were parsed from so a better parser can redo them later (when
metadata agrees with the shown date to the minute, ``published_raw`` is the metadata value, for
its seconds; see ``crawler.extraction.datesources``); without a page date, or with a day
alone that the sitemap dates with a time, ``published`` is the sitemap's. ``updated`` is a
shown "Diperbarui" date, else metadata's modified date when it is not earlier than
``published``, else None.

``body`` is the article's paragraphs (``paragraphs``) joined by blank lines. Sub-headings stay
in it as paragraphs of their own, unmarked, where the page puts them; the dateline ("JAKARTA,
KOMPAS.com -") is not in it but in ``dateline``; captions, related-article links, promo and
widget lines, credit lines and reporter initials are not in it either.

``credits`` lists every name the page credits, people and organisations apart (``kind``), with
the role the page gives (``role``: author, reporter, contributor, editor, photographer,
source). ``authors`` are who wrote the article: the people credited as author or reporter, else
the organisation credited so ("Liputan6.com"), else a closing contributor sign-off. Editors are
never authors: a page that credits only an editor has no authors. ``authors_raw`` keeps the
bylines and credit lines as shown.

``field_sources`` says, per field, which source of the page decided its value (only fields
that have one): ``selector`` (the site file's selectors), ``jsonld`` (a JSON-LD article object),
``og`` (OpenGraph ``og:*``), ``meta`` (other ``<meta>`` tags: ``article:*``, ``name=...``,
``twitter:*``), ``itemprop`` (microdata), ``time`` (the ``datetime`` of a ``<time pubdate>``),
``byline`` (a visible byline or date element the generic rules recognise), ``container``
(the article container the generic body reader chose, on pages no layout describes), ``h1``
(the visible headline), ``title_tag`` (``<title>``), ``credit_line`` (a visible
"Penulis: ..."/"Reporter: ..." line),
``body_foot`` (a credit closing the body, or a credit line the body cleaning took out of the
text), ``body`` (the dateline, taken from the first paragraph), ``fallback`` (readable-text
extraction), ``sitemap`` (the sitemap entry) and ``url`` (the day in an article URL,
``/2024/03/05/``, the last resort for ``published``). Fields other than title and dates
that meta tags give (OpenGraph included) say ``meta``. Dates name the evidence that decided
them: ``byline`` when the visible date won, even where ``*_raw`` holds agreeing metadata for
its seconds. The pipelines keep it true: a step that changes a field sets or drops its source.

An article spread over several pages is emitted whole (``pages`` of them) or not at all: when
a later page cannot be fetched or archived, the article is held back (stat
``articles/held_back/page_failed``), its state left as it was, and the next run fetches it
again. An item never carries a silently truncated body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The labels ``field_sources`` uses (see above).
SOURCE_LABELS = (
    "selector",
    "jsonld",
    "og",
    "meta",
    "itemprop",
    "time",
    "byline",
    "container",
    "h1",
    "title_tag",
    "credit_line",
    "body_foot",
    "body",
    "fallback",
    "sitemap",
    "url",
)


@dataclass
class WarcPointer:
    """Where a fetch of a picture was archived: its record in a WARC file."""

    warc_file: str
    warc_offset: int
    warc_record_id: str


@dataclass
class Image:
    """A picture of the article, its caption if the page gives one, and its archived fetch.

    ``warc`` is the response record holding the picture's bytes: this crawl's capture of
    ``url``, or the earlier capture that an unchanged fetch (a revisit or a 304) refers to;
    None when it was not archived (``ARCHIVE_ASSETS = "none"``, a refused or failed fetch, an
    answer other than 200, or a crawl without archive).
    """

    url: str
    caption: str | None = None
    warc: WarcPointer | None = None


@dataclass
class Credit:
    """A name credited on the page: ``kind`` is person or organization, ``role`` as credited."""

    name: str
    kind: str = "person"  # "person" | "organization"
    # "author" | "reporter" | "contributor" | "editor" | "photographer" | "source"
    role: str = "author"


@dataclass
class Article:
    """One version of one news article, linked to the WARC record it was extracted from."""

    url: str
    site: str
    canonical_url: str | None = None
    section: str | None = None
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    published_raw: str | None = None
    updated_raw: str | None = None
    dateline: str | None = None
    # Dates the text mentions in press style ("Selasa (1/2)"), resolved against the article's.
    mentioned_dates: list[str] = field(default_factory=list)
    body: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    word_count: int | None = None
    pages: int = 1
    fetched_at: str | None = None
    content_hash: str | None = None
    # Set by the versions pipeline: 1 for a new article, n+1 for each change of its content.
    version: int | None = None
    emit_reason: str | None = None  # "new" | "updated"
    previous_content_hash: str | None = None
    # Fingerprinted fields that differ from the previous version (title, body, authors, ...).
    changed_fields: list[str] = field(default_factory=list)
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    # Other sources seen for a field, kept so the pipelines (and later re-runs) can decide.
    sitemap_published_raw: str | None = None
    sitemap_title: str | None = None
    authors_raw: list[str] = field(default_factory=list)
    # Field name -> the source that decided it ("jsonld", "h1", "byline", ...; see above).
    field_sources: dict[str, str] = field(default_factory=dict)
