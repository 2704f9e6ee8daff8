"""The WARC record layouts Kabarsip writes for dedup, proved by replaying them in a real pywb.

Every layout is written by :class:`archive.warc.WarcWriter` into several WARC files (one per
simulated crawl run), loaded into one pywb collection and replayed in identity (``id_``) mode.
Each URL below stands for one scenario, so the scenarios share one pywb process.  Three
layouts that Kabarsip must *not* write are built by hand, to show what pywb makes of them.
docs/warc-layout.md describes the layouts and the evidence.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import (
    IDENTICAL_PAYLOAD_DIGEST,
    SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    WarcWriter,
)
from tests.pywb_harness import PywbServer, running_pywb

WARCIO = Path(sys.executable).with_name("warcio")
SITE = "http://news.example"
U_DEDUP = f"{SITE}/berita/2026/03/banjir-jakarta"
U_FLIP = f"{SITE}/berita/2026/03/harga-beras"
U_NOREF = f"{SITE}/berita/2026/03/jalan-tol"
U_304 = f"{SITE}/berita/2026/03/gempa-cianjur"
U_304_HEAD = f"{SITE}/berita/2026/03/pemilu-daerah"
U_304_EMPTY_DIGEST = f"{SITE}/berita/2026/03/kereta-cepat"
U_META = f"{SITE}/berita/2026/03/timnas"
U_FAILED = f"{SITE}/berita/2026/03/tak-terjangkau"

T1 = datetime(2026, 3, 2, 7, 30, 15, 123456, tzinfo=UTC)
T15 = T1 + timedelta(hours=12)
T2 = T1 + timedelta(days=1)
T3 = T1 + timedelta(days=2)
T4 = T1 + timedelta(days=3)

ETAG = b'"5f1e-1a2b3c"'
LAST_MODIFIED = b"Mon, 02 Mar 2026 07:00:00 GMT"
EMPTY_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def page(version: str) -> bytes:
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>Berita {version}</title></head><body><article>"
        + f"<p>Isi berita versi {version}.</p>" * 60
        + "</article></body></html>"
    ).encode()


PAGE_A, PAGE_B = page("A"), page("B")
GZ_A, GZ_B = gzip.compress(PAGE_A, mtime=0), gzip.compress(PAGE_B, mtime=0)


def ts14(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def http_date(moment: datetime) -> bytes:
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT").encode()


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def get_request(url: str, *, conditional: bool = False) -> CapturedRequest:
    path = url.removeprefix(SITE)
    lines = [
        f"GET {path} HTTP/1.1".encode(),
        b"Host: news.example",
        b"User-Agent: Kabarsip/0.1 (+https://kabarsip.example/about)",
        b"Accept-Encoding: gzip, deflate",
    ]
    if conditional:
        lines += [b"If-None-Match: " + ETAG, b"If-Modified-Since: " + LAST_MODIFIED]
    return CapturedRequest(b"\r\n".join(lines) + b"\r\n\r\n")


def ok(moment: datetime, body: bytes) -> CapturedResponse:
    headers = [
        (b"Date", http_date(moment)),
        (b"Content-Type", b"text/html; charset=utf-8"),
        (b"Content-Encoding", b"gzip"),
        (b"Content-Length", str(len(body)).encode()),
        (b"ETag", ETAG),
        (b"Last-Modified", LAST_MODIFIED),
        (b"Cache-Control", b"max-age=60"),
    ]
    return CapturedResponse(200, "OK", headers, body, moment, ip_address="127.0.0.1")


def not_modified(moment: datetime) -> CapturedResponse:
    headers = [(b"Date", http_date(moment)), (b"ETag", ETAG), (b"Cache-Control", b"max-age=60")]
    return CapturedResponse(304, "Not Modified", headers, b"", moment, ip_address="127.0.0.1")


# --- hand-made records: the layouts Kabarsip must not write ---


def raw_record(fields: Sequence[tuple[str, str]], block: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in fields)
    record = f"WARC/1.1\r\n{head}Content-Length: {len(block)}\r\n\r\n".encode()
    return gzip.compress(record + block + b"\r\n\r\n", mtime=0)


def record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def response_head(response: CapturedResponse) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {response.reason}".encode()]
    lines += [name + b": " + value for name, value in response.headers]
    return b"\r\n".join([*lines, b"\r\n"])


@dataclass(frozen=True)
class Original:
    """What CrawlState knows about the full capture a revisit points at."""

    target_uri: str
    date: datetime
    record_id: str
    payload_digest: str


def hand_made_revisit(
    path: Path,
    target_uri: str,
    moment: datetime,
    http_head: bytes,
    extra: Sequence[tuple[str, str]],
    payload_digest: str,
) -> None:
    fields = [
        ("WARC-Type", "revisit"),
        ("WARC-Record-ID", record_id()),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Target-URI", target_uri),
        *extra,
        ("WARC-Block-Digest", sha1_b32(http_head)),
        ("WARC-Payload-Digest", payload_digest),
    ]
    if http_head:
        fields.append(("Content-Type", "application/http;msgtype=response"))
    with path.open("ab") as out:
        out.write(raw_record(fields, http_head))


# --- the collection: three crawl runs plus the hand-made records ---


@dataclass
class Layouts:
    root: Path
    files: list[Path]
    originals: dict[str, Original]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Layouts:
    """The WARC files of all scenarios; needs no pywb."""
    root = tmp_path_factory.mktemp("pywb-layout")
    warcs = root / "warcs"
    originals: dict[str, Original] = {}

    # Run 1 (T1): first capture of every URL, content A.
    with WarcWriter(warcs, prefix="RUN1", hostname="test") as run1:
        for url in (U_DEDUP, U_FLIP, U_NOREF, U_304, U_304_HEAD, U_304_EMPTY_DIGEST, U_META):
            loc = run1.write_exchange(url, get_request(url), ok(T1, GZ_A))
            originals[url] = Original(url, T1, loc.record_id, loc.payload_digest)
    # Run 1.5 (T15): two pages change to B.
    with WarcWriter(warcs, prefix="RUN15", hostname="test") as run15:
        for url in (U_FLIP, U_NOREF):
            run15.write_exchange(url, get_request(url), ok(T15, GZ_B))
    # Run 2 (T2): identical payloads (A again) become revisits naming the T1 capture.
    with WarcWriter(warcs, prefix="RUN2", hostname="test") as run2:
        for url in (U_DEDUP, U_FLIP, U_304):
            first = originals[url]
            run2.write_revisit(
                url,
                ok(T2, GZ_A),
                refers_to_target_uri=first.target_uri,
                refers_to_date=first.date,
                payload_digest=first.payload_digest,
                refers_to=first.record_id,
                request=get_request(url),
                profile=IDENTICAL_PAYLOAD_DIGEST,
            )
    # Run 3 (T3): a conditional GET answered 304; T4: a metadata record about a page.
    with WarcWriter(warcs, prefix="RUN3", hostname="test") as run3:
        first = originals[U_304]
        run3.write_not_modified(
            U_304,
            get_request(U_304, conditional=True),
            not_modified(T3),
            refers_to_target_uri=first.target_uri,
            refers_to_date=first.date,
            payload_digest=first.payload_digest,
            refers_to=first.record_id,
        )
        run3.write_metadata(
            U_META,
            [("via", f"{SITE}/sitemap-news.xml"), ("hopsFromSeed", "L")],
            refers_to=originals[U_META].record_id,
            date=T4,
        )
        # T4: fetches that got no response, of a captured page and of one never captured.
        for url in (U_DEDUP, U_FAILED):
            run3.write_failure(
                url,
                get_request(url),
                [
                    ("kabarsip-fetch-error", "scrapy.exceptions.DownloadTimeoutError"),
                    ("error-message", f"Getting {url} took longer than 180.0 seconds."),
                ],
                date=T4,
            )
    # What Kabarsip must not write.
    rejected = warcs / "REJECTED.warc.gz"
    # WARC-Refers-To alone names the right record, but pywb does not look records up by ID.
    no_refs = [
        ("WARC-Profile", IDENTICAL_PAYLOAD_DIGEST),
        ("WARC-Refers-To", originals[U_NOREF].record_id),
    ]
    hand_made_revisit(
        rejected,
        U_NOREF,
        T2,
        response_head(ok(T2, GZ_A)),
        no_refs,
        originals[U_NOREF].payload_digest,
    )
    refs = [
        ("WARC-Profile", SERVER_NOT_MODIFIED),
        ("WARC-Refers-To-Target-URI", U_304_HEAD),
        ("WARC-Refers-To-Date", warc_date(T1)),
    ]
    hand_made_revisit(
        rejected,
        U_304_HEAD,
        T3,
        response_head(not_modified(T3)),
        refs,
        originals[U_304_HEAD].payload_digest,
    )
    refs = [
        ("WARC-Profile", SERVER_NOT_MODIFIED),
        ("WARC-Refers-To-Target-URI", U_304_EMPTY_DIGEST),
        ("WARC-Refers-To-Date", warc_date(T1)),
    ]
    hand_made_revisit(rejected, U_304_EMPTY_DIGEST, T3, b"", refs, EMPTY_DIGEST)

    return Layouts(root, sorted(warcs.glob("*.warc.gz")), originals)


@pytest.fixture(scope="module")
def pywb(layouts: Layouts) -> Iterator[PywbServer]:
    """One pywb serving every scenario's files as one collection."""
    with running_pywb(layouts.files, layouts.root) as server:
        yield server


