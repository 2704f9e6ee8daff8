"""An unusable WARC_DIR fails the crawl at once (exit 4), and so does a disk that fills up."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import CapturedRequest, CapturedResponse, WarcWriteError, WarcWriter
from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode
from tests.crawling import run_crawl
from tests.tmpfs import fill, tmpfs

#: An unusable WARC_DIR must fail well within this; before, the writer looped for ever.
HANG_LIMIT = 60


def crawl_quickly(out: Path, server: DemoServer) -> tuple[int, str, float]:
    """Crawl into ``out`` in a subprocess; exit code, standard error and seconds taken."""
    command = crawl_command("demo", server.origin, out, out / "stats.json")
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=HANG_LIMIT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the crawl still ran after {HANG_LIMIT} s: it hangs")
    return result.returncode, result.stderr, time.monotonic() - started


def assert_failed_at_once(out: Path, server: DemoServer, served_before: int, path: Path) -> str:
    """Crawl, and check it failed with exit 4 and one line naming ``path``; return the line."""
    code, stderr, seconds = crawl_quickly(out, server)
    assert code == ExitCode.ARCHIVE, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kabarsip: crawl failed: "), stderr
    assert f"WARC_DIR {path} " in lines[0]
    assert seconds < 20
    assert len(server.requests) == served_before
    return lines[0]


@pytest.mark.slow
def test_a_warc_dir_that_is_a_file_fails_the_crawl_at_once(
    tmp_path: Path, small_server: DemoServer
) -> None:
    (tmp_path / "warc").write_text("not a folder\n")
    assert_failed_at_once(tmp_path, small_server, len(small_server.requests), tmp_path / "warc")
    assert (tmp_path / "warc").read_text() == "not a folder\n"


@pytest.mark.slow
def test_a_warc_dir_that_is_a_dangling_symlink_fails_the_crawl_at_once(
    tmp_path: Path, small_server: DemoServer
) -> None:
    (tmp_path / "warc").symlink_to(tmp_path / "archive-disk" / "warc")
    assert_failed_at_once(tmp_path, small_server, len(small_server.requests), tmp_path / "warc")
    assert not (tmp_path / "archive-disk").exists()


@pytest.mark.slow
def test_a_warc_dir_on_a_read_only_mount_fails_the_crawl_at_once(
    tmp_path: Path, small_server: DemoServer
) -> None:
    with tmpfs(tmp_path / "warc", "1m", read_only=True) as warc_dir:
        line = assert_failed_at_once(tmp_path, small_server, len(small_server.requests), warc_dir)
    assert "read-only file system" in line


@pytest.mark.timeout(10)
def test_a_writer_into_a_file_fails_instead_of_looping(tmp_path: Path) -> None:
    target = tmp_path / "warc"
    target.write_text("")
    writer = WarcWriter(target)
    response = CapturedResponse(200, "OK", [], b"body", fetched_at=datetime.now(UTC))
    started = time.monotonic()
    with pytest.raises(WarcWriteError, match=f"cannot create WARC files in {target}"):
        writer.write_exchange(
            "https://news.example/", CapturedRequest(b"GET / HTTP/1.1\r\n\r\n"), response
        )
    assert time.monotonic() - started < 1


@pytest.mark.slow
# Records written on the event loop, and every record written by the writer thread.
@pytest.mark.parametrize("thread_min_bytes", ["32768", "0"], ids=["loop", "thread"])
def test_disk_full_mid_crawl_ends_the_run_with_exit_4_and_a_sound_archive(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest, thread_min_bytes: str
) -> None:
    with tmpfs(tmp_path / "warc", "3m") as warc_dir:
        # A small crawl writes about 500 kB: let it fill the disk half-way through.
        fill(warc_dir, 200_000)
        settings = {"WARC_THREAD_MIN_BYTES": thread_min_bytes}
        result = run_crawl(tmp_path, "demo", small_server.origin, settings)
        (warc_dir / "ballast").unlink()
        assert result.returncode == ExitCode.ARCHIVE, result.log[-3000:]
        failure = result.log.strip().splitlines()
        assert any(
            line.startswith("kabarsip: crawl failed: ") and "No space left on device" in line
            for line in failure
        )
        assert "Traceback" not in result.log
        assert result.stats["finish_reason"] == "warc_write_failed"
        assert result.stats["warc/errors/write"] >= 1
        verify = subprocess.run(
            [str(PROJECT_DIR / ".venv/bin/scrapy"), "warc", "verify", str(warc_dir)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "all files are sound" in verify.stdout
        records = _records(warc_dir)
        assert len(result.items) < len(small_site.live())
        for item in result.items:
            assert records.get((item["warc_file"], item["warc_offset"])) == item["warc_record_id"]


def _records(warc_dir: Path) -> dict[tuple[str, int], Any]:
    found = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                found[(path.name, iterator.get_record_offset())] = record_id
    return found
