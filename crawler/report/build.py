"""A crawl report from a state file and a WARC folder: gathered, then written as one HTML file.

A missing state file or WARC folder, an empty one and damaged WARC files become notes in the
report; a state file in use by a crawl, or damaged, raises :class:`CrawlStateError`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from archive.state_sqlite import SqliteCrawlState
from crawler.report.data import Report, StateFigures, gather_state
from crawler.report.render import render
from crawler.report.warcusage import WarcUsage, warc_usage

#: The report's file name when none is given: beside the state file.
REPORT_NAME = "report.html"


def build_report(state_path: Path, warc_dir: Path, site: str | None = None) -> Report:
    """The report of the state file and WARC folder; what is missing becomes a note.

    Raises :class:`~archive.state.CrawlStateError` when the state file is in use or damaged.
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
    with SqliteCrawlState(path) as state:
        figures = gather_state(state, site)
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
