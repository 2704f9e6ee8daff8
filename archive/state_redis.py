"""A CrawlState on Redis: one state shared by the worker processes of a crawl.

Every key starts with ``kabarsip:NAMESPACE:``.  Records are JSON values in hashes (``capture``,
``article``, ``pending``, ``run``); sorted sets index them: ``captures`` and ``articles`` (and
``site:SITE`` per site) by name, in lexicographic order, for paging; ``due:SITE`` by
``next_visit`` (live articles with a next visit only); ``byurl:URLKEY`` are the articles fetched
as a URL; ``pending:order`` keeps the outbox in the order it was put; ``runs`` and
``runs:SITE`` by finish time.  Learned blocks: ``blocksites`` counts a site's articles,
``blocks:SITE:count``/``:since`` each block's articles and the site's count before it was
first seen, ``blocks:SITE:repeated`` the blocks counted on two articles or more,
``artblocks`` the digests each article was counted for.

Writes that change several keys run as one Lua script, which Redis runs atomically: a
version and its pending item, an article and its indexes, a block count.  The scripts build
key names from the prefix, so the store needs a single Redis server (not a cluster).
Opened with ``group_seconds`` (a crawl's ``STATE_COMMIT_SECONDS``), the store keeps its writes
and sends them as one ``MULTI``/``EXEC`` transaction per group, in one round trip, as the
SQLite store commits one transaction per group.

Each pending item (the outbox) carries its owner, the worker that put it
(:func:`~archive.redisworkers.worker_name`): :meth:`RedisCrawlState.pending_items` returns, and
takes over, only this worker's items and those whose owner's heartbeat has expired, so a
worker started while others run leaves their items in flight to them.

Unlike the SQLite file, the store takes no lock: several crawls of one site share it, each
article and capture being one key that the last writer sets.  A command that fails (server
unreachable, connection lost and not back after a few retries, timeout) raises
:class:`~archive.state.CrawlStateError` naming the server, never hangs.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.commands.core import Script
from redis.retry import Retry

from archive.redisworkers import heartbeat_key, worker_name
from archive.state import (
    ArticleState,
    CaptureState,
    CrawlState,
    CrawlStateError,
    ExtractionBasis,
    PendingItem,
    RunRecord,
    surt_key,
)
from archive.stateopen import redacted_url

logger = logging.getLogger(__name__)

T = TypeVar("T")
S = TypeVar("S", CaptureState, ArticleState)
#: A client with ``decode_responses``: every reply is text, which redis-py's types cannot say.
_Conn = Any

SCHEMA_VERSION = 1
DEFAULT_NAMESPACE = "default"
_PAGE = 1000
#: Seconds to connect, and to wait for one reply, before a command counts as failed.
_CONNECT_TIMEOUT = 5.0
_SOCKET_TIMEOUT = 30.0
#: Retries of a command whose connection broke (a server restart, a dropped link).
_RETRIES = 3
#: Seconds a capture read from the server is used again without asking; and how many
#: captures are remembered.  A URL is fetched by one worker per run, so none changes
#: meanwhile but by another crawl of the namespace, which last-writer-wins allows anyway.
_REMEMBER_SECONDS = 30.0
_REMEMBERED = 4096

# ARGV: prefix, key, url_key, site, doc, due score ('' for none), pending field, pending doc.
_PUT_ARTICLE = """
local p, key, urlkey, site = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local old = redis.call('HGET', p .. 'article', key)
if old then
  local o = cjson.decode(old)
  redis.call('SREM', p .. 'byurl:' .. o['url_key'], key)
  redis.call('ZREM', p .. 'due:' .. o['site'], key)
  if o['site'] ~= site then redis.call('ZREM', p .. 'site:' .. o['site'], key) end