def records_of(files: Sequence[Path], url: str) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, whole block) of every record about ``url``, in file order."""
    found = []
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, no_record_parse=True):
                headers = dict(record.rec_headers.headers)
                if headers.get("WARC-Target-URI") == url:
                    found.append((record.rec_type, headers, record.raw_stream.read()))
    return found


# --- identical payload ---


def test_identical_payload_revisit_in_another_file_replays_the_archived_body(
    layouts: Layouts, pywb: PywbServer
) -> None:
    first = pywb.replay(U_DEDUP, ts14(T1))
    again = pywb.replay(U_DEDUP, ts14(T2))

    assert (first.status, first.memento, first.body) == (200, ts14(T1), GZ_A)
    assert (again.status, again.memento, again.body) == (200, ts14(T2), GZ_A)
    assert again.headers["content-encoding"] == "gzip"
    assert pywb.replay(U_DEDUP, ts14(T2), decoded=True).body == PAGE_A
    kinds = {r[0]: path.name for path in layouts.files for r in records_of([path], U_DEDUP)}
    assert kinds["response"].startswith("RUN1-") and kinds["revisit"].startswith("RUN2-")


def test_revisit_replays_the_capture_it_names_not_the_nearest_one(pywb: PywbServer) -> None:
    # A at T1, B at T1.5, A again at T2: the revisit must bring back A, not the closer B.
    assert pywb.replay(U_FLIP, ts14(T15)).body == GZ_B
    again = pywb.replay(U_FLIP, ts14(T2))
    assert (again.status, again.memento, again.body) == (200, ts14(T2), GZ_A)


def test_revisit_without_refers_to_target_and_date_replays_another_capture(
    pywb: PywbServer,
) -> None:
    """Why every revisit names its original: without it pywb serves the T1.5 page B."""
    answer = pywb.replay(U_NOREF, ts14(T2))
    assert (answer.status, answer.memento, answer.body) == (200, ts14(T15), GZ_B)


def test_every_revisit_kabarsip_writes_names_its_original(layouts: Layouts) -> None:
    ours = [path for path in layouts.files if path.name != "REJECTED.warc.gz"]
    revisits = [
        headers
        for url in (U_DEDUP, U_FLIP, U_304)
        for kind, headers, _ in records_of(ours, url)
        if kind == "revisit"
    ]
    assert len(revisits) == 4  # three identical payloads, one 304
    for headers in revisits:
        first = layouts.originals[headers["WARC-Target-URI"]]
        assert headers["WARC-Refers-To-Target-URI"] == first.target_uri
        assert headers["WARC-Refers-To-Date"] == warc_date(first.date)
        assert headers["WARC-Refers-To"] == first.record_id
        assert headers["WARC-Payload-Digest"] == first.payload_digest


# --- 304 Not Modified ---


def test_not_modified_capture_replays_as_the_page_it_confirms(pywb: PywbServer) -> None:
    confirmed = pywb.replay(U_304, ts14(T3))

    assert (confirmed.status, confirmed.memento, confirmed.body) == (200, ts14(T3), GZ_A)
    assert confirmed.headers["content-type"] == "text/html; charset=utf-8"
    assert pywb.replay(U_304, ts14(T1)).memento == ts14(T1)
    assert pywb.replay(U_304, ts14(T2)).memento == ts14(T2)
    assert pywb.replay(U_304, ts14(T4)).body == GZ_A


def test_not_modified_records_keep_what_the_server_said(layouts: Layouts) -> None:
    records = [r for r in records_of(layouts.files, U_304) if r[1]["WARC-Date"] == warc_date(T3)]
    assert [kind for kind, _, _ in records] == ["request", "revisit", "metadata"]
    (_, request, request_block), (_, revisit, revisit_block), (_, meta, meta_block) = records
    first = layouts.originals[U_304]

    assert b"If-None-Match: " + ETAG in request_block
    assert request["WARC-Concurrent-To"] == revisit["WARC-Record-ID"]

    assert revisit["WARC-Profile"] == SERVER_NOT_MODIFIED
    assert revisit_block == b"" and revisit["Content-Length"] == "0"
    assert "Content-Type" not in revisit
    assert revisit["WARC-Truncated"] == "length"
    assert revisit["WARC-Payload-Digest"] == first.payload_digest != EMPTY_DIGEST
    assert revisit["WARC-Refers-To-Target-URI"] == first.target_uri
    assert revisit["WARC-Refers-To-Date"] == warc_date(first.date)
    assert revisit["WARC-Refers-To"] == first.record_id

    assert meta["Content-Type"] == "application/warc-fields"
    assert meta["WARC-Concurrent-To"] == revisit["WARC-Record-ID"]
    lines = meta_block.decode().splitlines()
    assert lines[0] == "http-status-line: HTTP/1.1 304 Not Modified"
    assert f"http-header: ETag: {ETAG.decode()}" in lines
    assert f"http-header: Date: {http_date(T3).decode()}" in lines


def test_rejected_304_layouts_replay_wrongly(pywb: PywbServer) -> None:
    """Why the 304 revisit is empty and carries the original's payload digest."""
    with_304_head = pywb.replay(U_304_HEAD, ts14(T3))
    assert (with_304_head.status, with_304_head.body) == (304, b"")
    empty_digest = pywb.replay(U_304_EMPTY_DIGEST, ts14(T3))
    assert empty_digest.status == 500


