"""``scrapy warc repair``: finish what a killed crawl left, offline, never a live crawl's file."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.warc import CapturedRequest, CapturedResponse, WarcWriter
from tests.crawling import run_scrapy
from tests.test_capture import PAGE, leave_crashed_file

OLD = time.time() - 3600


def write_one(writer: WarcWriter) -> None:
    request = CapturedRequest(b"GET / HTTP/1.1\r\nHost: news.example\r\n\r\n")
    response = CapturedResponse(200, "OK", [], PAGE, datetime.now(UTC))
    writer.write_exchange("https://news.example/", request, response)


@pytest.mark.slow
def test_repair_finishes_leftovers_and_leaves_a_running_crawls_file_alone(
    tmp_path: Path,
) -> None:
    warc_dir = tmp_path / "warc"
    crashed_final = leave_crashed_file(warc_dir)
    garbage = warc_dir / "KABARSIP-20260101000000000-00000-host-1.warc.gz.open"
    garbage.write_bytes(b"\x1f\x8b\x08\x00 half a gzip header")
    os.utime(garbage, (OLD, OLD))
    with WarcWriter(warc_dir, prefix="LIVE") as live:
        write_one(live)
        assert live.path is not None
        held, held_bytes = live.path, live.path.read_bytes()
        result = run_scrapy("warc", "repair", warc_dir)
        assert held.read_bytes() == held_bytes
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    crashed = crashed_final.with_name(crashed_final.name + ".open")
    assert f"repaired {crashed} -> {crashed_final}: kept 4 records" in result.stdout
    assert f"removed {garbage}: not one whole record" in result.stdout
    assert f"left alone {held}: a running crawl is writing it" in lines
    assert lines[-1] == "1 repaired, 1 removed, 1 left alone, 0 failed"
    assert not crashed.exists() and not garbage.exists()
    verify = run_scrapy("warc", "verify", warc_dir)
    assert verify.returncode == 0 and "all files are sound" in verify.stdout, verify.stdout


@pytest.mark.slow
def test_repair_that_cannot_finish_a_file_says_so_and_exits_1(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    final = leave_crashed_file(warc_dir)
    crashed = final.with_name(final.name + ".open")
    final.write_bytes(b"someone else's file")
    before = crashed.read_bytes()
    result = run_scrapy("warc", "repair", crashed)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: cannot repair {crashed}: {final} already exists; move one of them aside"
    )
    assert crashed.read_bytes() == before and final.read_bytes() == b"someone else's file"


@pytest.mark.slow
def test_repair_with_nothing_to_do_says_so(tmp_path: Path) -> None:
    result = run_scrapy("warc", "repair", tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"no unfinished WARC files in {tmp_path}"
    missing = run_scrapy("warc", "repair", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no such WARC file or directory" in missing.stderr
