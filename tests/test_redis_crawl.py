"""A crawl on the Redis state: unreachable server, and ``scrapy state rebuild`` into Redis."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from archive.state_redis import RedisCrawlState
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import run_crawl, run_scrapy
from tests.redis_server import free_port

pytestmark = pytest.mark.slow


@pytest.mark.timeout(120)
def test_an_unreachable_server_fails_the_crawl_before_any_warc_file(
    tmp_path: Path, small_server: DemoServer
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    command = crawl_command("demo", small_server.origin, tmp_path, tmp_path / "stats.json")
    result = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        env={**os.environ, "KABARSIP_REDIS_URL": url},
    )
    assert result.returncode == ExitCode.STATE, result.stderr[-2000:]
    failures = [line for line in result.stderr.splitlines() if "crawl failed" in line]
    assert len(failures) == 1 and "cannot use Redis crawl state" in failures[0]
    assert url.split("//")[1].split("/")[0] in failures[0]
    warc_dir = tmp_path / "warc"
    assert not warc_dir.exists() or not any(warc_dir.iterdir())


def test_state_rebuild_writes_the_redis_state_the_crawl_kept(
    tmp_path: Path, small_server: DemoServer, fresh_redis: str
) -> None:
    result = run_crawl(tmp_path / "run", "demo", small_server.origin, {
        "KABARSIP_REDIS_URL": fresh_redis,
        "KABARSIP_REDIS_NAMESPACE": "live",
    })  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert not (tmp_path / "run" / "state.sqlite").exists()
    warcs = str(result.warc_dir)
    rebuild = ("state", "rebuild", warcs, "-s", f"KABARSIP_REDIS_URL={fresh_redis}")
    first = run_scrapy(*rebuild, "-s", "KABARSIP_REDIS_NAMESPACE=rebuilt")
    assert first.returncode == 0, first.stderr
    assert "namespace rebuilt" in first.stdout
    refused = run_scrapy(*rebuild, "-s", "KABARSIP_REDIS_NAMESPACE=rebuilt")
    assert refused.returncode != 0 and "--force" in refused.stderr
    again = run_scrapy(*rebuild, "-s", "KABARSIP_REDIS_NAMESPACE=rebuilt", "--force")
    assert again.returncode == 0, again.stderr

    def contents(namespace: str) -> tuple[list[object], list[object]]:
        with RedisCrawlState(fresh_redis, namespace=namespace) as store:
            return list(store.captures()), list(store.articles())

    live_captures, live_articles = contents("live")
    captures, articles = contents("rebuilt")
    assert len(live_articles) >= 30
    assert captures == live_captures
    assert articles == live_articles
