"""scrapy-redis's scheduler and duplicate filter for the workers of one crawl of a site.

With ``KABARSIP_REDIS_URL`` set, the add-on makes :class:`SharedScheduler` the scheduler:
scrapy-redis's :class:`~scrapy_redis.scheduler.Scheduler` (a priority queue in Redis) with its
:class:`~scrapy_redis.dupefilter.RFPDupeFilter` (fingerprints in a Redis set), so that the
workers pop requests from one queue and none fetches a URL another already queued.  Each
worker's ``start()`` runs discovery: the discovery pages (``dont_filter``) are read by each,
the article requests they yield are queued once, by whichever worker is first.

What the adapter changes, and why:

- Keys: scrapy-redis names them after ``spider.name``, which is ``news`` for every site; here
  they are ``kabarsip:NAMESPACE:SITE:requests`` and ``...:dupefilter``.
- Clearing: scrapy-redis clears both on close unless ``SCHEDULER_PERSIST``, so the first
  worker to finish would empty the queue under the others.  They persist; the workers count
  themselves in ``...:workers`` and the last one to finish a run (close reason ``finished``)
  clears them, so the next run starts afresh and its revisits are not filtered as seen.
  A run stopped early (Ctrl-C, a limit) keeps them, to be resumed.
- Failure: a Redis command that fails (server lost and not back after scrapy-redis's retries)
  fails the run as the state does (close reason ``state_failed``, exit 6, one line) instead
  of raising in the engine's loop on every tick.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from archive.stateopen import redacted_url
from crawler.outcome import fail_crawl

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def shared_keys(namespace: str, site: str) -> dict[str, str]:
    """The Redis keys of the crawl of ``site``: request queue, fingerprints, worker count."""
    base = f"kabarsip:{namespace}:{site}"
    return {name: f"{base}:{name}" for name in ("requests", "dupefilter", "workers")}


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler keyed by site, cleared by the last worker of a finished run."""

    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler: Self = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider: Spider) -> None:
        settings = spider.settings
        site = getattr(spider, "site_name", None) or spider.name
        keys = shared_keys(settings.get("KABARSIP_REDIS_NAMESPACE") or "default", site)
        self.queue_key = keys["requests"]
        self.workers_key = keys["workers"]
        self.df = RFPDupeFilter(
            self.server, key=keys["dupefilter"], debug=settings.getbool("DUPEFILTER_DEBUG")
        )
        workers = self.server.incr(self.workers_key)
        super().open(spider)
        logger.info("Shared Redis queue %s: worker %d of this run", self.queue_key, workers)

    def close(self, reason: str) -> Any:
        try:
            left = self.server.decr(self.workers_key)
            if left <= 0 and reason == "finished":
                self.server.delete(self.workers_key)
                self.flush()
                logger.info("Last worker of the run: shared queue and fingerprints cleared")
        except redis.RedisError as exc:
            logger.warning("Shared Redis queue %s left as it was: %s", self.queue_key, exc)
        return None

    def enqueue_request(self, request: Request) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                self._count("dupefilter/filtered")
                return False
            self.queue.push(request)
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        self._count("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        try:
            request: Request | None = self.queue.pop(self.idle_before_close)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        if request is not None:
            self._count("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return bool(super().has_pending_requests())
        except redis.RedisError as exc:
            self._failed(exc)
            return False

    def _count(self, name: str) -> None:
        # Not scrapy-redis's own counting: it passes ``spider=``, which Scrapy 2.19 deprecates.
        if self.stats is not None:
            self.stats.inc_value(name)

    def _failed(self, error: redis.RedisError) -> None:
        url = self.crawler.settings.get("REDIS_URL") if self.crawler is not None else ""
        message = (
            f"cannot use the shared Redis queue {self.queue_key} at {redacted_url(url or '')}: "
            f"{' '.join(str(error).split())}"
        )
        if self.crawler is not None:
            fail_crawl(self.crawler, "state_failed", message)
