"""Unchanged re-crawls: an article page the state already knows is not extracted again.

A page fetched again whose payload is its URL's last full capture (a ``revisit`` record, or a
304 confirming it) can only give the version the state holds, when that capture is what the
article's current version was extracted from, or was seen to give it since
(:func:`archive.transitions.confirms_version`), and when nothing else that version came from
changed: the learned boilerplate taken out of it and its later pages.  Each version extracted
records that as its :class:`~archive.state.ExtractionBasis` (:class:`ExtractionBasisPipeline`):
the digest of the site's learned blocks applied (:func:`learned_digest`) and the URL and
capture of each later page.  A page whose basis still holds skips extraction and the item
pipelines: its WARC record is written as always, and the article's state moves on exactly as
the versions pipeline moves an unchanged article (``article_after_fetch``), counted as
``versions/unchanged`` and ``articles/unchanged/skipped_extraction``.  An article of several
pages is skipped once each later page is fetched again and found to be the capture its basis
names; a later page that changed has the earlier ones read back from the archive and the
article extracted whole, as on a first crawl.

Without a basis (a state written before bases were kept, or a backend that keeps none), a
page skips only on a site with no learned blocks and when it has no later page.

A 304 for a page that skips is not even read back from the archive: the conditional GET
middleware asks :meth:`UnchangedArticles.unread` and hands the spider an empty 200 flagged
``unread`` (article requests carry :data:`LAZY_META` for it).  The state updates of skipped
pages, and the bases, are written together, every ``FLUSH_EVERY`` of them and when the spider
idles or closes; an update whose article got another state in between is left out (the other
state is the newer one), and a basis lost to a crash only costs an extraction.

Settings: ``RECRAWL_EXTRACT_UNCHANGED`` (extract every page, as crawls did before); needs
``STATE_ENABLED``.  A replay (``REPLAY_FROM``, ``scrapy reextract``) extracts every page it reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urldefrag

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.crawlstate import crawl_state
from archive.metakeys import META_KEY
from archive.reader import CaptureReader, Location
from archive.responses import archived_response
from archive.state import ArticleState, CrawlState, ExtractionBasis, surt_key
from archive.transitions import article_after_fetch, confirms_version
from archive.warcitems import ITEM_CAPTURE_META
from pipelines.fingerprint import fingerprint
from pipelines.learned import LearnedBoilerplatePipeline

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: ``warc_type`` of fetches whose payload is the URL's last full capture.
SAME_PAYLOAD = frozenset({"revisit", "not_modified"})
SKIPPED_STAT = "articles/unchanged/skipped_extraction"
#: ``request.meta`` key of a request whose 304 need not be read back when it confirms what
#: the state knows: ``"single"`` (an article page of a site without later pages), ``"paged"``
#: (one of a site whose articles may have them) or ``"page"`` (a later page, whose expected
#: capture record ID is under :data:`PAGE_META`).
LAZY_META = "unchanged_lazy"
#: ``request.meta`` key of a later page's request: the capture record ID its basis names.
PAGE_META = "unchanged_page"
#: ``request.meta`` key: the article an unread 304 confirmed, and its later pages to check.
UNREAD_META = "unchanged_article"
#: Flag of the empty response standing for a page left unread.
UNREAD_FLAG = "unread"
#: Skipped pages (and bases) whose state updates are written in one transaction.
FLUSH_EVERY = 200

#: An article a fetch confirmed, with the later pages (URL, capture record ID) still to check.
Confirmed = tuple[ArticleState, tuple[tuple[str, str], ...]]


def learned_digest(blocks: Collection[str]) -> str:
    """The digest of a site's learned block set, as bases record it ("" for none)."""
    if not blocks:
        return ""
    return hashlib.sha256("\n".join(sorted(blocks)).encode("ascii")).hexdigest()[:32]


