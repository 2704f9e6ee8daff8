"""``scrapy state rebuild``: state from WARC files alone, by the rules the crawl follows.

WARC files are written with the real writer; expected states are worked out here from what
was written (the locations the writer returned, the dates given), never by the rebuild code.
The last test compares a rebuild with the state real crawls kept.
"""

from __future__ import annotations

import dataclasses
import gzip
import inspect
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.decisions import Decision
from archive.rebuild import Problem, RebuildReport, rebuild_state, warc_files
from archive.schedule import DEFAULT_SCHEDULE, next_visit
from archive.state import ArticleState, CaptureState
from archive.state_sqlite import SqliteCrawlState
from archive.warc import CapturedRequest, CapturedResponse, RecordLocation, WarcWriter
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from crawler.sites import load_site
from tests.crawling import run_crawl, run_scrapy

PAGE = "https://www.example.id/kanal/ekonomi"
ORPHAN = "https://www.example.id/kanal/olahraga"
ARTICLE = "https://www.example.id/berita/2026/03/02/banjir-jakarta?utm_source=feed"
CANONICAL = "https://example.id/berita/2026/03/02/banjir-jakarta"
OTHER = "https://www.example.id/berita/2026/03/06/harga-beras"
PUBLISHED = "2026-03-02T08:00:00+07:00"  # 01:00 UTC
#: The revisit schedule the tests give site "demo": points 2 hours and 2 days after publication.
DEMO_SCHEDULE = (timedelta(hours=2), timedelta(days=2))
TAIL = timedelta(days=30)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


T1, T2, T3, T4 = at(2, 2), at(2, 4), at(4, 2), at(5, 2)
T5, T6, T7, T8 = at(6, 2), at(7, 2), at(8, 2), at(9, 2)

# The crawl's compact 304 is the revisit record alone; ``keep_headers`` (no metadata record)
# is recent, so it is passed only where the writer has it.
_COMPACT_304: dict[str, Any] = (
    {"keep_headers": False}
    if "keep_headers" in inspect.signature(WarcWriter.write_not_modified).parameters
    else {}
)


def request(url: str) -> CapturedRequest:
    return CapturedRequest(head=f"GET {url} HTTP/1.1\r\nHost: www.example.id\r\n\r\n".encode())


