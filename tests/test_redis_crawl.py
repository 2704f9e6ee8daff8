"""A crawl on the Redis state: a server unreachable or lost, ``scrapy state rebuild`` into it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import redis

from archive.state_redis import RedisCrawlState
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import run_crawl, run_scrapy
from tests.redis_server import free_port, redis_server

pytestmark = pytest.mark.slow


#: The crawl state on Redis fails first; without a state, the shared scheduler's queue does.
USERS = pytest.mark.parametrize(
    ("settings", "named"),
    [([], "cannot use Redis crawl state"), (["STATE_ENABLED=False"], "shared Redis queue")],
    ids=["state", "queue"],
)


def crawl_command_with(origin: str, out: Path, settings: list[str]) -> list[str]:
    command = crawl_command("demo", origin, out, out / "stats.json")
    for setting in settings:
        command += ["-s", setting]
    return command


@USERS
@pytest.mark.timeout(120)
def test_an_unreachable_server_fails_the_crawl_before_any_warc_file(
    tmp_path: Path, small_server: DemoServer, settings: list[str], named: str
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    command = crawl_command_with(small_server.origin, tmp_path, settings)
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
    assert len(failures) == 1 and named in failures[0], result.stderr[-2000:]
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


@USERS
@pytest.mark.timeout(240)
def test_a_server_lost_mid_crawl_fails_the_run_with_closed_warc_files(
    tmp_path: Path, demo_server: DemoServer, settings: list[str], named: str
) -> None:
    with redis_server(tmp_path / "redis") as url:
        command = crawl_command_with(demo_server.origin, tmp_path, settings)
        crawl = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env={**os.environ, "KABARSIP_REDIS_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        with redis.Redis.from_url(url) as client:
            deadline = time.monotonic() + 60
            # Mid-crawl: requests taken from the shared queue (it numbers their leases).
            while (
                int(client.get("kabarsip:default:demo:leases") or 0) < 20 and crawl.poll() is None
            ):
                assert time.monotonic() < deadline, "the crawl fetched nothing in 60 s"
                time.sleep(0.05)
    # The server is gone from here on, the crawl still running.
    _, stderr = crawl.communicate(timeout=200)
    assert crawl.returncode == ExitCode.STATE, stderr[-2000:]
    failures = [line for line in stderr.splitlines() if "crawl failed" in line]
    assert len(failures) == 1 and "Redis" in failures[0], stderr[-2000:]
    # With a state on Redis, either fails first; without one, the queue does.
    assert not settings or named in failures[0], failures[0]
    files = list((tmp_path / "warc").iterdir())
    assert files and all(path.name.endswith(".warc.gz") for path in files)
    verified = run_scrapy("warc", "verify", tmp_path / "warc")
    assert verified.returncode == 0, verified.stdout + verified.stderr