class UnchangedArticles:
    """Tells the spider which article pages need no extraction, and records them as seen."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.directory = Path(crawler.settings["WARC_DIR"])
        # Per site: the digest of its learned blocks, and the pages asked about since.
        self._learning: dict[str, tuple[str, int]] = {}
        # Per article key: its state as read, and after the skipped fetches, not yet written.
        self._pending: dict[str, tuple[ArticleState, ArticleState]] = {}
        self._bases: dict[str, ExtractionBasis] = {}
        # Later page URLs of each multi-page article the spider put together, by its URL,
        # with the capture record IDs the workers that fetched them gave.
        self._later_pages: dict[str, tuple[list[str], Mapping[str, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("RECRAWL_EXTRACT_UNCHANGED") or not settings.getbool("STATE_ENABLED"):
            raise NotConfigured  # every page is extracted, as it is without state
        if settings.get("REPLAY_FROM"):
            raise NotConfigured  # reading the archive again is the point of a replay
        extension = cls(crawler)
        crawler.signals.connect(extension.flush, signal=signals.spider_idle)
        crawler.signals.connect(extension.flush, signal=signals.spider_closed)
        return extension

    # --- deciding --------------------------------------------------------------------------

    def unread(self, request: Request, response: Response) -> bool:
        """Whether a 304 to a :data:`LAZY_META` request needs no reading of the page.

        An article page: when the article can skip, or skip once its later pages are found
        unchanged (put under :data:`UNREAD_META` in ``request.meta``, see :meth:`confirmed`).
        A later page (``"page"``): when its capture is the one its article's basis names.
        """
        lazy = request.meta.get(LAZY_META)
        if lazy == "page":
            return self._same_capture(response.url, request.meta, request.meta.get(PAGE_META))
        if lazy not in ("single", "paged"):
            return False
        article = self._known(response.url, request.meta)
        if article is None:
            return False
        pages = self._basis_pages(article, paged=lambda: lazy == "paged", count=False)
        if pages is None:
            return False
        request.meta[UNREAD_META] = (article, pages)
        return True

    def confirmed(self, response: Response, paged: Callable[[], bool]) -> Confirmed | None:
        """The article ``response`` (read) repeats, and the later pages to check, if it does.

        ``paged`` tells from the page whether it has later pages, asked only when no basis
        says.
        """
        article = self._known(response.url, response.meta)
        if article is None:
            return None
        pages = self._basis_pages(article, paged=paged, count=True)
        return None if pages is None else (article, pages)

    def same_page(self, response: Response, expected: str) -> bool:
        """Whether a later page fetched again is the capture ``expected`` (read or not)."""
        return self._same_capture(response.url, response.meta, expected)

    def _known(self, fetched: str, meta: Mapping[str, Any]) -> ArticleState | None:
        """The article whose current version the fetch repeats byte for byte, if any."""
        warc = meta.get(META_KEY) or {}
        if warc.get("warc_type") not in SAME_PAYLOAD or "warc_date" not in warc:
            return None
        state = crawl_state(self.crawler)
        if state is None:
            return None
        url = urldefrag(fetched)[0]
        try:
            article = state.find_article(url)
        except ValueError:  # not an http(s) URL, so no article's
            return None
        if article is None or not confirms_version(article, state.get_capture(url)):
            return None
        return article

    def _same_capture(self, fetched: str, meta: Mapping[str, Any], expected: Any) -> bool:
        warc = meta.get(META_KEY) or {}
        state = crawl_state(self.crawler)
        if warc.get("warc_type") not in SAME_PAYLOAD or state is None or not expected:
            return False
        capture = state.get_capture(urldefrag(fetched)[0])
        return capture is not None and capture.warc_record_id == expected

    def _basis_pages(
        self, article: ArticleState, *, paged: Callable[[], bool], count: bool
    ) -> tuple[tuple[str, str], ...] | None:
        """The later pages to check before skipping ``article``, or None: it is extracted."""
        state = crawl_state(self.crawler)
        if state is None:
            return None
        learned = self._learned(state, article.site)
        basis = self._bases.get(article.key) or state.get_basis(article.key)
        if basis is not None and basis.fingerprint == article.fingerprint:
            if basis.learned == learned:
                return basis.pages
            stat = "articles/unchanged/extracted_learned"
        elif learned:
            stat = "articles/unchanged/extracted_learned"
        elif paged():
            stat = "articles/unchanged/extracted_multipage"
        else:
            return ()
        if count:
            self.stats.inc_value(stat)
        return None

    def _learned(self, state: CrawlState, site: str) -> str:
        """The digest of ``site``'s learned blocks (read again every so many pages)."""
        learned = self.crawler.get_item_pipeline(LearnedBoilerplatePipeline)
        if learned is None:
            return ""
        digest, asked = self._learning.get(site, ("", learned.refresh_items))
        if asked >= learned.refresh_items:
            blocks = state.learned_blocks(site, learned.min_pages, learned.min_share)
            digest, asked = learned_digest(blocks), 0
        self._learning[site] = (digest, asked + 1)
        return digest

    # --- recording -------------------------------------------------------------------------

    def skip(
        self, response: Response, article: ArticleState, schedule: Sequence[timedelta]
    ) -> None:
        """Record ``article`` as seen again unchanged by ``response``, without extracting it.

        The time seen is that of the article's first page (the capture its item would name).
        """
        if crawl_state(self.crawler) is None:
            return
        warc = response.meta.get(ITEM_CAPTURE_META) or response.meta[META_KEY]
        # The rule the versions pipeline applies to an unchanged item, and rebuild to a revisit.
        after = article_after_fetch(
            article, 200, datetime.fromisoformat(warc["warc_date"]), schedule
        )
        if after is not None:
            before = self._pending.get(article.key, (article, article))[0]
            self._pending[article.key] = (before, after)
            self._flush_when_full()
        self.stats.inc_value("versions/unchanged")
        self.stats.inc_value(SKIPPED_STAT)

    def note_pages(self, url: str, later: list[str], captures: Mapping[str, str]) -> None:
        """The later pages of the article the spider put together from ``url`` and them.

        ``captures``: the capture record ID of later pages, by URL, from the worker that
        fetched each: with several workers, another one's writes may not be sent yet.
        """
        self._later_pages[url] = (later, captures)

    def capture_id(self, url: str) -> str | None:
        """The record ID of the capture the state has of ``url`` (fetched by this worker)."""
        state = crawl_state(self.crawler)
        capture = state.get_capture(urldefrag(url)[0]) if state is not None else None
        return capture.warc_record_id if capture is not None else None

    def record_basis(self, item: Any, applied: Collection[str]) -> None:
        """Keep what the item's version came from: ``applied`` learned blocks, later pages.

        ``item``: the item, or an adapter of it.
        """
        state = crawl_state(self.crawler)
        adapter = item if isinstance(item, ItemAdapter) else ItemAdapter(item)
        url = str(adapter.get("url") or "")
        later, captures = self._later_pages.pop(url, ([], {}))
        if state is None:
            return
        try:
            key = surt_key(str(adapter.get("canonical_url") or url))
        except ValueError:
            return  # no article key, no state to skip by
        pages = []
        for page in later:
            record_id = captures.get(page) or self.capture_id(page)
            if record_id is None:
                return  # a page not archived: nothing to compare it with next time
            pages.append((page, record_id))
        content_hash = str(adapter.get("content_hash") or fingerprint(adapter))
        self._bases[key] = ExtractionBasis(key, content_hash, learned_digest(applied), tuple(pages))
        self._flush_when_full()

    def forget_basis(self, article: ArticleState) -> None:
        """Drop the article's basis: the next fetch of it is read and extracted."""
        state = crawl_state(self.crawler)
        self._bases.pop(article.key, None)
        if state is not None:
            state.put_bases([ExtractionBasis(article.key, "", "")])

    def _flush_when_full(self) -> None:
        if len(self._pending) + len(self._bases) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the skipped pages' state updates (whose articles did not change since), and
        the bases recorded."""
        pending, self._pending = self._pending, {}
        bases, self._bases = self._bases, {}
        state = crawl_state(self.crawler)
        if state is None:
            return
        if bases:
            state.put_bases(bases.values())
        if pending:
            state.put_articles(
                [
                    after
                    for before, after in pending.values()
                    if state.get_article(before.canonical_url) == before
                ]
            )

    # --- reading back ----------------------------------------------------------------------

    def archived_page(self, url: str) -> Response:
        """The last full capture of ``url``, read back decoded as the spider would get it.

        Raises :class:`archive.reader.ArchivedRecordError` when it cannot be read.
        """
        state = crawl_state(self.crawler)
        capture = state.get_capture(url) if state is not None else None
        if capture is None:
            raise LookupError(f"no capture of {url} in the state")
        reader = CaptureReader()
        try:
            record = reader.read(
                Location(self.directory / capture.warc_file, capture.warc_offset), decoded=True
            )
        finally:
            reader.close()
        headers = [(k, v) for k, v in record.headers if k.lower() != b"content-encoding"]
        return archived_response(url, record.status or 200, headers, record.body)


def unchanged_articles(crawler: Crawler) -> UnchangedArticles | None:
    """This crawl's component, or None when every page is extracted."""
    return crawler.get_extension(UnchangedArticles)


class ExtractionBasisPipeline:
    """Records the extraction basis of every article that reaches the versions stage.

    Placed just before :class:`pipelines.versions.VersionsPipeline`: whatever that decides
    (new, updated or unchanged version), the article's fingerprint is then the item's.
    """

    def __init__(self, crawler: Crawler, unchanged: UnchangedArticles) -> None:
        self.crawler = crawler
        self.unchanged = unchanged

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        unchanged = unchanged_articles(crawler)
        if unchanged is None:
            raise NotConfigured  # no page is skipped, so no basis is needed
        return cls(crawler, unchanged)

    def process_item(self, item: Any) -> Any:
        learned = self.crawler.get_item_pipeline(LearnedBoilerplatePipeline)
        adapter = ItemAdapter(item)
        site = str(adapter.get("site") or "")
        # The set the learned stage just applied to this item (it runs before, synchronously).
        applied = learned.learned.get(site, (frozenset(), 0))[0] if learned is not None else ()
        self.unchanged.record_basis(adapter, applied)
        return item
