"""How ``scrapy reextract`` and the replay index scale with archive size: time and peak memory.

    .venv/bin/python benchmarks/bench_reextract.py [SIZES...] [--keep DIR]
    .venv/bin/python benchmarks/bench_reextract.py --archive DIR [--archive DIR2 ...]

For each size N (default 4000 and 16000 article responses: a few minutes in all, most of it
re-extraction, in worker processes over every core; smaller archives end before the
allocator and SQLite's page caches have filled, so their peak RSS is a little lower) a
synthetic archive is written with ``WarcWriter`` from the demo site's article pages (240
articles, edition 1): each page is written again and again under new article URLs
(``/<section>/read/<id>/<slug>``, a new id each time, the page's own links, canonical and later
pages rewritten to it), gzipped at level 1 and sent with ``Content-Encoding: gzip`` as a server
with default settings would, as request/response pairs, later pages (``?page=k``) a second
after the first. A crawl's re-fetches follow a while later: one article in four gets an
identical-payload revisit of its first page, one in ten a new version (headline changed), which
counts among the N responses. Files rotate at 100 MB.

Three measurements per size, each in a fresh Python process so that its peak RSS is its own
(``VmHWM``; not ``ru_maxrss``, which in a child starts at the parent's peak):

- ``index``: ``ArchiveIndex.load([dir])``, as replay and re-extraction build it (in a
  temporary SQLite file: its size is shown);
- ``reextract``: ``scrapy reextract DIR -o ITEMS --site demo`` run in the process (a crawl over
  the archive with the default steps and pipelines; the index is built inside it, so its time
  is included; extraction runs in its worker processes, whose CPU counts, and whose largest
  peak RSS is shown apart: ``ru_maxrss`` of the children, which starts at the crawl's RSS when
  they were started);
- ``baseline``: warcio alone over the same files, every record's payload read and decoded
  (``record.content_stream().read()``): the floor any reader of the archive pays.

``--archive DIR`` measures archives already written (a crawl's ``warc`` folder) instead.

Printed: one row per size (records written, captures, archive MB, seconds and peak RSS per
measurement, captures/s for the index, article responses/s for re-extraction and its time as a
multiple of the baseline's, the time to write the archive), then per size articles per
second (wall clock, and per CPU second of the crawl and its workers, which other processes on
the machine do not change; the load average at the end says how busy the machine was),
peak RSS and KB of it per capture; the fixed part of the RSS (the
index: a process that has only imported it; re-extraction: a run over an archive with no
capture), then the growth of peak RSS between sizes in bytes per capture (``response`` and
``revisit`` records; re-extraction also per article response), extrapolated from the last
slope to 1M and 10M captures. ``--keep DIR`` writes the
archives under DIR and leaves them there (to profile a run: ``python -m cProfile -s cumtime
benchmarks/bench_reextract.py --child reextract DIR/N``).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (4000, 16000)
ORIGIN = "http://127.0.0.1:8000"
MAX_SIZE = 100_000_000
GZIP_LEVEL = 1  # nginx's default gzip_comp_level
FIRST_ID = 10_000_000
CRAWL_START = datetime(2022, 2, 15, 5, 0, tzinfo=UTC)
STEP = timedelta(seconds=10)
REVISIT_EVERY = 4
UPDATE_EVERY = 10
# Re-fetches come this many articles (here 10 s each) after the first fetch.
REFETCH_LAG = 500
KINDS = ("index", "reextract", "baseline")
# Where an article page's headline starts: a new version gets another title.
TITLE_TAG = '<h1 class="read-page--header--title entry-title">'


@dataclass(frozen=True)
class Template:
    """One demo article: its path and the HTML of its pages, origin filled in."""

    path: str
    section: str
    slug: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class Built:
    directory: Path
    responses: int
    """Article responses (first pages, new versions included)."""
    records: int
    captures: int
    """``response`` and ``revisit`` records."""
    files: int
    size: int


@dataclass(frozen=True)
class _Pending:
    due: int
    template: Template
    path: str
    first_date: datetime
    payload_digest: str
    length: int
    """Of the first page's body as sent."""
    update: bool


def demo_templates(directory: Path) -> list[Template]:
    from crawler.demosite.generator import generate_site

    manifest = generate_site(directory, articles=240, edition=1)
    templates = []
    for article in manifest.live():
        pages = tuple(
            (directory / manifest.routes[target].file)
            .read_text(encoding="utf-8")
            .replace(manifest.origin_token, ORIGIN)
            for target in article.page_paths
        )
        section, _, _, slug = article.path.strip("/").split("/")
        templates.append(Template(article.path, section, slug, pages))
    return templates


