"""How a crawl ends, as an exit code: one line on standard error, a distinct code per failure."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crawler import settings as project_settings
from crawler.demosite.server import DemoServer
from crawler.outcome import ExitCode, fetch_failure
from tests.crawling import CrawlResult, run_crawl, run_scrapy
from tests.hostile import HostileServer, answer, closed_port

# Seconds a crawl of a closed port may take with one retry and a short timeout.
CLOSED_PORT_SECONDS = 20

FAST_FAILURE = {"RETRY_TIMES": "1", "DOWNLOAD_TIMEOUT": "3"}


def failure_lines(result: CrawlResult) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("kabarsip:")]


def site_file(tmp_path: Path, origin: str, **keys: str) -> Path:
    path = tmp_path / "site.toml"
    lines = [
        'name = "hostile"',
        'domains = ["127.0.0.1"]',
        f'sitemaps = ["{origin}/sitemap.xml"]',
        'article_pattern = "/read/"',
        *(f"{key} = {value}" for key, value in keys.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sitemap(origin: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{origin}{path}</loc></url>" for path in paths)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


# --- the decision, from stats alone ------------------------------------------------------------


def test_no_response_at_all_is_nothing_fetched() -> None:
    stats = {
        "downloader/request_count": 6,
        "downloader/exception_type_count/scrapy.exceptions.DownloadConnectionRefusedError": 6,
    }
    message = fetch_failure(stats, 0.5)
    assert message is not None
    assert message.startswith("nothing fetched")
    assert "6 DownloadConnectionRefusedError" in message


def test_robots_txt_alone_is_nothing_fetched() -> None:
    stats = {
        "downloader/request_count": 3,
        "downloader/response_status_count/200": 1,
        "robotstxt/response_status_count/200": 1,
        "downloader/response_status_count/404": 2,
    }
    assert (fetch_failure(stats, 0.5) or "").startswith("nothing fetched")


def test_robots_txt_refusals_are_not_failed_attempts() -> None:
    stats = {
        "downloader/request_count": 2,
        "downloader/response_status_count/200": 2,
        "downloader/exception_count": 40,
        "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 40,
        "robotstxt/forbidden": 40,
    }
    assert fetch_failure(stats, 0.5) is None


def test_error_ratio_above_the_limit_fails_with_its_figures() -> None:
    stats = {
        "downloader/request_count": 10,
        "downloader/response_status_count/200": 3,
        "downloader/response_status_count/500": 6,
        "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError": 1,
    }
    message = fetch_failure(stats, 0.5)
    assert message == (
        "7 of 10 download attempts failed (6 HTTP 500, 1 DownloadTimeoutError), an error ratio "
        "of 0.70 above CRAWL_MAX_ERROR_RATIO=0.5"
    )
    assert fetch_failure(stats, 0.7) is None


# --- real crawls ---------------------------------------------------------------------------


@pytest.mark.slow
def test_closed_port_exits_3_quickly_with_one_line(tmp_path: Path) -> None:
    origin = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = run_crawl(tmp_path / "out", str(site_file(tmp_path, origin)), origin, FAST_FAILURE)
    elapsed = time.monotonic() - started
    assert result.returncode == ExitCode.FETCH, result.log
    [line] = failure_lines(result)
    assert line.startswith("kabarsip: crawl failed: nothing fetched: no usable response to ")
    assert "DownloadConnectionRefusedError" in line
    assert result.stats["outcome/exit_code"] == ExitCode.FETCH
    assert elapsed < CLOSED_PORT_SECONDS
    assert result.items == []


@pytest.mark.slow
def test_many_server_errors_exit_3_and_a_higher_limit_accepts_them(tmp_path: Path) -> None:
    articles = [f"/read/{n}" for n in range(10)]
    with HostileServer({}) as server:
        server.route("/sitemap.xml", answer(sitemap(server.origin, articles), 200, "text/xml"))
        for path in articles[:2]:
            server.route(path, answer(b"<html><h1>ok</h1><p>text</p></html>"))
        for path in articles[2:]:
            server.route(path, answer(b"down", status=500))
        site = str(site_file(tmp_path, server.origin))
        settings = {"RETRY_TIMES": "0"}
        failed = run_crawl(tmp_path / "strict", site, server.origin, settings)
        lenient = run_crawl(
            tmp_path / "lenient", site, server.origin, {**settings, "CRAWL_MAX_ERROR_RATIO": "0.9"}
        )
    assert failed.returncode == ExitCode.FETCH, failed.log
    [line] = failure_lines(failed)
    # robots.txt (404), the sitemap, 2 good articles and 8 failing ones.
    assert "8 of 12 download attempts failed (8 HTTP 500)" in line
    assert "above CRAWL_MAX_ERROR_RATIO=0.5" in line
    assert lenient.returncode == 0, lenient.log
    assert failure_lines(lenient) == []
    assert lenient.stats["outcome/exit_code"] == 0


@pytest.mark.slow
def test_clean_crawl_exits_0(tmp_path: Path, small_server: DemoServer) -> None:
    result = run_crawl(tmp_path / "out", "demo", small_server.origin)
    assert result.returncode == 0, result.log
    assert result.stderr.strip() == ""
    assert result.stats["outcome/exit_code"] == 0
    assert result.stats["finish_reason"] == "finished"
    assert len(result.items) == 30


def with_extension(path: str, order: int) -> str:
    """The project's EXTENSIONS plus one (``-s EXTENSIONS=`` replaces the whole table)."""
    return json.dumps({**project_settings.EXTENSIONS, path: order})


