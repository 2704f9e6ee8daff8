"""``make demo``: generate the demo news site, serve it on loopback, crawl it, summarise.

Everything stays on this machine: the site is served on 127.0.0.1 and the crawl writes to
``data/demo/`` under the current folder (WARC files, JSON Lines items, crawl state, stats).
Running it again re-crawls the same site against the archive and state of the earlier runs.
Run ``kabarsip demo --help`` (or ``python -m crawler.demo --help``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.demosite.generator import GENERATING_NAME, generate_site
from crawler.demosite.manifest import MANIFEST_NAME
from crawler.demosite.server import DemoServer
from crawler.report.build import REPORT_NAME, build_report, write_report
from crawler.runsummary import RunCounts, format_summary, summarise

# The folder above the package: in a source checkout, the project root with its scrapy.cfg.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Relative: a demo writes under the folder it is run from.
DEFAULT_OUT = Path("data") / "demo"

STATE_NAME = "state.sqlite"
# Names the origin the site was served at: the state is keyed by URL, so a re-run must serve
# the site on the same port for its pages to count as known.
MARKER_NAME = "demo.json"
# Everything a demo run writes into its output folder, and all that --fresh removes.
OUTPUT_DIRS = ("warc", "items", "demo-site")
OUTPUT_FILES = ("stats.json", "crawl.log", MARKER_NAME, REPORT_NAME)
# The SQLite store and its -wal, -shm and .lock side files.
STATE_GLOB = STATE_NAME + "*"

EPILOG = """\
Run it again to re-crawl the same site against the archive and state of the earlier runs:
every known article is fetched again, unchanged pages are stored as WARC revisit records and
the run summary shows the deduplication. After a first run,

  kabarsip demo --edition 2

crawls the site's later edition (with the default 240 articles: 24 updated, 24 with only
widget changes, 12 new, 1 removed) and shows new versions of the updated articles, the new
articles and the removed one as gone. --fresh starts over from an empty folder.
"""


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
    """This run's items file; None when the run found no new or updated article."""
    counts: RunCounts
    first_run: bool
    """No state file existed before this run."""
    archive_bytes_before: int


def crawl_command(site_file: str, origin: str, out: Path, stats_file: Path) -> list[str]:
    """The ``kabarsip crawl news`` command line for a loopback demo crawl into ``out``.

    It runs from any folder: the command line module brings Kabarsip's settings.
    """
    return [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        "news",
        "-a",
        f"site={site_file}",
        "-a",
        f"origin={origin}",
        # Loopback demo: the one internal address it may reach; no throttling, full concurrency.
        "-s",
        "SCOPE_ALLOW_NETWORKS=127.0.0.1/32",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        f"WARC_DIR={out / 'warc'}",
        "-s",
        f"ITEMS_PATH={out / 'items' / '%(site_name)s-%(time)s.jsonl'}",
        "-s",
        f"STATS_FILE={stats_file}",
        "-s",
        f"LOG_FILE={out / 'crawl.log'}",
        "-s",
        f"STATE_PATH={out / STATE_NAME}",
        # A re-run follows minutes after the first: nothing would be due on the site file's
        # schedule yet, so re-check every known article to show the deduplication.
        "-s",
        "REVISIT_ALL_DUE=True",
    ]


def is_demo_output(out: Path) -> bool:
    """Whether ``out`` was written by the demo (it holds the marker or the generated site)."""
    site = out / "demo-site"
    return (out / MARKER_NAME).is_file() or any(
        (site / name).is_file() for name in (MANIFEST_NAME, GENERATING_NAME)
    )


def remove_outputs(out: Path) -> list[Path]:
    """Delete what earlier demo runs wrote into ``out`` (and only that); returns what went.

    Refuses a folder that holds such names but was not written by the demo: ``--out data``
    would otherwise take a real crawl's ``warc/``, ``items/`` and state with it.
    """
    found = [out / name for name in (*OUTPUT_DIRS, *OUTPUT_FILES)]
    found = [p for p in found if p.is_symlink() or p.exists()]
    found += sorted(out.glob(STATE_GLOB))
    if not found:
        return []
    if not is_demo_output(out):
        raise SystemExit(
            f"--fresh: {out} holds {', '.join(p.name for p in found)} but was not written by "
            f"the demo (no {MARKER_NAME}); remove them yourself or pick another --out"
        )
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return found


def report_from_stats(
    stats: dict[str, Any],
    *,
    warc_dir: Path,
    items_file: Path | None,
    seconds: float,
    first_run: bool,
    archive_bytes_before: int,
) -> CrawlReport:
    """The report of one run from its stats (``STATS_FILE`` read back) and output folders."""
    warcs = _warc_files(warc_dir)
    counts = summarise(stats)
    return CrawlReport(
        # Responses to pages; the pictures archived with the articles are counted apart.
        pages=counts.pages - counts.assets_requested,
        articles=counts.items,
        # Incomplete articles only: item_dropped_count also counts the unchanged ones.
        dropped=sum(
            v for k, v in stats.items() if k.startswith("items/dropped/") and isinstance(v, int)
        ),
        warc_files=len(warcs),
        warc_bytes=sum(p.stat().st_size for p in warcs),
        seconds=seconds,
        items_file=items_file,
        counts=counts,
        first_run=first_run,
        archive_bytes_before=archive_bytes_before,
    )


