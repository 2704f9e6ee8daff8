"""``scrapy reextract`` in worker processes: the items of the in-process crawl, in capture order.

The archive is a real crawl of the generated demo site (two editions: new versions, revisits,
multi-page articles), re-extracted with worker processes (the default) and with
``REEXTRACT_WORKERS=0`` (a request per capture through the replay download handler).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.replayindex import ArchiveIndex
from crawler import settings as defaults
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from crawler.reextract_pool import Job, ReextractPool, ReextractPoolError, Worker, WorkerConfig
from crawler.sites import load_site
from tests.crawling import run_crawl, run_scrapy

pytestmark = pytest.mark.slow

ARTICLES = 24
LIMITS = {"download_maxsize": 10_000_000, "download_warnsize": 5_000_000}


@dataclass
class Archive:
    warc: Path
    live_items: int


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Edition 1 crawled, then edition 2 (new versions, revisits); the server then stops."""
    root = tmp_path_factory.mktemp("reextract")
    first = generate_site(root / "site-1", ARTICLES, edition=1)
    second = generate_site(root / "site-2", ARTICLES, edition=2)
    assert first.directory is not None and second.directory is not None
    out = root / "live"
    with DemoServer(first.directory) as server:
        for directory in (first.directory, second.directory):
            server.switch(directory)
            result = run_crawl(out, "demo", server.origin, {"WARC_MAX_SIZE": "150000"})
            assert result.returncode == 0, result.log[-3000:]
    items = sum(1 for path in out.glob("items/*.jsonl") for _ in path.open(encoding="utf-8"))
    yield Archive(out / "warc", items)


def reextract(archive: Archive, output: Path, *args: str) -> list[str]:
    command = run_scrapy("reextract", archive.warc, "-o", output, "--site", "demo", *args)
    assert command.returncode == 0, command.stderr[-3000:]
    assert "Traceback" not in command.stderr
    return output.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("learn", ["--learn-first", "--no-learn-first"])
def test_workers_write_the_items_of_the_in_process_crawl(
    archive: Archive, tmp_path: Path, learn: str
) -> None:
    pooled = reextract(archive, tmp_path / "pooled.jsonl", learn)
    alone = reextract(archive, tmp_path / "alone.jsonl", learn, "-s", "REEXTRACT_WORKERS=0")
    one = reextract(archive, tmp_path / "one.jsonl", learn, "-s", "REEXTRACT_WORKERS=1")
    items = [json.loads(line) for line in pooled]
    assert len(items) == archive.live_items
    assert {item["version"] for item in items} == {1, 2}
    assert max(item["pages"] for item in items) > 1
    # Byte for byte the same lines; the in-process crawl finishes a multi-page article only
    # after reading the captures that follow it, the workers write each in capture order.
    assert sorted(pooled) == sorted(alone)
    assert one == pooled
    captures = [(item["warc_file"], item["warc_offset"]) for item in items]
    assert captures == sorted(captures)


def test_a_truncated_warc_file_is_skipped_from_the_damage_on(
    archive: Archive, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    files = sorted(archive.warc.glob("*.warc.gz"))
    for path in files:
        (damaged / path.name).write_bytes(path.read_bytes())
    cut = damaged / files[0].name
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    output = tmp_path / "items.jsonl"
    command = run_scrapy("reextract", damaged, "-o", output, "--site", "demo")
    assert command.returncode == 0, command.stderr[-3000:]
    assert f"skipped {cut}:" in command.stderr
    whole = reextract(archive, tmp_path / "whole.jsonl")
    left = output.read_text(encoding="utf-8").splitlines()
    assert 0 < len(left) < len(whole)


def crash_step(item: Any, site: Any, stats: Any) -> None:
    """An item step that kills the worker process it runs in (and nothing else)."""
    if multiprocessing.parent_process() is not None:
        os._exit(70)


def test_a_worker_that_dies_fails_the_run_with_a_clear_message(
    archive: Archive, tmp_path: Path
) -> None:
    steps = json.dumps({f"{__name__}.crash_step": 100})
    output = tmp_path / "items.jsonl"
    command = run_scrapy(
        "reextract", archive.warc, "-o", output, "--site", "demo", "-s", f"ITEM_STEPS={steps}"
    )
    assert command.returncode != 0
    assert "reextract failed: a re-extraction worker process died" in command.stderr


def test_the_pool_gives_outcomes_in_order_and_a_dead_worker_as_an_error(
    archive: Archive,
) -> None:
    import asyncio

    index = ArchiveIndex.load([archive.warc])
    site = load_site("demo")
    jobs = [
        Job(str(index.path), capture.url, capture.date)
        for capture in index.responses()
        if site.is_article(capture.url)
    ]
    config = WorkerConfig("demo", defaults.ITEM_STEPS, LIMITS, 30)
    worker = Worker(config)
    expected = [worker.run(job).item for job in jobs]
    worker.close()

    async def gather(pool: ReextractPool, jobs: list[Job]) -> list[Any]:
        return [outcome.item async for _, outcome in pool.outcomes(jobs)]

    pool = ReextractPool(config, 2, in_flight=2)
    try:
        assert asyncio.run(gather(pool, jobs)) == expected
    finally:
        pool.close()
    # One batch at the worker, still starting up: the crawl's process takes the next itself.
    pool = ReextractPool(config, 1, in_flight=1)
    try:
        assert asyncio.run(gather(pool, jobs)) == expected
        assert pool.local is not None
    finally:
        pool.close()
    crashing = WorkerConfig("demo", {f"{__name__}.crash_step": 100}, LIMITS, 30)
    pool = ReextractPool(crashing, 2)
    try:
        with pytest.raises(ReextractPoolError, match="worker process died"):
            asyncio.run(gather(pool, jobs))
    finally:
        pool.close()
        index.close()
    assert all(item is not None and item.warc_record_id for item in expected)