end
redis.call('HSET', p .. 'article', key, ARGV[5])
redis.call('ZADD', p .. 'articles', 0, key)
redis.call('ZADD', p .. 'site:' .. site, 0, key)
redis.call('SADD', p .. 'byurl:' .. urlkey, key)
if ARGV[6] ~= '' then redis.call('ZADD', p .. 'due:' .. site, ARGV[6], key) end
if ARGV[7] ~= '' then
  local seq = redis.call('INCR', p .. 'pending:seq')
  redis.call('HSET', p .. 'pending', ARGV[7], ARGV[8])
  redis.call('ZADD', p .. 'pending:order', seq, ARGV[7])
end
return 1
"""

# ARGV: prefix, target, owner, fields...
_MOVE_PENDING = """
local p = ARGV[1]
for i = 4, #ARGV do
  local doc = redis.call('HGET', p .. 'pending', ARGV[i])
  if doc then
    local item = cjson.decode(doc)
    item['target'] = ARGV[2]
    item['owner'] = ARGV[3]
    redis.call('HSET', p .. 'pending', ARGV[i], cjson.encode(item))
  end
end
return 1
"""

# ARGV: prefix, owner, heartbeat key prefix.  The pending items, in order, that are the
# owner's or whose owner no longer beats (taken over); {field, doc, field, doc, ...}.
_CLAIM_PENDING = """
local p, me, beats = ARGV[1], ARGV[2], ARGV[3]
local found = {}
for _, name in ipairs(redis.call('ZRANGE', p .. 'pending:order', 0, -1)) do
  local doc = redis.call('HGET', p .. 'pending', name)
  if doc then
    local item = cjson.decode(doc)
    local owner = item['owner']
    if owner ~= me and (type(owner) ~= 'string' or redis.call('EXISTS', beats .. owner) == 0) then
      item['owner'] = me
      doc = cjson.encode(item)
      redis.call('HSET', p .. 'pending', name, doc)
    end
    if item['owner'] == me then
      table.insert(found, name)
      table.insert(found, doc)
    end
  end
end
return found
"""

# ARGV: prefix, run_id, site, finished score, doc.
_PUT_RUN = """
local p, id, site = ARGV[1], ARGV[2], ARGV[3]
local old = redis.call('HGET', p .. 'run', id)
if old then redis.call('ZREM', p .. 'runs:' .. cjson.decode(old)['site'], id) end
redis.call('HSET', p .. 'run', id, ARGV[5])
redis.call('ZADD', p .. 'runs', ARGV[4], id)
redis.call('ZADD', p .. 'runs:' .. site, ARGV[4], id)
return 1
"""

# ARGV: prefix, site, article key, when, digests...  Mirrors the SQLite store's transaction.
_RECORD_BLOCKS = """
local p, site, key, when = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', p .. 'artblocks', key)
local all, known, new = {}, {}, {}
if raw then
  for d in string.gmatch(raw, '%S+') do known[d] = true; table.insert(all, d) end
end
for i = 5, #ARGV do
  if not known[ARGV[i]] then known[ARGV[i]] = true; table.insert(new, ARGV[i]) end
end
if not raw then
  redis.call('HINCRBY', p .. 'blocksites', site, 1)
elseif #new == 0 then
  return 0
end
local total = tonumber(redis.call('HGET', p .. 'blocksites', site))
local b = p .. 'blocks:' .. site
for _, d in ipairs(new) do
  local count = redis.call('HINCRBY', b .. ':count', d, 1)
  if count == 1 then
    redis.call('HSET', b .. ':since', d, total - 1)
    redis.call('HSET', b .. ':first', d, when)
  elseif count == 2 then
    redis.call('SADD', b .. ':repeated', d)
  end
  redis.call('HSET', b .. ':last', d, when)
  table.insert(all, d)
