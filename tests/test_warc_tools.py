"""``scrapy warc index|pack|verify`` on real archives: a demo crawl and every record layout.

Archives come from real crawls of the demo site (responses, 304 revisits, version decisions)
and from :class:`archive.warc.WarcWriter` (each layout of docs/warc-layout.md).  The outputs
are checked with the other tools: pywb's own indexer and a pywb replay for the CDXJ, the
``wacz`` tool's validator for the WACZ, ``warcio check`` next to ``verify``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from archive.decisions import KIND_FIELD, Decision
from archive.reader import read_response
from archive.records import digest
from archive.warc import CapturedRequest, CapturedResponse, RecordLocation, WarcWriter
from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl, run_scrapy
from tests.pywb_harness import DEFAULT_COLLECTION, require_wayback, running_pywb

BIN = Path(sys.executable).parent
SITE = "http://news.example"
ARTICLE = f"{SITE}/berita/2026/03/02/banjir-jakarta"
SECTION = f"{SITE}/kanal/ekonomi"
ROBOTS = f"{SITE}/robots.txt"
T1 = datetime(2026, 3, 2, 7, 30, 15, 123456, tzinfo=UTC)
#: The keys of an index line that say which capture it is and where.
KEYS = ("mime", "status", "digest", "length", "offset", "filename")


# --- archives ----------------------------------------------------------------------------


@dataclass
class Layouts:
    """A WARC file with one record of each layout, and where each landed."""

    path: Path
    at: dict[str, RecordLocation]


def request(url: str) -> CapturedRequest:
    return CapturedRequest(head=f"GET {url} HTTP/1.1\r\nHost: news.example\r\n\r\n".encode())


def response(
    when: datetime,
    status: int = 200,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
) -> CapturedResponse:
    return CapturedResponse(
        status=status,
        reason={200: "OK", 304: "Not Modified"}[status],
        headers=[(name.encode(), value.encode()) for name, value in headers or []],
        body=body,
        fetched_at=when,
    )


def html(marker: str, size: int = 3000) -> bytes:
    return f"<html><body><p>{marker}</p>".encode() + os.urandom(size).hex().encode()


def write_layouts(directory: Path, *, decision: bool = True) -> Layouts:
    """Every layout of docs/warc-layout.md in one finished file; the section page last."""
    at: dict[str, RecordLocation] = {}
    html_type = ("Content-Type", "text/html; charset=utf-8")
    with WarcWriter(directory, hostname="test") as writer:
        # Stored as served: gzip content coding kept, the payload digest over those bytes.
        first = response(
            T1, body=gzip.compress(html("v1")), headers=[html_type, ("Content-Encoding", "gzip")]
        )
        at["response"] = writer.write_exchange(ARTICLE, request(ARTICLE), first)
        original = {
            "refers_to_target_uri": ARTICLE,
            "refers_to_date": T1,
            "payload_digest": at["response"].payload_digest,
            "refers_to": at["response"].record_id,
        }
        if decision:
            at["decision"] = writer.write_metadata(
                ARTICLE,
                Decision(
                    kind="new",
                    url=ARTICLE,
                    canonical_url=ARTICLE,
                    site="demo",
                    version=1,
                    fingerprint="f" * 64,
                    captured_at=T1,
                    warc_file=at["response"].warc_file,
                    warc_offset=at["response"].offset,
                    warc_record_id=at["response"].record_id,
                ).fields(),
                refers_to=at["response"].record_id,
                date=T1,
            )
        at["identical"] = writer.write_revisit(
            ARTICLE,
            response(T1 + timedelta(days=1), headers=[html_type]),
            request=request(ARTICLE),
            **original,
        )
        at["304 full"] = writer.write_not_modified(
            ARTICLE,
            request(ARTICLE),
            response(T1 + timedelta(days=2), 304, headers=[("ETag", '"a1"')]),
            **original,
        )
        at["304 compact"] = writer.write_not_modified(
            ARTICLE,
            None,
            response(T1 + timedelta(days=3), 304, headers=[("ETag", '"a1"')]),
            keep_headers=False,
            **original,
        )
        at["robots"] = writer.write_exchange(
            ROBOTS,
            request(ROBOTS),
            response(
                T1, body=b"User-agent: *\r\nAllow: /\r\n", headers=[("Content-Type", "text/plain")]
            ),
        )
        at["section"] = writer.write_exchange(
            SECTION, request(SECTION), response(T1, body=html("kanal", 20_000), headers=[html_type])
        )
    (path,) = writer.finished_files
    return Layouts(path, at)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The WARC directory of two crawls of the demo site, the second revisiting everything."""
    site = generate_site(tmp_path_factory.mktemp("site"), 20, edition=1)
    assert site.directory is not None
    out = tmp_path_factory.mktemp("crawl")
    with DemoServer(site.directory) as server:
        first = run_crawl(out, "demo", server.origin)
        second = run_crawl(out, "demo", server.origin, {"REVISIT_ALL_DUE": "True"})
    assert first.returncode == second.returncode == 0, second.log[-2000:]
    kinds = record_kinds(sorted((out / "warc").iterdir()))
    assert kinds["response"] and kinds["revisit"] and kinds["decision"]
    return out / "warc"


