"""The workers of one crawl on Redis: which are alive, and which requests each has taken.

Keys, under ``kabarsip:NAMESPACE:``:

- ``worker:ID``: the heartbeat of worker ``ID`` (``busy`` or ``idle``), set with a time to
  live and refreshed well within it.  A worker whose heartbeat has expired is dead.
- ``SITE:members``: the set of workers of the site's run.
- ``SITE:inflight:ID``: the requests worker ``ID`` has popped from ``SITE:requests`` and not
  finished, as a hash: lease token to ``SCORE DATA`` (the queue entry as it was).
- ``SITE:leases``: the counter that numbers lease tokens.
- ``SITE:discovering``: discovery pages queued by the members and not read yet.  It only
  lets the workers start on their articles before each idles (the discovery gate); a count
  left too high (a page that failed, a run stopped and resumed) leaves that to the idling.

Requests are popped and leased in one Lua script, and a dead worker is reaped in one: its
leases go back to the queue (past the duplicate filter, which saw them already) and it leaves
the members.  Every worker reaps when it beats, so the requests of a worker killed outright
are fetched again by another within a time to live.

The pending items of the crawl state carry their owner's ID (:mod:`archive.state_redis`):
only the owner, or a worker that finds the owner's heartbeat gone, writes them.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

#: Heartbeat values.
BUSY = "busy"
IDLE = "idle"


def worker_name() -> str:
    """This process's worker ID: host and pid, unique among the live workers of a server."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_key(prefix: str, worker: str) -> str:
    """The heartbeat key of ``worker`` under ``prefix`` (``kabarsip:NAMESPACE:``)."""
    return f"{prefix}worker:{worker}"


# Shared by the scripts: move every lease of the hash KEY back to the queue Q.
_REQUEUE = """
local function requeue(key, q)
  local moved = 0
  for _, v in ipairs(redis.call('HVALS', key)) do
    local cut = string.find(v, ' ', 1, true)
    redis.call('ZADD', q, string.sub(v, 1, cut - 1), string.sub(v, cut + 1))
    moved = moved + 1
  end
  redis.call('DEL', key)
  return moved
end
-- ARGV[1]: heartbeat prefix, ARGV[2]: in-flight prefix, ARGV[3]: this worker.
local function reap(members, q)
  local moved, dead, busy = 0, {}, 0
  for _, w in ipairs(redis.call('SMEMBERS', members)) do
    if w ~= ARGV[3] then
      local beat = redis.call('GET', ARGV[1] .. w)
      if not beat then
        moved = moved + requeue(ARGV[2] .. w, q)
        redis.call('SREM', members, w)
        table.insert(dead, w)
      elseif beat == 'busy' then
        busy = busy + 1
      end
    end
  end
  return moved, busy, dead
end
"""

# KEYS: members, queue.  ARGV: hb prefix, in-flight prefix, me, my state, ttl ms.
# Returns {I was a member, requests requeued, busy peers, dead peers...}.
_BEAT = (
    _REQUEUE
    + """
local member = redis.call('SISMEMBER', KEYS[1], ARGV[3])
redis.call('SET', ARGV[1] .. ARGV[3], ARGV[4], 'PX', ARGV[5])
redis.call('SADD', KEYS[1], ARGV[3])
local moved, busy, dead = reap(KEYS[1], KEYS[2])
return {member, moved, busy, unpack(dead)}
"""
)

# KEYS: members, queue, my in-flight hash.  ARGV: hb prefix, in-flight prefix, me, ttl ms.
# A worker joining under the ID of a dead one (a reused pid) gives its leases back first.
_JOIN = (
    _REQUEUE
    + """
local mine = requeue(KEYS[3], KEYS[2])
redis.call('SET', ARGV[1] .. ARGV[3], 'busy', 'PX', ARGV[4])
redis.call('SADD', KEYS[1], ARGV[3])
local moved = reap(KEYS[1], KEYS[2])
return {mine + moved, redis.call('SCARD', KEYS[1])}
"""
)

# KEYS: queue, my in-flight hash, lease counter, my heartbeat.  ARGV: how many at most.
# Returns {data, token, data, token, ...}, first in the queue's order first.
# A worker that takes a request is busy from then on: the others, their queue dry, wait on it
# (an idle heartbeat keeps its time to live; an expired one stays expired).
_TAKE = """
local top = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
if #top == 0 then return {} end
local found = {}
for i = 1, #top, 2 do
  local token = tostring(redis.call('INCR', KEYS[3]))
  redis.call('HSET', KEYS[2], token, top[i + 1] .. ' ' .. top[i])
  table.insert(found, top[i])
  table.insert(found, token)
end
if redis.call('GET', KEYS[4]) == 'idle' then redis.call('SET', KEYS[4], 'busy', 'KEEPTTL') end
return found
"""