def build_archive(directory: Path, templates: list[Template], responses: int) -> Built:
    """Write ``responses`` article responses (and their later pages, revisits) to ``directory``."""
    from archive.warc import CapturedRequest, CapturedResponse, WarcWriter

    def exchange(path: str, html: str, at: datetime) -> tuple[str, int]:
        url = ORIGIN + path
        body = gzip.compress(html.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)
        request = CapturedRequest(
            b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
            b"User-Agent: Kabarsip-bench\r\nAccept-Encoding: gzip, deflate\r\n\r\n"
        )
        location = writer.write_exchange(url, request, response(at, body, len(body)))
        return location.payload_digest, len(body)

    def response(at: datetime, body: bytes, length: int) -> CapturedResponse:
        headers = [
            (b"Date", format_datetime(at, usegmt=True).encode()),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Encoding", b"gzip"),
            (b"Content-Length", str(length).encode()),
            (b"Server", b"nginx"),
        ]
        return CapturedResponse(200, "OK", headers, body, at, ip_address="127.0.0.1")

    def article(template: Template, path: str, at: datetime, update: bool) -> tuple[str, int]:
        """Write every page of an article; the first page's payload digest and length."""
        first: tuple[str, int] | None = None
        for number, html in enumerate(template.pages, 1):
            html = html.replace(template.path, path)
            if update:
                html = html.replace(TITLE_TAG, TITLE_TAG + "Diperbarui: ")
            target = path if number == 1 else f"{path}?page={number}"
            written = exchange(target, html, at + timedelta(seconds=number - 1))
            first = first or written
        assert first is not None
        return first

    written = 0
    captures = 0
    tick = 0
    pending: deque[_Pending] = deque()
    with WarcWriter(directory, prefix="BENCH", max_size=MAX_SIZE) as writer:
        for serial in itertools.count():
            if written >= responses:
                break
            at = CRAWL_START + tick * STEP
            tick += 1
            if pending and pending[0].due <= serial:
                due = pending.popleft()
                if due.update:
                    article(due.template, due.path, at, update=True)
                    written += 1
                    captures += len(due.template.pages)
                else:
                    writer.write_revisit(
                        ORIGIN + due.path,
                        response(at, b"", due.length),
                        refers_to_target_uri=ORIGIN + due.path,
                        refers_to_date=due.first_date,
                        payload_digest=due.payload_digest,
                    )
                    captures += 1
                continue
            number = FIRST_ID + serial
            template = templates[serial % len(templates)]
            path = f"/{template.section}/read/{number}/{template.slug}"
            digest, length = article(template, path, at, update=False)
            written += 1
            captures += len(template.pages)
            for every, update in ((REVISIT_EVERY, False), (UPDATE_EVERY, True)):
                if serial % every == every - 1:
                    pending.append(
                        _Pending(serial + REFETCH_LAG, template, path, at, digest, length, update)
                    )
        files = writer.finished_files + ([writer.path] if writer.path else [])
        records = writer.records_written
    size = sum(path.stat().st_size for path in directory.glob("*.warc.gz"))
    return Built(directory, written, records, captures, len(files), size)


# --- measurements, each run in a child process -------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak RSS since it started running this program.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries the RSS peak of the process that forked
    a child over its ``exec`` into the child's ``ru_maxrss``, so every child would report at
    least the parent's RSS (here the archive builder's).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure_index(directory: Path) -> dict[str, Any]:
    from archive.replayindex import ArchiveIndex

    started = time.perf_counter()
    index = ArchiveIndex.load([directory])
    seconds = time.perf_counter() - started
    size = index.path.stat().st_size
    index.close()
    return {
        "seconds": seconds,
        "captures": index.captures,
        "problems": len(index.problems),
        "file_mb": size / 1e6,
    }