end
table.sort(all)
redis.call('HSET', p .. 'artblocks', key, table.concat(all, ' '))
return #new
"""

# ARGV: prefix, site, floor, share.  The site's digests counted on at least ``floor`` articles
# and on ``share`` of those counted since each was first seen: filtered here, where the counts
# are.  With ``floor`` 2 or more only the digests counted twice or more (``:repeated``, built
# once for a namespace written without it, ``:indexed`` says so) are looked at.
_LEARNED_BLOCKS = """
local p, site = ARGV[1], ARGV[2]
local floor, share = tonumber(ARGV[3]), tonumber(ARGV[4])
local b = p .. 'blocks:' .. site
local articles = tonumber(redis.call('HGET', p .. 'blocksites', site) or '0')
local candidates
if floor >= 2 then
  if redis.call('EXISTS', b .. ':indexed') == 0 then
    local counts = redis.call('HGETALL', b .. ':count')
    for i = 1, #counts, 2 do
      if tonumber(counts[i + 1]) >= 2 then redis.call('SADD', b .. ':repeated', counts[i]) end
    end
    redis.call('SET', b .. ':indexed', '1')
  end
  candidates = redis.call('SMEMBERS', b .. ':repeated')
else
  candidates = redis.call('HKEYS', b .. ':count')
end
local found = {}
for _, d in ipairs(candidates) do
  local count = tonumber(redis.call('HGET', b .. ':count', d) or '0')
  if count >= floor then
    local since = tonumber(redis.call('HGET', b .. ':since', d) or '0')
    if count >= share * (articles - since) then table.insert(found, d) end
  end
