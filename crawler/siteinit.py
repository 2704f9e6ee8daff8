"""A starter site file drafted from a few saved article pages (``scrapy site init``).

Each page is read by the generic layer (:func:`crawler.processing.process_page` with no
selectors); what it finds and misses is reported per page. The draft proposes what the pages
show: ``article_pattern`` from their URLs' shapes, ``domains`` from the host, the time zone of
their dates, the feeds and sitemaps they link and the sections of their menus. The text
written is checked by :func:`crawler.sites.parse_site` before anything is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from parsel import Selector

from crawler.discovery import feed_links, links_from_page, nav_links
from crawler.extraction.canonical import page_candidates
from crawler.pagekind import PageKind, page_kind
from crawler.processing import generic_site, process_page
from crawler.sites import SiteConfig, parse_site
from crawler.siteurl import check_site_url, default_timezone, registrable_domain, site_name
from crawler.urlshape import article_pattern, is_listing, section_links

#: Sections proposed from the pages' menus.
MAX_SECTIONS = 12
#: Time zones of the offsets and abbreviations Indonesian pages write.
ZONES = (
    (re.compile(r"(\+07:?00|\bWIB)\s*$|\bWIB\b"), "Asia/Jakarta"),
    (re.compile(r"(\+08:?00|\bWITA)\s*$|\bWITA\b"), "Asia/Makassar"),
    (re.compile(r"(\+09:?00|\bWIT)\s*$|\bWIT\b"), "Asia/Jayapura"),
)
_SITEMAP_LINK = re.compile(r"sitemap[^/]*\.xml(\.gz)?$", re.IGNORECASE)


class SiteInitError(ValueError):
    """A page cannot be read or has no address; the message names it."""


@dataclass
class PageReport:
    """What the generic layer found on one page."""

    file: str
    url: str
    kind: PageKind
    found: dict[str, str]
    missing: list[str]
    links: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    zone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Proposal:
    """The keys of the drafted site file."""

    name: str
    domains: list[str]
    timezone: str
    language: str
    start_urls: list[str]
    sitemaps: list[str]
    feeds: list[str]
    sections: list[str]
    article_pattern: str


@dataclass
class Draft:
    """The proposed site file and how well its pattern fits the pages."""

    site: SiteConfig
    text: str
    pages: list[PageReport]
    sections: list[str]
    # Section, tag and author links of the pages the pattern takes for articles: none, ideally.
    listings_matched: list[str]
    # Page URLs the pattern misses: should be none.
    pages_missed: list[str]


def page_url(body: bytes, file: str, given: str | None) -> str:
    """The page's address: ``given``, else its canonical or og:url (absolute http(s) only)."""
    if given:
        candidates = [given]
    else:
        candidates = page_candidates(Selector(text=body.decode("utf-8", "replace")))
    for candidate in candidates:
        candidate = candidate.strip()
        if re.match(r"^https?://[^/\s]+", candidate):
            return candidate
    raise SiteInitError(
        f"{file}: no address: it has no canonical link or og:url; give it with --url"
    )


def _zone(raw: str | None) -> str | None:
    for pattern, zone in ZONES:
        if raw and pattern.search(raw):
            return zone
    return None


