"""``benchmarks/bench_crawl.py --quick`` runs every variant and prints every row (no timing)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR
from tests.redis_server import redis_server_binary

ROWS = (
    "| server ceiling (fetch only) |",
    "| plain Scrapy, sections |",
    "| full crawl, sections |",
    "| full crawl, sitemaps |",
    "| unchanged re-crawl |",
    "| 10% updated re-crawl |",
    "| extraction alone |",
    "| scrapy reextract |",
    "| full crawl, section discovery | x plain Scrapy articles/s |",
    "| full crawl, sitemap discovery | x plain Scrapy articles/s |",
    "| unchanged re-crawl, time | CPU of first crawl |",
    "| unchanged re-crawl, WARC bytes | % of first |",
    "| 10% updated, bytes / time |",
    "| peak RSS 60 and 120 articles | MiB |",
    "| extraction alone | pages/s/core |",
    "| scrapy reextract | articles/s |",
    "| Redis, 1 worker |",
    "| Redis, 2 workers |",
    "| 2 workers / 1 worker, Redis | articles/s ratio |",
)
#: Printed when wget is installed.
WGET_ROWS = ("| wget --warc-file |", "| 2 workers vs wget --warc-file | articles/s ratio |")


@pytest.mark.slow
def test_a_quick_bench_prints_every_row(tmp_path: Path) -> None:
    redis_server_binary()  # the worker rows run one
    figures = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/bench_crawl.py",
            "--quick",
            "--articles",
            "60",
            "--json",
            str(figures),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wget = shutil.which("wget") is not None
    missing = [row for row in ROWS + (WGET_ROWS if wget else ()) if row not in result.stdout]
    assert not missing, result.stdout
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["runs"]["sections"]["articles"] == 60
    assert data["runs"]["reextract"]["articles"] == 60
    assert data["runs"]["workers2"]["articles"] == 60
    assert len(data["targets"]) == 9 + wget
