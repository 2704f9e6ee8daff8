"""Leases on a real redis-server: popped requests go back to the queue when their worker dies."""

from __future__ import annotations

import time

import pytest
import redis

from archive.redisworkers import WorkerLeases, heartbeat_key

PREFIX = "kabarsip:default:"
QUEUE = f"{PREFIX}demo:requests"
SEEN = f"{PREFIX}demo:dupefilter"


def leases(client: redis.Redis, worker: str, ttl: float = 30.0) -> WorkerLeases:
    return WorkerLeases(
        client,
        prefix=PREFIX,
        site="demo",
        worker=worker,
        queue_key=QUEUE,
        dupefilter_key=SEEN,
        ttl_seconds=ttl,
    )


@pytest.fixture
def client(fresh_redis: str) -> redis.Redis:
    return redis.Redis.from_url(fresh_redis)


def test_a_dead_workers_leases_go_back_to_the_queue_in_their_order(client: redis.Redis) -> None:
    first, second = leases(client, "host:1"), leases(client, "host:2")
    assert first.join() == (0, 1)
    assert second.join() == (0, 2)
    client.zadd(QUEUE, {b"urgent": -10, b"plain": 0, b"later": 5})
    taken = [first.take(), first.take()]
    assert [t[0] for t in taken if t is not None] == [b"urgent", b"plain"]
    assert taken[1] is not None
    first.release(taken[1][1])
    assert second.beat(busy=False).busy_peers == 1, "the first worker beats busy"

    client.delete(heartbeat_key(PREFIX, "host:1"))  # its heartbeat expires
    beat = second.beat(busy=False)
    assert (beat.requeued, beat.dead, beat.busy_peers) == (1, ("host:1",), 0)
    # Back with its score, ahead of the rest; the released one is not.
    assert client.zrange(QUEUE, 0, -1) == [b"urgent", b"later"]
    assert client.smembers(f"{PREFIX}demo:members") == {b"host:2"}
    # The first worker, not dead after all, learns it was taken for dead.
    assert not first.beat(busy=True).was_member
    assert first.beat(busy=True).was_member


def test_a_worker_that_takes_a_request_beats_busy_at_once(client: redis.Redis) -> None:
    first, second = leases(client, "host:1"), leases(client, "host:2")
    first.join()
    second.join()
    first.beat(busy=False)
    assert second.beat(busy=False).busy_peers == 0
    client.zadd(QUEUE, {b"one": 0})
    assert first.take() is not None
    assert second.beat(busy=False).busy_peers == 1
    assert client.pttl(heartbeat_key(PREFIX, "host:1")) > 0


def test_a_heartbeat_expires_by_itself(client: redis.Redis) -> None:
    first, second = leases(client, "host:1", ttl=0.2), leases(client, "host:2")
    first.join()
    second.join()
    client.zadd(QUEUE, {b"one": 0})
    assert first.take() is not None
    assert second.beat(busy=False).dead == ()
    time.sleep(0.4)
    assert second.beat(busy=False).dead == ("host:1",)
    assert second.take() is not None


def test_the_last_member_of_a_finished_run_clears_it_and_a_stopped_one_gives_back(
    client: redis.Redis,
) -> None:
    first, second = leases(client, "host:1"), leases(client, "host:2")
    first.join()
    second.join()
    client.zadd(QUEUE, {b"one": 0, b"two": 1})
    client.sadd(SEEN, b"fingerprint")
    assert first.take() is not None
    # Stopped early (Ctrl-C): its lease goes back, the run's keys stay for a resume.
    assert first.leave(finished=False) == (False, 1)
    assert client.zcard(QUEUE) == 2
    assert second.take() is not None
    assert second.leave(finished=True) == (True, 0)
    assert not client.keys(f"{PREFIX}demo:*")


def test_a_worker_joining_under_a_dead_workers_name_gives_its_leases_back(
    client: redis.Redis,
) -> None:
    before = leases(client, "host:7")
    before.join()
    client.zadd(QUEUE, {b"one": 0})
    assert before.take() is not None
    # The process died; a new one got the same pid.
    assert leases(client, "host:7").join() == (1, 1)
    assert client.zrange(QUEUE, 0, -1) == [b"one"]


def test_several_requests_are_taken_at_once_in_order_each_with_its_own_lease(
    client: redis.Redis,
) -> None:
    first = leases(client, "host:1")
    first.join()
    client.zadd(QUEUE, {b"urgent": -10, b"plain": 0, b"later": 5})
    taken = first.take_many(2)
    assert [data for data, _ in taken] == [b"urgent", b"plain"]
    assert len({token for _, token in taken}) == 2
    assert client.hlen(first.inflight_key) == 2
    # Fewer left than asked for: those there are; none left: none.
    assert [data for data, _ in first.take_many(4)] == [b"later"]
    assert first.take_many(4) == []
    first.release(*(token for _, token in taken))
    assert client.hlen(first.inflight_key) == 1


def test_a_request_is_queued_once_whoever_pushes_it(client: redis.Redis) -> None:
    first, second = leases(client, "host:1"), leases(client, "host:2")
    assert first.push("fp1", -5, b"one")
    assert not second.push("fp1", 0, b"one again")
    assert second.push("fp2", 0, b"two")
    assert client.zrange(QUEUE, 0, -1, withscores=True) == [(b"one", -5.0), (b"two", 0.0)]


def test_the_members_count_the_discovery_pages_left_and_the_last_one_clears_it(
    client: redis.Redis,
) -> None:
    first, second = leases(client, "host:1"), leases(client, "host:2")
    first.join()
    second.join()
    assert first.discovery_left() == 0, "nothing queued yet"
    first.discovery_queued()
    second.discovery_queued()
    assert second.discovery_read() == 1
    assert first.discovery_left() == 1, "one page of either member left"
    assert first.discovery_read() == 0
    # A page queued past the filter by both is one entry: the second is told so.
    assert first.push_unfiltered(-100, b"section page")
    assert not second.push_unfiltered(-100, b"section page")
    assert client.zcard(QUEUE) == 1
    first.leave(finished=True)
    assert client.exists(f"{PREFIX}demo:discovering")
    second.leave(finished=True)
    assert not client.exists(f"{PREFIX}demo:discovering")
