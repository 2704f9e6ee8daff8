"""``scrapy report`` without a browser: figures from a state filled here, WARC usage, bad input."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from archive.records import digest
from archive.state import ArticleState, CaptureState, CrawlStateError, RunRecord
from archive.state_sqlite import SqliteCrawlState
from archive.warc import CapturedRequest, CapturedResponse, WarcWriter
from crawler.report.build import build_report
from crawler.report.data import error_kinds, gather_state
from crawler.report.render import render
from crawler.report.warcusage import warc_usage
from tests.crawling import run_scrapy

DAY1 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def article(site: str, n: int, *, version: int = 1, first_seen: datetime = DAY1) -> ArticleState:
    url = f"https://{site}.example/berita/{n}"
    return ArticleState(
        canonical_url=url,
        url=url,
        site=site,
        fingerprint=f"f{n}",
        version=version,
        # 23:30 in UTC+7 is the next day in UTC: the day counted is the page's own.
        published=f"2026-03-0{1 + n % 2}T23:30:00+07:00" if n % 3 else None,
        updated=None,
        first_seen=first_seen,
        last_seen=first_seen,
        last_changed=first_seen,
        next_visit=None,
        warc_file="x.warc.gz",
        warc_offset=0,
        warc_record_id=f"<urn:uuid:{n}>",
    )


def run(run_id: str, site: str, when: datetime, **stats: float) -> RunRecord:
    return RunRecord(run_id, site, when - timedelta(minutes=5), when, "finished", stats)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SqliteCrawlState]:
    with SqliteCrawlState(tmp_path / "state.sqlite") as store:
        for n in range(1, 7):
            store.put_article(article("kabar", n, version=1 + (n == 4) + 2 * (n == 5)))
        store.put_article(article("warta", 10, first_seen=DAY2))
        store.put_capture(
            CaptureState(
                url="https://kabar.example/berita/1",
                fetched_at=DAY1,
                status=200,
                etag=None,
                last_modified=None,
                payload_digest=None,
                warc_file="x.warc.gz",
                warc_offset=0,
                warc_record_id="<urn:uuid:1>",
                warc_date=DAY1,
            )
        )
        store.put_run(
            run(
                "r1",
                "kabar",
                DAY1,
                **{"coverage/items": 4, "coverage/published": 3, "coverage/authors": 1},
                # A run of several sites also holds each site's own figures: not fields.
                **{"coverage/kabar/items": 4, "coverage/warta/authors": 0},
                **{"log_count/ERROR": 2, "downloader/exception_type_count/builtins.OSError": 1},
            )
        )
        store.put_run(
            run(
                "r2",
                "kabar",
                DAY2,
                **{"coverage/items": 5, "coverage/published": 5, "coverage/captions": 2},
                **{"log_count/ERROR": 1, "downloader/response_status_count/503": 3},
            )
        )
        # A run that wrote no item has no coverage to plot.
        store.put_run(run("r3", "warta", DAY2, **{"coverage/items": 0}))
        yield store


def test_state_figures_count_articles_versions_and_days(state: SqliteCrawlState) -> None:
    figures = gather_state(state)
    summary = figures.summary
    assert summary.sites == ("kabar", "warta")
    assert (summary.articles, summary.versions, summary.urls, summary.runs) == (7, 10, 1, 3)
    assert figures.version_counts == {"kabar": {1: 4, 2: 1, 3: 1}, "warta": {1: 1}}
    assert figures.first_seen_per_day == {"kabar": {DAY1.date(): 6}, "warta": {DAY2.date(): 1}}
    # Articles 3 and 6 have no date; odd numbers on the 2nd, even ones on the 1st.
    assert figures.published_per_day["kabar"] == {date(2026, 3, 1): 2, date(2026, 3, 2): 2}
    assert figures.hosts == {"kabar.example", "warta.example"}


def test_coverage_takes_every_field_as_a_share_of_the_runs_items(state: SqliteCrawlState) -> None:
    coverage = gather_state(state).coverage
    assert list(coverage) == ["kabar"]
    first, second = coverage["kabar"]
    assert (first.run_id, first.items) == ("r1", 4)
    assert first.shares == {"published": 0.75, "authors": 0.25}
    # A field that appears in a later run is plotted from there on.
    assert second.shares == {"published": 1.0, "captions": 0.4}


def test_errors_sum_each_kind_over_the_runs(state: SqliteCrawlState) -> None:
    assert gather_state(state).errors == {
        "kabar": {"logged errors": 3, "download error: OSError": 1, "HTTP 503": 3}
    }


def test_site_option_keeps_that_sites_articles_and_runs(state: SqliteCrawlState) -> None:
    figures = gather_state(state, "warta")
    assert (figures.summary.sites, figures.summary.articles, figures.summary.runs) == (
        ("warta",),
        1,
        1,
    )
    assert figures.summary.urls == 0
    assert figures.coverage == {} and figures.errors == {}


def test_error_kinds_know_the_crawls_failure_counters() -> None:
    stats = {
        "downloader/response_status_count/200": 40,
        "downloader/response_status_count/404": 2,
        "articles/held_back/page_failed": 1,
        "items/dropped/no_body": 3,
        "state/errors": 1,
        "warc/errors/write": 1,
        "items/write_failed": 2,
        "kabarsip/fetch_failures": 4,
        "spider_exceptions/ValueError": 1,
        "outcome/exit_code": 3,
        "retry/count": 5,
        "log_count/WARNING": 9,
        "items/written": 7,
    }
    assert dict(error_kinds(stats)) == {
        "HTTP 404": 2,
        "held back: page_failed": 1,
        "dropped: no_body": 3,
        "state/errors": 1,
        "warc/errors/write": 1,
        "items/write_failed": 2,
        "kabarsip/fetch_failures": 4,
        "spider exception: ValueError": 1,
    }


# --- WARC usage ---------------------------------------------------------------------------


def page(body: bytes, when: datetime, status: int = 200) -> CapturedResponse:
    headers = [(b"Content-Type", b"text/html")]
    return CapturedResponse(status, "OK", headers, body, when)


def write_archive(directory: Path) -> tuple[int, int]:
    """Two pages, each revisited: one by an identical payload, one by a 304; their sizes."""
    url_a, url_b = "http://kabar.example/a", "http://warta.example/b"
    body_a, body_b = os.urandom(3000).hex().encode(), os.urandom(1000).hex().encode()
    with WarcWriter(directory, hostname="test") as writer:
        request = CapturedRequest(b"GET /a HTTP/1.1\r\n\r\n")
        a = writer.write_exchange(url_a, request, page(body_a, DAY1))
        b = writer.write_exchange(url_b, request, page(body_b, DAY1))
        writer.write_revisit(
            url_a,
            page(b"", DAY2),
            refers_to_target_uri=url_a,
            refers_to_date=DAY1,
            payload_digest=a.payload_digest,
            refers_to=a.record_id,
        )
        # Named by URI and date only: no WARC-Refers-To.
        writer.write_not_modified(
            url_b,
            None,
            page(b"", DAY2, status=304),
            refers_to_target_uri=url_b,
            refers_to_date=DAY1,
            payload_digest=digest(body_b),
        )
        assert b.payload_digest == digest(body_b)
    return len(body_a), len(body_b)


def test_revisits_save_the_payload_of_the_capture_they_refer_to(tmp_path: Path) -> None:
    size_a, size_b = write_archive(tmp_path)
    usage = warc_usage([tmp_path])
    (file,) = usage.files
    assert (file.records["response"], file.records["revisit"], file.not_modified) == (2, 2, 1)
    assert file.saved_bytes == size_a + size_b
    assert usage.unresolved_revisits == 0
    assert file.size == sum(p.stat().st_size for p in tmp_path.glob("*.warc.gz"))
    assert sum(file.record_bytes.values()) == file.size
    # One site's share of the folder: the records of its hosts.
    only_b = warc_usage([tmp_path], {"warta.example"}).files[0]
    assert (only_b.records["response"], only_b.saved_bytes) == (1, size_b)


def test_a_corrupt_warc_file_is_named_and_the_others_still_counted(tmp_path: Path) -> None:
    size_a, size_b = write_archive(tmp_path)
    (good,) = tmp_path.glob("*.warc.gz")
    data = good.read_bytes()
    (tmp_path / "ZZ-cut.warc.gz").write_bytes(data[: len(data) - 40])
    (tmp_path / "ZZ-noise.warc.gz").write_bytes(b"not a warc file at all\n" * 20)
    usage = warc_usage([tmp_path])
    names = [file.name for file in usage.damaged]
    assert names == ["ZZ-cut.warc.gz", "ZZ-noise.warc.gz"]
    cut, noise = usage.damaged
    assert cut.problem and "at byte" in cut.problem
    assert noise.problem and "not a WARC file" in noise.problem
    # The sound file in full and the cut one up to its last whole record.
    assert usage.count("response") == 4
    assert usage.files[0].saved_bytes == size_a + size_b
    html = render(build_report(tmp_path / "none.sqlite", tmp_path))
    assert "ZZ-cut.warc.gz" in html and "ZZ-noise.warc.gz" in html
    assert re.search(r'data-key="damaged-files">2<', html)


# --- the command --------------------------------------------------------------------------


@pytest.mark.slow
def test_report_of_nothing_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    result = run_scrapy(
        "report", "--state", tmp_path / "none.sqlite", "--warc-dir", tmp_path / "nowarc", "-o", out
    )
    assert result.returncode == 0, result.stderr
    assert f"report written to {out}" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "no state file at" in html and "no WARC folder at" in html
    assert 'class="figure"' not in html
    assert html.count('class="figure-missing"') == 5
    assert not (tmp_path / "none.sqlite").exists()


def test_report_of_an_empty_state_and_folder_says_so(tmp_path: Path) -> None:
    SqliteCrawlState(tmp_path / "state.sqlite").close()
    (tmp_path / "warc").mkdir()
    report = build_report(tmp_path / "state.sqlite", tmp_path / "warc")
    assert any("holds no article and no run" in note for note in report.notes)
    assert any("no WARC files in" in note for note in report.notes)
    html = render(report)
    assert re.search(r'data-key="articles">0<', html)
    assert 'class="figure"' not in html


def test_report_of_a_damaged_state_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite").write_bytes(b"not a database, only some text\n" * 200)
    with pytest.raises(CrawlStateError, match=r"state\.sqlite"):
        build_report(tmp_path / "state.sqlite", tmp_path)


@pytest.mark.slow
def test_report_of_a_state_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with SqliteCrawlState(tmp_path / "state.sqlite", site="kabar"):
        result = run_scrapy(
            "report", "--state", tmp_path / "state.sqlite", "-o", tmp_path / "r.html"
        )
    assert result.returncode == 2
    assert "in use by another crawl" in result.stderr
    assert not (tmp_path / "r.html").exists()
