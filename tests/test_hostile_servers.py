"""Servers that push back or misbehave: Retry-After, robots.txt failures, redirect loops.

Each server is a real loopback server scripted per path (``tests.hostile``); each test
crawls it as a user would and checks what was asked of it, when, and what the crawl said.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR, crawl_command
from crawler.middlewares.retry import retry_after_seconds
from tests.crawling import CrawlResult, run_crawl
from tests.scripted_server import Answer, Route, ScriptedServer, page, redirect

pytestmark = pytest.mark.slow

ARTICLE = r"^https?://[^/]+/news/read/\d+/[a-z-]+$"
EMPTY = page("<html><body>kosong</body></html>")


def crawl_server(
    tmp_path: Path,
    server: ScriptedServer,
    start: list[str],
    sections: list[str] | None = None,
    settings: dict[str, str] | None = None,
) -> CrawlResult:
    a = server.origin()
    quoted = ", ".join(f'"{a}{path}"' for path in start)
    more = ", ".join(f'"{a}{path}"' for path in sections or [])
    site = tmp_path / "galak.toml"
    site.write_text(
        f'name = "galak"\ndomains = ["127.0.0.1"]\nstart_urls = [{quoted}]\n'
        f"sections = [{more}]\n"
        'section_links = "a.story::attr(href)"\nsection_next = "a.next::attr(href)"\n'
        f"article_pattern = '{ARTICLE}'\n",
        encoding="utf-8",
    )
    return run_crawl(tmp_path / "out", str(site), a, settings)


def first_then(first: Answer, then: Answer) -> Route:
    return lambda count: first if count == 0 else then


# --- Retry-After ------------------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_before_the_retry(tmp_path: Path) -> None:
    routes = {"/a/": first_then(Answer(429, b"", {"Retry-After": "2"}), EMPTY)}
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/"])
        hits = server.hits_for("/a/")

    assert len(hits) == 2
    assert 2.0 <= hits[1].at - hits[0].at < 5.0
    assert result.stats["retry/retry_after/waited"] == 1
    assert "Holding back 127.0.0.1 for 2.0 s (Retry-After on 429)" in result.log


def test_retry_after_as_a_date_holds_back_the_whole_host(tmp_path: Path) -> None:
    """The 503 comes first; a page found later on the same host waits for the date too."""

    def unavailable(count: int) -> Answer:
        if count:
            return EMPTY
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=4), usegmt=True)
        return Answer(503, b"", {"Retry-After": when})

    routes: dict[str, Route] = {
        "/a/": unavailable,
        "/b/": page('<html><body><a class="next" href="/b/?page=2">next</a></body></html>'),
        "/b/?page=2": EMPTY,
    }
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/", "/b/"])
        hits = server.hits_for("/a/")
        later = server.hits_for("/b/?page=2")

    assert len(hits) == 2
    # The date has whole seconds: between 3 and 4 s from the first answer.
    assert 2.9 <= hits[1].at - hits[0].at < 7.0
    assert len(later) == 1
    assert later[0].at - hits[0].at >= 2.9
    assert result.stats["retry/retry_after/waited"] == 1


def test_a_retry_after_beyond_the_limit_gives_the_request_up(tmp_path: Path) -> None:
    routes = {"/a/": Answer(429, b"", {"Retry-After": "3600"}), "/b/": EMPTY}
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/", "/b/"], settings={"RETRY_AFTER_MAX": "5"})
        hits = server.hits_for("/a/")

    assert len(hits) == 1
    assert server.hits_for("/b/")
    assert result.stats["retry/retry_after/too_long"] == 1
    assert "asks to wait 3600 s (Retry-After), more than RETRY_AFTER_MAX=5" in result.log


def test_retries_asked_with_retry_after_stay_bounded(tmp_path: Path) -> None:
    with ScriptedServer({"/a/": Answer(503, b"", {"Retry-After": "1"})}) as server:
        result = crawl_server(tmp_path, server, ["/a/"], settings={"RETRY_TIMES": "2"})
        hits = server.hits_for("/a/")

    assert len(hits) == 3
    assert result.stats["retry/retry_after/waited"] == 2
    assert result.stats["retry/max_reached"] == 1
    assert all(b.at - a.at >= 1.0 for a, b in pairwise(hits))


def test_a_crawl_stopped_during_a_retry_after_wait_ends_at_once(tmp_path: Path) -> None:
    with ScriptedServer({"/a/": Answer(429, b"", {"Retry-After": "100"})}) as server:
        a = server.origin()
        site = tmp_path / "tunggu.toml"
        site.write_text(
            f'name = "tunggu"\ndomains = ["127.0.0.1"]\nstart_urls = ["{a}/a/"]\n'
            "article_pattern = 'x'\n",
            encoding="utf-8",
        )
        out = tmp_path / "out"
        out.mkdir()
        crawl = subprocess.Popen(
            crawl_command(str(site), a, out, out / "stats.json"), cwd=PROJECT_DIR
        )
        try:
            deadline = time.monotonic() + 60
            while not server.hits_for("/a/") and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # the 429 is read and the host held back
            stopped = time.monotonic()
            crawl.send_signal(signal.SIGTERM)
            crawl.wait(timeout=60)
            took = time.monotonic() - stopped
        finally:
            if crawl.poll() is None:
                crawl.kill()
        hits = server.hits_for("/a/")

    assert len(hits) == 1
    assert took < 10
    log = (out / "crawl.log").read_text(encoding="utf-8")
    assert "Holding back 127.0.0.1 for 100.0 s" in log


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert retry_after_seconds(value, now) == seconds


# --- robots.txt -------------------------------------------------------------------------------


def test_a_robots_txt_answering_5xx_keeps_the_crawler_off_the_host(tmp_path: Path) -> None:
    routes = {"/robots.txt": Answer(500, b"oops"), "/a/": EMPTY, "/b/": EMPTY}
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/"], ["/b/"])
        paths = server.paths()

    # Asked again as often as RETRY_TIMES allows, and nothing else.
    assert paths == ["/robots.txt"] * 3
    assert result.stats["robotstxt/unreachable"] == 1
    assert result.stats["robotstxt/forbidden"] == 2
    assert "robots.txt of 127.0.0.1" in result.log
    assert "answered 500: nothing on that host is fetched this run" in result.log


def test_a_robots_txt_that_recovers_after_retry_after_is_read(tmp_path: Path) -> None:
    rules = Answer(200, b"User-agent: *\nDisallow: /b/\n", {"Content-Type": "text/plain"})
    routes = {
        "/robots.txt": first_then(Answer(503, b"", {"Retry-After": "1"}), rules),
        "/a/": EMPTY,
        "/b/": EMPTY,
    }
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/"], ["/b/"])
        paths = server.paths()

    assert paths.count("/robots.txt") == 2
    assert "/a/" in paths
    assert "/b/" not in paths
    assert "robotstxt/unreachable" not in result.stats


@pytest.mark.parametrize(
    "robots",
    [
        page("<!DOCTYPE html>\n<html><body><h1>Halaman tidak ditemukan</h1></body></html>"),
        Answer(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"Content-Type": "text/plain"}),
    ],
    ids=["html", "binary"],
)
def test_a_robots_txt_that_is_no_rules_allows_everything_counted(
    tmp_path: Path, robots: Answer
) -> None:
    with ScriptedServer({"/robots.txt": robots, "/a/": EMPTY}) as server:
        result = crawl_server(tmp_path, server, ["/a/"])
        paths = server.paths()

    assert "/a/" in paths
    assert result.stats["robotstxt/unparsable"] == 1
    assert f"robots.txt of 127.0.0.1:{server.port} is not robots rules" in result.log


def test_robots_rules_served_as_html_are_still_obeyed(tmp_path: Path) -> None:
    rules = Answer(200, b"User-agent: *\nDisallow: /b/\n", {"Content-Type": "text/html"})
    with ScriptedServer({"/robots.txt": rules, "/a/": EMPTY, "/b/": EMPTY}) as server:
        result = crawl_server(tmp_path, server, ["/a/"], ["/b/"])
        paths = server.paths()

    assert "/a/" in paths
    assert "/b/" not in paths
    assert "robotstxt/unparsable" not in result.stats


def test_a_robots_txt_answering_4xx_allows_everything(tmp_path: Path) -> None:
    routes = {"/robots.txt": Answer(403, b"<html>Disallow: /</html>"), "/a/": EMPTY}
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/"])
        paths = server.paths()

    assert "/a/" in paths
    assert result.stats["robotstxt/unavailable"] == 1


# --- redirects --------------------------------------------------------------------------------


def test_redirects_to_self_loops_and_long_chains_are_dropped_said_and_counted(
    tmp_path: Path,
) -> None:
    routes: dict[str, Route] = {
        "/a/": page('<html><body><a class="story" href="/news/read/1/self">x</a></body></html>'),
        "/news/read/1/self": redirect("/news/read/1/self"),
        "/loop-a/": redirect("/loop-b/"),
        "/loop-b/": redirect("/loop-a/"),
    }
    routes.update({f"/chain/{n}/": redirect(f"/chain/{n + 1}/") for n in range(40)})
    with ScriptedServer(routes) as server:
        result = crawl_server(tmp_path, server, ["/a/"], ["/loop-a/", "/chain/0/"])
        paths = server.paths()

    assert paths.count("/news/read/1/self") == 1
    assert paths.count("/loop-a/") == 1
    assert paths.count("/loop-b/") == 1
    # REDIRECT_MAX_TIMES (10) redirects followed, the eleventh dropped.
    assert [p for p in paths if p.startswith("/chain/")] == [f"/chain/{n}/" for n in range(11)]
    assert result.stats["redirect/self"] == 1
    assert result.stats["redirect/loop"] == 1
    assert result.stats["redirect/max_reached"] == 1
    a = server.origin()
    assert (
        f"Dropped {a}/news/read/1/self (redirects to itself): "
        f"{a}/news/read/1/self -> {a}/news/read/1/self"
    ) in result.log
    assert f"(redirect loop): {a}/loop-a/ -> {a}/loop-b/ -> {a}/loop-a/" in result.log
    assert f"Dropped {a}/chain/0/ (more than REDIRECT_MAX_TIMES=10 redirects)" in result.log
