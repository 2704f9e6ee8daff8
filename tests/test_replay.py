"""Replay crawls: the spider re-runs on the archive, with the network out of reach."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from archive.replayindex import ArchiveIndex
from archive.scan import Problem, scan_file
from crawler.demo import PROJECT_DIR, STATE_NAME, crawl_command
from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import CrawlResult, run_crawl, run_scrapy
from tests.test_dedup_e2e import Record, read_records

pytestmark = pytest.mark.slow

ARTICLES = 30


@dataclass
class Run:
    result: CrawlResult
    files: list[Path]
    items: list[dict[str, Any]]


@dataclass
class Archive:
    origin: str
    live: list[Run]
    out: Path
    edition1: SiteManifest
    edition2: SiteManifest


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Edition 1 crawled, crawled again (304s), then edition 2 crawled; the server then stops."""
    root = tmp_path_factory.mktemp("replay")
    edition1 = generate_site(root / "site-1", ARTICLES, edition=1)
    edition2 = generate_site(root / "site-2", ARTICLES, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    out = root / "live"
    runs = []
    with DemoServer(edition1.directory) as server:
        for directory in (edition1.directory, edition1.directory, edition2.directory):
            server.switch(directory)
            warcs, items = set(out.glob("warc/*.warc.gz")), set(out.glob("items/*.jsonl"))
            result = run_crawl(out, "demo", server.origin, {"WARC_MAX_SIZE": "200000"})
            assert result.returncode == 0, result.log[-3000:]
            runs.append(
                Run(
                    result,
                    sorted(set(out.glob("warc/*.warc.gz")) - warcs),
                    [
                        json.loads(line)
                        for path in sorted(set(out.glob("items/*.jsonl")) - items)
                        for line in path.read_text(encoding="utf-8").splitlines()
                    ],
                )
            )
        origin = server.origin
    yield Archive(origin, runs, out, edition1, edition2)


def replay(out: Path, origin: str, source: Path, **settings: str) -> CrawlResult:
    result = run_crawl(out, "demo", origin, {"REPLAY_FROM": str(source), **settings})
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    return result


def by_url(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["canonical_url"]: item for item in items}


def test_replay_of_a_live_crawl_gives_identical_items_without_the_network(
    archive: Archive, tmp_path: Path
) -> None:
    only_run_1 = tmp_path / "run1"
    only_run_1.mkdir()
    for path in archive.live[0].files:
        (only_run_1 / path.name).symlink_to(path)
    replayed = replay(tmp_path / "replay", archive.origin, only_run_1)
    live_items = by_url(archive.live[0].items)
    replay_items = by_url(replayed.items)
    assert len(live_items) == len(archive.edition1.live())
    assert replay_items == live_items  # fetch time and WARC record included: the same capture
    stats = replayed.stats
    assert stats["replay/served/response"] == stats["downloader/response_count"]
    assert stats.get("replay/missing", 0) == 0
    assert stats.get("log_count/ERROR", 0) == 0
    assert not list((tmp_path / "replay").glob("warc/*"))  # replay archives nothing
    assert replayed.log.count("Replaying ") == 1  # one index, whatever the schemes


def test_a_replay_asks_the_archive_only_for_the_files_it_holds(
    archive: Archive, tmp_path: Path
) -> None:
    # The live crawls archived pictures only: the icon every page names is not in the archive.
    replayed = replay(tmp_path / "all", archive.origin, archive.out / "warc", ARCHIVE_ASSETS="all")
    stats = replayed.stats
    assert stats["assets/failed/not_archived"] >= 1
    assert stats.get("replay/missing", 0) == 0  # not asked, so not a 404
    assert stats["assets/requested"] > stats["assets/failed/not_archived"]
    pointed = [image for item in replayed.items for image in item["images"] if image["warc"]]
    assert pointed  # the pictures the archive holds still get their records


def test_latest_captures_replay_revisits_as_their_original_pages(
    archive: Archive, tmp_path: Path
) -> None:
    replayed = replay(tmp_path / "replay", archive.origin, archive.out / "warc")
    items = by_url(replayed.items)
    assert len(items) == len(archive.edition2.live())
    stats = replayed.stats
    assert stats["replay/served/not_modified"] > 0 and stats["replay/served/response"] > 0
    for truth in archive.edition2.live():
        item = items[truth.url(archive.origin)]
        assert (item["title"], item["updated"]) == (truth.title, truth.updated)
        assert item["paragraphs"] == truth.text_after_dateline
    assert archive.edition2.by_status("removed")[0].url(archive.origin) not in items


def test_replay_at_a_time_serves_the_archive_as_it_was_then(
    archive: Archive, tmp_path: Path
) -> None:
    at = archive.live[1].result.stats["finish_time"]
    moment = datetime.fromisoformat(at)
    replayed = replay(tmp_path / "replay", archive.origin, archive.out / "warc", REPLAY_AT=at)
    items = by_url(replayed.items)
    captures: dict[str, list[Record]] = {}
    for run in archive.live:
        for path in run.files:
            for record in read_records(path):
                if record.type in ("response", "revisit"):
                    captures.setdefault(record.uri, []).append(record)
    truths = {truth.url(archive.origin): truth for truth in archive.edition1.articles}
    assert set(items) == set(truths)  # the removed article was still there, no new one yet
    responses = {r.record_id: r for rs in captures.values() for r in rs if r.type == "response"}
    for url, item in items.items():
        as_of = max((r for r in captures[url] if _when(r.date) <= moment), key=lambda r: r.date)
        assert as_of.type == "revisit" and as_of.file in {p.name for p in archive.live[1].files}
        # The item points at the response holding the payload the revisit confirmed.
        holder = responses[item["warc_record_id"]]
        assert holder.uri == url and holder.payload_digest == as_of.payload_digest
        assert (item["warc_file"], item["warc_offset"]) == (holder.file, holder.offset)
        assert item["fetched_at"] == _when(holder.date).isoformat()
        assert item["version"] == 1
        assert item["title"] == truths[url].title


# Hints from sitemaps and feeds: a re-extraction has no discovery to take them from.
DISCOVERY_FIELDS = {"sitemap_published_raw", "sitemap_title"}


def by_version(items: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    keyed = {(item["canonical_url"], item["version"]): item for item in items}
    assert len(keyed) == len(items)
    return keyed


def test_replay_reextract_and_live_crawl_give_identical_items(
    archive: Archive, tmp_path: Path
) -> None:
    live = by_version([item for run in archive.live for item in run.items])
    assert {version for _, version in live} == {1, 2}
    # Each run replayed as of its end, into one state as the live runs shared theirs.
    state = tmp_path / "state.sqlite"
    replayed: list[dict[str, Any]] = []
    for number, run in enumerate(archive.live, 1):
        at = run.result.stats["finish_time"]
        again = replay(
            tmp_path / f"replay-{number}",
            archive.origin,
            archive.out / "warc",
            REPLAY_AT=at,
            STATE_PATH=str(state),
        )
        assert len(again.items) == len(run.items), number
        replayed += again.items
    assert by_version(replayed) == live
    output = tmp_path / "again.jsonl"
    command = run_scrapy("reextract", str(archive.out / "warc"), "-o", str(output))
    assert command.returncode == 0, command.stderr
    assert f"{len(live)} items" in command.stderr
    reextracted = by_version([json.loads(line) for line in output.read_text().splitlines()])
    assert set(reextracted) == set(live)
    for key, item in reextracted.items():
        differ = {
            n
            for n in (set(item) | set(live[key])) - DISCOVERY_FIELDS
            if item.get(n) != live[key].get(n)
        }
        assert not differ, (key, {n: (item.get(n), live[key].get(n)) for n in differ})
    pointed = {(item["warc_file"], item["warc_offset"]) for item in live.values()}
    records = {
        (r.file, r.offset): r
        for path in archive.out.glob("warc/*.warc.gz")
        for r in read_records(path)
    }
    assert {records[where].type for where in pointed} == {"response"}


def test_a_default_replay_numbers_versions_in_a_state_it_removes(
    archive: Archive, tmp_path: Path
) -> None:
    out, temp = tmp_path / "replay", tmp_path / "tmp"
    temp.mkdir()
    out.mkdir()
    command = crawl_command("demo", archive.origin, out, out / "stats.json")
    at = command.index(f"STATE_PATH={out / STATE_NAME}")
    del command[at - 1 : at + 1]  # no STATE_PATH given: the replay keeps a temporary one
    command += ["-s", f"REPLAY_FROM={archive.out / 'warc'}"]
    result = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for path in out.glob("items/*.jsonl") for line in path.open()]
    assert len(items) == len(archive.edition2.live())
    assert {item["version"] for item in items} == {1}
    assert {item["emit_reason"] for item in items} == {"new"}
    assert not (out / STATE_NAME).exists() and not list(temp.iterdir())


def _when(date: str) -> datetime:
    return datetime.fromisoformat(date.replace("Z", "+00:00"))


def test_damaged_files_are_named_and_the_rest_replays(archive: Archive, tmp_path: Path) -> None:
    files = archive.live[0].files
    assert len(files) >= 3
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in files:
        (damaged / path.name).write_bytes(path.read_bytes())
    cut, flipped = damaged / files[0].name, damaged / files[1].name
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    data = bytearray(flipped.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    flipped.write_bytes(bytes(data))
    (damaged / "notes.warc.gz").write_bytes(gzip.compress(b"not a WARC file\n"))
    replayed = replay(tmp_path / "replay", archive.origin, damaged)
    log = replayed.log
    for name in (cut.name, flipped.name, "notes.warc.gz"):
        assert f"{damaged / name}:" in log, name
    stats = replayed.stats
    assert stats.get("replay/damaged_files", 0) + stats.get("replay/damaged_records", 0) >= 3
    print("\n".join(line for line in log.splitlines() if str(damaged) in line))
    assert replayed.stats["replay/missing"] >= 1
    intact = {path.name for path in files[2:]}
    live_items = by_url(archive.live[0].items)
    replayed_items = by_url(replayed.items)
    from_intact = {url for url, item in live_items.items() if item["warc_file"] in intact}
    assert from_intact and from_intact <= set(replayed_items)
    for url in from_intact:
        assert replayed_items[url] == live_items[url]


def test_reextract_names_damaged_records_and_extracts_the_rest(
    archive: Archive, tmp_path: Path
) -> None:
    files = archive.live[0].files
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in files:
        (damaged / path.name).write_bytes(path.read_bytes())
    live = by_url(archive.live[0].items)
    # The last file holding an article's page (pictures may follow it in files of their own).
    holding = {item["warc_file"] for item in live.values()}
    source = [path for path in files if path.name in holding][-1]
    hit = damaged / source.name
    # Damage the middle of one article's response record, found by the scanner.
    victim = sorted(url for url, item in live.items() if item["warc_file"] == hit.name)[0]
    record = next(
        item
        for item in scan_file(hit)
        if not isinstance(item, Problem) and item.offset == live[victim]["warc_offset"]
    )
    middle = record.offset + record.length // 2
    data = bytearray(hit.read_bytes())
    data[middle : middle + 64] = bytes(64)
    hit.write_bytes(bytes(data))
    output = tmp_path / "items.jsonl"
    command = run_scrapy("reextract", str(damaged), "-o", str(output))
    assert command.returncode == 0, command.stderr
    assert f"skipped {hit}:" in command.stderr
    again = by_url([json.loads(line) for line in output.read_text().splitlines()])
    assert victim not in again
    intact = {path.name for path in files if path != source}
    from_intact = {url for url, item in live.items() if item["warc_file"] in intact}
    # An article whose later page lies in the damaged part is held back, as a crawl holds
    # back one whose later page failed: never emitted short of a page.
    whole = {url for url in from_intact if live[url]["pages"] == 1}
    assert whole and whole <= set(again) <= from_intact | set(live) and set(again) < set(live)
    for url, item in again.items():
        assert outside(item, hit.name) == outside(live[url], hit.name)


def outside(item: dict[str, Any], damaged: str) -> dict[str, Any]:
    """``item`` without its discovery fields and the picture records of the ``damaged`` file
    (a picture archived there may be lost with it: the article stands without it)."""
    images = [
        {**image, "warc": None} if (image["warc"] or {}).get("warc_file") == damaged else image
        for image in item["images"]
    ]
    return {**item, **dict.fromkeys(DISCOVERY_FIELDS), "images": images}


@pytest.mark.parametrize("form", ["wacz", "cdxj"])
def test_replay_from_a_wacz_package_or_a_cdxj_index(
    form: str, archive: Archive, tmp_path: Path
) -> None:
    run1 = tmp_path / "run1"
    run1.mkdir()
    for path in archive.live[0].files:
        (run1 / path.name).symlink_to(path)
    if form == "wacz":
        source = tmp_path / "run1.wacz"
        made = run_scrapy("warc", "pack", str(run1), "-o", str(source))
    else:
        source = run1 / "index.cdxj"
        made = run_scrapy("warc", "index", str(run1), "-o", str(source))
    assert made.returncode == 0, made.stdout + made.stderr
    replayed = replay(tmp_path / "replay", archive.origin, source)
    again, live = by_url(replayed.items), by_url(archive.live[0].items)
    assert set(again) == set(live)
    for url, item in again.items():
        differ = {name for name in item if item[name] != live[url][name]}
        assert not differ, (form, url, {n: (item[n], live[url][n]) for n in differ})
    assert replayed.stats["replay/served/response"] == replayed.stats["downloader/response_count"]


def test_an_index_beside_the_warc_files_does_not_count_them_twice(
    archive: Archive, tmp_path: Path
) -> None:
    folder = tmp_path / "run1"
    folder.mkdir()
    for path in archive.live[0].files:
        (folder / path.name).symlink_to(path)
    alone = ArchiveIndex.load([folder]).captures
    made = run_scrapy("warc", "index", str(folder), "-o", str(folder / "index.cdxj"))
    assert made.returncode == 0, made.stderr
    (folder / "index.cdx").write_bytes((folder / "index.cdxj").read_bytes())
    assert alone > 0 and ArchiveIndex.load([folder]).captures == alone
    assert ArchiveIndex.load([folder / "index.cdxj"]).captures == alone
    output = tmp_path / "items.jsonl"
    again = run_scrapy("reextract", str(folder), "-o", str(output))
    assert again.returncode == 0 and "skipped" not in again.stderr, again.stderr
    assert len(output.read_text().splitlines()) == len(archive.live[0].items)