def record_kinds(files: list[Path]) -> Counter[str]:
    """Records by type, read by warcio; version decisions counted as ``decision`` too."""
    kinds: Counter[str] = Counter()
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                kinds[record.rec_type] += 1
                if (
                    record.rec_type == "metadata"
                    and KIND_FIELD.encode() in record.raw_stream.read()
                ):
                    kinds["decision"] += 1
    return kinds


def cdxj(text: str) -> list[tuple[str, str, dict[str, str]]]:
    lines = []
    for line in text.splitlines():
        key, timestamp, fields = line.split(" ", 2)
        lines.append((key, timestamp, json.loads(fields)))
    return lines


def capture_keys(lines: list[tuple[str, str, dict[str, str]]]) -> set[tuple[str, ...]]:
    return {(key, ts, *(fields.get(name, "-") for name in KEYS)) for key, ts, fields in lines}


# --- index -------------------------------------------------------------------------------


@pytest.mark.slow
def test_index_takes_captures_only_and_agrees_with_pywbs_indexer(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "warc")
    out = tmp_path / "index.cdxj"
    result = run_scrapy("warc", "index", tmp_path / "warc", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "indexed 6 captures of 1 WARC files" in result.stderr

    lines = cdxj(out.read_text())
    assert [line[:2] for line in lines] == sorted(line[:2] for line in lines)
    by_offset = {int(fields["offset"]): fields for _, _, fields in lines}
    at = layouts.at
    # request, warcinfo and warc-fields metadata (a 304's headers, a decision) are no captures.
    assert set(by_offset) == {
        at[name].offset
        for name in ("response", "identical", "304 full", "304 compact", "robots", "section")
    }
    assert by_offset[at["response"].offset]["digest"] == at["response"].payload_digest
    for name in ("identical", "304 full", "304 compact"):
        assert by_offset[at[name].offset]["mime"] == "warc/revisit"
        assert by_offset[at[name].offset]["digest"] == at["response"].payload_digest
    assert all(fields["filename"] == layouts.path.name for fields in by_offset.values())

    pywb_indexer = require_wayback().with_name("cdx-indexer")
    theirs = tmp_path / "pywb.cdxj"
    subprocess.run(
        [pywb_indexer, "--cdxj", "--sort", "-o", theirs, layouts.path.name],
        cwd=layouts.path.parent,
        check=True,
        timeout=120,
    )
    # pywb writes digests without their "sha1:" prefix (it reads either) and no status for a
    # revisit, where cdxj-indexer (and so a WACZ) takes the revisit's own: pywb reads the
    # status from the record when it replays.
    expected = [
        (key, ts, {**fields, "digest": "sha1:" + fields["digest"]})
        for key, ts, fields in cdxj(theirs.read_text())
    ]
    assert by_offset[at["identical"].offset]["status"] == "200"
    assert [
        (key, ts, {name: value for name, value in fields.items() if name != "status"})
        if fields["mime"] == "warc/revisit"
        else (key, ts, fields)
        for key, ts, fields in lines
    ] == expected


@pytest.mark.slow
def test_pywb_replays_a_crawl_from_its_index(tmp_path: Path, crawled: Path) -> None:
    files = sorted(crawled.glob("*.warc.gz"))
    result = run_scrapy("warc", "index", crawled)
    assert result.returncode == 0, result.stderr
    lines = cdxj(result.stdout)
    kinds = record_kinds(files)
    assert len(lines) == kinds["response"] + kinds["revisit"]

    revisit = next(
        fields
        for _, _, fields in lines
        if fields["mime"] == "warc/revisit" and "/read/" in fields["url"]
    )
    original = next(
        fields
        for _, _, fields in lines
        if fields["url"] == revisit["url"] and fields["mime"] != "warc/revisit"
    )
    collection = tmp_path / "pywb" / "collections" / DEFAULT_COLLECTION
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in files:
        shutil.copy(path, collection / "archive" / path.name)
    (collection / "indexes" / "index.cdxj").write_text(result.stdout)
    revisit_ts = next(ts for _, ts, fields in lines if fields is revisit)
    with running_pywb([], tmp_path) as pywb:
        replay = pywb.replay(revisit["url"], revisit_ts)
    body = read_response(crawled / original["filename"], int(original["offset"])).body
    assert (replay.status, replay.memento, replay.body) == (200, revisit_ts, body)


def test_index_of_a_damaged_file_names_it_and_keeps_the_records_before(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "warc")
    section = layouts.at["section"]
    layouts.path.write_bytes(layouts.path.read_bytes()[: section.offset + section.length // 2])
    result = run_scrapy("warc", "index", layouts.path)
    assert result.returncode == 1
    assert f"warning: {layouts.path}:{section.offset}: response record: cut short" in result.stderr
    offsets = {int(fields["offset"]) for _, _, fields in cdxj(result.stdout)}
    assert section.offset not in offsets and len(offsets) == 5


# --- pack --------------------------------------------------------------------------------


@pytest.mark.slow
def test_pack_writes_a_wacz_the_wacz_tool_validates(tmp_path: Path, crawled: Path) -> None:
    files = sorted(crawled.glob("*.warc.gz"))
    wacz = tmp_path / "demo.wacz"
    result = run_scrapy("warc", "pack", crawled, "-o", wacz, "--title", "Demo news")
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = record_kinds(files)
    assert f"{kinds['decision']} pages (article versions)" in result.stdout

    validate = subprocess.run(
        [BIN / "wacz", "validate", "-f", wacz], capture_output=True, text=True, timeout=300
    )
    assert validate.returncode == 0 and "the passed WACZ is valid" in validate.stdout, (
        validate.stdout
    )

    with zipfile.ZipFile(wacz) as package:
        for path in files:
            info = package.getinfo(f"archive/{path.name}")
            assert info.compress_type == zipfile.ZIP_STORED  # ReplayWeb.page reads ranges
            assert package.read(info) == path.read_bytes()
        assert package.getinfo("indexes/index.cdx.gz").compress_type == zipfile.ZIP_STORED
        wacz_index = cdxj(gzip.decompress(package.read("indexes/index.cdx.gz")).decode())
        header, *pages = map(json.loads, package.read("pages/pages.jsonl").splitlines())
        datapackage = json.loads(package.read("datapackage.json"))

    ours = cdxj(run_scrapy("warc", "index", crawled).stdout)
    assert capture_keys(wacz_index) == capture_keys(ours)
    assert datapackage["title"] == "Demo news"
    assert header["format"] == "json-pages-1.0"
    # Each page is an article version: a response captured at that very second.
    responses = {(fields["url"], ts) for _, ts, fields in ours if fields["mime"] == "text/html"}
    assert len(pages) == kinds["decision"]
    assert {(page["url"], iso_date_to_timestamp(page["ts"])) for page in pages} <= responses
    assert all("/read/" in page["url"] for page in pages)


@pytest.mark.slow
def test_pack_without_version_decisions_lists_the_html_pages(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "warc", decision=False)
    wacz = tmp_path / "layouts.wacz"
    result = run_scrapy("warc", "pack", layouts.path, "-o", wacz)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(wacz) as package:
        _, *pages = map(json.loads, package.read("pages/pages.jsonl").splitlines())
    assert sorted(page["url"] for page in pages) == [ARTICLE, SECTION]
    validate = subprocess.run(
        [BIN / "wacz", "validate", "-f", wacz], capture_output=True, text=True
    )
    assert validate.returncode == 0, validate.stdout


def test_pack_refuses_damaged_files_and_writes_nothing(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "warc")
    flip(layouts.path, layouts.at["robots"])
    wacz = tmp_path / "out.wacz"
    result = run_scrapy("warc", "pack", layouts.path, "-o", wacz)
    assert result.returncode == 1
    assert f"{layouts.path}:{layouts.at['robots'].offset}: damaged gzip data" in result.stdout
    assert "1 of 1 WARC files are damaged; nothing was packed" in result.stderr
    assert list(tmp_path.glob("out.wacz*")) == []


@pytest.mark.slow
def test_index_and_pack_refuse_two_files_of_one_name(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "a")
    (tmp_path / "b").mkdir()
    shutil.copy(layouts.path, tmp_path / "b")
    for args in (["index"], ["pack", "-o", tmp_path / "x.wacz"]):
        result = run_scrapy("warc", *args, tmp_path / "a", tmp_path / "b")
        assert result.returncode == 2
        assert f"two files share the name {layouts.path.name}" in result.stderr


# --- verify ------------------------------------------------------------------------------


def flip(path: Path, location: RecordLocation) -> None:
    """Change one byte in the middle of the record's gzip member."""
    data = bytearray(path.read_bytes())
    data[location.offset + location.length // 2] ^= 0x55
    path.write_bytes(bytes(data))


def rewrite(path: Path, location: RecordLocation, change: Callable[[bytes], bytes]) -> None:
    """Change the record's uncompressed bytes and compress it again: a valid gzip member."""
    data = path.read_bytes()
    end = location.offset + location.length
    record = gzip.decompress(data[location.offset : end])
    changed = change(record)
    assert changed != record
    path.write_bytes(data[: location.offset] + gzip.compress(changed) + data[end:])


def wrong_digest(field: str, right: str) -> Callable[[bytes], bytes]:
    wrong = digest(b"some other bytes")
    return lambda record: record.replace(f"{field}: {right}".encode(), f"{field}: {wrong}".encode())


def problem_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("/")]


@pytest.mark.slow
def test_verify_passes_a_real_crawl(crawled: Path) -> None:
    result = run_scrapy("warc", "verify", crawled)
    assert result.returncode == 0, result.stdout
    kinds = record_kinds(sorted(crawled.glob("*.warc.gz")))
    assert f"records:        {kinds.total() - kinds['decision']}" in result.stdout
    assert result.stdout.rstrip().endswith("all files are sound")


@pytest.mark.slow
def test_verify_names_each_damaged_file_and_offset(tmp_path: Path) -> None:
    warcs = tmp_path / "warc"
    sound = write_layouts(warcs)
    expected = []

    cut_middle = write_layouts(warcs)
    robots = cut_middle.at["robots"]
    cut_middle.path.write_bytes(cut_middle.path.read_bytes()[: robots.offset + robots.length // 2])
    expected.append(f"{cut_middle.path}:{robots.offset}: response record: cut short")

    cut_last = write_layouts(warcs)
    section = cut_last.at["section"]
    cut_last.path.write_bytes(cut_last.path.read_bytes()[:-1000])
    expected.append(f"{cut_last.path}:{section.offset}: response record: cut short")

    flipped = write_layouts(warcs)
    flip(flipped.path, flipped.at["response"])
    expected.append(f"{flipped.path}:{flipped.at['response'].offset}: ")

    payload = write_layouts(warcs)
    response_at = payload.at["response"]
    rewrite(
        payload.path, response_at, wrong_digest("WARC-Payload-Digest", response_at.payload_digest)
    )
    expected.append(
        f"{payload.path}:{response_at.offset}: response record: payload digest does not match"
    )

    block = write_layouts(warcs)
    identical = block.at["identical"]
    with block.path.open("rb") as stream:
        stream.seek(identical.offset)
        revisit = next(iter(ArchiveIterator(stream)))
        block_digest = revisit.rec_headers.get_header("WARC-Block-Digest")
    rewrite(block.path, identical, wrong_digest("WARC-Block-Digest", block_digest))
    expected.append(f"{block.path}:{identical.offset}: revisit record: block digest does not match")

    not_warc = warcs / "x.warc.gz"
    not_warc.write_bytes(b"<html>this is not a WARC file</html>\n" * 20)
    expected.append(f"{not_warc}:0: not a WARC file")

    leftover = warcs / "KABARSIP-20990101000000000-00000-test-1.warc.gz.open"
    leftover.write_bytes(sound.path.read_bytes()[:-10])
    expected.append(f"{leftover}: unfinished WARC file left by a crash")

    result = run_scrapy("warc", "verify", warcs)
    assert result.returncode == 1
    lines = problem_lines(result.stdout)
    assert len(lines) == len(expected), result.stdout
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, result.stdout)
    assert any("damaged gzip data" in line for line in lines if str(flipped.path) in line)
    assert "files checked:  7 (6 damaged)" in result.stdout
    assert "DAMAGED: 6 problems in 6 files and 1 unfinished" in result.stdout
    # A bad digest costs only its record: the records after it were read and checked.
    assert not any(str(sound.path) in line for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("cut", ["deflate data", "gzip trailer"])
def test_warcio_check_passes_a_cut_last_record_that_verify_reports(
    tmp_path: Path, cut: str
) -> None:
    layouts = write_layouts(tmp_path / "warc")
    last = layouts.at["section"]
    end = {"deflate data": last.length // 2, "gzip trailer": last.length - 4}[cut]
    layouts.path.write_bytes(layouts.path.read_bytes()[: last.offset + end])

    check = subprocess.run([BIN / "warcio", "check", layouts.path], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == ""

    result = run_scrapy("warc", "verify", layouts.path)
    assert result.returncode == 1
    assert problem_lines(result.stdout) == [
        f"{layouts.path}:{last.offset}: response record: cut short: the file ends inside its "
        "gzip member (truncated?)"
    ]


@pytest.mark.slow
def test_verify_reads_on_after_a_damaged_record_of_an_uncompressed_file(tmp_path: Path) -> None:
    layouts = write_layouts(tmp_path / "gz")
    plain = tmp_path / "warc" / layouts.path.name.removesuffix(".gz")
    plain.parent.mkdir()
    data = bytearray(gzip.decompress(layouts.path.read_bytes()))
    plain.write_bytes(bytes(data))
    clean = run_scrapy("warc", "verify", plain)
    assert clean.returncode == 0, clean.stdout

    # One byte of the robots.txt body: both digests fail, the framing holds.
    at = data.index(b"Allow: /")
    data[at] ^= 0x20
    plain.write_bytes(bytes(data))
    record_start = data.rindex(b"WARC/1.1\r\n", 0, at)
    result = run_scrapy("warc", "verify", plain)
    assert result.returncode == 1
    (line,) = problem_lines(result.stdout)
    assert line.startswith(
        f"{plain}:{record_start}: response record: block digest does not match (says sha1:"
    )
    assert "; payload digest does not match" in line
    kinds = record_kinds([plain])
    assert f"records:        {kinds.total() - kinds['decision']}" in result.stdout


@pytest.mark.parametrize("shift", range(-4, 4))
def test_payload_digest_holds_when_the_http_head_ends_across_two_reads(
    tmp_path: Path, shift: int
) -> None:
    """The head's blank line straddles the 64 KiB read boundary of the block."""
    # The blank line starts at 65534 + shift: before, across and after the boundary.
    padding = "p" * (65536 - len("HTTP/1.1 200 OK\r\nX-Pad: ") - 2 + shift)
    with WarcWriter(tmp_path, hostname="test") as writer:
        writer.write_exchange(
            ARTICLE, request(ARTICLE), response(T1, body=b"\r\nbody", headers=[("X-Pad", padding)])
        )
    (path,) = writer.finished_files
    result = run_scrapy("warc", "verify", path)
    assert result.returncode == 0, result.stdout


def test_a_file_being_written_is_reported_but_not_damage(tmp_path: Path) -> None:
    write_layouts(tmp_path)
    writer = WarcWriter(tmp_path, hostname="live")
    try:
        writer.write_exchange(ARTICLE, request(ARTICLE), response(T1, body=html("live")))
        assert len(list(tmp_path.glob("*.open"))) == 1
        result = run_scrapy("warc", "verify", tmp_path)
    finally:
        writer.close()
    assert result.returncode == 0, result.stdout
    assert "open files:     0 left by a crash, 1 being written (not checked)" in result.stdout
    assert problem_lines(result.stdout) == []


@pytest.mark.slow
def test_usage_errors(tmp_path: Path) -> None:
    assert run_scrapy("warc").returncode == 2
    no_output = run_scrapy("warc", "pack", tmp_path)
    assert no_output.returncode == 2 and "pack needs -o FILE.wacz" in no_output.stderr
    missing = run_scrapy("warc", "verify", tmp_path / "missing")
    assert missing.returncode == 2 and "no such WARC file or directory" in missing.stderr
    empty = run_scrapy("warc", "verify", tmp_path)
    assert empty.returncode == 2 and f"no WARC files in {tmp_path}" in empty.stderr
