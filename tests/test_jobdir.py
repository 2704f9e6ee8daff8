"""JOBDIR: a stopped run resumes (limit, SIGTERM, Ctrl-C), a finished one blocks nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from archive.state_sqlite import SqliteCrawlState
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import page_fetches, run_crawl

pytestmark = pytest.mark.slow


def test_a_finished_run_clears_its_jobdir_and_the_next_run_crawls_again(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": str(jobdir)}
    first = run_crawl(tmp_path, "demo", small_server.origin, settings)
    assert first.returncode == 0 and first.stats["finish_reason"] == "finished"
    assert len(first.items) == len(small_site.live())
    assert not (jobdir / "requests.seen").exists() and not (jobdir / "requests.queue").exists()
    assert "JOBDIR" in first.log and first.stats.get("log_count/ERROR", 0) == 0
    second = run_crawl(tmp_path, "demo", small_server.origin, settings)
    assert second.returncode == 0 and second.stats.get("log_count/ERROR", 0) == 0
    assert page_fetches(second.stats) == page_fetches(first.stats)
    assert second.stats["versions/unchanged"] == len(small_site.live())


def test_a_stopped_run_keeps_its_jobdir_and_resumes_without_emitting_twice(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    jobdir = tmp_path / "job"
    stopped = run_crawl(
        tmp_path,
        "demo",
        small_server.origin,
        {"JOBDIR": str(jobdir), "CLOSESPIDER_ITEMCOUNT": "5", "CONCURRENT_REQUESTS": "2"},
    )
    assert stopped.stats["finish_reason"] == "closespider_itemcount"
    assert (jobdir / "requests.seen").exists()
    emitted = {item["canonical_url"] for item in stopped.items}
    assert 5 <= len(emitted) < len(small_site.live())
    resumed = run_crawl(tmp_path, "demo", small_server.origin, {"JOBDIR": str(jobdir)})
    assert resumed.stats["finish_reason"] == "finished"
    urls = [item["canonical_url"] for item in resumed.items]  # both runs' item files
    assert len(urls) == len(set(urls)) == len(small_site.live())
    assert not (jobdir / "requests.seen").exists()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signalled_run_writes_what_it_decided_and_the_resumed_run_emits_the_rest(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest, stop: signal.Signals
) -> None:
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": str(jobdir)}
    # Slow enough to be stopped half-way: one request at a time, a tenth of a second apart.
    slow = {**settings, "CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.1"}
    command = crawl_command("demo", small_server.origin, tmp_path, tmp_path / "stats.json")
    for name, value in {**slow, "ITEMS_SYNC_SECONDS": "0.2"}.items():
        command += ["-s", f"{name}={value}"]
    process = subprocess.Popen(command, cwd=PROJECT_DIR, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _item_lines(tmp_path / "items") and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["finish_reason"] == "shutdown"
    assert (jobdir / "requests.seen").exists()
    # Every version the stopped run decided is in its file, none left pending.
    stopped = _item_lines(tmp_path / "items")
    assert 0 < len(stopped) < len(small_site.live())
    assert stats["versions/new"] == stats["items/written"] == len(stopped)
    with SqliteCrawlState(tmp_path / "state.sqlite") as state:
        assert state.pending_items() == []

    resumed = run_crawl(tmp_path, "demo", small_server.origin, settings)
    assert resumed.returncode == 0 and resumed.stats["finish_reason"] == "finished"
    assert resumed.stats["versions/new"] == len(small_site.live()) - len(stopped)
    urls = [item["canonical_url"] for item in resumed.items]  # both runs' item files
    assert len(urls) == len(set(urls)) == len(small_site.live())
    assert not (jobdir / "requests.seen").exists()


def _item_lines(folder: Path) -> list[str]:
    return [
        line
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