def response(
    when: datetime, status: int = 200, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
) -> CapturedResponse:
    return CapturedResponse(
        status=status,
        reason={200: "OK", 304: "Not Modified", 404: "Not Found", 410: "Gone"}[status],
        headers=[(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        body=body,
        fetched_at=when,
    )


def page(marker: str) -> bytes:
    # Some bulk, so that a body is more than its record's headers.
    return f"<html><body><p>{marker}</p>".encode() + os.urandom(1500).hex().encode()


def exchange(
    writer: WarcWriter,
    url: str,
    when: datetime,
    status: int = 200,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> RecordLocation:
    return writer.write_exchange(url, request(url), response(when, status, body, headers))


def revisit(
    writer: WarcWriter,
    url: str,
    when: datetime,
    original: RecordLocation,
    original_date: datetime,
    headers: Sequence[tuple[str, str]] = (),
    *,
    full: bool = True,
) -> RecordLocation:
    return writer.write_revisit(
        url,
        response(when, headers=headers),
        refers_to_target_uri=url,
        refers_to_date=original_date,
        payload_digest=original.payload_digest,
        refers_to=original.record_id,
        request=request(url) if full else None,
    )


def not_modified(
    writer: WarcWriter,
    url: str,
    when: datetime,
    original: RecordLocation,
    original_date: datetime,
    *,
    full: bool,
) -> RecordLocation:
    return writer.write_not_modified(
        url,
        request=request(url) if full else None,
        response=response(when, 304, headers=[("ETag", '"ignored"')]),
        refers_to_target_uri=url,
        refers_to_date=original_date,
        payload_digest=original.payload_digest,
        refers_to=original.record_id,
        **({} if full else _COMPACT_304),
    )


def decide(
    writer: WarcWriter,
    capture: RecordLocation,
    when: datetime,
    *,
    url: str = ARTICLE,
    canonical: str = CANONICAL,
    site: str = "demo",
    version: int = 1,
    fingerprint: str = "sha1:FIRST",
    published: str | None = PUBLISHED,
) -> RecordLocation:
    decision = Decision(
        kind="new" if version == 1 else "updated",
        url=url,
        canonical_url=canonical,
        site=site,
        version=version,
        fingerprint=fingerprint,
        captured_at=when,
        warc_file=capture.warc_file,
        warc_offset=capture.offset,
        warc_record_id=capture.record_id,
        published=published,
        updated=None,
        field_digests={"title": f"sha1:TITLE{version}", "body": f"sha1:BODY{version}"},
        previous_fingerprint=None if version == 1 else "sha1:FIRST",
        changed_fields=() if version == 1 else ("body",),
    )
    return writer.write_metadata(url, decision.fields(), refers_to=capture.record_id, date=when)


def schedule_for(site: str) -> tuple[timedelta, ...]:
    if site == "demo":
        return DEMO_SCHEDULE
    raise ValueError(f"no site named {site!r}")


def rebuilt(
    tmp_path: Path, paths: Sequence[Path]
) -> tuple[RebuildReport, dict[str, CaptureState], dict[str, ArticleState]]:
    """Rebuild ``paths`` into a new store; the report and every state it then holds."""
    store_path = tmp_path / f"state-{len(list(tmp_path.glob('state-*.sqlite')))}.sqlite"
    with SqliteCrawlState(store_path) as store:
        report = rebuild_state(paths, store, schedule_for)
        captures = {state.url: state for state in store.captures()}
        articles = {state.canonical_url: state for state in store.articles()}
    return report, captures, articles


def writer(directory: Path, max_size: int = 10_000_000) -> WarcWriter:
    return WarcWriter(directory, max_size=max_size, hostname="test")


def first_visit(location: RecordLocation, when: datetime, **changes: Any) -> ArticleState:
    """Article ARTICLE as version 1 found at ``when`` in ``location``."""
    state = ArticleState(
        canonical_url=CANONICAL,
        url=ARTICLE,
        site="demo",
        fingerprint="sha1:FIRST",
        version=1,
        published=PUBLISHED,
        updated=None,
        first_seen=when,
        last_seen=when,
        last_changed=when,
        next_visit=at(2, 3),  # publication (01:00) + 2 hours, ahead of the 02:00 visit
        warc_file=location.warc_file,
        warc_offset=location.offset,
        warc_record_id=location.record_id,
        status="live",
        gone_at=None,
        field_digests={"title": "sha1:TITLE1", "body": "sha1:BODY1"},
    )
    return dataclasses.replace(state, **changes)


# --- the rules, over four runs of a crawl ------------------------------------------------


def test_state_follows_captures_revisits_decisions_and_removal(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"

    # Run 1: a page and an article found; a revisit of a URL nobody captured.
    with writer(warcs) as run1:
        page1 = exchange(
            run1,
            PAGE,
            T1,
            body=page("kanal"),
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("ETag", '"p1"'),
                ("Last-Modified", "Mon, 02 Mar 2026 01:00:00 GMT"),
            ],
        )
        article1 = exchange(run1, ARTICLE, T1, body=page("banjir v1"), headers=[("ETag", '"a1"')])
        decide(run1, article1, T1)
        orphan = revisit(run1, ORPHAN, T1, page1, T1)
    files1 = list(run1.finished_files)

    report, captures, articles = rebuilt(tmp_path, [warcs])
    assert report.files == 1 and report.damaged_files == 0
    assert report.decisions == 1 and report.skipped_records == 1
    assert report.problems == [
        Problem(str(files1[0]), orphan.offset, "revisit of a URL never captured before: skipped")
    ]
    assert captures[PAGE] == CaptureState(
        url=PAGE,
        fetched_at=T1,
        status=200,
        etag='"p1"',
        last_modified="Mon, 02 Mar 2026 01:00:00 GMT",
        payload_digest=page1.payload_digest,
        warc_file=page1.warc_file,
        warc_offset=page1.offset,
        warc_record_id=page1.record_id,
        warc_date=T1,
        content_type="text/html; charset=utf-8",
    )
    assert captures[ARTICLE].etag == '"a1"' and captures[ARTICLE].content_type is None
    assert set(captures) == {PAGE, ARTICLE}
    assert articles == {CANONICAL: first_visit(article1, T1)}

    # Run 2, rotating files: unchanged payloads, then 304s with and without request record.
    with writer(warcs, max_size=1_500) as run2:
        revisit(run2, PAGE, T2, page1, T1, headers=[("ETag", '"p2"')])
        revisit(run2, ARTICLE, T2, article1, T1, full=False)
        not_modified(run2, PAGE, T3, page1, T1, full=True)
        not_modified(run2, ARTICLE, T3, article1, T1, full=True)
        not_modified(run2, PAGE, T4, page1, T1, full=False)
        not_modified(run2, ARTICLE, T4, article1, T1, full=False)
    assert len(run2.finished_files) >= 2, "run 2 should have rotated"

    report, captures, articles = rebuilt(tmp_path, [warcs])
    assert report.files == 1 + len(run2.finished_files)
    assert report.damaged_files == report.damaged_records == 0
    # The last full capture stays; fetch time and validators follow the revisits (a 304
    # changes only the fetch time).
    assert captures[PAGE] == CaptureState(
        url=PAGE,
        fetched_at=T4,
        status=200,
        etag='"p2"',
        last_modified=None,
        payload_digest=page1.payload_digest,
        warc_file=page1.warc_file,
        warc_offset=page1.offset,
        warc_record_id=page1.record_id,
        warc_date=T1,
        content_type="text/html; charset=utf-8",
    )
    # Seen again at T4; the last schedule point (03-04 01:00) is behind, so 30 days later.
    assert articles == {CANONICAL: first_visit(article1, T1, last_seen=T4, next_visit=T4 + TAIL)}

    # Run 3: a new version, an unchanged re-visit, and another article whose 404 comes in
    # the same second as its decision (the crawl writes capture, then decision).
    with writer(warcs) as run3:
        article5 = exchange(run3, ARTICLE, T5, body=page("banjir v2"))
        decide(run3, article5, T5, version=2, fingerprint="sha1:SECOND")
        article6 = exchange(run3, ARTICLE, T6, body=page("banjir v2 again"))
        other = exchange(run3, OTHER, T5, body=page("beras"))
        decide(run3, other, T5, url=OTHER, canonical=OTHER, site="nowhere", published=None)
        exchange(run3, OTHER, T5, status=404, body=b"not found")

    report, captures, articles = rebuilt(tmp_path, [warcs])
    version2 = first_visit(
        article5,
        T1,
        fingerprint="sha1:SECOND",
        version=2,
        last_seen=T6,
        last_changed=T5,
        next_visit=T6 + TAIL,
        field_digests={"title": "sha1:TITLE2", "body": "sha1:BODY2"},
    )
    assert articles[CANONICAL] == version2
    # Unknown site: default schedule, counted from first sight as nothing is published.
    assert articles[OTHER] == ArticleState(
        canonical_url=OTHER,
        url=OTHER,
        site="nowhere",
        fingerprint="sha1:FIRST",
        version=1,
        published=None,
        updated=None,
        first_seen=T5,
        last_seen=T5,
        last_changed=T5,
        next_visit=T5 + DEFAULT_SCHEDULE[0],
        warc_file=other.warc_file,
        warc_offset=other.offset,
        warc_record_id=other.record_id,
        field_digests={"title": "sha1:TITLE1", "body": "sha1:BODY1"},
    )
    assert report.unknown_sites == ["nowhere"]
    assert captures[ARTICLE].warc_offset == article6.offset
    assert captures[OTHER].status == 404

    # Run 4: the article disappears; the first date it was gone is kept.
    with writer(warcs) as run4:
        gone = exchange(run4, ARTICLE, T7, status=404, body=b"not found")
        again = exchange(run4, ARTICLE, T8, status=410, body=b"gone")

    report, captures, articles = rebuilt(tmp_path, [warcs])
    assert articles[CANONICAL] == dataclasses.replace(
        version2, status="gone", gone_at=T7, next_visit=None
    )
    assert (report.articles_live, report.articles_gone) == (1, 1)
    assert captures[ARTICLE] == CaptureState(
        url=ARTICLE,
        fetched_at=T8,
        status=410,
        etag=None,
        last_modified=None,
        payload_digest=again.payload_digest,
        warc_file=again.warc_file,
        warc_offset=again.offset,
        warc_record_id=again.record_id,
        warc_date=T8,
        content_type=None,
    )
    assert gone.warc_file == again.warc_file
    assert (report.captures, report.decisions) == (3, 3)
    assert report.records == sum(1 for name in os.listdir(warcs) for _ in _record_ids(warcs / name))


def test_a_page_back_after_removal_is_live_again(tmp_path: Path) -> None:
    with writer(tmp_path / "warc") as run:
        first = exchange(run, ARTICLE, T1, body=page("v1"))
        decide(run, first, T1)
        exchange(run, ARTICLE, T2, status=404, body=b"")
        exchange(run, ARTICLE, T3, body=page("v1"))

    _, _, articles = rebuilt(tmp_path, [tmp_path / "warc"])
    assert articles[CANONICAL] == first_visit(first, T1, last_seen=T3, next_visit=T3 + TAIL)


# --- damaged input -----------------------------------------------------------------------


def test_a_version_decided_again_after_a_stop_is_the_one_the_state_kept(tmp_path: Path) -> None:
    """A crawl killed between a decision record and its state: the next crawl decides again."""
    with writer(tmp_path / "warc") as run:
        lost = exchange(run, ARTICLE, T1, body=page("v1"))
        decide(run, lost, T1)  # the crawl stopped before its state held version 1
        again = exchange(run, ARTICLE, T2, body=page("v1"))
        decide(run, again, T2)  # so the next one found the article new
        changed = exchange(run, ARTICLE, T3, body=page("v2"))
        decide(run, changed, T3, version=2, fingerprint="sha1:SECOND")  # stopped again
        changed_again = exchange(run, ARTICLE, T4, body=page("v2"))
        decide(run, changed_again, T4, version=2, fingerprint="sha1:SECOND")

    report, _, articles = rebuilt(tmp_path, [tmp_path / "warc"])
    assert (report.decisions, report.repeated_decisions) == (4, 2)
    # What the live state held: version 1 first seen by the second crawl, version 2 by the
    # fourth, each from the state before the record that never reached it.
    assert articles[CANONICAL] == first_visit(
        changed_again,
        T2,
        version=2,
        fingerprint="sha1:SECOND",
        last_seen=T4,
        last_changed=T4,
        next_visit=next_visit(datetime.fromisoformat(PUBLISHED), T4, DEMO_SCHEDULE, first_seen=T2),
        field_digests={"title": "sha1:TITLE2", "body": "sha1:BODY2"},
    )


def _record_ids(path: Path) -> list[bytes]:
    data = path.read_bytes()
    data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return [line.split(b": ", 1)[1] for line in data.split(b"\r\n") if b"WARC-Record-ID: " in line]


def _uncompressed_offset(data: bytes, record_id: str) -> int:
    at_id = data.index(b"WARC-Record-ID: " + record_id.encode())
    return data.rindex(b"WARC/1.1\r\n", 0, at_id)


def _three_pages(directory: Path, marker: str) -> tuple[Path, list[RecordLocation]]:
    """A finished file holding three full captures of ``PAGE#marker-N``."""
    with writer(directory) as run:
        locations = [
            exchange(run, f"{PAGE}/{marker}-{n}", T1 + timedelta(minutes=n), body=page(marker))
            for n in range(3)
        ]
    (path,) = run.finished_files
    return path, locations


def test_damaged_files_keep_what_precedes_the_damage(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    good, _ = _three_pages(warcs, "good")

    cut, cut_locations = _three_pages(warcs, "cut")
    middle = cut_locations[1]
    cut.write_bytes(cut.read_bytes()[: middle.offset + middle.length // 2])

    flipped, flipped_locations = _three_pages(warcs, "flipped")
    data = bytearray(flipped.read_bytes())
    data[flipped_locations[1].offset + flipped_locations[1].length // 2] ^= 0x55
    flipped.write_bytes(bytes(data))

    # Uncompressed, a changed body byte leaves the framing intact: only that record is lost.
    plain_source, plain_locations = _three_pages(warcs, "plain")
    plain_data = bytearray(gzip.decompress(plain_source.read_bytes()))
    plain_source.unlink()
    plain = warcs / plain_source.name.replace(".warc.gz", ".warc")
    bad_offset = _uncompressed_offset(bytes(plain_data), plain_locations[1].record_id)
    body_at = plain_data.index(b"<p>plain</p>", bad_offset)
    plain_data[body_at + 3] ^= 0x20
    plain.write_bytes(bytes(plain_data))

    # A good version decision without most of its fields.
    with writer(warcs) as run:
        broken = run.write_metadata(
            ARTICLE, [("kabarsip-version", "new"), ("canonical-url", CANONICAL)], date=T2
        )
    (broken_file,) = run.finished_files

    not_warc = warcs / "x.warc.gz"
    not_warc.write_bytes(b"<html>this is not a WARC file</html>\n" * 20)
    still_open = warcs / "KABARSIP-20990101000000000-00000-test-1.warc.gz.open"
    still_open.write_bytes(good.read_bytes())

    report, captures, articles = rebuilt(tmp_path, [warcs])

    def urls(marker: str, *numbers: int) -> set[str]:
        return {f"{PAGE}/{marker}-{n}" for n in numbers}

    assert set(captures) == (
        urls("good", 0, 1, 2) | urls("cut", 0) | urls("flipped", 0) | urls("plain", 0, 2)
    )
    assert captures[f"{PAGE}/cut-0"].warc_offset == cut_locations[0].offset
    assert captures[f"{PAGE}/plain-2"].warc_offset == _uncompressed_offset(
        bytes(plain_data), plain_locations[2].record_id
    )
    assert articles == {}
    assert report.files == 6 and report.damaged_files == 3 and report.damaged_records == 2
    assert report.skipped_files == [str(still_open)]
    where = {(problem.path, problem.offset) for problem in report.problems}
    assert where == {
        (str(cut), middle.offset),
        (str(flipped), flipped_locations[1].offset),
        (str(plain), bad_offset),
        (str(broken_file), broken.offset),
        (str(not_warc), 0),
    }


@pytest.mark.parametrize("cut", ["gzip header", "deflate data", "gzip trailer"])
def test_a_file_cut_inside_its_last_record_loses_only_that_record(tmp_path: Path, cut: str) -> None:
    path, locations = _three_pages(tmp_path / "warc", "cut")
    last = locations[2]
    end = {"gzip header": 10, "deflate data": last.length // 2, "gzip trailer": last.length - 4}
    path.write_bytes(path.read_bytes()[: last.offset + end[cut]])

    report, captures, _ = rebuilt(tmp_path, [path])
    assert set(captures) == {f"{PAGE}/cut-0", f"{PAGE}/cut-1"}
    assert [(p.path, p.offset) for p in report.problems] == [(str(path), last.offset)]
    assert report.damaged_files == 1


@pytest.mark.parametrize("where", ["deflate start", "middle", "crc", "size"])
@pytest.mark.parametrize("record", [1, 2])
def test_a_flipped_byte_loses_its_record_and_the_rest_of_the_file(
    tmp_path: Path, where: str, record: int
) -> None:
    path, locations = _three_pages(tmp_path / "warc", "flip")
    damaged = locations[record]
    position = {"deflate start": 20, "middle": damaged.length // 2, "crc": -6, "size": -2}
    data = bytearray(path.read_bytes())
    data[damaged.offset + position[where] % damaged.length] ^= 0x55
    path.write_bytes(bytes(data))

    report, captures, _ = rebuilt(tmp_path, [path])
    assert set(captures) == {f"{PAGE}/flip-{n}" for n in range(record)}
    (problem,) = report.problems
    assert (problem.path, problem.offset) == (str(path), damaged.offset)
    assert str(problem).isprintable()


def test_warc_files_are_sorted_by_name_across_directories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    names = {
        "a/KABARSIP-20260302000000000-00000-h-1.warc.gz": True,
        "b/KABARSIP-20260301000000000-00000-h-1.warc": True,
        "a/KABARSIP-20260303000000000-00000-h-1.warc.gz.open": False,
        "a/notes.txt": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"")
    single = tmp_path / "a" / "KABARSIP-20260302000000000-00000-h-1.warc.gz"

    found = warc_files([tmp_path / "a", tmp_path / "b", single])
    assert found == [
        tmp_path / "b/KABARSIP-20260301000000000-00000-h-1.warc",
        tmp_path / "a/KABARSIP-20260302000000000-00000-h-1.warc.gz",
    ]
    with pytest.raises(FileNotFoundError):
        warc_files([tmp_path / "missing"])


# --- the command -------------------------------------------------------------------------


@pytest.mark.slow
def test_command_writes_a_new_state_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    with writer(warcs) as run:
        first = exchange(run, ARTICLE, T1, body=page("v1"))
        decide(run, first, T1)
    damaged, locations = _three_pages(warcs, "cut")
    damaged.write_bytes(damaged.read_bytes()[: locations[2].offset + 10])
    target = tmp_path / "state" / "state.sqlite"

    result = run_scrapy("state", "rebuild", str(warcs), "--state", str(target))
    assert result.returncode == 0, result.stderr
    assert "WARC files read:  2 (1 damaged)" in result.stdout
    assert "captures:         3" in result.stdout
    assert "articles:         1 (1 live, 0 gone)" in result.stdout
    assert f"{damaged}:{locations[2].offset}: " in result.stdout
    assert f"warning: {damaged}:{locations[2].offset}: " in result.stderr
    assert sorted(path.name for path in target.parent.iterdir()) == [
        "state.sqlite",
        "state.sqlite.lock",
    ]
    # The command schedules by the site file, as the crawl does.
    expected_visit = next_visit(
        datetime.fromisoformat(PUBLISHED), T1, load_site("demo").revisit, first_seen=T1
    )
    with SqliteCrawlState(target) as store:
        assert store.get_article(CANONICAL) == first_visit(first, T1, next_visit=expected_visit)

    refused = run_scrapy("state", "rebuild", str(warcs), "--state", str(target))
    assert refused.returncode == 2
    assert f"state file {target} exists" in refused.stderr

    # --force replaces the file: what the old one held and the WARCs do not is gone.
    with SqliteCrawlState(target) as store:
        store.put_capture(
            CaptureState.from_record("https://elsewhere.id/", first, fetched_at=T2, status=200)
        )
    # A WAL the old file left must not be replayed into the new one.
    stale_wal = target.with_name("state.sqlite-wal")
    stale_wal.write_bytes(b"stale")
    replaced = run_scrapy("state", "rebuild", str(warcs), "--state", str(target), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert not stale_wal.exists()
    assert not list(target.parent.glob("*.rebuild-tmp*"))
    with SqliteCrawlState(target) as store:
        assert store.get_capture("https://elsewhere.id/") is None
        assert store.get_capture(ARTICLE) is not None


@pytest.mark.slow
def test_command_leaves_a_state_in_use_alone(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    _three_pages(warcs, "page")
    target = tmp_path / "state.sqlite"
    with SqliteCrawlState(target):
        busy = run_scrapy("state", "rebuild", str(warcs), "--state", str(target), "--force")
    assert busy.returncode == 2
    assert f"state file {target} is in use by another crawl (pid {os.getpid()})" in busy.stderr


@pytest.mark.slow
def test_command_fails_when_nothing_can_be_read(tmp_path: Path) -> None:
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "x.warc.gz").write_bytes(b"not a warc\n")
    target = tmp_path / "state.sqlite"

    result = run_scrapy("state", "rebuild", str(tmp_path / "warc"), "--state", str(target))
    assert result.returncode == 1
    assert "no WARC record could be read" in result.stderr
    assert list(tmp_path.glob("state.sqlite*")) == [tmp_path / "state.sqlite.lock"]

    missing = run_scrapy("state", "rebuild", str(tmp_path / "nowhere"), "--state", str(target))
    assert missing.returncode == 2
    assert "no such WARC file or directory" in missing.stderr
    assert run_scrapy("state", "--state", str(target)).returncode == 2


# --- against the live crawl --------------------------------------------------------------


@pytest.mark.slow
def test_rebuild_gives_the_state_the_live_crawl_kept(tmp_path: Path) -> None:
    """Three crawls (new site, changed site, unchanged site), then a rebuild from their WARCs."""
    edition1 = generate_site(tmp_path / "edition1", articles=30, edition=1)
    edition2 = generate_site(tmp_path / "edition2", articles=30, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    out = tmp_path / "out"
    with DemoServer(edition1.directory) as server:
        for run, site in enumerate((None, edition2.directory, None)):
            if site is not None:
                server.switch(site)
            result = run_crawl(
                out / f"run{run}",
                "demo",
                server.origin,
                {
                    "WARC_DIR": str(out / "warc"),
                    "STATE_PATH": str(out / "state.sqlite"),
                },
            )
            assert result.returncode == 0, result.log[-3000:]

    rebuilt_path = tmp_path / "rebuilt.sqlite"
    command = run_scrapy("state", "rebuild", str(out / "warc"), "--state", str(rebuilt_path))
    assert command.returncode == 0, command.stderr
    assert "problems:" not in command.stdout

    def states(path: Path) -> tuple[list[CaptureState], list[ArticleState]]:
        with SqliteCrawlState(path) as store:
            return list(store.captures()), list(store.articles())

    live_captures, live_articles = states(out / "state.sqlite")
    captures, articles = states(rebuilt_path)
    assert captures == live_captures
    assert articles == live_articles
    # The runs did make every kind of change the rules know.
    assert {article.version for article in articles} >= {1, 2}
    assert {article.status for article in articles} == {"live", "gone"}
