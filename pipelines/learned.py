"""Learned boilerplate: blocks a site repeats on many of its articles leave them, no rule needed.

Sites add promo lines, widgets and sign-up prompts without notice, and most sites never get a
site file. This pipeline runs after the item steps (so it sees the cleaned paragraphs) and
before the versions stage (so the version's fingerprint is that of the body it leaves):

1. it records the item's blocks (:func:`pipelines.blocks.item_blocks`: paragraphs, shown
   published date, bylines) in the crawl state, which counts each block once per distinct
   article (the article key of its canonical URL): fetching an article again, or a new version
   of it, counts only the blocks new to that article;
2. it takes the site's learned blocks out of the item (:func:`pipelines.blocks.apply_learned`).

A block is learned once seen on at least ``LEARNED_BOILERPLATE_MIN_PAGES`` distinct articles
and on at least ``LEARNED_BOILERPLATE_MIN_SHARE`` of the articles the site has had since the
block was first seen. The count keeps a real paragraph that two or three related stories share
(a quoted statement, a standard closing sentence) in their bodies; the share keeps a background
paragraph that a long-running story repeats across a few dozen of a site's articles. Measuring
the share since the block's first appearance lets a promo line added today be learned after a
few dozen pages, whatever the size of the site's history.

The learned set is read from the state once per site and again every
``LEARNED_BOILERPLATE_REFRESH_ITEMS`` items of that site, not per paragraph. Items emitted
before a block was learned are not rewritten; ``scrapy reextract`` learns from the archive as
it re-reads it and applies what it learned to the items after. Stats:
``boilerplate/learned/dropped`` (and ``.../dropped/<site>``) for paragraphs dropped,
``boilerplate/learned/spared`` for learned paragraphs kept because nothing else was left,
``boilerplate/learned/dates`` and ``boilerplate/learned/authors`` for widget dates and credits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured, UsageError

from archive.crawlstate import crawl_state
from archive.state import surt_key
from pipelines.blocks import Applied, apply_learned, item_blocks
from pipelines.dates import DEFAULT_TIMEZONE
from pipelines.fingerprint import fingerprint
from pipelines.steppipeline import site_of
from pipelines.versions import fetch_moment

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.state import CrawlState

logger = logging.getLogger(__name__)


class LearnedBoilerplatePipeline:
    """Records each article's blocks in the crawl state and drops the site's learned ones."""

    def __init__(
        self, crawler: Crawler, min_pages: int, min_share: float, refresh_items: int
    ) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.min_pages = min_pages
        self.min_share = min_share
        self.refresh_items = max(1, refresh_items)
        # Per site: the learned digests and the items seen since they were read.
        self.learned: dict[str, tuple[frozenset[str], int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("LEARNED_BOILERPLATE_ENABLED") or not settings.getbool(
            "STATE_ENABLED"
        ):
            raise NotConfigured  # nothing to learn into without a state
        min_pages = settings.getint("LEARNED_BOILERPLATE_MIN_PAGES")
        min_share = settings.getfloat("LEARNED_BOILERPLATE_MIN_SHARE")
        if min_pages < 2 or not 0.0 <= min_share <= 1.0:
            raise UsageError(
                "LEARNED_BOILERPLATE_MIN_PAGES must be 2 or more and "
                "LEARNED_BOILERPLATE_MIN_SHARE between 0 and 1, got "
                f"{min_pages} and {min_share}"
            )
        return cls(
            crawler, min_pages, min_share, settings.getint("LEARNED_BOILERPLATE_REFRESH_ITEMS")
        )

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        state = self._record(adapter)
        if state is not None:
            self._apply(adapter, state)
        return item

    def _apply(self, adapter: ItemAdapter, state: CrawlState) -> None:
        """Take the site's learned blocks out of the item."""
        site = str(adapter.get("site") or "")
        url = str(adapter.get("url") or "")
        learned = self._learned(state, site)
        if learned:
            page_site = site_of(self.crawler, url)
            applied = apply_learned(
                adapter, learned, page_site.timezone if page_site else DEFAULT_TIMEZONE
            )
            self._count(applied, site, url)
            if applied.changed and adapter.get("content_hash"):
                adapter["content_hash"] = fingerprint(adapter)

    def record(self, item: Any) -> CrawlState | None:
        """Count the item's blocks in the state: the state, or None when they were not."""
        return self._record(ItemAdapter(item))

    def _record(self, adapter: ItemAdapter) -> CrawlState | None:
        state = crawl_state(self.crawler)
        key = _article_key(adapter) if state is not None else None
        if state is None or key is None:
            return None
        state.record_blocks(
            str(adapter.get("site") or ""),
            key,
            item_blocks(adapter),
            fetch_moment(adapter.get("fetched_at")),
        )
        return state

    def _learned(self, state: CrawlState, site: str) -> frozenset[str]:
        learned, since = self.learned.get(site, (frozenset(), self.refresh_items))
        if since >= self.refresh_items:
            learned, since = state.learned_blocks(site, self.min_pages, self.min_share), 0
        self.learned[site] = (learned, since + 1)
        return learned

    def _count(self, applied: Applied, site: str, url: str) -> None:
        if applied.paragraphs:
            self.stats.inc_value("boilerplate/learned/dropped", applied.paragraphs)
            self.stats.inc_value(f"boilerplate/learned/dropped/{site}", applied.paragraphs)
            logger.debug("learned boilerplate: %d paragraphs out of %s", applied.paragraphs, url)
        if applied.spared:
            self.stats.inc_value("boilerplate/learned/spared", applied.spared)
        if applied.date:
            self.stats.inc_value("boilerplate/learned/dates")
            logger.debug("learned boilerplate: widget date %r is not %s's", applied.date, url)
        if applied.authors:
            self.stats.inc_value("boilerplate/learned/authors")
            logger.debug(
                "learned boilerplate: widget credit %s is not the author of %s",
                ", ".join(applied.authors),
                url,
            )


class LearningPipeline(LearnedBoilerplatePipeline):
    """Counts each article's blocks and leaves the item as it is: the first pass of
    ``scrapy reextract``, whose items only teach the state what the second pass takes out."""

    def process_item(self, item: Any) -> Any:
        self.record(item)
        return item


class LearnedOnlyPipeline(LearnedBoilerplatePipeline):
    """Takes the learned blocks out of each item and counts none: the second pass of
    ``scrapy reextract``, whose items (the same as the first pass's) are all counted already,
    so that counting them again would change nothing."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        state = crawl_state(self.crawler)
        # The items the first pass could not count are left as they are, as they are there.
        if state is not None and _article_key(adapter) is not None:
            self._apply(adapter, state)
        return item


def _article_key(adapter: ItemAdapter) -> str | None:
    """The key an item's blocks are counted under; None when its URL gives none."""
    try:
        return surt_key(str(adapter.get("canonical_url") or adapter.get("url") or ""))
    except ValueError:
        return None
