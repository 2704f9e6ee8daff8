"""Runs ``scrapy crawl news`` (or another command) in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.demo import PROJECT_DIR, crawl_command


@dataclass
class CrawlResult:
    returncode: int
    log: str
    stats: dict[str, Any]
    items: list[dict[str, Any]]
    warc_dir: Path
    stderr: str = ""


def run_scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS...`` run in the project folder, as a user would; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_crawl(
    out: Path, site: str, origin: str, settings: dict[str, str] | None = None
) -> CrawlResult:
    out.mkdir(parents=True, exist_ok=True)
    stats_file = out / "stats.json"
    command = crawl_command(site, origin, out, stats_file)
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=False
    )
    log_file = out / "crawl.log"
    log = result.stdout + result.stderr
    if log_file.exists():
        log += log_file.read_text(encoding="utf-8", errors="replace")
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    items = [
        json.loads(line)
        for path in sorted((out / "items").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return CrawlResult(result.returncode, log, stats, items, out / "warc", result.stderr)
