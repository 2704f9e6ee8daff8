"""NewsSpider: one generic spider driven by a site file (``-a site=NAME`` or a ``.toml`` path).

``-a site=https://host/`` crawls a site that has no file: discovery from robots.txt, the
``/sitemap.xml``, the feeds and section links of the home page; articles told by URL shape
(:mod:`crawler.urlshape`) and, once fetched, by page kind (:mod:`crawler.pagekind`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameter

from archive.crawlstate import crawl_state
from archive.metakeys import META_KEY as CAPTURE_META
from archive.reader import ArchivedRecordError
from archive.state import ArticleState, CrawlState
from archive.unchanged import (
    LAZY_META,
    PAGE_META,
    UNREAD_FLAG,
    UNREAD_META,
    Confirmed,
    unchanged_articles,
)
from archive.warcitems import CONTINUES_META, ITEM_CAPTURE_META
from crawler.discovery import (
    DiscoveryCaps,
    DiscoveryError,
    DiscoveryTooLarge,
    FeedEntry,
    feed_links,
    iter_feed,
    iter_sitemap,
    links_from_page,
    nav_links,
    next_page_link,
    sitemap_urls_from_robots,
)
from crawler.discovery.hints import Hints
from crawler.extraction import check_selectors, merge_pages
from crawler.extractpool import WorkerTimeout, extraction_pool
from crawler.items import Article
from crawler.middlewares import Refused
from crawler.pagekind import page_kind
from crawler.pagework import ExtractedPage, extract_page
from crawler.sites import SiteConfig, load_site
from crawler.siteurl import INDONESIA, names_url, site_from_url
from crawler.sizes import size_limits
from crawler.spidermiddlewares.assets import OWN_ASSETS_META
from crawler.spidermiddlewares.gate import (
    ARTICLE_META,
    DISCOVERY_META,
    FOUND_IN_META,
    HINTS_ARG,
)
from crawler.spidermiddlewares.schedule import SCHEDULED
from crawler.urlshape import UrlShapes, section_links

# Request meta: the first page of the section a section page belongs to.
SECTION_META = "section_first_page"


def rebase(url: str, origin: str | None) -> str:
    """Point ``url`` at ``origin`` (scheme://host:port), keeping path and query."""
    if not origin:
        return url
    target = urlsplit(origin)
    parts = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


class NewsSpider(scrapy.Spider):
    """Discovers articles from sitemaps, feeds and section pages; yields one item per article."""

    name = "news"

    def __init__(
        self,
        site: str | None = None,
        origin: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not site:
            raise ValueError("NewsSpider needs a site: scrapy crawl news -a site=NAME")
        # A site given by its URL: articles are told by their shape, learned as links come.
        self.shapes: UrlShapes | None = None
        # Sitemaps requested so far, when they are capped (a site given by its URL).
        self.sitemaps_seen: set[str] = set()
        # Article links found per section (by its first page) this run: a page of the section
        # adding none ends its paging.
        self.section_articles: dict[str, set[str]] = {}
        if names_url(site):
            self.site: SiteConfig = site_from_url(site, timezone, language)
            self.shapes = UrlShapes()
            if not timezone and self.site.timezone != INDONESIA:
                self.logger.info(
                    "Dates without a UTC offset are read as %s: give -a timezone=... if the "
                    "site writes another local time",
                    self.site.timezone,
                )
        else:
            self.site = load_site(site)
        check_selectors(self.site)
        self.site_name = self.site.name
        self.origin = origin
        self.allowed_domains = list(self.site.domains)
        # Size limits per kind of page, read from the settings on first use.
        self.limits: dict[str, dict[str, int]] | None = None
        self.started_at = datetime.now(UTC)

    # --- discovery ------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for request in self._seed_requests():
            yield request
        for request in self._due_requests():
            yield request

    def _capped(self, setting: str, limit: int, missed: str) -> None:
        """Warn of (once per setting) and count a discovery cap this crawl hits."""
        caps: DiscoveryCaps | None = getattr(self, "_caps", None)
        if caps is None:
            caps = self._caps = DiscoveryCaps(self.site_name, self.crawler.stats, self.logger)
        caps.hit(setting, limit, missed)

    @property
    def store(self) -> CrawlState | None:
        return crawl_state(self.crawler)

    def _due_requests(self) -> Iterator[scrapy.Request]:
        """Known articles due for a visit (all live ones with ``REVISIT_ALL_DUE``)."""
        state = self.store
        if state is None:
            return
        due: Iterable[ArticleState]
        if self.settings.getbool("REVISIT_ALL_DUE"):
            due = (a for a in state.articles(self.site_name) if a.status == "live")
        else:
            due = state.due_articles(self.site_name, self.started_at)
        for article in due:
            self.crawler.stats.inc_value("schedule/due")
            yield from self._article_request(article.url, SCHEDULED)

    def _seed_requests(self) -> Iterator[scrapy.Request]:
        site = self.site
        if self.shapes is not None:
            yield from self._site_url_seeds()
            return
        if site.robots_sitemaps:
            for url in site.start_urls or site.sections:
                parts = urlsplit(rebase(url, self.origin))
                robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
                yield from self._discovery(robots, self.parse_robots, "robots")
        for url in site.sitemaps:
            yield from self._discovery(rebase(url, self.origin), self.parse_sitemap, "sitemap")
        for url in site.feeds:
            yield from self._discovery(rebase(url, self.origin), self.parse_feed, "feed")
        for url in (*site.sections, *site.start_urls):
            yield from self._discovery(
                rebase(url, self.origin), self.parse_section, "section", depth_in_section=1
            )

    def _site_url_seeds(self) -> Iterator[scrapy.Request]:
        """robots.txt, /sitemap.xml and the home page of a site given by its URL."""
        home = self.site.start_urls[0]
        parts = urlsplit(home)
        yield from self._discovery(
            f"{parts.scheme}://{parts.netloc}/robots.txt", self.parse_robots, "robots"
        )
        yield from self._sitemap(f"{parts.scheme}://{parts.netloc}/sitemap.xml")
        yield from self._discovery(home, self.parse_home, "section", depth_in_section=1)

    def _sitemap(self, url: str) -> Iterator[scrapy.Request]:
        """A sitemap; for a site given by its URL, at most ``SITE_URL_MAX_SITEMAPS`` of them."""
        if self.shapes is not None:
            if url in self.sitemaps_seen:
                return
            limit = self.settings.getint("SITE_URL_MAX_SITEMAPS")
            if len(self.sitemaps_seen) >= limit:
                self._capped("SITE_URL_MAX_SITEMAPS", limit, f"sitemap {url}")
                return
            self.sitemaps_seen.add(url)
        yield from self._discovery(url, self.parse_sitemap, "sitemap")

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        """The home page of a site given by its URL: its feeds, sections and articles."""
        if not isinstance(response, TextResponse):
            self._skip("discovery/errors/section", f"skipped non-text home page {response.url}")
            return
        for url in feed_links(response, response.url):
            if self._on_site(url):
                yield from self._discovery(url, self.parse_feed, "feed")
        limit = self.settings.getint("SITE_URL_MAX_SECTIONS")
        links = nav_links(response, response.url)
        # One more than the limit: to know whether the cap left sections out.
        sections = section_links(links, response.url, self.site.allows, limit + 1)
        if len(sections) > limit:
            self._capped("SITE_URL_MAX_SECTIONS", limit, f"sections after {sections[limit - 1]}")
        for url in sections[:limit]:
            self.crawler.stats.inc_value("discovery/site_url/sections")
            yield from self._discovery(url, self.parse_section, "section", depth_in_section=1)
        yield from self.parse_section(response)

    def _is_article(self, url: str, found_in: str, declared: bool = False) -> bool:
        """Whether a discovered link is an article: the site file's pattern, or its shape.

        ``declared``: a news sitemap lists it as news. Sitemap and feed links teach the
        shapes of the site's articles.
        """
        if self.shapes is None:
            return self.site.is_article(url)
        if not self._on_site(url):
            return False
        if found_in != "section":
            self.shapes.learn(url)
        return declared or self.shapes.is_article(url)

    def _discovery(
        self, url: str, callback: Any, kind: str, **meta: Any
    ) -> Iterator[scrapy.Request]:
        """A discovery page of ``kind`` (its size limits: ``DOWNLOAD_MAXSIZE_BY_KIND``).

        Read once per run by the discovery gate, not left to the dupefilter: a run resumed
        from ``JOBDIR`` must read its discovery pages again, since the article requests they
        gave were only held in memory.
        """
        yield scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={**meta, DISCOVERY_META: kind, **self._size_limits(kind)},
            dont_filter=True,
        )

    def _size_limits(self, kind: str) -> dict[str, int]:
        """``download_maxsize``/``download_warnsize`` meta for a page of ``kind``."""
        if self.limits is None:
            self.limits = size_limits(self.settings)
        return self.limits[kind]

    def _max_size(self, kind: str) -> int:
        return self._size_limits(kind)["download_maxsize"]

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        for url in sitemap_urls_from_robots(response.body, response.url):
            yield from self._sitemap(url)

    async def parse_sitemap(self, response: Response) -> AsyncIterator[scrapy.Request]:
        # Read a chunk at a time, pausing between chunks: a 50 MB sitemap does not hold the
        # event loop (downloads, archiving) for the seconds it takes to read.
        parts = iter_sitemap(response.body, response.url, max_size=self._max_size("sitemap"))
        started = time.monotonic()
        try:
            for sitemap in parts:
                self.crawler.stats.inc_value("discovery/entries/sitemap", len(sitemap.entries))
                for entry in sitemap.entries:
                    if sitemap.kind == "sitemapindex":
                        requests = self._sitemap(entry.loc)
                    elif self._is_article(entry.loc, "sitemap", bool(entry.news_title)):
                        requests = self._article_request(
                            entry.loc,
                            "sitemap",
                            sitemap_published_raw=entry.news_publication_date or entry.lastmod,
                            sitemap_title=entry.news_title,
                        )
                    else:
                        continue
                    for request in requests:
                        yield request
                await asyncio.sleep(0)
        except DiscoveryError as exc:
            self._skip("discovery/errors/sitemap", f"skipped sitemap: {exc}")
            if isinstance(exc, DiscoveryTooLarge):
                self._capped("DOWNLOAD_MAXSIZE_BY_KIND", self._max_size("sitemap"), response.url)
        self._read_time("sitemap", response.url, started)

    async def parse_feed(self, response: Response) -> AsyncIterator[scrapy.Request]:
        parts = iter_feed(response.body, response.url, max_size=self._max_size("feed"))
        started = time.monotonic()
        try:
            for entries in parts:
                self.crawler.stats.inc_value("discovery/entries/feed", len(entries))
                for entry in entries:
                    for request in self._feed_entry_requests(entry):
                        yield request
                await asyncio.sleep(0)
        except DiscoveryError as exc:
            self._skip("discovery/errors/feed", f"skipped feed: {exc}")
            if isinstance(exc, DiscoveryTooLarge):
                self._capped("DOWNLOAD_MAXSIZE_BY_KIND", self._max_size("feed"), response.url)
        self._read_time("feed", response.url, started)

    def _read_time(self, kind: str, url: str, started: float) -> None:
        """Keep the longest time a discovery document took to read (pauses included)."""
        seconds = round(time.monotonic() - started, 2)
        self.crawler.stats.max_value("discovery/read_seconds_max", seconds)
        if seconds >= 1:
            self.logger.info("Read %s %s in %.1f s", kind, url, seconds)

    def _feed_entry_requests(self, entry: FeedEntry) -> Iterator[scrapy.Request]:
        # Some feeds link through a redirector and keep the article URL in the guid.
        for url in (entry.link, entry.guid):
            if url and self._is_article(url, "feed") and self._on_site(url):
                yield from self._article_request(
                    url, "feed", sitemap_published_raw=entry.published_raw
                )
                return

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self._skip("discovery/errors/section", f"skipped non-text section {response.url}")
            return
        section = str(response.meta.get(SECTION_META, response.url))
        seen = self.section_articles.setdefault(section, set())
        added = unknown = 0
        state = (
            crawl_state(self.crawler) if self.settings.getbool("SECTION_STOP_AT_KNOWN") else None
        )
        for url in links_from_page(response, response.url, self.site.section_links):
            if self._is_article(url, "section") and self._on_site(url):
                if url not in seen:
                    seen.add(url)
                    added += 1
                for request in self._article_request(url, "section"):
                    if state is None or state.get_capture(request.url) is None:
                        unknown += 1
                    yield request
        next_url = next_page_link(response, response.url, self.site.section_next)
        if not next_url:
            return
        depth = int(response.meta.get("depth_in_section", 1))
        # A first page is always paged on: its lead block may list stories in other markup.
        if not added and depth > 1:
            # Past the end of the listing (empty or repeated pages): paging further finds nothing.
            self.crawler.stats.inc_value("discovery/section/no_new_links")
            return
        if not unknown and depth > 1:
            # Every article listed was fetched by an earlier run: the listing runs newest first,
            # so the pages after it hold older ones still; those due are asked for anyway.
            self.crawler.stats.inc_value("discovery/section/all_known")
            return
        limit = self.settings.getint("SECTION_MAX_PAGES")
        if depth >= limit:
            self._capped("SECTION_MAX_PAGES", limit, f"section pages from {next_url}")
            return
        meta = {"depth_in_section": depth + 1, SECTION_META: section}
        yield from self._discovery(next_url, self.parse_section, "section", **meta)

    def _on_site(self, url: str) -> bool:
        return self.site.allows(urlsplit(url).hostname or "")

    # --- articles ---------------------------------------------------------------------------

    def _article_request(
        self, url: str, found_in: str, **hints: str | None
    ) -> Iterator[scrapy.Request]:
        """The request for an article URL; the spider middlewares hold it or pass it over."""
        rule = self.site.multipage
        if rule and rule.all_pages_param:
            param, _, param_value = rule.all_pages_param.partition("=")
            url = add_or_replace_parameter(url, param, param_value)
        meta = {ARTICLE_META: url, FOUND_IN_META: found_in, **self._size_limits("article")}
        if unchanged_articles(self.crawler) is not None:
            # A 304 confirming the known version may stay unread (archive.unchanged).
            meta[LAZY_META] = "paged" if rule and rule.next else "single"
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta=meta,
            cb_kwargs={HINTS_ARG: Hints.found(found_in, **hints)},
        )

    async def parse_article(
        self, response: Response, hints: Hints | None = None
    ) -> AsyncIterator[Any]:
        if not isinstance(response, TextResponse):
            self._skip("articles/skipped/not_text", f"skipped non-text article {response.url}")
            return
        requests, unchanged = _drained(self._unchanged(response, hints))
        for request in requests:
            yield request
        if unchanged:
            return
        if self.shapes is not None:
            kind = page_kind(response.selector, response.url)
            if not kind.article:
                self.crawler.stats.inc_value("articles/skipped/not_article")
                self.logger.info("Not an article (%s): %s", kind.reason, response.url)
                return
        page = await self._extract(response, self._item_fields(response, hints))
        if page is None:
            return
        _note_assets(response, page)
        if page.stepped is None:
            for name, value in (hints or Hints()).items():
                setattr(page.article, name, value)
        for output in self._continue_or_finish(page.article, [], {response.url}, page.next_url, {}):
            yield output

    async def parse_next_page(
        self,
        response: Response,
        first: Article,
        rest: list[Article],
        seen: set[str],
        captures: dict[str, str] | None = None,
    ) -> AsyncIterator[Any]:
        """A later page of an article: the request for the next, or the article whole.

        ``captures``: the capture record ID of each later page so far, as the worker that
        fetched it archived it (another worker of the crawl may not have sent it yet).
        """
        next_url = None
        captures = {**(captures or {}), **self._capture_of(response)}
        if isinstance(response, TextResponse):
            fields = self._item_fields(response, None)
            page = await self._extract(response, fields, (first, *rest))
            if page is None:
                return
            _note_assets(response, page)
            if page.stepped is not None:
                # The last page: the worker merged the pages and ran the steps.
                later = [*(page.url for page in rest), response.url]
                self._note_pages(first.url, later, captures)
                yield page.article
                return
            rest, next_url = [*rest, page.article], page.next_url
        seen = seen | {response.url}
        for output in self._continue_or_finish(first, rest, seen, next_url, captures):
            yield output

    def _continue_or_finish(
        self,
        first: Article,
        rest: list[Article],
        seen: set[str],
        next_url: str | None,
        captures: dict[str, str],
    ) -> Iterator[Any]:
        """The request for the article's next page (``next_url``), else the article whole."""
        rule = self.site_for(first.url).multipage
        if rule and next_url and next_url not in seen and len(seen) < rule.max_pages:
            yield scrapy.Request(
                next_url,
                callback=self.parse_next_page,
                errback=self.on_page_error,
                meta={CONTINUES_META: True, **self._size_limits("article")},
                cb_kwargs={"first": first, "rest": rest, "seen": seen, "captures": captures},
            )
            return
        if rest:
            self._note_pages(first.url, [page.url for page in rest], captures)
        yield merge_pages(first, rest) if rest else first

    def _note_pages(self, first_url: str, later_urls: list[str], captures: dict[str, str]) -> None:
        """An article of several pages is whole: counted, and its later pages noted."""
        self.crawler.stats.inc_value("articles/multipage")
        unchanged = unchanged_articles(self.crawler)
        if unchanged is not None:
            unchanged.note_pages(first_url, later_urls, captures)

    def _capture_of(self, response: Response) -> dict[str, str]:
        """``{url: capture record ID}`` of a page this worker just fetched, when known."""
        unchanged = unchanged_articles(self.crawler)
        found = unchanged.capture_id(response.url) if unchanged is not None else None
        return {response.url: found} if found else {}

    def _unchanged(
        self, response: TextResponse, hints: Hints | None
    ) -> Generator[scrapy.Request, None, bool]:
        """Whether the page repeats its article's known version: then it is seen, not extracted.

        An article of several pages is seen once each later page is fetched again and found
        unchanged (:meth:`parse_unchanged_page`); without a record of its later pages it is
        extracted as before.
        """
        unchanged = unchanged_articles(self.crawler)
        if unchanged is None:
            return False
        site = self.site_for(response.url)
        rule = site.multipage
        confirmed: Confirmed | None = response.meta.get(UNREAD_META)
        if confirmed is None:
            confirmed = unchanged.confirmed(
                response,
                paged=lambda: bool(
                    rule and rule.next and next_page_link(response, response.url, rule.next)
                ),
            )
        if confirmed is None:
            return False
        article, pages = confirmed
        if pages:
            yield self._unchanged_page(article, pages, 0, response.url, hints)
        else:
            unchanged.skip(response, article, site.revisit)
        return True

    def _unchanged_page(
        self,
        article: ArticleState,
        pages: tuple[tuple[str, str], ...],
        index: int,
        first_url: str,
        hints: Hints | None,
    ) -> scrapy.Request:
        """The request for a later page of an article whose earlier pages were unchanged."""
        url, expected = pages[index]
        return scrapy.Request(
            url,
            callback=self.parse_unchanged_page,
            errback=self.on_page_error,
            meta={
                CONTINUES_META: True,
                LAZY_META: "page",
                PAGE_META: expected,
                **self._size_limits("article"),
            },
            cb_kwargs={
                "article": article,
                "pages": pages,
                "index": index,
                "first_url": first_url,
                "hints": hints,
            },
        )

    async def parse_unchanged_page(
        self,
        response: Response,
        article: ArticleState,
        pages: tuple[tuple[str, str], ...],
        index: int,
        first_url: str,
        hints: Hints | None,
    ) -> AsyncIterator[Any]:
        """A later page of an article whose earlier pages were unchanged: the next, or done.

        A page that changed has the earlier ones read back from the archive, and the article
        is extracted whole.
        """
        unchanged = unchanged_articles(self.crawler)
        assert unchanged is not None  # only it asks for these pages
        if UNREAD_FLAG in response.flags or unchanged.same_page(response, pages[index][1]):
            if index + 1 < len(pages):
                yield self._unchanged_page(article, pages, index + 1, first_url, hints)
            else:
                unchanged.skip(response, article, self.site_for(first_url).revisit)
            return
        self.crawler.stats.inc_value("articles/unchanged/page_changed")
        earlier = [first_url, *(url for url, _ in pages[:index])]
        try:
            read = [unchanged.archived_page(url) for url in earlier]
        except (ArchivedRecordError, LookupError) as exc:
            self.crawler.stats.inc_value("articles/held_back/unreadable")
            self.logger.warning(
                "Held back %s: an earlier page cannot be read back (%s); the next run reads it",
                first_url,
                exc,
            )
            unchanged.forget_basis(article)
            return
        texts = [page for page in read if isinstance(page, TextResponse)]
        if isinstance(response, TextResponse):
            texts.append(response)
        extracted = [await self._extract(page) for page in texts]
        if not extracted or any(page is None for page in extracted):
            return  # a page without an answer in time: skipped, logged and counted
        done = [page for page in extracted if page is not None]
        if isinstance(response, TextResponse):
            _note_assets(response, done[-1])
        first, rest = done[0].article, [page.article for page in done[1:]]
        for name, value in (hints or Hints()).items():
            setattr(first, name, value)
        next_url = done[-1].next_url if isinstance(response, TextResponse) else None
        seen = {*earlier, response.url}
        captures = self._capture_of(response)
        for output in self._continue_or_finish(first, rest, seen, next_url, captures):
            yield output

    def _item_fields(self, response: TextResponse, hints: Hints | None) -> dict[str, Any] | None:
        """What the page's item gets before the item steps, should the page be all of it.

        The discovery hints, and the capture's ``WARC-Date`` as ``fetched_at`` (which
        :class:`archive.warcitems.WarcLocationMiddleware` sets on the item; the dates step
        counts relative dates from it).  None when the page was not archived: the item then
        gets the time it is located, and is stepped after that, by the steps pipeline.
        """
        capture = response.meta.get(ITEM_CAPTURE_META) or response.meta.get(CAPTURE_META) or {}
        fetched_at = capture.get("warc_date")
        if not fetched_at:
            return None
        return {**dict((hints or Hints()).items()), "fetched_at": fetched_at}

    async def _extract(
        self,
        response: TextResponse,
        fields: dict[str, Any] | None = None,
        earlier: tuple[Article, ...] = (),
    ) -> ExtractedPage | None:
        """The page's article and next page link, read in a worker when there is a pool.

        ``fields``: see :meth:`_item_fields`; with them, a page without a next page may
        come back stepped (``stepped``), merged with the ``earlier`` pages' articles.
        None: the worker gave no answer in time (logged and counted by the pool).
        """
        # Counted so that a re-crawl shows which pages cost an extraction.
        self.crawler.stats.inc_value("articles/extracted_pages")
        site = self.site_for(response.url)
        next_selector = site.multipage.next if site.multipage else None
        pool = extraction_pool(self.crawler)
        if pool is None:
            return extract_page(response, site, next_selector)
        try:
            return await pool.extract(response, site, next_selector, fields, earlier)
        except WorkerTimeout:
            self._skip("articles/skipped/extract_timeout", f"skipped {response.url}: no extraction")
            return None

    def site_for(self, url: str) -> SiteConfig:
        """The site file an article page is read with (one per spider here)."""
        return self.site

    # --- errors -----------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind = failure.type.__name__ if failure.type is not None else "Error"
        if failure.check(Refused):
            return  # out of scope, a redirect loop, gone...: logged and counted where refused
        self._skip(f"errors/{kind}", f"failed {url}: {failure.getErrorMessage()}")

    def on_page_error(self, failure: Failure) -> Iterable[Article]:
        """A later page of a multi-page article failed: hold the article back, counted.

        Nothing is emitted and its state is left as it was, so the next run fetches it again
        (a new article is still unknown, a known one still due) and emits it whole.
        """
        self.on_error(failure)
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        first_url = kwargs["first"].url if "first" in kwargs else kwargs["first_url"]
        self.crawler.stats.inc_value("articles/held_back/page_failed")
        self.logger.warning(
            "Held back %s: its page %s could not be fetched; the next run fetches it again",
            first_url,
            failure.request.url,  # type: ignore[attr-defined]
        )
        return []

    def _skip(self, stat: str, message: str) -> None:
        self.crawler.stats.inc_value(stat)
        self.logger.warning(message)


def _note_assets(response: TextResponse, page: ExtractedPage) -> None:
    """Hand the page's own files, listed by the worker, to the asset middleware."""
    if page.assets is not None:
        response.meta[OWN_ASSETS_META] = page.assets


def _drained(steps: Generator[scrapy.Request, None, bool]) -> tuple[list[scrapy.Request], bool]:
    """What a generator yields, and what it returns."""
    values: list[scrapy.Request] = []
    while True:
        try:
            values.append(next(steps))
        except StopIteration as stop:
            return values, stop.value