def fail_after(reason: str, message: str = "") -> dict[str, str]:
    overrides = {
        "EXTENSIONS": with_extension("tests.outcome_components.FailAfterResponses", 1000),
        "FAIL_AFTER_RESPONSES": "5",
        "FAIL_REASON": reason,
    }
    if message:
        overrides["FAIL_MESSAGE"] = message
    return overrides


@pytest.mark.parametrize(
    ("reason", "code"),
    [("warc_write_failed", ExitCode.ARCHIVE), ("state_failed", ExitCode.STATE)],
)
@pytest.mark.slow
def test_a_failure_recorded_by_a_component_gives_its_code(
    tmp_path: Path, small_server: DemoServer, reason: str, code: ExitCode
) -> None:
    message = f"{reason}: /srv/data is full, free some space"
    result = run_crawl(tmp_path / "out", "demo", small_server.origin, fail_after(reason, message))
    assert result.returncode == code, result.log
    assert failure_lines(result) == [f"kabarsip: crawl failed: {message}"]
    assert result.stats["finish_reason"] == reason
    # The run stopped there: a recorded failure is not replaced by the fetch figures.
    assert len(result.items) < 30
    assert result.stats["outcome/failure"] == message


@pytest.mark.slow
def test_a_failure_close_reason_without_a_message_gets_one(
    tmp_path: Path, small_server: DemoServer
) -> None:
    result = run_crawl(
        tmp_path / "out", "demo", small_server.origin, fail_after("output_write_failed")
    )
    assert result.returncode == ExitCode.OUTPUT, result.log
    assert failure_lines(result) == [
        "kabarsip: crawl failed: the spider closed with reason 'output_write_failed'"
    ]


@pytest.mark.slow
def test_a_crawl_failure_raised_while_building_the_crawl_gives_its_code(
    tmp_path: Path, small_server: DemoServer
) -> None:
    settings = {"EXTENSIONS": with_extension("tests.outcome_components.RefuseToStart", 1)}
    result = run_crawl(tmp_path / "out", "demo", small_server.origin, settings)
    assert result.returncode == ExitCode.ARCHIVE, result.log
    assert failure_lines(result) == [
        "kabarsip: crawl failed: WARC_DIR /mnt/archive is not mounted: mount it"
    ]
    assert "Traceback" not in result.log
    # The start-up check may make WARC_DIR; no record is written into it.
    assert not list((tmp_path / "out" / "warc").glob("*.warc.gz*"))


@pytest.mark.slow
def test_an_unexpected_error_while_building_the_crawl_exits_1_with_one_traceback(
    tmp_path: Path, small_server: DemoServer
) -> None:
    settings = {"EXTENSIONS": with_extension("tests.outcome_components.BrokenAtStart", 1)}
    result = run_crawl(tmp_path / "out", "demo", small_server.origin, settings)
    assert result.returncode == ExitCode.ERROR, result.log
    [line] = failure_lines(result)
    assert "RuntimeError('component bug')" in line
    assert result.log.count("Traceback") == 1


@pytest.mark.slow
def test_a_crawl_without_a_site_is_a_usage_error(tmp_path: Path) -> None:
    result = run_scrapy("crawl", "news", "-s", f"STATE_PATH={tmp_path}/s.db")
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.strip().splitlines()[-1] == (
        "kabarsip: crawl failed: no site given: scrapy crawl news -a site=NAME (or a .toml path,"
        " or the site's URL)"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s.db").exists()
