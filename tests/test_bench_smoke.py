"""``benchmarks/bench_crawl.py --quick`` runs every variant and prints every row (no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR

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
)


@pytest.mark.slow
def test_a_quick_bench_prints_every_row(tmp_path: Path) -> None:
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
    missing = [row for row in ROWS if row not in result.stdout]
    assert not missing, result.stdout
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["runs"]["sections"]["articles"] == 60
    assert data["runs"]["reextract"]["articles"] == 60
    assert len(data["targets"]) == 8
