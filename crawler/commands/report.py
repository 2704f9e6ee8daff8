"""``scrapy report [--state PATH] [--warc-dir DIR] [--site NAME] [-o OUT.html]``: crawl report.

One self-contained HTML file (plotly.js inline: it opens offline) with the articles per day,
the versions per article, the WARC bytes and what deduplication saved, field coverage and
errors over the recorded runs, and a summary table.  A missing state or WARC folder and
damaged WARC files are said in the report; only a state file in use or damaged stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.state import DEFAULT_STATE_PATH, CrawlStateError
from archive.state_sqlite import SqliteCrawlState
from crawler.commands.state import DEFAULT_WARC_DIR
from crawler.report.data import Report, StateFigures, gather_state
from crawler.report.render import render
from crawler.report.warcusage import WarcUsage, warc_usage

REPORT_NAME = "report.html"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--state PATH] [--warc-dir DIR] [--site NAME] [-o OUT.html]"

    def short_desc(self) -> str:
        return "Write an HTML report of the crawl state and the WARC files"

    def long_desc(self) -> str:
        return (
            "Write one self-contained HTML file (it opens offline) with plots of the articles "
            "per day per site, the versions per article, the WARC bytes by record type and "
            "what deduplication saved, field coverage and errors by kind over the recorded "
            "runs, and a summary table. Reads the state file (default: the STATE_PATH "
            "setting) and the WARC folder (default: the WARC_DIR setting); writes -o OUT.html "
            f"(default: {REPORT_NAME} beside the state file)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--state", metavar="PATH", help="state file (default: STATE_PATH)")
        parser.add_argument("--warc-dir", metavar="DIR", help="WARC folder (default: WARC_DIR)")
        parser.add_argument("--site", metavar="NAME", help="report on this site only")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help=f"HTML file to write (default: {REPORT_NAME})"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        state_path = Path(opts.state or self.settings.get("STATE_PATH") or DEFAULT_STATE_PATH)
        warc_dir = Path(opts.warc_dir or self.settings.get("WARC_DIR") or DEFAULT_WARC_DIR)
        output = Path(opts.output) if opts.output else state_path.parent / REPORT_NAME
        report = build_report(state_path, warc_dir, opts.site)
        try:
            write_report(report, output)
        except OSError as exc:
            message = f"cannot write {output}: {exc.strerror or exc}"
            raise UsageError(message, print_help=False) from None
        print(f"report written to {output}")
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)


def build_report(state_path: Path, warc_dir: Path, site: str | None = None) -> Report:
    """The report of the state file and WARC folder; what is missing becomes a note.

    Raises :class:`UsageError` when the state file is in use by a crawl or damaged.
    """
    notes: list[str] = []
    figures = _state_figures(state_path, site, notes)
    usage = _warc_usage(warc_dir, figures, site, notes)
    if figures is not None and site is not None and not figures.summary.sites:
        notes.append(f"the state holds no article or run of site {site!r}")
    return Report(
        generated_at=datetime.now(UTC),
        state_path=str(state_path),
        warc_dir=str(warc_dir),
        site=site,
        state=figures,
        warc=usage,
        notes=notes,
    )


def write_report(report: Report, output: Path) -> None:
    """Write the report's HTML to ``output`` whole: a reader never sees half a file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(render(report), encoding="utf-8")
    os.replace(tmp, output)


def _state_figures(path: Path, site: str | None, notes: list[str]) -> StateFigures | None:
    if not path.is_file():
        notes.append(f"no state file at {path}: no crawl has run with it yet")
        return None
    try:
        with SqliteCrawlState(path) as state:
            figures = gather_state(state, site)
    except CrawlStateError as exc:
        raise UsageError(str(exc), print_help=False) from None
    if not figures.summary.articles and not figures.summary.runs:
        notes.append(f"the state file {path} holds no article and no run yet")
    return figures


def _warc_usage(
    warc_dir: Path, figures: StateFigures | None, site: str | None, notes: list[str]
) -> WarcUsage | None:
    if not warc_dir.is_dir():
        notes.append(f"no WARC folder at {warc_dir}")
        return None
    # A site's share of a folder: the records of its articles' hosts.
    hosts = figures.hosts if site is not None and figures is not None else None
    usage = warc_usage([warc_dir], hosts)
    if not usage.files:
        notes.append(f"no WARC files in {warc_dir}")
    elif usage.damaged:
        names = ", ".join(file.name for file in usage.damaged)
        notes.append(f"damaged WARC files, counted up to the damage: {names}")
    if site is not None:
        notes.append(f"WARC figures count the records of {site}'s hosts only")
    return usage