end
return found
"""


class RedisCrawlState(CrawlState):
    """CrawlState on the Redis server at ``url``, under ``kabarsip:NAMESPACE:``.

    ``site`` is recorded as a user of the namespace.  ``on_error`` hears of every failed
    command before it is raised as :class:`CrawlStateError`.  Opening checks that the server
    answers and that the namespace holds no newer schema.

    With ``group_seconds`` > 0 the writes are grouped as the SQLite store groups them: kept
    in this process and sent in one transaction (``MULTI``/``EXEC``, one round trip) by
    :meth:`commit`, or by the first write once the group is that old; a killed worker loses
    at most that window.  Reads see the writes still grouped.  A capture this worker wrote,
    or read in the last :data:`_REMEMBER_SECONDS`, is read back from memory.
    """

    def __init__(
        self,
        url: str,
        site: str | None = None,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        socket_timeout: float = _SOCKET_TIMEOUT,
        on_error: Callable[[CrawlStateError], None] | None = None,
        owner: str | None = None,
        group_seconds: float = 0.0,
    ) -> None:
        if not namespace or any(c in namespace for c in ":*?[]\\ "):
            raise CrawlStateError(
                f"Redis namespace {namespace!r} must be a non-empty name without ':', spaces "
                "or glob characters"
            )
        self.url = url
        self.where = f"Redis crawl state {redacted_url(url)} (namespace {namespace})"
        self.prefix = f"kabarsip:{namespace}:"
        self.site = site
        self.group_seconds = group_seconds
        #: The worker whose pending items this store puts and writes.
        self.owner = owner or worker_name()
        self._on_error: Callable[[CrawlStateError], None] | None = None
        #: Why the server was given up on: every later command fails at once with it.
        self._lost: str | None = None
        #: The writes of the open group, in order, and when its first one was made.
        self._group: list[Callable[[_Conn], object]] = []
        self._group_since: float | None = None
        #: What the open group writes, for reads: captures by URL, articles and bases by key.
        self._unsent_captures: dict[str, CaptureState] = {}
        self._unsent_articles: dict[str, ArticleState] = {}
        self._unsent_bases: dict[str, ExtractionBasis] = {}
        #: Captures known: URL to (state or None, ``time.monotonic()`` it may be used until).
        self._known_captures: OrderedDict[str, tuple[CaptureState | None, float]] = OrderedDict()
        try:
            self._client: redis.Redis | None = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=_CONNECT_TIMEOUT,
                socket_timeout=socket_timeout,
                retry=Retry(ExponentialBackoff(cap=2.0, base=0.2), _RETRIES),
                retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            )
        except ValueError as exc:
            raise CrawlStateError(f"cannot use {self.where}: {exc}") from exc
        client = self._client
        self._put_article = client.register_script(_PUT_ARTICLE)
        self._move_pending = client.register_script(_MOVE_PENDING)
        self._claim_pending = client.register_script(_CLAIM_PENDING)
        self._put_run = client.register_script(_PUT_RUN)
        self._record_blocks = client.register_script(_RECORD_BLOCKS)
        self._learned_blocks = client.register_script(_LEARNED_BLOCKS)
        # Sent by their digests in the groups' transactions, loaded once.
        self._write_scripts = (
            self._put_article,
            self._move_pending,
            self._put_run,
            self._record_blocks,
        )
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        self._on_error = on_error

    @property
    def sites(self) -> list[str]:
        """Sites that have opened this namespace, in the order they first did."""
        return json.loads(self._call(lambda r: r.hget(self._k("meta"), "sites")) or "[]")

    def get_capture(self, url: str) -> CaptureState | None:
        unsent = self._unsent_captures.get(url)
        if unsent is not None:
            return unsent
        now = time.monotonic()
        known = self._known_captures.get(url)
        if known is not None and known[1] >= now:
            return known[0]
        doc = self._call(lambda r: r.hget(self._k("capture"), url))
        state = None if doc is None else self._loaded(CaptureState, doc)
        self._remember(url, state, now + _REMEMBER_SECONDS)
        return state

    def put_capture(self, state: CaptureState) -> None:
        doc = _dumps(state)

        def write(r: _Conn) -> None:
            r.hset(self._k("capture"), state.url, doc)
            r.zadd(self._k("captures"), {state.url: 0})

        self._write(write, capture=state)

    def get_article(self, canonical_url: str) -> ArticleState | None:
        key = surt_key(canonical_url)
        unsent = self._unsent_articles.get(key)
        if unsent is not None:
            return unsent
        doc = self._call(lambda r: r.hget(self._k("article"), key))
        return None if doc is None else self._loaded(ArticleState, doc)

    def find_article(self, url: str) -> ArticleState | None:
        key = surt_key(url)
        # The articles fetched as a URL are indexed by the server's script: send the group.
        self.commit()

        def read(r: _Conn) -> str | None:
            doc = r.hget(self._k("article"), key)
            if doc is None:
                fetched_as = sorted(r.smembers(self._k(f"byurl:{key}")))
                doc = r.hget(self._k("article"), fetched_as[0]) if fetched_as else None
            return doc

        doc = self._call(read)
        return None if doc is None else self._loaded(ArticleState, doc)

    def put_article(self, state: ArticleState) -> None:
        args = self._article_args(state)
        self._write(
            lambda r: _evalsha(r, self._put_article, self.prefix, *args, "", ""), article=state
        )

    def get_basis(self, key: str) -> ExtractionBasis | None:
        unsent = self._unsent_bases.get(key)
        if unsent is not None:
            return unsent
        doc = self._call(lambda r: r.hget(self._k("basis"), key))
        if doc is None:
            return None
        fingerprint, learned, pages = json.loads(doc)
        return ExtractionBasis(key, fingerprint, learned, tuple((u, r) for u, r in pages))

    def put_bases(self, bases: Iterable[ExtractionBasis]) -> None:
        found = {b.key: b for b in bases}
        docs = {
            key: json.dumps([b.fingerprint, b.learned, [list(p) for p in b.pages]])
            for key, b in found.items()
        }
        if docs:
            self._write(lambda r: r.hset(self._k("basis"), mapping=docs), bases=found)

    def put_version(self, state: ArticleState, pending: PendingItem) -> None:
        doc = json.dumps(
            {
                "kind": pending.kind,
                "target": pending.target,
                "line": pending.line,
                "owner": self.owner,
            },
            ensure_ascii=False,
        )
        args = [self.prefix, *self._article_args(state), _pending_field(pending.key), doc]
        self._write(lambda r: _evalsha(r, self._put_article, *args), article=state)

    def pending_items(self) -> list[PendingItem]:
        """This owner's pending items, with those of workers no longer beating taken over."""
        self.commit()
        beats = heartbeat_key(self.prefix, "")
        found = self._call(lambda r: self._claim_pending(args=[self.prefix, self.owner, beats]))
        items = []
        for name, doc in zip(found[::2], found[1::2], strict=True):
            canonical_url, version = json.loads(name)
            fields = json.loads(doc)
            items.append(
                PendingItem(
                    canonical_url, version, fields["kind"], fields["target"], fields["line"]
                )
            )
        return items

    def clear_pending(self, keys: Iterable[tuple[str, int]]) -> None:
        names = [_pending_field(key) for key in keys]
        if not names:
            return

        def write(r: _Conn) -> None:
            r.hdel(self._k("pending"), *names)
            r.zrem(self._k("pending:order"), *names)

        self._write(write)

    def move_pending(self, keys: Iterable[tuple[str, int]], target: str) -> None:
        names = [_pending_field(key) for key in keys]
        if names:
            args = [self.prefix, target, self.owner, *names]
            self._write(lambda r: _evalsha(r, self._move_pending, *args))

    def due_articles(
        self, site: str, now: datetime, limit: int | None = None
    ) -> list[ArticleState]:
        self.commit()

        def read(r: _Conn) -> list[str | None]:
            keys = r.zrangebyscore(
                self._k(f"due:{site}"),
                "-inf",
                _score(now),
                start=0 if limit is not None else None,
                num=limit,
            )
            return r.hmget(self._k("article"), keys) if keys else []

        return [self._loaded(ArticleState, doc) for doc in self._call(read) if doc is not None]

    def articles(self, site: str | None = None) -> Iterator[ArticleState]:
        self.commit()
        index = "articles" if site is None else f"site:{site}"
        for doc in self._pages(index, "article"):
            yield self._loaded(ArticleState, doc)

    def captures(self) -> Iterator[CaptureState]:
        self.commit()
        for doc in self._pages("captures", "capture"):
            yield self._loaded(CaptureState, doc)

    def put_run(self, run: RunRecord) -> None:
        stats = {key: value for key, value in run.stats.items() if _is_number(value)}
        doc = json.dumps(
            {
                "site": run.site,
                "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at),
                "outcome": run.outcome,
                "stats": stats,
            },
            sort_keys=True,
        )
        args = [self.prefix, run.run_id, run.site, _score(run.finished_at), doc]
        self._write(lambda r: _evalsha(r, self._put_run, *args))

    def runs(self, site: str | None = None, limit: int | None = None) -> list[RunRecord]:
        self.commit()
        index = self._k("runs" if site is None else f"runs:{site}")

        def read(r: _Conn) -> list[tuple[str, str | None]]:
            ids = r.zrevrange(index, 0, -1 if limit is None else limit - 1)
            docs = r.hmget(self._k("run"), ids) if ids else []
            return list(zip(ids, docs, strict=True))

        return [self._loaded_run(i, doc) for i, doc in self._call(read) if doc is not None]

    def record_blocks(
        self, site: str, article_key: str, digests: Iterable[str], seen_at: datetime
    ) -> None:
        found = sorted({digest for digest in digests if digest})
        if any(len(digest.split()) != 1 for digest in found):
            raise ValueError(f"block digests of {article_key} must be words without spaces")
        args = [self.prefix, site, article_key, _iso(seen_at), *found]
        self._write(lambda r: _evalsha(r, self._record_blocks, *args))

    def learned_blocks(self, site: str, min_articles: int, min_share: float) -> frozenset[str]:
        self.commit()
        args: list[str | int] = [self.prefix, site, max(1, min_articles), repr(float(min_share))]
        return frozenset(self._call(lambda r: self._learned_blocks(args=args, client=r)))

    def is_empty(self) -> bool:
        """Whether the namespace holds no capture, article, run or block count."""
        self.commit()
        names = ("capture", "article", "run", "blocksites", "pending")
        return not any(self._call(lambda r: [r.exists(self._k(n)) for n in names]))

    def clear(self) -> None:
        """Delete every key of the namespace (its schema mark and sites are set again)."""
        self.commit()
        self._known_captures.clear()

        def delete(r: _Conn) -> None:
            batch: list[str] = []
            for key in r.scan_iter(match=f"{self.prefix}*", count=_PAGE):
                batch.append(key)
                if len(batch) >= _PAGE:
                    r.unlink(*batch)
                    batch.clear()
            if batch:
                r.unlink(*batch)

        self._call(delete)
        self._open()

    def commit(self) -> None:
        """Send the open group of writes, in one transaction and one round trip."""
        if not self._group:
            return
        group, self._group, self._group_since = self._group, [], None
        captures, self._unsent_captures = self._unsent_captures, {}
        self._unsent_articles = {}
        self._unsent_bases = {}

        def send(r: _Conn) -> None:
            try:
                _transaction(r, group)
            except redis.exceptions.NoScriptError:
                # The server lost its scripts (a restart): load them and send the group again,
                # whose writes are each the same when made twice.
                self._load_scripts(r)
                _transaction(r, group)

        self._call(send)
        for url, state in captures.items():
            self._remember(url, state, math.inf)

    def close(self) -> None:
        if self._client is not None:
            try:
                if self._lost is None:
                    self.commit()
            finally:
                client, self._client = self._client, None
                client.close()

    def _write(
        self,
        write: Callable[[_Conn], object],
        *,
        capture: CaptureState | None = None,
        article: ArticleState | None = None,
        bases: Mapping[str, ExtractionBasis] | None = None,
    ) -> None:
        """One write (its calls on a pipeline), sent now or with its group; what it writes
        (``capture``, ``article``, ``bases``) is read back from the group until it is sent."""
        now = time.monotonic()
        since = self._group_since
        if since is not None and now - since >= self.group_seconds:
            self.commit()
        if self._group_since is None:
            self._group_since = now
        self._group.append(write)
        if capture is not None:
            self._unsent_captures[capture.url] = _in_utc(capture)
        if article is not None:
            self._unsent_articles[article.key] = _in_utc(article)
        if bases:
            self._unsent_bases.update(bases)
        if self.group_seconds <= 0:
            self.commit()

    def _remember(self, url: str, state: CaptureState | None, until: float) -> None:
        known = self._known_captures
        known[url] = (state, until)
        known.move_to_end(url)
        if len(known) > _REMEMBERED:
            known.popitem(last=False)

    def _k(self, name: str) -> str:
        return self.prefix + name

    def _article_args(self, state: ArticleState) -> tuple[str, ...]:
        url_key = surt_key(state.url)
        doc = json.loads(_dumps(state))
        doc["url_key"] = url_key
        live = state.status == "live" and state.next_visit is not None
        due = _score(state.next_visit) if live and state.next_visit is not None else ""
        return (state.key, url_key, state.site, json.dumps(doc, ensure_ascii=False), due)

    def _pages(self, index: str, records: str) -> Iterator[str]:
        """The records named in the sorted set ``index``, a page at a time, in name order."""
        after = "-"
        while True:
            names, docs = self._call(partial(self._page, index=index, records=records, after=after))
            if not names:
                return
            yield from (doc for doc in docs if doc is not None)
            after = f"({names[-1]}"

    def _page(
        self, r: _Conn, index: str, records: str, after: str
    ) -> tuple[list[str], list[str | None]]:
        names = r.zrangebylex(self._k(index), after, "+", start=0, num=_PAGE)
        return names, (r.hmget(self._k(records), names) if names else [])

    def _call(self, command: Callable[[_Conn], T]) -> T:
        if self._client is None:
            raise CrawlStateError(f"{self.where} was already closed")
        if self._lost is not None:
            # The run is failing already: no second wait through the retries per command.
            raise self._failure(self._lost)
        try:
            return command(self._client)
        except redis.RedisError as exc:
            message = f"cannot use {self.where}: {_reason(exc)}"
            if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
                self._lost = message
            raise self._failure(message) from exc

    def _loaded(self, make: Callable[..., T], doc: str) -> T:
        try:
            return make(**_decoded(json.loads(doc), make))
        except (ValueError, TypeError, KeyError) as exc:
            raise self._failure(
                f"{self.where} holds a damaged record ({exc}); rebuild it from the WARC files: "
                "scrapy state rebuild --force"
            ) from exc

    def _loaded_run(self, run_id: str, doc: str) -> RunRecord:
        def make(**values: Any) -> RunRecord:
            if not isinstance(values["stats"], dict) or not all(
                _is_number(v) for v in values["stats"].values()
            ):
                raise ValueError(f"run {run_id!r} has stats that are not numbers by name")
            return RunRecord(run_id=run_id, **values)

        return self._loaded(make, doc)

    def _failure(self, message: str) -> CrawlStateError:
        error = CrawlStateError(message)
        if self._on_error is not None:
            self._on_error(error)
        return error

    def _load_scripts(self, r: _Conn) -> None:
        with r.pipeline(transaction=False) as pipe:
            for script in self._write_scripts:
                pipe.script_load(script.script)
            pipe.execute()

    def _open(self) -> None:
        meta = self._k("meta")
        found = self._call(lambda r: r.hget(meta, "schema_version"))
        if found is not None and (not found.isdigit() or int(found) > SCHEMA_VERSION):
            raise CrawlStateError(
                f"{self.where} has schema version {found}, newer than version {SCHEMA_VERSION} "
                "that this Kabarsip knows; upgrade Kabarsip or use another namespace"
            )
        self._call(lambda r: r.hsetnx(meta, "created_at", _iso(datetime.now(UTC))))
        self._call(lambda r: r.hset(meta, "schema_version", str(SCHEMA_VERSION)))
        self._call(self._load_scripts)
        if self.site is not None:
            sites = self.sites
            if self.site not in sites:
                self._call(lambda r: r.hset(meta, "sites", json.dumps([*sites, self.site])))


