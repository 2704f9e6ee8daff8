"""JOBDIR: a stopped run resumes, a finished one leaves nothing that would block the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl

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
    fetched = first.stats["downloader/response_count"]
    assert second.stats["downloader/response_count"] == fetched
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
