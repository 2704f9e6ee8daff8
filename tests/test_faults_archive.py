"""Fault suite, archive side: corrupt WARC and state files given to every command reading them.

Each case copies one small crawl's output, damages it one way, runs one command as a user
would, and checks the outcome: a clear error (one line, no traceback, non-zero exit) or a
logged, counted skip with the rest still processed, and the finished WARC files as they were.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.scan import Problem, scan_file
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import CrawlResult, run_crawl, run_scrapy

pytestmark = pytest.mark.slow

#: A name the first crawl's files sort after; a file of it is an extra, foreign file.
FOREIGN = "KABARSIP-20260101000000000-00000-elsewhere-1.warc.gz"
# Fetches of the small site's first crawl, one response record each: 51 pages, 49 article pictures.
CAPTURES = 100


@dataclass(frozen=True)
class Damage:
    """One way of damaging a copy of the archive, and what it leaves readable."""

    name: str
    apply: Callable[[Path, int, int], Path]
    """(WARC folder, offset and length of an article's response record) -> the path hit."""
    in_finished_file: bool
    """The damage is in a finished WARC file (not an extra entry beside them)."""


def _only_warc(folder: Path) -> Path:
    (path,) = sorted(folder.glob("*.warc.gz"))
    return path


def _truncate(folder: Path, offset: int, length: int) -> Path:
    path = _only_warc(folder)
    with path.open("r+b") as stream:
        stream.truncate(offset + length // 2)
    return path


def _rewrite(change: Callable[[bytearray, int], None]) -> Callable[[Path, int, int], Path]:
    def apply(folder: Path, offset: int, length: int) -> Path:
        path = _only_warc(folder)
        data = bytearray(path.read_bytes())
        change(data, offset + length // 2)
        path.write_bytes(bytes(data))
        return path

    return apply


def _flip(data: bytearray, at: int) -> None:
    data[at] ^= 0x10


def _zero(data: bytearray, at: int) -> None:
    data[at : at + 64] = bytes(64)


def _extra(make: Callable[[Path], None], name: str = FOREIGN) -> Callable[[Path, int, int], Path]:
    def apply(folder: Path, offset: int, length: int) -> Path:
        path = folder / name
        make(path)
        return path

    return apply


DAMAGES = [
    Damage("truncated", _truncate, True),
    Damage("bit-flipped", _rewrite(_flip), True),
    Damage("zeroed", _rewrite(_zero), True),
    Damage("not gzip", _extra(lambda p: p.write_text("<html>not a WARC file</html>\n")), False),
    Damage("empty", _extra(lambda p: p.write_bytes(b"")), False),
    Damage("directory", _extra(lambda p: p.mkdir()), False),
]
IDS = [damage.name for damage in DAMAGES]


@dataclass(frozen=True)
class Case:
    warc_dir: Path
    hit: Path
    damage: Damage
    sums: dict[str, str]
    """Digests of the finished WARC files after the damage: no command may change them."""

    def untouched(self) -> bool:
        now = _sums(self.warc_dir)
        return all(now.get(name) == digest for name, digest in self.sums.items())


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory, small_server: DemoServer) -> Path:
    out = tmp_path_factory.mktemp("faults-first-crawl")
    result = run_crawl(out, "demo", small_server.origin)
    assert result.returncode == 0, result.log[-2000:]
    return out


@pytest.fixture(params=DAMAGES, ids=IDS)
def case(request: pytest.FixtureRequest, first_crawl: Path, tmp_path: Path) -> Case:
    damage: Damage = request.param
    shutil.copytree(first_crawl / "warc", tmp_path / "warc")
    shutil.copy2(first_crawl / "state.sqlite", tmp_path / "state.sqlite")
    article = _article_record(tmp_path / "warc")
    hit = damage.apply(tmp_path / "warc", *article)
    return Case(tmp_path / "warc", hit, damage, _sums(tmp_path / "warc"))


def _article_record(folder: Path) -> tuple[int, int]:
    """Offset and length of an article's response record, found by the scanner."""
    records = [item for item in scan_file(_only_warc(folder)) if not isinstance(item, Problem)]
    responses = [
        item
        for item in records
        if item.kind == "response"
        and b"/read/" in item.headers.get_header("WARC-Target-URI").encode()
    ]
    chosen = responses[len(responses) // 2]
    return chosen.offset, chosen.length


def _sums(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.iterdir()
        if path.is_file() and not path.name.endswith(".open")
    }


def no_traceback(result: subprocess.CompletedProcess[str] | CrawlResult) -> None:
    text = result.log if isinstance(result, CrawlResult) else result.stdout + result.stderr
    assert "Traceback" not in text, text[-3000:]


def test_verify_names_the_damage_and_exits_1(case: Case) -> None:
    result = run_scrapy("warc", "verify", case.warc_dir)
    no_traceback(result)
    assert result.returncode == 1
    assert f"{case.hit}" in result.stdout and "DAMAGED" in result.stdout
    assert case.untouched()


def test_index_indexes_what_it_can_and_names_the_rest(case: Case, tmp_path: Path) -> None:
    output = tmp_path / "index.cdxj"
    result = run_scrapy("warc", "index", case.warc_dir, "-o", output)
    no_traceback(result)
    assert f"{case.hit}" in result.stderr
    lines = output.read_text().splitlines()
    if case.damage.name == "directory":  # skipped with a warning, the rest indexed in full
        assert result.returncode == 0 and len(lines) == CAPTURES
    else:
        assert result.returncode == 1
        assert 0 < len(lines) <= CAPTURES
    assert case.untouched()


def test_pack_refuses_damage_and_writes_nothing(case: Case, tmp_path: Path) -> None:
    output = tmp_path / "archive.wacz"
    result = run_scrapy("warc", "pack", case.warc_dir, "-o", output)
    no_traceback(result)
    if case.damage.name == "directory":
        assert result.returncode == 0 and output.exists()
        assert f"warning: skipping {case.hit}: named like a WARC file" in result.stderr
    else:
        assert result.returncode == 1 and not output.exists()
        assert "nothing was packed" in result.stderr
    assert case.untouched()


def test_repair_leaves_finished_files_alone(case: Case) -> None:
    result = run_scrapy("warc", "repair", case.warc_dir)
    no_traceback(result)
    assert result.returncode == 0
    assert result.stdout.strip() == f"no unfinished WARC files in {case.warc_dir}"
    assert case.untouched()


def test_state_rebuild_reads_up_to_the_damage_and_says_where(case: Case, tmp_path: Path) -> None:
    target = tmp_path / "rebuilt.sqlite"
    result = run_scrapy("state", "rebuild", case.warc_dir, "--state", target)
    no_traceback(result)
    assert result.returncode == 0 and target.exists()
    assert f"warning: {case.hit}" in result.stderr or f"Skipping {case.hit}" in result.stderr
    assert f"state written to {target}" in result.stdout
    assert case.untouched()


def test_reextract_skips_the_damage_and_extracts_the_rest(case: Case, tmp_path: Path) -> None:
    output = tmp_path / "items.jsonl"
    result = run_scrapy("reextract", case.warc_dir, "-o", output)
    no_traceback(result)
    assert result.returncode == 0
    assert f"skipped {case.hit}" in result.stderr
    items = output.read_text().splitlines()
    assert 0 < len(items) <= 30
    assert case.untouched()


def test_a_replay_crawl_counts_the_damaged_file_and_replays_the_rest(
    case: Case, tmp_path: Path, small_server: DemoServer
) -> None:
    replay = tmp_path / "replay"
    settings = {"REPLAY_FROM": str(case.warc_dir), "WARC_DIR": str(replay / "warc")}
    result = run_crawl(replay, "demo", small_server.origin, settings)
    no_traceback(result)
    assert result.returncode == 0
    assert result.stats["replay/damaged_files"] == 1
    assert f"{case.hit}" in result.log
    assert 0 < len(result.items) <= 30
    assert case.untouched()


def test_a_crawl_over_a_damaged_archive_refetches_what_it_cannot_refer_to(
    case: Case, small_server: DemoServer
) -> None:
    out = case.warc_dir.parent
    result = run_crawl(out, "demo", small_server.origin, {"REVISIT_ALL_DUE": "True"})
    no_traceback(result)
    assert result.returncode == 0
    if case.damage.in_finished_file:
        # The damaged captures are fetched in full again instead of being referred to.
        assert result.stats["state/fallback/unreadable"] >= 1
        assert result.stats["warc/records/response"] >= 1
    assert case.untouched()
    new = [path for path in case.warc_dir.glob("*.warc.gz") if path.name not in case.sums]
    verify = run_scrapy("warc", "verify", *new)
    assert verify.returncode == 0, verify.stdout


# --- unfinished (.open) files -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["junk", "directory"])
def test_repair_of_a_broken_open_file(kind: str, first_crawl: Path, tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    shutil.copytree(first_crawl / "warc", warc_dir)
    sums = _sums(warc_dir)
    leftover = warc_dir / (FOREIGN + ".open")
    if kind == "junk":
        leftover.write_text("not gzip at all\n")
    else:
        leftover.mkdir()
    result = run_scrapy("warc", "repair", warc_dir)
    no_traceback(result)
    if kind == "junk":  # not one whole record: removed, and said so
        assert result.returncode == 0 and not leftover.exists()
        assert f"removed {leftover}: not one whole record" in result.stdout
    else:
        assert result.returncode == 1 and leftover.is_dir()
        assert result.stderr.strip() == f"error: cannot repair {leftover}: Is a directory"
    assert _sums(warc_dir) == sums


# --- corrupt state files ------------------------------------------------------------------------


def _damaged_state(first_crawl: Path, tmp_path: Path) -> Path:
    state = tmp_path / "state.sqlite"
    data = bytearray((first_crawl / "state.sqlite").read_bytes())
    data[4096] ^= 0x08  # page 2's page type
    state.write_bytes(bytes(data))
    return state


def test_a_replay_crawl_told_to_use_a_damaged_state_stops_with_exit_6(
    first_crawl: Path, tmp_path: Path, small_server: DemoServer
) -> None:
    state = _damaged_state(first_crawl, tmp_path)
    settings = {"REPLAY_FROM": str(first_crawl / "warc"), "STATE_PATH": str(state)}
    result = run_crawl(tmp_path / "replay", "demo", small_server.origin, settings)
    no_traceback(result)
    assert result.returncode == ExitCode.STATE
    assert f"kabarsip: crawl failed: state file {state} is damaged" in result.log
    assert not result.items


def test_state_rebuild_replaces_a_damaged_state_only_when_forced(
    first_crawl: Path, tmp_path: Path
) -> None:
    state = _damaged_state(first_crawl, tmp_path)
    damaged = state.read_bytes()
    refused = run_scrapy("state", "rebuild", first_crawl / "warc", "--state", state)
    assert refused.returncode == 2 and state.read_bytes() == damaged
    assert "give --force to replace it" in refused.stderr
    forced = run_scrapy("state", "rebuild", first_crawl / "warc", "--state", state, "--force")
    no_traceback(forced)
    assert forced.returncode == 0
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; print(sqlite3.connect({str(state)!r})"
            ".execute('PRAGMA quick_check').fetchone()[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip() == "ok"
