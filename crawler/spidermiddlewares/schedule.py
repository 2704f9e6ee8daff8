"""Spider middleware: known articles that are not due for a visit are not fetched again.

An article request (``request.meta["article_url"]``) found by discovery is dropped when the
crawl state knows the article, it is live, and its next visit is still to come, counted once
per article as ``schedule/skipped_not_due``.  Requests the schedule itself queued
(``found_in`` "schedule") and new or gone articles pass; ``REVISIT_ALL_DUE`` lets all pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.exceptions import NotConfigured

from archive.crawlstate import crawl_state
from archive.state import ArticleState
from crawler.spidermiddlewares.gate import ARTICLE_META, FOUND_IN_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: ``found_in`` of the requests the revisit schedule queued.
SCHEDULED = "schedule"


class NotDueMiddleware:
    """Drops discovered article requests of known articles not yet due for a visit."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.started_at = datetime.now(UTC)
        # Known articles passed over this run (each counted once).
        self.not_due: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("STATE_ENABLED") or settings.getbool("REVISIT_ALL_DUE"):
            raise NotConfigured  # every article is fetched
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if not (isinstance(output, Request) and self._not_due(output)):
                yield output

    def _not_due(self, request: Request) -> bool:
        url = request.meta.get(ARTICLE_META)
        if url is None or request.meta.get(FOUND_IN_META) == SCHEDULED:
            return False
        state = crawl_state(self.crawler)
        if state is None:
            return False
        try:
            article = state.find_article(url)
        except ValueError:
            return False
        if article is None or not self.skips(article):
            return False
        if article.last_seen < self.started_at and article.canonical_url not in self.not_due:
            self.not_due.add(article.canonical_url)
            self.stats.inc_value("schedule/skipped_not_due")
        return True

    def skips(self, article: ArticleState) -> bool:
        """Whether a discovered link to ``article`` is passed over now."""
        # Gone and linked again: look.  Due: the schedule queued it too, the dupefilter keeps
        # one.  Otherwise not yet due, or visited earlier in this run.
        due = article.next_visit is not None and article.next_visit <= self.started_at
        return article.status == "live" and not due