# KEYS: members, queue, my in-flight hash, dupefilter, lease counter, discovery count.
# ARGV: hb prefix, in-flight prefix, me, '1' when this worker's run finished.
# Returns {1 when the run's keys were cleared, requests requeued}.
_LEAVE = (
    _REQUEUE
    + """
local moved = 0
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[3])
else
  moved = requeue(KEYS[3], KEYS[2])
end
redis.call('DEL', ARGV[1] .. ARGV[3])
redis.call('SREM', KEYS[1], ARGV[3])
local reaped = reap(KEYS[1], KEYS[2])
moved = moved + reaped
if ARGV[4] == '1' and redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6])
  return {1, moved}
end
return {0, moved}
"""
)

# KEYS: dupefilter, queue.  ARGV: fingerprint, score, data.  1 when queued, 0 when seen before.
_PUSH = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


@dataclass(frozen=True, slots=True)
class Beat:
    """What a heartbeat found."""

    was_member: bool
    """False when another worker had taken this one for dead and given its leases away."""
    requeued: int
    """Requests of dead workers put back in the queue."""
    busy_peers: int
    dead: tuple[str, ...]


class WorkerLeases:
    """One worker's membership of a site's run, its heartbeat and its leased requests.

    ``server`` is a redis-py client (bytes or text replies); every method is one round trip
    (a script where it takes several steps) and raises redis-py's errors as they come.
    """

    def __init__(
        self,
        server: Any,
        *,
        prefix: str,
        site: str,
        worker: str,
        queue_key: str,
        dupefilter_key: str,
        ttl_seconds: float,
    ) -> None:
        self.server = server
        self.worker = worker
        self.queue_key = queue_key
        self.dupefilter_key = dupefilter_key
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        base = f"{prefix}{site}:"
        self.members_key = f"{base}members"
        self.inflight_prefix = f"{base}inflight:"
        self.inflight_key = f"{self.inflight_prefix}{worker}"
        self.counter_key = f"{base}leases"
        self.discovering_key = f"{base}discovering"
        self.heartbeat_prefix = heartbeat_key(prefix, "")
        self.heartbeat = heartbeat_key(prefix, worker)
        self._beat = server.register_script(_BEAT)
        self._join = server.register_script(_JOIN)
        self._take = server.register_script(_TAKE)
        self._leave = server.register_script(_LEAVE)
        self._push = server.register_script(_PUSH)

    def join(self) -> tuple[int, int]:
        """Become a member (busy); returns requests requeued from dead workers, and members."""
        moved, members = self._join(
            keys=[self.members_key, self.queue_key, self.inflight_key],
            args=[*self._names(), self.ttl_ms],
        )
        return int(moved), int(members)

    def beat(self, busy: bool) -> Beat:
        """Refresh this worker's heartbeat and reap the dead ones."""
        member, moved, busy_peers, *dead = self._beat(
            keys=[self.members_key, self.queue_key],
            args=[*self._names(), BUSY if busy else IDLE, self.ttl_ms],
        )
        return Beat(bool(member), int(moved), int(busy_peers), tuple(map(_text, dead)))

    def take(self) -> tuple[bytes, str] | None:
        """Pop the queue's first request and lease it: its data and its lease token."""
        found = self.take_many(1)
        return found[0] if found else None

    def take_many(self, count: int) -> list[tuple[bytes, str]]:
        """Pop and lease the queue's first ``count`` requests (fewer when it holds fewer)."""
        found = self._take(
            keys=[self.queue_key, self.inflight_key, self.counter_key, self.heartbeat],
            args=[max(1, count)],
        )
        return [(data, _text(token)) for data, token in zip(found[::2], found[1::2], strict=True)]

    def push(self, fingerprint: str, score: float, data: bytes | str) -> bool:
        """Queue a request unless its fingerprint is in the duplicate filter (then False)."""
        queued = self._push(
            keys=[self.dupefilter_key, self.queue_key], args=[fingerprint, score, data]
        )
        return bool(queued)

    def discovery_queued(self) -> None:
        """A discovery page is being queued: the run's discovery is not over until it is read."""
        self.server.incr(self.discovering_key)

    def discovery_read(self) -> int:
        """A discovery page was read (its links are queued or held): the pages left."""
        return int(self.server.decr(self.discovering_key))

    def discovery_left(self) -> int:
        """Discovery pages queued by the run's members and not read yet (0 or less: none)."""
        return int(self.server.get(self.discovering_key) or 0)

    def push_unfiltered(self, score: float, data: bytes | str) -> bool:
        """Queue a request past the duplicate filter: False when the queue holds it already."""
        return bool(self.server.zadd(self.queue_key, {data: score}))

    def release(self, *tokens: str) -> None:
        """These leased requests are done: their responses went through spider and pipelines."""
        if tokens:
            self.server.hdel(self.inflight_key, *tokens)

    def leave(self, finished: bool) -> tuple[bool, int]:
        """Leave the run: whether it was the last member of a finished run (keys cleared),
        and how many requests went back to the queue (its own when not finished)."""
        cleared, moved = self._leave(
            keys=[
                self.members_key,
                self.queue_key,
                self.inflight_key,
                self.dupefilter_key,
                self.counter_key,
                self.discovering_key,
            ],
            args=[*self._names(), "1" if finished else "0"],
        )
        return bool(cleared), int(moved)

    def _names(self) -> list[str]:
        return [self.heartbeat_prefix, self.inflight_prefix, self.worker]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