# --- indexing: request, warcinfo and metadata records do not shadow captures ---


def test_index_lists_only_responses_and_revisits(pywb: PywbServer) -> None:
    lines = pywb.cdx(U_304)

    assert [(line["timestamp"], line["mime"]) for line in lines] == [
        (ts14(T1), "text/html"),
        (ts14(T2), "warc/revisit"),
        (ts14(T3), "warc/revisit"),
    ]
    assert pywb.timemap(U_304) == [ts14(T1), ts14(T2), ts14(T3)]
    assert [line["timestamp"] for line in pywb.cdx(U_META)] == [ts14(T1)]
    later = pywb.replay(U_META, ts14(T4))
    assert (later.status, later.memento, later.body) == (200, ts14(T1), GZ_A)


def test_a_failed_fetch_is_never_a_capture(pywb: PywbServer) -> None:
    assert [line["timestamp"] for line in pywb.cdx(U_DEDUP)] == [ts14(T1), ts14(T2)]
    later = pywb.replay(U_DEDUP, ts14(T4))
    assert (later.status, later.memento, later.body) == (200, ts14(T2), GZ_A)
    assert pywb.cdx(U_FAILED) == []
    assert pywb.replay(U_FAILED, ts14(T4)).status == 404


def test_every_file_passes_warcio_check(layouts: Layouts) -> None:
    checked = subprocess.run(
        [str(WARCIO), "check", *map(str, layouts.files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
