"""The discovery gate: articles held while discovery runs, released in bounded batches."""

from __future__ import annotations

import asyncio

import pytest

from crawler.discovery.gate import RELEASE_BATCH, DiscoveryGate


def test_articles_wait_for_discovery_one_per_key() -> None:
    gate: DiscoveryGate[str] = DiscoveryGate()
    assert gate.admit("a", "a from the feed") is None
    assert gate.admit("b", "b") is None
    assert gate.admit("a", "a from a section") is None
    assert gate.discovery_done() == ["a from the feed", "b"]
    assert gate.releasing
    # Found after discovery (a later page of a section...): sent at once.
    assert gate.admit("c", "c") == "c"


def test_discovery_pages_pass_once() -> None:
    gate: DiscoveryGate[str] = DiscoveryGate()
    assert gate.first_visit("https://example.id/sitemap.xml")
    assert not gate.first_visit("https://example.id/sitemap.xml")
    assert gate.first_visit("https://example.id/rss")


def test_release_sends_a_batch_at_a_time_and_yields_between() -> None:
    gate: DiscoveryGate[int] = DiscoveryGate()
    for n in range(RELEASE_BATCH * 2 + 1):
        gate.admit(str(n), n)
    held = gate.discovery_done()
    sent: list[int] = []
    sizes: list[int] = []

    async def run() -> None:
        async def watch() -> None:
            while gate.releasing:
                sizes.append(len(sent))
                await asyncio.sleep(0)

        await asyncio.gather(gate.release(held, sent.append, lambda: True), watch())

    asyncio.run(run())
    assert sent == list(range(RELEASE_BATCH * 2 + 1))
    assert sizes[:3] == [RELEASE_BATCH, RELEASE_BATCH * 2, RELEASE_BATCH * 2 + 1]
    assert not gate.releasing


def test_release_stops_when_the_crawl_closes() -> None:
    gate: DiscoveryGate[int] = DiscoveryGate(batch=2)
    for n in range(5):
        gate.admit(str(n), n)
    sent: list[int] = []
    asyncio.run(gate.release(gate.discovery_done(), sent.append, lambda: len(sent) < 2))
    assert sent == [0, 1]
    assert not gate.releasing


def test_nothing_held_keeps_nothing_open() -> None:
    gate: DiscoveryGate[int] = DiscoveryGate()
    assert gate.discovery_done() == []
    assert not gate.releasing
    with pytest.raises(ValueError, match="positive"):
        DiscoveryGate(batch=0)


def test_a_held_article_gains_what_later_ones_of_its_key_bring() -> None:
    gate: DiscoveryGate[set[str]] = DiscoveryGate()
    merge = lambda held, later: held | later  # noqa: E731
    gate.admit("a", {"feed date"}, merge)
    gate.admit("a", {"sitemap date"}, merge)
    assert gate.discovery_done() == [{"feed date", "sitemap date"}]
