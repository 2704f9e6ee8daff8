"""Coverage monitors on a real crawl: the demo site's redesign breaks its site file's selectors.

Edition 1 is crawled first (exit 0, its run recorded with its coverage), then the redesigned
edition 3 with the same state: bylines and times are gone from the site file's markup, so the
monitor fails the run (exit 7) naming the fields that fell, and the file report action writes
its report, while the generic extraction still gives every item a title and a body.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from archive.state import RunRecord
from archive.state_sqlite import SqliteCrawlState
from crawler.demo import crawl_command
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from crawler.demosite.templates import REDESIGN_EDITION
from crawler.outcome import ExitCode

pytestmark = pytest.mark.slow

ARTICLES = 30
REPORT_ACTION = "spidermon.contrib.actions.reports.files.CreateFileReport"


def crawl(server: DemoServer, out: Path, run: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """One demo crawl into ``out`` with the file report action; its result and final stats."""
    stats_file = out / f"stats-{run}.json"
    command = [
        *crawl_command("demo", server.origin, out, stats_file),
        *("-s", f"COVERAGE_ACTIONS={REPORT_ACTION}"),
        *("-s", "SPIDERMON_REPORT_TEMPLATE=reports/email/monitors/result.jinja"),
        *("-s", f"SPIDERMON_REPORT_FILENAME={out / 'coverage-report.html'}"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert stats_file.is_file(), result.stderr
    return result, json.loads(stats_file.read_text(encoding="utf-8"))


def recorded_runs(out: Path) -> list[RunRecord]:
    state = SqliteCrawlState(out / "state.sqlite")
    try:
        return state.runs("demo")
    finally:
        state.close()


def newest_items(out: Path) -> list[dict[str, Any]]:
    newest = max((out / "items").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    return [json.loads(line) for line in newest.read_text(encoding="utf-8").splitlines()]


def test_a_redesign_that_breaks_the_selectors_fails_the_run(tmp_path: Path) -> None:
    first = generate_site(tmp_path / "edition-1", ARTICLES, edition=1)
    redesigned = generate_site(tmp_path / "edition-3", ARTICLES, edition=REDESIGN_EDITION)
    out = tmp_path / "out"
    out.mkdir()
    report = out / "coverage-report.html"
    with DemoServer(tmp_path / "edition-1") as server:
        result, stats = crawl(server, out, "1")
        assert result.returncode == 0, result.stderr
        (run,) = recorded_runs(out)
        live = len(first.live())
        assert (run.site, run.outcome, run.stats["outcome/exit_code"]) == ("demo", "finished", 0)
        assert run.stats["coverage/items"] == stats["coverage/demo/items"] == live
        assert run.stats["coverage/authors"] == run.stats["coverage/published"] == live
        assert not report.exists()

        server.switch(tmp_path / "edition-3")
        result, stats = crawl(server, out, "3")

    assert result.returncode == ExitCode.QUALITY
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("kabarsip:")]
    assert line.startswith("kabarsip: crawl failed: coverage of ")
    items = len(redesigned.live())
    for field in ("authors", "updated"):
        assert f"coverage of {field} on demo fell from 100% to 0% ({items} items)" in line
    assert stats["outcome/exit_code"] == ExitCode.QUALITY
    assert stats["coverage/demo/items"] == items and "coverage/demo/authors" not in stats

    assert report.is_file() and "coverage of authors on demo fell" in report.read_text()
    newest, earlier = recorded_runs(out)
    assert newest.stats["outcome/exit_code"] == ExitCode.QUALITY
    assert (newest.stats["coverage/items"], newest.stats["coverage/authors"]) == (items, 0)
    assert earlier.run_id == run.run_id

    # The generic extraction still filled what it could.
    emitted = newest_items(out)
    assert emitted and all(item["title"] and item["body"] for item in emitted)
    assert not any(item["authors"] for item in emitted)


def test_an_action_missing_its_settings_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    command = [
        *crawl_command("demo", "http://127.0.0.1:9", tmp_path, tmp_path / "stats.json"),
        *("-s", f"COVERAGE_ACTIONS={REPORT_ACTION}"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.strip() == (
        f"kabarsip: crawl failed: COVERAGE_ACTIONS: {REPORT_ACTION}: "
        "You must provide a value for SPIDERMON_REPORT_TEMPLATE setting."
    )
    assert not (tmp_path / "warc").exists() or not any((tmp_path / "warc").iterdir())
