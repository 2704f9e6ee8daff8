"""A worker killed outright (SIGKILL) mid-crawl: the others fetch what it had taken.

Two workers share a crawl of 1,000 articles; one is killed while it holds leased requests.
The other reaps it once its heartbeat expires, fetches its requests, and finishes; a worker
started afterwards repairs the dead one's ``.open`` WARC file and writes the items it had
decided but not written.  Every article is captured, no item is written twice.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
import redis

from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from tests.redisworkers import finish, item_keys, records, start_worker, stats

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ARTICLES = 1000
#: Short, so that the survivor reaps the dead worker soon after its queue runs dry.
HEARTBEAT = "KABARSIP_REDIS_HEARTBEAT_SECONDS=3"


def inflight_key(pid: int) -> str:
    return f"kabarsip:default:demo:inflight:{socket.gethostname()}:{pid}"


def test_a_killed_worker_loses_no_article_and_no_item_is_written_twice(
    tmp_path: Path, fresh_redis: str
) -> None:
    site = generate_site(tmp_path / "site", ARTICLES, edition=1)
    assert site.directory is not None
    warc_dir = tmp_path / "warc"
    with DemoServer(site.directory) as server, redis.Redis.from_url(fresh_redis) as client:
        origin = server.origin
        doomed, survivor = (
            start_worker(tmp_path / name, origin, fresh_redis, warc_dir, HEARTBEAT)
            for name in ("doomed", "survivor")
        )
        deadline = time.monotonic() + 300
        held = 0
        while doomed.poll() is None:
            assert time.monotonic() < deadline, "the doomed worker never held a lease mid-crawl"
            if client.hlen("kabarsip:default:article") >= ARTICLES // 5:
                held = client.hlen(inflight_key(doomed.pid))
                if held:
                    os.kill(doomed.pid, signal.SIGKILL)
                    break
            time.sleep(0.02)
        doomed.wait(timeout=30)
        assert doomed.returncode == -signal.SIGKILL, "the doomed worker finished first"
        lost = client.hlen(inflight_key(doomed.pid))
        assert lost > 0
        left_open = list(warc_dir.glob(f"*-{doomed.pid}.warc.gz.open"))

        survived = finish(survivor)
        assert survived.returncode == 0, survived.stderr[-3000:]
        assert not client.exists(inflight_key(doomed.pid)), "its leases were not reaped"
        assert not client.keys("kabarsip:default:demo:requests"), "the run was not cleared"

        restarted = finish(
            start_worker(tmp_path / "restarted", origin, fresh_redis, warc_dir, HEARTBEAT)
        )
        assert restarted.returncode == 0, restarted.stderr[-3000:]

    folders = [tmp_path / name for name in ("doomed", "survivor", "restarted")]
    figures = stats(tmp_path / "survivor")
    requeued = figures.get("scheduler/requeued/redis")
    assert isinstance(requeued, int), figures
    assert requeued >= lost, figures

    # The dead worker's .open file was repaired by the restarted worker's start.
    assert left_open, "the doomed worker was killed with no WARC file open"
    assert not list(warc_dir.glob("*.open"))
    assert stats(tmp_path / "restarted").get("warc/repaired_files", 0) >= len(left_open)

    # An article's lease ends with its response; its discovery pages' only with the worker.
    # Had no lease ended, more would be left than the responses the dead worker archived.
    assert lost < sum(records(warc_dir, doomed.pid).values())

    articles = {f"{origin}{a.path}" for a in site.live()}
    assert len(articles) >= ARTICLES * 0.9
    captured = records(warc_dir)
    assert not [url for url in articles if not captured[url]], "an article was never captured"

    written = item_keys(folders)
    assert written and max(written.values()) == 1, "an item was written twice"
    assert {str(url) for url, _ in written} >= articles, "an article has no item"
    print(
        f"killed with {held} leases, {lost} left to reap; survivor requeued {requeued}; "
        f"restarted worker recovered {stats(tmp_path / 'restarted').get('items/recovered', 0)}"
    )