def cpu_seconds() -> float:
    """CPU time this process and its finished worker processes have used so far."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def reap_workers() -> None:
    """Wait for the worker processes of the re-extraction to end, so their CPU is counted."""
    import multiprocessing

    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)


def measure_reextract(directory: Path) -> dict[str, Any]:
    import contextlib
    import io
    import re

    from scrapy.cmdline import execute

    output = directory.parent / f"{directory.name}-items.jsonl"
    said = io.StringIO()
    started, cpu = time.perf_counter(), cpu_seconds()
    with contextlib.redirect_stderr(said), contextlib.suppress(SystemExit):
        execute(["scrapy", "reextract", str(directory), "-o", str(output), "--site", "demo"])
    seconds = time.perf_counter() - started
    reap_workers()
    cpu = cpu_seconds() - cpu
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = said.getvalue()
    summary = re.search(
        r"(\d+) items \((\d+) article responses read, (\d+) unchanged, dropped: ", text
    )
    if summary is None:
        raise SystemExit(f"reextract gave no summary:\n{text[-3000:]}")
    dropped = re.search(r"dropped: ([^)]*)\)", text)
    output.unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "items": int(summary[1]),
        "responses": int(summary[2]),
        "unchanged": int(summary[3]),
        "dropped": 0 if dropped is None or dropped[1] == "none" else dropped[1],
        "problems": text.count("\n  skipped "),
        "workers_rss_mb": workers_rss,
        "load": os.getloadavg()[0],
    }


def measure_baseline(directory: Path) -> dict[str, Any]:
    from warcio.archiveiterator import ArchiveIterator

    started = time.perf_counter()
    records = payload = 0
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                payload += len(record.content_stream().read())
                records += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": records, "payload_mb": payload / 1e6}


def floor_index(directory: Path) -> dict[str, Any]:
    """The imports of an index alone: the fixed part of its RSS."""
    import archive.replayindex  # noqa: F401

    return {}


def floor_reextract(directory: Path) -> dict[str, Any]:
    """A re-extraction of an archive holding no capture: the fixed part of its RSS (the crawl's
    machinery, every component built)."""
    from warcio.warcwriter import WARCWriter

    empty = directory.parent / f"{directory.name}-empty"
    empty.mkdir(exist_ok=True)
    with (empty / "EMPTY.warc.gz").open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("EMPTY.warc.gz", {"software": "bench"}))
    result = measure_reextract(empty)
    for path in empty.iterdir():
        path.unlink()
    empty.rmdir()
    return {"items": result["items"]}


MEASURES = {
    "index": measure_index,
    "reextract": measure_reextract,
    "baseline": measure_baseline,
    "floor-index": floor_index,
    "floor-reextract": floor_reextract,
}


def child(kind: str, directory: Path) -> None:
    result = MEASURES[kind](directory)
    result["rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def run_child(kind: str, directory: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(f"{kind} on {directory} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the report ----------------------------------------------------------------------------


def main(sizes: list[int], keep: Path | None, archives: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        started = time.perf_counter()
        if not archives:
            templates = demo_templates(Path(tmp) / "site")
            pages = sum(len(t.pages) for t in templates)
            print(
                f"demo site: {len(templates)} articles, {pages} pages; per 10 articles "
                f"{10 // REVISIT_EVERY}-{-(-10 // REVISIT_EVERY)} revisits and "
                f"{10 // UPDATE_EVERY} new version; gzip level {GZIP_LEVEL}; files of "
                f"{MAX_SIZE // 1_000_000} MB\n"
            )
        floors = {kind: run_child(f"floor-{kind}", root)["rss_mb"] for kind in KINDS[:2]}
        header = (
            f"{'N':>7} {'records':>8} {'captures':>8} {'MB':>6} | {'index s':>7} {'capt/s':>7} "
            f"{'RSS MB':>6} {'file MB':>7} | {'reextr s':>8} {'items':>6} {'resp/s':>6} "
            f"{'RSS MB':>6} | {'base s':>6} {'RSS MB':>6} {'ratio':>5} | {'build s':>7}"
        )
        print(header)
        print("-" * len(header))
        rows: list[tuple[Built, dict[str, dict[str, Any]]]] = []
        for size_or_archive in archives or sizes:
            if isinstance(size_or_archive, Path):
                built, build_s = None, 0.0
                directory = size_or_archive
            else:
                directory = root / str(size_or_archive)
                directory.mkdir(parents=True, exist_ok=True)
                for old in directory.glob("*.warc.gz"):
                    old.unlink()
                building = time.perf_counter()
                built = build_archive(directory, templates, size_or_archive)
                build_s = time.perf_counter() - building
            results = {kind: run_child(kind, directory) for kind in KINDS}
            index, reex, base = (results[kind] for kind in KINDS)
            if built is None:
                built = taken(directory, index, reex, base)
            rows.append((built, results))
            check(built, index, reex)
            print(
                f"{built.responses:>7} {built.records:>8} {built.captures:>8} "
                f"{built.size / 1e6:>6.0f} | {index['seconds']:>7.2f} "
                f"{index['captures'] / index['seconds']:>7.0f} {index['rss_mb']:>6.0f} "
                f"{index['file_mb']:>7.1f} | {reex['seconds']:>8.1f} {reex['items']:>6} "
                f"{reex['responses'] / reex['seconds']:>6.0f} {reex['rss_mb']:>6.0f} | "
                f"{base['seconds']:>6.1f} {base['rss_mb']:>6.0f} "
                f"{reex['seconds'] / base['seconds']:>5.1f} | {build_s:>7.1f}",
                flush=True,
            )
        print(
            f"\nfixed part (index: its imports; reextract: a run over no capture): index "
            f"{floors['index']:.0f} MB, reextract {floors['reextract']:.0f} MB\n"
        )
        for built, results in rows:
            reex = results["reextract"]
            above = (reex["rss_mb"] - floors["reextract"]) * 1024 / built.captures
            print(
                f"reextract of {built.responses} articles ({built.captures} captures): "
                f"{reex['responses'] / reex['seconds']:.0f} articles/s "
                f"({reex['responses'] / reex['cpu_s']:.0f} per CPU second, all processes), "
                f"peak RSS {reex['rss_mb']:.0f} MB, {reex['rss_mb'] * 1024 / built.captures:.1f} "
                f"KB per capture ({above:.2f} "
                f"above the fixed part); largest worker process {reex['workers_rss_mb']:.0f} MB; "
                f"load average {reex['load']:.1f}"
            )
        slopes(rows, floors)
        print(f"total {time.perf_counter() - started:.0f} s")


def taken(
    directory: Path, index: dict[str, Any], reex: dict[str, Any], base: dict[str, Any]
) -> Built:
    """What an archive given with ``--archive`` holds, as the measurements counted it."""
    files = [p for p in directory.iterdir() if p.name.endswith((".warc.gz", ".warc"))]
    size = sum(path.stat().st_size for path in files)
    return Built(directory, reex["responses"], base["records"], index["captures"], len(files), size)


def check(built: Built, index: dict[str, Any], reex: dict[str, Any]) -> None:
    if index["captures"] != built.captures or reex["responses"] != built.responses:
        print(
            f"  !! expected {built.captures} captures and {built.responses} responses, "
            f"got {index['captures']} and {reex['responses']}"
        )
    if index["problems"] or reex["problems"] or reex["dropped"]:
        print(
            f"  !! problems: index {index['problems']}, reextract {reex['problems']}, "
            f"dropped {reex['dropped']}"
        )


def slopes(rows: list[tuple[Built, dict[str, dict[str, Any]]]], floors: dict[str, float]) -> None:
    """Peak RSS growth between sizes, per capture (index) and per article response (reextract)."""
    if len(rows) < 2:
        return
    print("\npeak RSS growth between sizes (bytes):")
    last_index = last_reex = 0.0
    for (small, low), (big, high) in itertools.pairwise(rows):
        captures = big.captures - small.captures
        responses = big.responses - small.responses
        last_index = (high["index"]["rss_mb"] - low["index"]["rss_mb"]) * 2**20 / captures
        last_reex = (high["reextract"]["rss_mb"] - low["reextract"]["rss_mb"]) * 2**20 / captures
        per_response = last_reex * captures / responses
        print(
            f"  {small.responses} -> {big.responses}: index {last_index:.0f} per capture; "
            f"reextract {last_reex:.0f} per capture ({per_response:.0f} per article response)"
        )
    for captures in (1_000_000, 10_000_000):
        index = floors["index"] / 1024 + last_index * captures / 2**30
        reex = floors["reextract"] / 1024 + last_reex * captures / 2**30
        print(
            f"  at {captures:,} captures, by the last slope: index ~{index:.1f} GB, "
            f"reextract ~{reex:.1f} GB"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--keep", type=Path, help="write the archives here and keep them")
    parser.add_argument(
        "--archive",
        type=Path,
        action="append",
        default=[],
        help="measure this folder of WARC files instead of writing one (repeatable)",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
    else:
        main(sorted(args.sizes), args.keep, args.archive)
