"""Two worker processes share one crawl of a 1,000-article site through Redis."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.naming import parse_warc_name
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ARTICLES = 1000
WORKERS = 2


def run_workers(
    out: Path, origin: str, redis_url: str, warc_dir: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Start the workers at once, each with its own folder, and wait for all of them.

    They write into one WARC folder (each its own files, named with its pid): a revisit of
    the next run refers to a capture another worker may have written.
    """
    env = {**os.environ, "KABARSIP_REDIS_URL": redis_url}
    processes = []
    for worker in range(WORKERS):
        folder = out / f"worker{worker}"
        folder.mkdir(parents=True)
        command = crawl_command("demo", origin, folder, folder / "stats.json")
        command += ["-s", f"WARC_DIR={warc_dir}"]
        processes.append(
            subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=800)
        results.append(subprocess.CompletedProcess(process.pid, process.returncode, stdout, stderr))
    return results


def responses(warc_dir: Path, pid: int, kind: str = "response") -> Counter[str]:
    """Records of ``kind`` per URL in the WARC files of the worker ``pid``."""
    found: Counter[str] = Counter()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        name = parse_warc_name(path.name)
        if name is None or name.pid != pid:
            continue
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == kind:
                    found[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return found


def items(folder: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in sorted((folder / "items").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


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
    per_worker = [responses(warc_dir, result.args) for result in first]
    captured = sum(per_worker, Counter())
    article_captures = {url: captured[url] for url in articles}
    assert set(article_captures.values()) == {1}, "every article captured exactly once"
    shares = [sum(found[url] for url in articles) / len(articles) for found in per_worker]
    assert all(share >= 0.2 for share in shares), shares

    emitted = [item for w in range(WORKERS) for item in items(tmp_path / "run1" / f"worker{w}")]
    keys = Counter(
        (item.get("canonical_url") or item["url"], item.get("version")) for item in emitted
    )
    assert keys and max(keys.values()) == 1, "no item emitted twice"
    assert len(keys) >= len(articles) * 0.95

    # The second run finds everything known: revisits only, no full capture, no new item.
    again = sum((responses(warc_dir, result.args) for result in second), Counter())
    assert not set(again) & articles
    revisits = sum((responses(warc_dir, r.args, "revisit") for r in second), Counter())
    assert {url: revisits[url] for url in articles} == dict.fromkeys(articles, 1)
    assert not [i for w in range(WORKERS) for i in items(tmp_path / "run2" / f"worker{w}")]
    print(f"two workers: {seconds:.0f} s, article shares {[round(s, 2) for s in shares]}")
