"""The Redis crawl state: the outbox, namespaces, sharing, and a server that is not there."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.redisworkers import heartbeat_key
from archive.state import ArticleState, CrawlStateError, PendingItem
from archive.state_redis import RedisCrawlState
from archive.stateopen import redacted_url
from tests.redis_server import free_port, redis_server

SEEN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def article(number: int, version: int = 1) -> ArticleState:
    url = f"https://kanalpagi.example/berita/{number}"
    return ArticleState(
        canonical_url=url,
        url=url,
        site="kanalpagi",
        fingerprint=f"sha1:V{version}",
        version=version,
        published=None,
        updated=None,
        first_seen=SEEN,
        last_seen=SEEN,
        last_changed=SEEN,
        next_visit=SEEN + timedelta(hours=version),
        warc_file="KABARSIP-x.warc.gz",
        warc_offset=number,
        warc_record_id=f"<urn:uuid:{number}>",
    )


def pending(number: int, version: int = 1) -> PendingItem:
    url = f"https://kanalpagi.example/berita/{number}"
    line = f'{{"url": "{url}", "title": "Kabar ké-{number}"}}'
    return PendingItem(url, version, "new" if version == 1 else "updated", "items-a.jsonl", line)


def test_a_version_and_its_pending_item_are_stored_together_in_order(fresh_redis: str) -> None:
    with RedisCrawlState(fresh_redis, site="kanalpagi") as state:
        for number in (3, 1, 2):
            state.put_version(article(number), pending(number))
        state.put_version(article(1, version=2), pending(1, version=2))
        assert [item.key for item in state.pending_items()] == [
            (pending(n).canonical_url, v) for n, v in ((3, 1), (1, 1), (2, 1), (1, 2))
        ]
        stored = state.get_article("https://kanalpagi.example/berita/1")
        assert stored is not None and stored.version == 2
        state.move_pending([pending(3).key, pending(2).key], "items-b.jsonl")
        state.clear_pending([pending(1).key])
    # Another process (here: another connection) sees the same outbox.
    with RedisCrawlState(fresh_redis) as other:
        items = other.pending_items()
        assert [(i.version, i.target) for i in items] == [
            (1, "items-b.jsonl"),
            (1, "items-b.jsonl"),
            (2, "items-a.jsonl"),
        ]
        assert items[0].line == pending(3).line


def test_a_worker_takes_over_only_the_pending_items_of_a_worker_that_stopped_beating(
    fresh_redis: str,
) -> None:
    import redis

    beat = heartbeat_key("kabarsip:default:", "host:1")
    other_beat = heartbeat_key("kabarsip:default:", "host:2")
    with (
        redis.Redis.from_url(fresh_redis) as client,
        RedisCrawlState(fresh_redis, owner="host:1") as first,
        RedisCrawlState(fresh_redis, owner="host:2") as second,
    ):
        client.set(beat, "busy", px=60_000)
        client.set(other_beat, "busy", px=60_000)
        first.put_version(article(1), pending(1))
        second.put_version(article(2), pending(2))
        # Each sees its own items only while the other beats.
        assert [item.key for item in first.pending_items()] == [pending(1).key]
        assert [item.key for item in second.pending_items()] == [pending(2).key]
        client.delete(beat)
        taken = second.pending_items()
        assert [item.key for item in taken] == [pending(1).key, pending(2).key]
        assert taken[0].line == pending(1).line and taken[0].target == "items-a.jsonl"
        # Taken over once: the first worker, back under its old name, no longer has it.
        client.set(beat, "busy", px=60_000)
        assert first.pending_items() == []
        second.clear_pending([pending(1).key])
        assert [item.key for item in second.pending_items()] == [pending(2).key]


def test_namespaces_keep_stores_apart(fresh_redis: str) -> None:
    with (
        RedisCrawlState(fresh_redis, namespace="a") as a,
        RedisCrawlState(fresh_redis, namespace="b") as b,
    ):
        a.put_article(article(1))
        assert b.get_article(article(1).canonical_url) is None
        assert [x.key for x in a.articles()] == [article(1).key]


def test_the_sites_sharing_a_namespace_are_recorded(fresh_redis: str) -> None:
    with RedisCrawlState(fresh_redis, site="kanalpagi"):
        pass
    with RedisCrawlState(fresh_redis, site="warta") as state:
        assert state.sites == ["kanalpagi", "warta"]


def test_a_newer_schema_is_refused(fresh_redis: str) -> None:
    import redis

    with redis.Redis.from_url(fresh_redis) as client:
        client.hset("kabarsip:default:meta", "schema_version", "99")
    with pytest.raises(CrawlStateError, match="schema version 99"):
        RedisCrawlState(fresh_redis)


def test_no_server_is_one_clear_error_not_a_hang() -> None:
    started = time.monotonic()
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    with pytest.raises(CrawlStateError) as error:
        RedisCrawlState(url)
    message = str(error.value)
    assert "\n" not in message and "secret" not in message
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in message and "KABARSIP_REDIS_URL" in message
    assert time.monotonic() - started < 30


def test_a_server_lost_mid_crawl_fails_the_next_command(tmp_path: Path) -> None:
    errors: list[CrawlStateError] = []
    with redis_server(tmp_path) as url:
        state = RedisCrawlState(url, on_error=errors.append, socket_timeout=2)
        state.put_article(article(1))
    started = time.monotonic()
    with pytest.raises(CrawlStateError, match="cannot use Redis crawl state"):
        state.put_article(article(2))
    assert time.monotonic() - started < 30
    assert len(errors) == 1
    state.close()
    state.close()
    with pytest.raises(CrawlStateError, match="already closed"):
        state.get_article(article(1).canonical_url)


def test_a_password_is_left_out_of_messages() -> None:
    assert redacted_url("redis://user:pw@host:6379/2") == "redis://user:***@host:6379/2"
    assert redacted_url("redis://host:6379/2") == "redis://host:6379/2"


def test_grouped_writes_reach_the_server_together_at_commit_and_are_read_back_before(
    fresh_redis: str,
) -> None:
    with (
        RedisCrawlState(fresh_redis, site="kanalpagi", group_seconds=3600) as state,
        RedisCrawlState(fresh_redis) as other,
    ):
        state.put_version(article(1), pending(1))
        state.record_blocks("kanalpagi", article(1).key, ["b1", "b2"], SEEN)
        # Not sent yet: another worker sees nothing, this one reads its own writes.
        assert other.get_article(article(1).canonical_url) is None
        stored = state.get_article(article(1).canonical_url)
        assert stored is not None and stored.version == 1
        state.commit()
        sent = other.get_article(article(1).canonical_url)
        assert sent == stored
        assert [item.key for item in other.pending_items()] == [pending(1).key]


def test_a_group_older_than_its_seconds_is_sent_by_the_next_write(fresh_redis: str) -> None:
    with (
        RedisCrawlState(fresh_redis, site="kanalpagi", group_seconds=0.2) as state,
        RedisCrawlState(fresh_redis) as other,
    ):
        state.put_article(article(1))
        time.sleep(0.3)
        state.put_article(article(2))
        assert other.get_article(article(1).canonical_url) is not None
        assert other.get_article(article(2).canonical_url) is None
    # Closing sends the rest.
    with RedisCrawlState(fresh_redis) as other:
        assert other.get_article(article(2).canonical_url) is not None


def test_learned_blocks_of_a_namespace_written_before_its_index_are_found(
    fresh_redis: str,
) -> None:
    import redis

    with RedisCrawlState(fresh_redis, site="kanalpagi") as state:
        for number in range(4):
            state.record_blocks("kanalpagi", article(number).key, ["menu", f"own{number}"], SEEN)
        with redis.Redis.from_url(fresh_redis) as client:
            # As an earlier Kabarsip left it: the counts without the index of repeated blocks.
            client.delete("kabarsip:default:blocks:kanalpagi:repeated")
        assert state.learned_blocks("kanalpagi", 3, 0.5) == {"menu"}
        state.record_blocks("kanalpagi", article(9).key, ["own1"], SEEN)
        state.record_blocks("kanalpagi", article(8).key, ["own1"], SEEN)
        assert state.learned_blocks("kanalpagi", 3, 0.5) == {"menu", "own1"}
        assert state.learned_blocks("kanalpagi", 1, 0.5) == {"menu", "own1"}


def test_a_group_is_written_after_the_server_lost_its_scripts(fresh_redis: str) -> None:
    import redis

    with RedisCrawlState(fresh_redis, site="kanalpagi", group_seconds=3600) as state:
        state.put_version(article(1), pending(1))
        state.record_blocks("kanalpagi", article(1).key, ["b1"], SEEN)
        with redis.Redis.from_url(fresh_redis) as client:
            client.script_flush()
        state.commit()
    with RedisCrawlState(fresh_redis) as other:
        assert other.get_article(article(1).canonical_url) is not None
        assert [item.key for item in other.pending_items()] == [pending(1).key]
        assert other.learned_blocks("kanalpagi", 1, 0.0) == {"b1"}