def _evalsha(r: _Conn, script: Script, *args: str) -> None:
    r.evalsha(script.sha, 0, *args)


def _transaction(r: _Conn, group: Sequence[Callable[[_Conn], object]]) -> None:
    with r.pipeline(transaction=True) as pipe:
        for write in group:
            write(pipe)
        pipe.execute()


def _reason(error: redis.RedisError) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return f"{text}; is the server running and KABARSIP_REDIS_URL right?"
    return text


def _pending_field(key: tuple[str, int]) -> str:
    return json.dumps([key[0], key[1]], ensure_ascii=False)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"state times need a time zone, got naive {moment.isoformat()}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _score(moment: datetime) -> str:
    """A time as a sorted-set score: whole microseconds since the epoch, exact in a double."""
    if moment.tzinfo is None:
        raise ValueError(f"state times need a time zone, got naive {moment.isoformat()}")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _dumps(state: CaptureState | ArticleState) -> str:
    doc = {
        f.name: _iso(value) if isinstance(value, datetime) else value
        for f in fields(state)
        for value in [getattr(state, f.name)]
    }
    if isinstance(state, ArticleState):
        doc["field_digests"] = dict(state.field_digests)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def _in_utc(state: S) -> S:
    """``state`` as the store gives it back: its times in UTC."""
    changes: dict[str, Any] = {
        f.name: value.astimezone(UTC)
        for f in fields(state)
        for value in [getattr(state, f.name)]
        if isinstance(value, datetime)
    }
    if isinstance(state, ArticleState):
        changes["field_digests"] = dict(state.field_digests)
    return replace(state, **changes)


_TIMES = frozenset(
    {
        "fetched_at",
        "warc_date",
        "first_seen",
        "last_seen",
        "last_changed",
        "next_visit",
        "gone_at",
        "started_at",
        "finished_at",
    }
)


def _decoded(doc: Mapping[str, Any], make: Callable[..., Any]) -> dict[str, Any]:
    names: Sequence[str] | None = [f.name for f in fields(make)] if isinstance(make, type) else None
    return {
        name: datetime.fromisoformat(value) if name in _TIMES and value is not None else value
        for name, value in doc.items()
        if names is None or name in names
    }


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
