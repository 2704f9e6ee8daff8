"""Extraction speed on one core: pages per second through ``process_page``.

    .venv/bin/python benchmarks/bench_extraction.py [--pages DIR [--answers FILE]]
        [--articles N] [--generic] [--seconds S] [--profile]

Each page goes through ``crawler.processing.process_page``, what a crawl, ``scrapy extract``
and ``scrapy evaluate`` run per page: the response built (charset as a crawl reads it), the
article extracted, then the ``ITEM_STEPS``. By default the pages are the first pages of the
articles of the demo site (``python -m crawler.demosite generate OUT --articles N``, N 300,
written to a temporary directory) with the demo site file. ``--pages DIR`` reads the
``*.html`` files of DIR instead, each with its URL and site from the answers file (default
``DIR/../dev.jsonl``) or else from the page's canonical link; ``--generic`` switches site files
off as ``scrapy evaluate --generic`` does.

One warm-up pass over the pages, then passes until ``--seconds`` (default 10) have elapsed;
printed: pages, passes, pages/s and ms/page by the clock, and pages/s by the process's CPU
time. ``--profile`` runs one more timed set of passes under cProfile and prints the 15
functions with the most cumulative time, then the 15 with the most own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.evaluation import site_for_row  # noqa: E402
from crawler.processing import process_page  # noqa: E402
from crawler.sites import SEEDS_DIR, SiteConfig, load_site  # noqa: E402
from pipelines.steps import Step, load_steps  # noqa: E402

ORIGIN = "http://127.0.0.1:8000"
FETCHED_AT = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
CANONICAL = re.compile(
    rb"""<link[^>]+rel=["']?canonical["']?[^>]+href=["']([^"']+)["']"""
    rb"""|<link[^>]+href=["']([^"']+)["'][^>]+rel=["']?canonical""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Page:
    body: bytes
    url: str
    site: SiteConfig


def demo_pages(directory: Path, articles: int) -> list[Page]:
    """The first page of every live article of a freshly generated demo site."""
    from crawler.demosite.generator import generate_site

    manifest = generate_site(directory, articles=articles, edition=1)
    site = load_site("demo", SEEDS_DIR)
    pages = []
    for article in manifest.live():
        target = article.page_paths[0]
        html = (directory / manifest.routes[target].file).read_text(encoding="utf-8")
        body = html.replace(manifest.origin_token, ORIGIN).encode("utf-8")
        pages.append(Page(body, ORIGIN + target, site))
    return pages


def saved_pages(directory: Path, answers: Path | None, generic: bool) -> list[Page]:
    """The ``*.html`` files of ``directory`` with the URL (and site) their answers name."""
    rows: dict[str, dict[str, object]] = {}
    if answers is not None and answers.is_file():
        for line in answers.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[str(row["file"])] = row
    pages = []
    for path in sorted(directory.glob("*.html")):
        body = path.read_bytes()
        row = rows.get(path.name)
        if row is None:
            found = CANONICAL.search(body)
            if found is None:
                print(f"skipped {path.name}: no URL in the answers, no canonical link")
                continue
            row = {"url": (found.group(1) or found.group(2)).decode("latin-1")}
        pages.append(Page(body, str(row["url"]), site_for_row(row, generic=generic)))
    return pages


def run_pass(pages: list[Page], steps: list[Step]) -> None:
    for page in pages:
        process_page(page.body, page.url, page.site, FETCHED_AT, steps=steps)


def timed(pages: list[Page], steps: list[Step], seconds: float) -> tuple[int, float, float]:
    """Passes over ``pages`` until ``seconds`` have elapsed: passes, elapsed and CPU seconds."""
    passes = 0
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        run_pass(pages, steps)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return passes, elapsed, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, help="directory of saved *.html pages")
    parser.add_argument("--answers", type=Path, help="answers JSON Lines (file, url, site)")
    parser.add_argument("--articles", type=int, default=300, help="demo site articles")
    parser.add_argument("--generic", action="store_true", help="site files switched off")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed run length")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    args = parser.parse_args(argv)

    from crawler import settings

    steps = load_steps(settings.ITEM_STEPS)
    with tempfile.TemporaryDirectory() as temp:
        if args.pages:
            answers = args.answers or args.pages.parent / "dev.jsonl"
            pages = saved_pages(args.pages, answers, args.generic)
        else:
            pages = demo_pages(Path(temp) / "site", args.articles)
    if not pages:
        print("no pages", file=sys.stderr)
        return 1
    run_pass(pages, steps)  # warm-up: imports, caches, site files
    passes, elapsed, cpu = timed(pages, steps, args.seconds)
    done = passes * len(pages)
    print(
        f"{len(pages)} pages x {passes} passes in {elapsed:.2f} s: "
        f"{done / elapsed:.1f} pages/s, {1000 * elapsed / done:.2f} ms/page; "
        f"by CPU time (steadier on a busy machine) {done / cpu:.1f} pages/s"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(timed, pages, steps, args.seconds)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(15)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
