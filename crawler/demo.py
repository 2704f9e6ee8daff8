"""``make demo``: generate the demo news site, serve it on loopback, crawl it, summarise.

Everything stays on this machine: the site is served on 127.0.0.1 and the crawl writes to
``data/demo/`` (WARC files, JSON Lines items, stats). Run ``python -m crawler.demo --help``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class CrawlReport:
    """What one demo crawl did, read back from its stats file and output folders."""

    pages: int
    articles: int
    dropped: int
    warc_files: int
    warc_bytes: int
    seconds: float
    items_file: Path | None


def crawl_command(site_file: str, origin: str, out: Path, stats_file: Path) -> list[str]:
    """The ``scrapy crawl news`` command line for a loopback demo crawl into ``out``."""
    feeds = {str(out / "items" / "%(site_name)s-%(time)s.jsonl"): {"format": "jsonlines"}}
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"site={site_file}",
        "-a",
        f"origin={origin}",
        # Loopback demo: no throttling, full concurrency.
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        f"WARC_DIR={out / 'warc'}",
        "-s",
        f"FEEDS={json.dumps(feeds)}",
        "-s",
        f"STATS_FILE={stats_file}",
        "-s",
        f"LOG_FILE={out / 'crawl.log'}",
    ]


def run_demo(out: Path, articles: int, edition: int) -> CrawlReport:
    site_dir = out / "demo-site"
    generate_site(site_dir, articles=articles, edition=edition)
    stats_file = out / "stats.json"
    started = time.monotonic()
    with DemoServer(site_dir) as server:
        command = crawl_command("demo", server.origin, out, stats_file)
        result = subprocess.run(command, cwd=PROJECT_DIR, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"demo crawl failed (exit {result.returncode}); see {out / 'crawl.log'}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    items = sorted((out / "items").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    return CrawlReport(
        pages=int(stats.get("downloader/response_count", 0)),
        articles=int(stats.get("item_scraped_count", 0)),
        dropped=int(stats.get("item_dropped_count", 0)),
        warc_files=len(warcs),
        warc_bytes=sum(p.stat().st_size for p in warcs),
        seconds=seconds,
        items_file=items[-1] if items else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "data" / "demo")
    parser.add_argument("--articles", type=int, default=240)
    parser.add_argument("--edition", type=int, default=1, choices=(1, 2))
    args = parser.parse_args(argv)
    report = run_demo(args.out.resolve(), args.articles, args.edition)
    print(
        f"Kabarsip demo: {report.pages} pages fetched, {report.articles} articles "
        f"({report.dropped} dropped) in {report.seconds:.1f} s\n"
        f"  WARC: {report.warc_files} file(s), {report.warc_bytes:,} bytes in {args.out / 'warc'}\n"
        f"  items: {report.items_file}\n"
        f"  log: {args.out / 'crawl.log'}, stats: {args.out / 'stats.json'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