def analyse_page(body: bytes, file: str, url: str) -> PageReport:
    """Read one saved page with the generic layer and say what it found."""
    article = process_page(body, url, generic_site(url)).item
    words = article.word_count or 0
    values = {
        "title": article.title or "",
        "published": article.published or "",
        "updated": article.updated or "",
        "authors": ", ".join(article.authors),
        "body": f"{words} words" if words else "",
    }
    root = Selector(text=body.decode("utf-8", "replace"))
    links = nav_links(root, url)
    return PageReport(
        file=file,
        url=url,
        kind=page_kind(root, url),
        found={k: v for k, v in values.items() if v},
        missing=[k for k, v in values.items() if not v],
        links=links,
        feeds=feed_links(root, url),
        sitemaps=[u for u in links_from_page(root, url) if _SITEMAP_LINK.search(u)],
        zone=_zone(article.published_raw) or _zone(article.updated_raw),
        language=article.language,
    )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def draft_site(
    home: str, pages: list[PageReport], name: str | None = None, timezone: str | None = None
) -> Draft:
    """The site file for ``home`` (the site's URL) proposed from the pages' reports."""
    home = check_site_url(home)
    host = urlsplit(home).hostname or ""
    domain = registrable_domain(host)
    urls = [p.url for p in pages]
    # A saved section or tag page among the pages would teach the pattern its shape.
    articles = [p.url for p in pages if p.kind.article] or urls
    pattern = article_pattern(articles, domain)
    in_scope = _scope(domain)
    outside = [u for u in urls if not in_scope(urlsplit(u).hostname or "")]
    if outside:
        raise SiteInitError(f"pages outside {domain}: {', '.join(outside)}")
    zones = [p.zone for p in pages if p.zone]
    languages = [p.language.split("-")[0].lower() for p in pages if p.language]
    links = _unique([link for p in pages for link in p.links])
    sections = section_links(links, home, in_scope, MAX_SECTIONS)
    listings = [
        *section_links(links, home, in_scope, len(links)),
        *(u for u in links if is_listing(u) and in_scope(_host(u))),
    ]
    proposal = Proposal(
        # A given name is made a safe file name too: it names the file written.
        name=site_name(name or host),
        domains=[domain],
        timezone=timezone
        or (max(set(zones), key=zones.count) if zones else "")
        or default_timezone(host),
        language=max(set(languages), key=languages.count) if languages else "id",
        start_urls=[home],
        sitemaps=_unique([u for p in pages for u in p.sitemaps if in_scope(_host(u))]),
        feeds=_unique([u for p in pages for u in p.feeds if in_scope(_host(u))]),
        sections=sections,
        article_pattern=pattern,
    )
    text = render(proposal, pages)
    site = parse_site(tomllib.loads(text), Path(f"{proposal.name}.toml"))
    return Draft(
        site=site,
        text=text,
        pages=pages,
        sections=sections,
        listings_matched=[u for u in listings if site.is_article(u)],
        pages_missed=[u for u in articles if not site.is_article(u)],
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _scope(domain: str) -> Callable[[str], bool]:
    def in_scope(host: str) -> bool:
        host = host.lower()
        return host == domain or host.endswith("." + domain)

    return in_scope


def _string(value: str) -> str:
    """A TOML string: literal ('...') when it can be, so regular expressions read as written."""
    if "'" not in value and "\n" not in value and value.isprintable():
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _list(values: list[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_string(v)},\n" for v in values) + "]"


def render(proposal: Proposal, pages: list[PageReport]) -> str:
    """The site file's text, a comment before each key."""
    sample = pages[0].url if pages else ""
    p = proposal
    lines = [
        f"# {p.name}: a starter site file drafted by `scrapy site init` from "
        f"{len(pages)} saved page(s).",
        "# Check each key against the site, then crawl it:",
        f"#   scrapy crawl news -a site={p.name}",
        "",
        "# The site's name: it names the items files and the state's records.",
        f"name = {_string(p.name)}",
        "# Hosts crawled: these domains and their subdomains; nothing else is requested.",
        f"domains = {_list(p.domains)}",
        "# Dates written without a UTC offset are read in this time zone.",
        f"timezone = {_string(p.timezone)}",
        f"language = {_string(p.language)}",
        "",
        "# Where discovery starts: the home page (its links to articles are followed).",
        f"start_urls = {_list(p.start_urls)}",
        "# Also read the sitemaps that robots.txt names.",
        "robots_sitemaps = true",
        "# Sitemaps and feeds the pages link to.",
        f"sitemaps = {_list(p.sitemaps)}",
        f"feeds = {_list(p.feeds)}",
        "# Section pages from the pages' menus: their article links are followed, page after",
        "# page (add section_next = a selector when the 'next page' link is not found).",
        f"sections = {_list(p.sections)}",
        "",
        "# Which links are articles, learned from the pages' URLs",
        f"# (e.g. {sample}).",
        "# Widen it if the site has other article URL shapes.",
        f"article_pattern = {_string(p.article_pattern)}",
        "",
        "# Selectors for what the generic layer misses, e.g. (CSS, or XPath starting with /):",
        "# [selectors]",
        '# published = "time.date::text"',
        '# authors = "a.author::text"',
        '# body = "div.article-body"',
        "",
    ]
    return "\n".join(lines)
