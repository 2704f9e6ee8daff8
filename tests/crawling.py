"""Runs ``scrapy crawl news`` (or another command) in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
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


def page_fetches(stats: dict[str, Any]) -> int:
    """Responses to the crawl's pages, leaving out the article pictures archived with them."""
    return int(stats["downloader/response_count"]) - int(stats.get("assets/requested", 0))


def run_scrapy(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS...`` run in the project folder, as a user would; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *map(str, args)],
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


# A plain Scrapy spider fetching a list of URLs, with only the settings given: what the WARC
# capture middleware records of each exchange, apart from Kabarsip's spider and pipelines.
CAPTURE_RUNNER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

class CaptureSpider(scrapy.Spider):
    name = "capture"

    async def start(self):
        for url in self.urls.split(","):
            yield scrapy.Request(url)

    def parse(self, response):
        yield {"url": response.url, "status": response.status, "warc": response.meta.get("warc")}

settings, urls, stats_file = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
process = CrawlerProcess(settings=settings)
crawler = process.create_crawler(CaptureSpider)
process.crawl(crawler, urls=urls)
process.start()
with open(stats_file, "w") as out:
    json.dump(crawler.stats.get_stats(), out, default=str)
"""


def capture_crawl(folder: Path, urls: list[str], settings: dict[str, Any]) -> dict[str, Any]:
    """Fetch ``urls`` with the capture middleware and ``settings``; the crawl's final stats."""
    runner = folder / "runner.py"
    runner.write_text(CAPTURE_RUNNER, encoding="utf-8")
    settings = {
        **CAPTURE_ONLY_SETTINGS,
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        **settings,
    }
    stats_file = folder / "stats.json"
    result = subprocess.run(
        [sys.executable, str(runner), json.dumps(settings), ",".join(urls), str(stats_file)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stats: dict[str, Any] = json.loads(stats_file.read_text(encoding="utf-8"))
    return stats
