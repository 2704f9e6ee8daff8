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
- Leases (:mod:`archive.redisworkers`): requests are popped (a few at a time) and recorded
  as the worker's in one step; each stays recorded until its response is through the spider
  and the item pipelines (:class:`LeaseMiddleware` says so; a discovery page's when its
  worker closes), or its retry or redirect is queued; then it is released with the others
  done, every ``STATE_COMMIT_SECONDS``, once the state has sent the writes of their responses
  (a worker killed before loses a group of writes, and its leases give the requests to the
  others).
  Each worker beats every ``KABARSIP_REDIS_HEARTBEAT_SECONDS`` / 3 and reaps the workers whose
  heartbeat expired, putting their requests back in the queue.  A request that ended
  otherwise (a download error after its retries, dropped by a middleware) stays leased until
  its worker closes.
- Queueing: the fingerprint is added to the filter and the request queued in one script;
  a fingerprint this worker met before is known filtered without asking (the filter keeps
  it until the run's last member leaves).
- Discovery: each worker's discovery gate holds the article requests it found until no
  discovery page is left.  Alone, a worker knows that when it idles; sharing the queue, it
  is kept busy by the articles the others release and would hold its own until the end.  So
  the members count the discovery pages queued and not read yet (a retried or redirected
  page counts once), and each worker's gate releases as soon as none is left
  (:data:`~crawler.spidermiddlewares.gate.discovery_over`), or when it idles, as before.
- Closing: a worker idle with an empty queue stays open while another member is busy (its
  heartbeat says so: set when it takes a request, and at each beat), since that one may still
  queue requests or die with some in flight.
- Clearing: scrapy-redis clears both on close unless ``SCHEDULER_PERSIST``, so the first
  worker to finish would empty the queue under the others.  They persist; the last member
  to leave a finished run clears them, so the next run starts afresh and its revisits are not
  filtered as seen.  A run stopped early (Ctrl-C, a limit) keeps them, and gives its leased
  requests back, to be resumed.
- Failure: a Redis command that fails (server lost and not back after scrapy-redis's retries)
  fails the run as the state does (close reason ``state_failed``, exit 6, one line) instead
  of raising in the engine's loop on every tick.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Self

import redis
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.reactor import CallLaterOnce
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from archive.crawlstate import CrawlStateFailed, crawl_state
from archive.redisworkers import WorkerLeases, worker_name
from archive.state import CrawlStateError
from archive.stateopen import redacted_url
from crawler.outcome import ExitCode, fail_crawl, record_failure
from crawler.spidermiddlewares.gate import DISCOVERY_META, discovery_over

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Seconds between two looks at the other members while this worker waits on them.
_RECHECK_SECONDS = 0.25
#: Seconds the queue must stay empty, and the others idle, before an idle worker leaves: two
#: looks at least.  A member's gate releases its articles before its heartbeat says idle
#: (on ``spider_idle`` the gate's handler runs before the scheduler's, connected later).
_QUIET_SECONDS = 0.5

#: Requests popped and leased at once: one round trip for several, kept in this worker's
#: memory until the engine asks; few, so that the others are not left waiting at the end.
_TAKE_AT_ONCE = 4

#: Priority of a discovery page in the shared queue: ahead of the articles.  Section pages
#: come one after the other, each found on the last; behind the articles the members
#: released, they would keep the articles found on them waiting in the gates.
DISCOVERY_PRIORITY = 100

#: ``Request.meta`` key of the lease token of a request popped from the shared queue.
LEASE_META = "kabarsip_lease"
#: Sent by :class:`LeaseMiddleware` with ``token=`` when a leased request is done.
lease_done = object()
#: Sent by :class:`LeaseMiddleware` for each discovery request out of start or a callback.
discovery_found = object()
#: Sent by :class:`LeaseMiddleware` when a discovery page's callback output is all out.
discovery_read = object()


def shared_keys(namespace: str, site: str) -> dict[str, str]:
    """The Redis keys of the crawl of ``site``: request queue and fingerprints.

    Members and leases live beside them (:class:`~archive.redisworkers.WorkerLeases`).
    """
    base = f"kabarsip:{namespace}:{site}"
    return {name: f"{base}:{name}" for name in ("requests", "dupefilter")}


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler keyed by site, with leases, cleared by the last worker."""

    crawler: Crawler | None = None
    leases: WorkerLeases | None = None
    beating: LoopingCall | None = None
    #: Seconds a worker's heartbeat lives; it beats three times in them.
    ttl = 30.0
    #: Members other than this one that were busy at the last beat.
    busy_peers = 0
    #: When the last beat was (``time.monotonic()``), and the requests it put back.
    beaten = 0.0
    requeued_now = 0
    wake: CallLaterOnce[None] | None = None
    #: Since when this worker, idle, has seen the queue empty and the others idle.
    quiet_since: float | None = None
    #: Seconds between two releases of the leases done (``STATE_COMMIT_SECONDS``; 0: at once).
    release_seconds = 0.0
    releasing: LoopingCall | None = None
    #: Whether this worker's discovery gate may still hold articles found by it.
    discovering = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Fingerprints this worker found or put in the shared duplicate filter: the filter
        #: keeps them until the run's last member leaves, so they need no round trip again.
        self.seen: set[str] = set()
        #: Lease tokens done and not yet released: released once the state has sent the
        #: writes of their responses, so that a worker killed before loses no write.
        self.done: list[str] = []
        #: Requests popped and leased, not yet given to the engine: data and lease token.
        self.taken: deque[tuple[bytes, str]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler: Self
        try:
            scheduler = super().from_crawler(crawler)
        except redis.RedisError:
            # scrapy-redis pings the server here, where a failure cannot close the spider
            # (Scrapy's engine has no slot yet): open() meets the server again and fails.
            scheduler = cls(server=connection.from_settings(crawler.settings), persist=True)
            scheduler.stats = crawler.stats
        scheduler.crawler = crawler
        scheduler.ttl = max(1.0, crawler.settings.getfloat("KABARSIP_REDIS_HEARTBEAT_SECONDS"))
        scheduler.release_seconds = max(0.0, crawler.settings.getfloat("STATE_COMMIT_SECONDS"))
        crawler.signals.connect(scheduler._lease_done, signal=lease_done)
        crawler.signals.connect(scheduler._discovery_found, signal=discovery_found)
        crawler.signals.connect(scheduler._discovery_read, signal=discovery_read)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        settings = spider.settings
        site = getattr(spider, "site_name", None) or spider.name
        namespace = settings.get("KABARSIP_REDIS_NAMESPACE") or "default"
        keys = shared_keys(namespace, site)
        self.queue_key = keys["requests"]
        self.df = RFPDupeFilter(
            self.server, key=keys["dupefilter"], debug=settings.getbool("DUPEFILTER_DEBUG")
        )
        leases = WorkerLeases(
            self.server,
            prefix=f"kabarsip:{namespace}:",
            site=site,
            worker=worker_name(),
            queue_key=self.queue_key,
            dupefilter_key=keys["dupefilter"],
            ttl_seconds=self.ttl,
        )
        try:
            super().open(spider)
            requeued, members = leases.join()
        except redis.RedisError as exc:
            # The engine is still opening: it closes the spider once open, before any fetch.
            message = self._why(exc)
            if self.stats is not None and record_failure(self.stats, ExitCode.STATE, message):
                logger.error("%s; closing the spider", message)
            raise CloseSpider("state_failed") from exc
        self.leases = leases
        if requeued:
            self._count("scheduler/requeued/redis", requeued)
            logger.warning("Put back %d request(s) of dead workers in the shared queue", requeued)
        logger.info(
            "Shared Redis queue %s: worker %s, %d member(s) of this run",
            self.queue_key,
            leases.worker,
            members,
        )
        self.beating = LoopingCall(self._beat)
        self.beating.start(self.ttl / 3, now=False)
        self.wake = CallLaterOnce(self._wake_engine)
        if self.release_seconds > 0:
            self.releasing = LoopingCall(self._release_done)
            self.releasing.start(self.release_seconds, now=False)

    def close(self, reason: str) -> Any:
        if self.beating is not None and self.beating.running:
            self.beating.stop()
        if self.wake is not None:
            self.wake.cancel()
        if self.releasing is not None and self.releasing.running:
            self.releasing.stop()
        if self.leases is None:
            return None
        self._release_done()
        leases, self.leases = self.leases, None
        try:
            cleared, requeued = leases.leave(reason == "finished")
        except redis.RedisError as exc:
            logger.warning("Shared Redis queue %s left as it was: %s", self.queue_key, exc)
            return None
        if requeued:
            logger.info("Put back %d request(s) in the shared queue for a later run", requeued)
        if cleared:
            logger.info("Last worker of the run: shared queue and fingerprints cleared")
        return None

    def enqueue_request(self, request: Request) -> bool:
        # Only a retry or a redirect carries a lease (callbacks build their requests' meta):
        # its parent's, which is done once the follow-up is queued or seen already.
        parent = request.meta.pop(LEASE_META, None)
        try:
            queued, entry = self._push(request)
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        if parent is not None:
            self._lease_done(parent)
        if not entry and DISCOVERY_META in request.meta:
            # Counted as it left its callback (a follow-up: its parent, until read), it will
            # not be read as an entry of its own.
            self._discovery_read()
        if queued:
            self._count("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
            self._count("dupefilter/filtered")
        return queued

    def _push(self, request: Request) -> tuple[bool, bool]:
        """Queue ``request`` unless the shared filter has it: filtered and queued in one step.

        Whether it is in the queue, and whether as an entry of its own: a request not
        filtered that another worker queued the same (the same bytes) is one entry.
        """
        if DISCOVERY_META in request.meta and request.priority < DISCOVERY_PRIORITY:
            request = request.replace(priority=DISCOVERY_PRIORITY)
        if request.dont_filter:
            if self.leases is None:
                self.queue.push(request)
                return True, True
            data = self.queue._encode_request(request)
            return True, self.leases.push_unfiltered(-request.priority, data)
        fingerprint = self.df.request_fingerprint(request)
        if fingerprint in self.seen:
            return False, False
        if self.leases is None:
            queued = not self.df.request_seen(request)
            if queued:
                self.queue.push(request)
        else:
            data = self.queue._encode_request(request)
            queued = self.leases.push(fingerprint, -request.priority, data)
        self.seen.add(fingerprint)
        return queued, queued

    def next_request(self) -> Request | None:
        if self.leases is None:
            return None
        if not self.taken:
            try:
                self.taken.extend(self.leases.take_many(_TAKE_AT_ONCE))
                if self.discovering:
                    self._discovery_left(self.leases.discovery_left())
            except redis.RedisError as exc:
                self._failed(exc)
                return None
            if not self.taken:
                return None
        data, token = self.taken.popleft()
        self.quiet_since = None
        request: Request = self.queue._decode_request(data)
        request.meta[LEASE_META] = token
        self._count("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.leases is None:
            return False
        if self.taken:
            return True
        try:
            return len(self.queue) > 0
        except redis.RedisError as exc:
            self._failed(exc)
            return False

    def spider_idle(self) -> None:
        """Keep this idle worker open while another member is busy, or died with requests.

        On ``spider_idle``, so that the other handlers (the discovery gate releasing the
        article requests it held) run as for one worker.  While it waits, it beats at most
        every :data:`_RECHECK_SECONDS` and wakes its engine to look at the queue again then.
        It leaves once the queue stayed empty and the others idle for :data:`_QUIET_SECONDS`:
        an idle member may be about to queue requests (its discovery gate releasing).
        """
        if self.leases is None:
            return
        now = time.monotonic()
        if now - self.beaten >= _RECHECK_SECONDS:
            self._beat()
            if self.requeued_now:
                self.quiet_since = None
                raise DontCloseSpider
        if self.busy_peers > 0:
            self.quiet_since = None
        elif self.quiet_since is None:
            self.quiet_since = now
        elif now - self.quiet_since >= _QUIET_SECONDS:
            return
        if self.wake is not None:
            self.wake.schedule(_RECHECK_SECONDS)
        raise DontCloseSpider

    def _beat(self) -> None:
        if self.leases is None:
            return
        self.beaten = time.monotonic()
        try:
            beat = self.leases.beat(self._busy())
        except redis.RedisError as exc:
            self._failed(exc)
            return
        self.busy_peers = beat.busy_peers
        self.requeued_now = beat.requeued
        if not beat.was_member:
            self._count("scheduler/lost_lease/redis")
            logger.warning(
                "Worker %s was taken for dead (no heartbeat for %.0f s): its leased requests "
                "went to the others",
                self.leases.worker,
                self.ttl,
            )
        if beat.dead:
            self._count("scheduler/requeued/redis", beat.requeued)
            logger.warning(
                "Worker(s) %s stopped beating: %d leased request(s) put back in the queue",
                ", ".join(beat.dead),
                beat.requeued,
            )

    def _discovery_found(self) -> None:
        if self.leases is not None:
            try:
                self.leases.discovery_queued()
            except redis.RedisError as exc:
                self._failed(exc)

    def _discovery_read(self) -> None:
        if self.leases is None:
            return
        try:
            left = self.leases.discovery_read()
        except redis.RedisError as exc:
            self._failed(exc)
            return
        if self.discovering:
            self._discovery_left(left)

    def _discovery_left(self, left: int) -> None:
        """Open this worker's discovery gate once no member has a discovery page left."""
        crawler = self.crawler
        engine = crawler.engine if crawler is not None else None
        # Its own start requests may yet give discovery pages: Scrapy keeps no public flag.
        if left > 0 or engine is None or getattr(engine, "_start", None) is not None:
            return
        self.discovering = False
        assert crawler is not None
        logger.debug("No discovery page left in the run: the gate releases its articles")
        crawler.signals.send_catch_log(discovery_over)

    def _busy(self) -> bool:
        """Whether this worker downloads, scrapes or still reads its start requests."""
        engine = self.crawler.engine if self.crawler is not None else None
        if engine is None:
            return False
        scraper_slot = engine.scraper.slot
        return bool(
            engine.downloader.active
            or (scraper_slot is not None and not scraper_slot.is_idle())
            # Scrapy keeps no public flag of it: None once the start requests are read.
            or getattr(engine, "_start", None) is not None
        )

    def _wake_engine(self) -> None:
        # Scrapy would ask again on its own 5 s heartbeat; the engine keeps its call private.
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler is not None else None
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _lease_done(self, token: str) -> None:
        if self.leases is None:
            return
        self.done.append(token)
        if self.release_seconds <= 0:
            self._release_done()

    def _release_done(self) -> None:
        """Release the leases done, once the state has sent what their responses wrote."""
        if not self.done or self.leases is None:
            return
        state = crawl_state(self.crawler) if self.crawler is not None else None
        if state is not None:
            try:
                state.commit()
            except (CrawlStateError, CrawlStateFailed):
                return  # the run is failing (exit 6); the leases stay, to be fetched again
        tokens, self.done = self.done, []
        try:
            self.leases.release(*tokens)
        except redis.RedisError as exc:
            self._failed(exc)

    def _count(self, name: str, count: int = 1) -> None:
        # Not scrapy-redis's own counting: it passes ``spider=``, which Scrapy 2.19 deprecates.
        if self.stats is not None:
            self.stats.inc_value(name, count)

    def _failed(self, error: redis.RedisError) -> None:
        if self.crawler is not None:
            fail_crawl(self.crawler, "state_failed", self._why(error))

    def _why(self, error: redis.RedisError) -> str:
        url = self.crawler.settings.get("REDIS_URL") if self.crawler is not None else ""
        return (
            f"cannot use the shared Redis queue {self.queue_key} at {redacted_url(url or '')}: "
            f"{' '.join(str(error).split())}"
        )


class LeaseMiddleware:
    """Spider middleware: a leased request is done once its callback's output is all handled.

    That is when the callback's output is exhausted and each item it yielded has left the
    item pipelines (scraped, dropped or failed).  Put outermost, where the output goes to the
    engine as it is.  A discovery page stays leased until its worker closes: the article
    requests it gave may wait in the worker's memory (the discovery gate holds them until its
    discovery is done), so a worker that dies leaves its discovery pages to be read again.
    It also counts the discovery requests that go out, and the discovery pages read, for
    :class:`SharedScheduler` to tell when the run's discovery is over.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        #: Lease token: [items yielded and not yet out of the pipelines, output exhausted].
        self.open: dict[str, list[Any]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(middleware.item_done, signal=signal)
        return middleware

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        token = response.meta.get(LEASE_META)
        result = self._discovery(result)
        if token is None:
            async for output in result:
                yield output
            return
        if DISCOVERY_META in response.meta:
            try:
                async for output in result:
                    yield output
            finally:
                # Its discovery requests are counted (Scrapy queues the last few after this),
                # its articles held by the gate or queued: the page is read.
                self.crawler.signals.send_catch_log(discovery_read)
            return
        entry = self.open.setdefault(token, [0, False])
        try:
            async for output in result:
                if output is not None and not isinstance(output, Request):
                    entry[0] += 1
                yield output
        finally:
            entry[1] = True
            self._check(token)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in self._discovery(start):
            yield output

    async def _discovery(self, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """``result`` as it is, each discovery request in it counted as found first."""
        async for output in result:
            if isinstance(output, Request) and DISCOVERY_META in output.meta:
                self.crawler.signals.send_catch_log(discovery_found)
            yield output

    def item_done(self, item: Any, response: Response | None = None, **_: Any) -> None:
        request = getattr(response, "request", None)
        token = request.meta.get(LEASE_META) if request is not None else None
        if token is not None and token in self.open:
            self.open[token][0] -= 1
            self._check(token)

    def _check(self, token: str) -> None:
        entry = self.open[token]
        if entry[1] and entry[0] <= 0:
            del self.open[token]
            self.crawler.signals.send_catch_log(lease_done, token=token)
