"""Fault suite: ``kill -9`` at seeded random moments of crawls, restarting after each kill.

A kill may land anywhere: start-up, discovery, while WARC records are written, between a
decision record and its state, while items are appended or synced.  After each series of
kills a run goes to completion, then: every WARC file passes ``scrapy warc verify``, the items
of all runs' files are the versions in the state (each exactly once, every line whole), no item
is left pending, and ``scrapy state rebuild`` from the WARC files gives the live state.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.state import ArticleState, CaptureState
from archive.state_sqlite import SqliteCrawlState
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl, run_scrapy

pytestmark = pytest.mark.slow

SEED = 9
#: Kills per series; each series starts from an empty folder, so kills find new articles.
SERIES, KILLS_PER_SERIES = 5, 4


@dataclass
class KillCounts:
    kills: int = 0
    left_pending: int = 0
    """Kills after which the state held items decided but not yet synced."""
    left_open_warc: int = 0
    left_torn_items: int = 0
    """Kills that cut an item file in the middle of a line."""


def kill_at(out: Path, origin: str, delay: float) -> bool:
    """Start a crawl into ``out`` and SIGKILL it ``delay`` seconds later; False if it ended."""
    out.mkdir(parents=True, exist_ok=True)
    command = crawl_command("demo", origin, out, out / "stats.json")
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
        return True
    return False


def pending_after_kill(out: Path) -> int:
    state = out / "state.sqlite"
    if not state.exists():
        return 0
    with SqliteCrawlState(state) as store:
        return len(store.pending_items())


def torn(path: Path) -> bool:
    data = path.read_bytes()
    return bool(data) and not data.endswith(b"\n")


def check_series(out: Path, tmp_path: Path, articles: int) -> None:
    verified = run_scrapy("warc", "verify", str(out / "warc"))
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]

    items = [
        json.loads(line)  # a torn line fails here
        for path in sorted((out / "items").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    written = [(item["canonical_url"] or item["url"], item["version"]) for item in items]
    with SqliteCrawlState(out / "state.sqlite") as store:
        assert store.pending_items() == []
        live_captures: list[CaptureState] = list(store.captures())
        live_articles: list[ArticleState] = list(store.articles())
    versions = [(a.canonical_url, v) for a in live_articles for v in range(1, a.version + 1)]
    assert len(written) == len(set(written)), "an item was written twice"
    assert sorted(written) == sorted(versions)
    assert len(live_articles) == articles

    rebuilt_path = tmp_path / f"rebuilt-{out.name}.sqlite"
    rebuilt = run_scrapy("state", "rebuild", str(out / "warc"), "--state", str(rebuilt_path))
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    with SqliteCrawlState(rebuilt_path) as store:
        assert list(store.captures()) == live_captures
        assert list(store.articles()) == live_articles


def test_kill_9_at_random_moments_loses_and_duplicates_nothing(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    started = time.monotonic()
    normal = run_crawl(tmp_path / "normal", "demo", small_server.origin)
    duration = time.monotonic() - started
    assert normal.returncode == 0, normal.log[-3000:]

    rng = random.Random(SEED)
    counts = KillCounts()
    for series in range(SERIES):
        out = tmp_path / f"series-{series}"
        killed = 0
        while killed < KILLS_PER_SERIES:
            if not kill_at(out, small_server.origin, rng.uniform(0, duration)):
                continue  # the run ended before its moment came: not a kill
            killed += 1
            counts.kills += 1
            counts.left_pending += pending_after_kill(out) > 0
            counts.left_open_warc += any((out / "warc").glob("*.open"))
            counts.left_torn_items += any(torn(path) for path in (out / "items").glob("*.jsonl"))
        final = run_crawl(out, "demo", small_server.origin)
        assert final.returncode == 0, final.log[-3000:]
        check_series(out, tmp_path, len(small_site.live()))

    assert counts.kills == SERIES * KILLS_PER_SERIES
    print(
        f"\nkill -9: {counts.kills} kills (normal run {duration:.1f} s), "
        f"{counts.left_pending} left items pending, {counts.left_torn_items} a torn item line, "
        f"{counts.left_open_warc} left .open WARC files"
    )
