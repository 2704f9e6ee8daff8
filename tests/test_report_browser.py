"""``scrapy report`` of two real demo crawls, opened in headless Chromium as a reader would.

The system Chromium is driven through Playwright (no browser of Playwright's own is fetched).
Without one the test skips, except under ``CI=true``, where ``.ci/run`` installs it.
The page's full screenshot is left in ``test-artifacts/report.png``.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright
from warcio.archiveiterator import ArchiveIterator

from crawler.demo import PROJECT_DIR, STATE_NAME, main
from tests.browser import require_chromium
from tests.crawling import run_scrapy

ARTIFACTS = PROJECT_DIR / "test-artifacts"
#: The figures a report of crawls with runs, updates and a removed article draws.
FIGURES = (
    "articles-per-day",
    "updates-per-article",
    "warc-bytes",
    "field-coverage",
    "errors-by-kind",
)
#: Item fields whose coverage the runs recorded here count.


@pytest.fixture(scope="module")
def chromium() -> str:
    """Module-scoped and asked for first: a skip comes before the crawls."""
    return require_chromium()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Edition 1 of a 12-article demo site crawled, then edition 2: the demo's folder."""
    out = tmp_path_factory.mktemp("report") / "demo"
    assert main(["--out", str(out), "--articles", "12"]) == 0
    assert main(["--out", str(out), "--articles", "12", "--edition", "2"]) == 0
    # Each crawl records its own run, coverage included.
    with closing(sqlite3.connect(out / STATE_NAME)) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)
    # The demo writes its own report at the end of each run.
    assert (out / "report.html").stat().st_size > 1_000_000
    return out


def state_counts(state_file: Path) -> dict[str, str]:
    """The summary figures, read from the state file with SQL of its own."""
    with closing(sqlite3.connect(state_file)) as db:
        articles, gone, versions = db.execute(
            "SELECT COUNT(*), SUM(status = 'gone'), SUM(version) FROM articles"
        ).fetchone()
        (urls,) = db.execute("SELECT COUNT(*) FROM captures").fetchone()
        (runs,) = db.execute("SELECT COUNT(*) FROM runs").fetchone()
    figures = {"articles": articles, "gone": gone, "versions": versions, "urls": urls, "runs": runs}
    return {key: f"{value:,}" for key, value in figures.items()}


def warc_counts(warc_dir: Path) -> dict[str, str]:
    """Records and bytes of the WARC files, read with warcio."""
    kinds: Counter[str] = Counter()
    files = sorted(warc_dir.glob("*.warc.gz"))
    for path in files:
        with path.open("rb") as stream:
            kinds.update(record.rec_type for record in ArchiveIterator(stream))
    figures = {
        "warc-files": len(files),
        "responses": kinds["response"],
        "revisits": kinds["revisit"],
        "captures": kinds["response"] + kinds["revisit"],
        "warc-bytes": sum(path.stat().st_size for path in files),
    }
    return {key: f"{value:,}" for key, value in figures.items()}


def open_report(page: Page, report: Path, problems: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Offline: the report must need nothing but itself.
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_function(
        "n => document.querySelectorAll('section.figure .plot-container .main-svg').length >= n",
        arg=len(FIGURES),
    )


@pytest.mark.slow
def test_report_renders_every_figure_in_chromium(chromium: str, crawled: Path) -> None:
    report = crawled / "scrapy-report.html"
    result = run_scrapy(
        "report",
        "--state",
        crawled / STATE_NAME,
        "--warc-dir",
        crawled / "warc",
        "-o",
        report,
    )
    assert result.returncode == 0, result.stderr
    assert "<script src=" not in report.read_text(encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            open_report(page, report, problems)
            rendered = page.eval_on_selector_all(
                "section.figure",
                "sections => sections.map(s => [s.id, "
                "s.querySelectorAll('.plot-container .main-svg').length > 0])",
            )
            summary = page.eval_on_selector_all(
                "td[data-key]", "cells => cells.map(c => [c.dataset.key, c.textContent])"
            )
            version_bars = page.evaluate(
                "() => document.getElementById('plot-updates-per-article').data"
                ".flatMap(trace => trace.y).reduce((a, b) => a + b, 0)"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert rendered == [[key, True] for key in FIGURES]
    shown = dict(summary)
    expected = {**state_counts(crawled / STATE_NAME), **warc_counts(crawled / "warc")}
    assert {key: shown[key] for key in expected} == expected
    # Two runs: the second re-fetched every article, the known ones answered 304.
    assert int(shown["revisits"].replace(",", "")) > 0
    assert shown["not-modified"] == shown["revisits"]
    assert int(shown["saved-bytes"].replace(",", "")) > 0
    assert version_bars == int(shown["articles"].replace(",", ""))
