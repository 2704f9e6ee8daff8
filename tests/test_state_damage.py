"""A damaged state file fails the crawl at start, a state that breaks mid-crawl ends it: exit 6."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import CrawlResult, run_crawl
from tests.tmpfs import fill, tmpfs

pytestmark = pytest.mark.slow

PAGE = 4096
#: Bytes of the SQLite file's structure: page 1's b-tree header, page 2's page type, a cell
#: pointer of page 3, the right-child pointer of page 4.
STRUCTURE = (100, PAGE, 2 * PAGE + 8, 3 * PAGE + 8)
SEED = 20260307


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory, small_server: DemoServer) -> Path:
    """One small crawl's output (WARC files and state), copied by each test."""
    out = tmp_path_factory.mktemp("first-crawl")
    result = run_crawl(out, "demo", small_server.origin)
    assert result.returncode == 0, result.log[-2000:]
    return out


def copy_of(first: Path, to: Path) -> Path:
    """The first crawl's WARC files and state in ``to``; returns the state file."""
    shutil.copytree(first / "warc", to / "warc")
    shutil.copy2(first / "state.sqlite", to / "state.sqlite")
    return to / "state.sqlite"


def flip(path: Path, offset: int, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def failure_line(result: CrawlResult) -> str:
    lines = [line for line in result.log.splitlines() if line.startswith("kabarsip: ")]
    assert len(lines) == 1, result.log[-3000:]
    return lines[0]


def assert_refused_at_start(result: CrawlResult, state: Path, served: int, now: int) -> None:
    assert result.returncode == ExitCode.STATE, result.log[-3000:]
    line = failure_line(result)
    assert f"state file {state} is damaged" in line
    assert f"scrapy state rebuild --state {state} --force" in line
    assert "Traceback" not in result.log
    assert now == served  # nothing fetched


@pytest.mark.parametrize("offset", STRUCTURE)
def test_a_bit_flip_in_the_state_structure_stops_the_crawl_at_start(
    offset: int, tmp_path: Path, first_crawl: Path, small_server: DemoServer
) -> None:
    state = copy_of(first_crawl, tmp_path)
    flip(state, offset, 3)
    damaged = state.read_bytes()
    served = len(small_server.requests)
    result = run_crawl(tmp_path, "demo", small_server.origin)
    assert_refused_at_start(result, state, served, len(small_server.requests))
    assert state.read_bytes() == damaged


def test_bit_flips_anywhere_fail_cleanly_or_not_at_all(
    tmp_path: Path, first_crawl: Path, small_server: DemoServer
) -> None:
    rng = random.Random(SEED)
    size = (first_crawl / "state.sqlite").stat().st_size
    outcomes = []
    for case in range(6):
        out = tmp_path / f"case{case}"
        state = copy_of(first_crawl, out)
        flip(state, rng.randrange(size), rng.randrange(8))
        result = run_crawl(out, "demo", small_server.origin)
        assert "Traceback" not in result.log, result.log[-3000:]
        assert result.returncode in (ExitCode.OK, ExitCode.STATE), result.log[-3000:]
        if result.returncode == ExitCode.STATE:
            assert "scrapy state rebuild" in failure_line(result)
        outcomes.append(result.returncode)
    assert len(outcomes) == 6  # each flip either was harmless or was refused by name


def test_a_truncated_state_file_stops_the_crawl_at_start(
    tmp_path: Path, first_crawl: Path, small_server: DemoServer
) -> None:
    state = copy_of(first_crawl, tmp_path)
    data = state.read_bytes()
    state.write_bytes(data[: len(data) // 2])
    served = len(small_server.requests)
    result = run_crawl(tmp_path, "demo", small_server.origin)
    assert_refused_at_start(result, state, served, len(small_server.requests))


def test_the_suggested_rebuild_makes_a_damaged_state_usable_again(
    tmp_path: Path, first_crawl: Path, small_server: DemoServer
) -> None:
    state = copy_of(first_crawl, tmp_path)
    flip(state, PAGE, 3)
    scrapy = str(PROJECT_DIR / ".venv/bin/scrapy")
    rebuild = subprocess.run(
        [scrapy, "state", "rebuild", str(tmp_path / "warc"), "--state", str(state), "--force"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rebuild.returncode == 0, rebuild.stderr
    result = run_crawl(tmp_path, "demo", small_server.origin, {"REVISIT_ALL_DUE": "True"})
    assert result.returncode == ExitCode.OK, result.log[-3000:]
    assert result.stats.get("item_scraped_count", 0) == 0  # all 30 known, none lost


def test_a_damaged_row_found_mid_crawl_ends_the_run_with_exit_6(
    tmp_path: Path, first_crawl: Path, small_server: DemoServer
) -> None:
    state = copy_of(first_crawl, tmp_path)
    with sqlite3.connect(state) as db:  # sound to SQLite, not to Kabarsip
        db.execute("UPDATE captures SET fetched_at = 'yesterday'")
    db.close()
    result = run_crawl(tmp_path, "demo", small_server.origin, {"REVISIT_ALL_DUE": "True"})
    assert result.returncode == ExitCode.STATE, result.log[-3000:]
    line = failure_line(result)
    assert f"state file {state} holds a damaged row" in line
    assert "Traceback" not in result.log
    assert result.stats["finish_reason"] == "state_failed"


def test_a_full_disk_under_the_state_ends_the_run_with_exit_6(
    tmp_path: Path, small_server: DemoServer
) -> None:
    with tmpfs(tmp_path / "state", "1m") as folder:
        # Room to create the state, not for the write-ahead log of a whole crawl.
        fill(folder, 200 * 1024)
        result = run_crawl(
            tmp_path, "demo", small_server.origin, {"STATE_PATH": str(folder / "state.sqlite")}
        )
    assert result.returncode == ExitCode.STATE, result.log[-3000:]
    line = failure_line(result)
    assert f"state file {folder / 'state.sqlite'} could not be written" in line
    assert f"free space in {folder}" in line
    assert "Traceback" not in result.log
    assert result.stats["state/errors"] >= 1
