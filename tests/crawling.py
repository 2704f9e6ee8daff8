"""Runs ``scrapy crawl news`` in a subprocess, as a user would, and reads back what it wrote."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.demo import PROJECT_DIR, crawl_command

#: A plain test spider's crawl with Kabarsip's defaults and only its WARC capture: no state,
#: no item pipelines, no scope middlewares; loopback allowed.
CAPTURE_ONLY_SETTINGS: dict[str, Any] = {
    "ADDONS": {"crawler.addon.KabarsipAddon": 0},
    "DOWNLOADER_MIDDLEWARES": {"archive.capture.WarcCaptureMiddleware": 950},
    "EXTENSIONS": {"archive.warcfiles.WarcFiles": 100},
    "SPIDER_MIDDLEWARES": {},
    "ITEM_PIPELINES": {},
    "STATE_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": False,
    "SCOPE_ALLOW_NETWORKS": ["127.0.0.1/32"],
}


@dataclass
class CrawlResult:
    returncode: int
    log: str
    stats: dict[str, Any]
    items: list[dict[str, Any]]
    warc_dir: Path
    stderr: str = ""


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
