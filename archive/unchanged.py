"""Unchanged re-crawls: an article page the state already knows is not extracted again.

A page fetched again whose payload is its URL's last full capture (a ``revisit`` record, or a
304 confirming it) can only give the version the state holds, when that capture is what the
article's current version was extracted from, or was seen to give it since
(:func:`archive.transitions.confirms_version`).  Such a page skips extraction and the item
pipelines: its WARC record is written as always, and the article's state moves on exactly as
the versions pipeline moves an unchanged article (``article_after_fetch``), counted as
``versions/unchanged`` and ``articles/unchanged/skipped_extraction``.

A site whose learned boilerplate (:mod:`pipelines.learned`) has any block is the exception:
there a page's extraction depends on what was learned since, not only on its bytes, so its
pages are extracted and the versions pipeline decides, as before.

Settings: ``RECRAWL_EXTRACT_UNCHANGED`` (extract every page, as crawls did before); needs
``STATE_ENABLED``.  A replay (``REPLAY_FROM``, ``scrapy reextract``) extracts every page it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Self
from urllib.parse import urldefrag

from scrapy.exceptions import NotConfigured

from archive.capture import META_KEY
from archive.crawlstate import crawl_state
from archive.state import ArticleState, CrawlState
from archive.transitions import article_after_fetch, confirms_version
from pipelines.learned import LearnedBoilerplatePipeline

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: ``warc_type`` of fetches whose payload is the URL's last full capture.
SAME_PAYLOAD = frozenset({"revisit", "not_modified"})
SKIPPED_STAT = "articles/unchanged/skipped_extraction"


class UnchangedArticles:
    """Tells the spider which article pages need no extraction, and records them as seen."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        # Per site: whether it has learned blocks, and the pages asked about since it was read.
        self._learning: dict[str, tuple[bool, int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("RECRAWL_EXTRACT_UNCHANGED") or not settings.getbool("STATE_ENABLED"):
            raise NotConfigured  # every page is extracted, as it is without state
        if settings.get("REPLAY_FROM"):
            raise NotConfigured  # reading the archive again is the point of a replay
        return cls(crawler)

    def known(self, response: Response) -> ArticleState | None:
        """The article whose current version ``response`` repeats byte for byte, if any."""
        warc = response.meta.get(META_KEY) or {}
        if warc.get("warc_type") not in SAME_PAYLOAD or "warc_date" not in warc:
            return None
        state = crawl_state(self.crawler)
        if state is None:
            return None
        url = urldefrag(response.url)[0]
        try:
            article = state.find_article(url)
        except ValueError:  # not an http(s) URL, so no article's
            return None
        if article is None or not confirms_version(article, state.get_capture(url)):
            return None
        return None if self._learns(state, article.site) else article

    def _learns(self, state: CrawlState, site: str) -> bool:
        """Whether ``site`` has learned boilerplate blocks (read again every so many pages)."""
        learned = self.crawler.get_item_pipeline(LearnedBoilerplatePipeline)
        if learned is None:
            return False
        learns, asked = self._learning.get(site, (False, learned.refresh_items))
        if asked >= learned.refresh_items:
            blocks = state.learned_blocks(site, learned.min_pages, learned.min_share)
            learns, asked = bool(blocks), 0
        self._learning[site] = (learns, asked + 1)
        if learns:
            self.stats.inc_value("articles/unchanged/extracted_learned")
        return learns

    def skip(
        self, response: Response, article: ArticleState, schedule: Sequence[timedelta]
    ) -> None:
        """Record ``article`` as seen again unchanged by ``response``, without extracting it."""
        state = crawl_state(self.crawler)
        if state is None:
            return
        # The rule the versions pipeline applies to an unchanged item, and rebuild to a revisit.
        when = datetime.fromisoformat(response.meta[META_KEY]["warc_date"])
        after = article_after_fetch(article, 200, when, schedule)
        if after is not None:
            state.put_article(after)
        self.stats.inc_value("versions/unchanged")
        self.stats.inc_value(SKIPPED_STAT)


def unchanged_articles(crawler: Crawler) -> UnchangedArticles | None:
    """This crawl's component, or None when every page is extracted."""
    return crawler.get_extension(UnchangedArticles)
