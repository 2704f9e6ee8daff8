"""Spider middleware: a known article whose page answers 404 or 410 is marked gone.

The state side applies :func:`archive.transitions.article_after_fetch`, the rule ``scrapy state
rebuild`` applies to the same record; earlier captures and versions stay.  The response then
reaches the request's errback as :class:`ArticleGone`, a refusal already logged and counted
(``versions/gone``), not as an HTTP error.

Meant for a priority below Scrapy's ``HttpErrorMiddleware`` (50), which would otherwise turn
the response into an :class:`~scrapy.spidermiddlewares.httperror.HttpError` first.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured

from archive.crawlstate import crawl_state
from archive.metakeys import META_KEY
from archive.schedule import DEFAULT_SCHEDULE
from archive.transitions import GONE_STATUSES, article_after_fetch
from crawler.middlewares import Refused

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ArticleGone(Refused):
    """A known article's page is gone; its state says so."""


class GoneArticleMiddleware:
    """Marks known articles gone when their page answers 404 or 410."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED"):
            raise NotConfigured  # no state: nothing is known to be gone
        return cls(crawler)

    def process_spider_input(self, response: Response) -> None:
        if response.status not in GONE_STATUSES:
            return
        state = crawl_state(self.crawler)
        if state is None:
            return
        try:
            article = state.find_article(response.url)
        except ValueError:  # not an http(s) URL, so no article's
            return
        if article is None:
            return
        warc = response.meta.get(META_KEY) or {}
        when = datetime.fromisoformat(warc["warc_date"]) if "warc_date" in warc else None
        after = article_after_fetch(
            article, response.status, when or datetime.now(UTC), DEFAULT_SCHEDULE
        )
        if after is not None:
            state.put_article(after)
        if article.status == "live":
            self.stats.inc_value("versions/gone")
            logger.info("Gone (%d): %s", response.status, response.url)
        raise ArticleGone(f"gone ({response.status}): {response.url}")
