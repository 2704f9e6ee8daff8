"""Two worker processes share one crawl of a 1,000-article site through Redis."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from archive.unchanged import SKIPPED_STAT
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from tests.redisworkers import finish, item_keys, items, records, start_worker, stats

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ARTICLES = 1000
WORKERS = 2


def run_workers(
    out: Path, origin: str, redis_url: str, warc_dir: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Start the workers at once, each with its own folder, and wait for all of them."""
    processes = [
        start_worker(out / f"worker{worker}", origin, redis_url, warc_dir)
        for worker in range(WORKERS)
    ]
    return [finish(process) for process in processes]


def test_two_workers_share_the_crawl_and_each_article_is_captured_once(
    tmp_path: Path, fresh_redis: str
) -> None:
    site = generate_site(tmp_path / "site", ARTICLES, edition=1)
    assert site.directory is not None
    with DemoServer(site.directory) as server:
        origin = server.origin
        warc_dir = tmp_path / "warc"
        started = time.monotonic()
        first = run_workers(tmp_path / "run1", origin, fresh_redis, warc_dir)
        seconds = time.monotonic() - started
        for result in first:
            assert result.returncode == 0, result.stderr[-3000:]
        second = run_workers(tmp_path / "run2", origin, fresh_redis, warc_dir)
        for result in second:
            assert result.returncode == 0, result.stderr[-3000:]

    articles = {f"{origin}{a.path}" for a in site.live()}
    assert len(articles) >= ARTICLES * 0.9
    per_worker = [records(warc_dir, result.args) for result in first]
    captured = sum(per_worker, Counter())
    article_captures = {url: captured[url] for url in articles}
    assert set(article_captures.values()) == {1}, "every article captured exactly once"
    shares = [sum(found[url] for url in articles) / len(articles) for found in per_worker]
    # A real share, not an even one: one worker's start-up may lag the other's on a loaded
    # machine.  Each releases the articles it found as soon as the run's discovery is over,
    # not when it idles (busy with the other's, it held its own to the end: 10% seen).
    assert all(share >= 0.2 for share in shares), shares

    keys = item_keys([tmp_path / "run1" / f"worker{w}" for w in range(WORKERS)])
    assert keys and max(keys.values()) == 1, "no item emitted twice"
    assert len(keys) >= len(articles) * 0.95

    # The second run finds everything known: revisits only, no full capture, no new item.
    again = sum((records(warc_dir, result.args) for result in second), Counter())
    assert not set(again) & articles
    revisits = sum((records(warc_dir, r.args, "revisit") for r in second), Counter())
    assert {url: revisits[url] for url in articles} == dict.fromkeys(articles, 1)
    assert not [i for w in range(WORKERS) for i in items(tmp_path / "run2" / f"worker{w}")]
    # None read again: each version's basis names the captures of its later pages, whichever
    # worker fetched them (one whose writes were not sent yet lost the basis).
    skipped = [stats(tmp_path / "run2" / f"worker{w}") for w in range(WORKERS)]
    assert sum(int(str(s.get(SKIPPED_STAT, 0))) for s in skipped) == len(articles), skipped
    print(f"two workers: {seconds:.0f} s, article shares {[round(s, 2) for s in shares]}")