def format_report(report: CrawlReport, out: Path) -> str:
    """What ``make demo`` prints."""
    added = report.counts.warc_bytes
    before = report.archive_bytes_before
    share = (
        f"{added / before:.1%} of the archive before this run"
        if before
        else "the archive was empty before this run"
    )
    run = (
        f"first run: no state before it; run the demo again to re-crawl against {out / STATE_NAME}"
        if report.first_run
        else f"re-run: re-crawled against the state ({out / STATE_NAME}) and archive of "
        "earlier runs"
    )
    return (
        f"Kabarsip demo: {report.pages} pages fetched{_pictures(report.counts)}, "
        f"{report.articles} articles "
        f"({report.dropped} dropped) in {report.seconds:.1f} s\n"
        f"  WARC: {report.warc_files} file(s), {report.warc_bytes:,} bytes in {out / 'warc'}\n"
        f"  items: {report.items_file or 'none new this run'}\n"
        f"  log: {out / 'crawl.log'}, stats: {out / 'stats.json'}\n"
        f"  {format_summary(report.counts)}\n"
        f"  {run}\n"
        f"  WARC bytes added this run: {added:,} ({share})"
    )


def _pictures(counts: RunCounts) -> str:
    return f" (and {counts.assets_requested} pictures)" if counts.assets_requested else ""


def run_demo(out: Path, articles: int, edition: int) -> CrawlReport:
    site_dir = out / "demo-site"
    try:
        generate_site(site_dir, articles=articles, edition=edition)
    except OSError as error:
        raise SystemExit(f"demo: cannot write the demo site: {error}") from None
    stats_file = out / "stats.json"
    # The stats file is per run: drop the last one so a crawl that dies early is not
    # reported with its predecessor's numbers.
    stats_file.unlink(missing_ok=True)
    first_run = not (out / STATE_NAME).exists()
    archive_bytes_before = sum(p.stat().st_size for p in _warc_files(out / "warc"))
    items_before = set(_items_files(out / "items"))
    started = time.monotonic()
    with _serve(site_dir, out) as server:
        (out / MARKER_NAME).write_text(
            json.dumps({"origin": server.origin, "edition": edition}) + "\n", encoding="utf-8"
        )
        command = crawl_command("demo", server.origin, out, stats_file)
        result = subprocess.run(command, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0 or not stats_file.is_file():
        raise SystemExit(f"demo crawl failed (exit {result.returncode}); see {out / 'crawl.log'}")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    # Feed files are per run and not written without items: only a new, non-empty one is
    # this run's.
    new_items = [
        p for p in _items_files(out / "items") if p not in items_before and p.stat().st_size
    ]
    return report_from_stats(
        stats,
        warc_dir=out / "warc",
        items_file=max(new_items, key=lambda p: p.stat().st_mtime) if new_items else None,
        seconds=seconds,
        first_run=first_run,
        archive_bytes_before=archive_bytes_before,
    )


def _serve(site_dir: Path, out: Path) -> DemoServer:
    """The demo server, started on the port of earlier runs in ``out`` if there were any."""
    port = _earlier_port(out)
    try:
        return DemoServer(site_dir, port=port).start()
    except OSError as exc:
        raise SystemExit(
            f"cannot serve the demo site on 127.0.0.1:{port}, where earlier runs in {out} "
            f"found it ({exc.strerror}); free the port or start over with --fresh"
        ) from exc


def _earlier_port(out: Path) -> int:
    try:
        origin = json.loads((out / MARKER_NAME).read_text(encoding="utf-8"))["origin"]
        return urlsplit(origin).port or 0
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _warc_files(warc_dir: Path) -> list[Path]:
    return sorted(warc_dir.glob("*.warc.gz"))


def _items_files(items_dir: Path) -> list[Path]:
    return sorted(items_dir.glob("*.jsonl"))


DESCRIPTION = "Generate the demo news site, serve it on 127.0.0.1, crawl it, summarise."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options, for ``python -m crawler.demo`` and ``kabarsip demo`` alike."""
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder: warc/, items/, state.sqlite, stats.json, crawl.log, demo-site/, "
        "report.html",
    )
    parser.add_argument("--articles", type=int, default=240, help="articles in edition 1")
    parser.add_argument(
        "--edition",
        type=int,
        default=1,
        choices=(1, 2),
        help="edition of the site to crawl; 2 is the later one, crawled after a first run",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete what earlier demo runs wrote into --out first (and nothing else)",
    )


def run(args: argparse.Namespace) -> None:
    """Run the demo as the parsed options say and print its report."""
    out = args.out.resolve()
    if args.fresh:
        remove_outputs(out)
    report = run_demo(out, args.articles, args.edition)
    print(format_report(report, args.out))
    print(f"  report: {write_html_report(out, args.out)}")


def write_html_report(out: Path, shown: Path) -> Path:
    """Write ``scrapy report`` of the demo's state and archive into ``out``; its shown path."""
    write_report(build_report(out / STATE_NAME, out / "warc"), out / REPORT_NAME)
    return shown / REPORT_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
