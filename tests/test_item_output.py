"""The item output: a version is emitted once its item is fsynced, exactly once, crash or not.

Crawls run ``scrapy crawl`` in a subprocess against the 30-article demo site on loopback; the
items folder is made unusable the ways a machine does it (a path through a regular file, a
read-only mount, a full disk: tmpfs mounts, so root only).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.utils.serialize import ScrapyJSONEncoder

from archive.state import PendingItem
from archive.state_sqlite import SCHEMA_VERSION, SqliteCrawlState
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from crawler.items import Article, Credit, Image, WarcPointer
from crawler.outcome import ExitCode
from pipelines import itemlog
from pipelines.itemlog import cut_torn_tail, last_keys
from tests.crawling import CrawlResult, run_crawl
from tests.tmpfs import tmpfs

ITEMS_TEMPLATE = "%(site_name)s-%(time)s.jsonl"


def item_line(url: str, version: int, size: int = 100) -> bytes:
    fields = {"url": url, "canonical_url": url, "version": version, "body": "x" * size}
    return json.dumps(fields).encode() + b"\n"


def read_items(*folders: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for folder in folders
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def keys(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(item["canonical_url"] or item["url"], item["version"]) for item in items]


def failure_lines(result: CrawlResult) -> list[str]:
    return [line for line in result.log.splitlines() if line.startswith("kabarsip: crawl failed")]


# --- the file ------------------------------------------------------------------------------


def test_a_torn_last_line_is_cut_back_to_the_last_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    whole = b"".join(item_line(f"https://a.id/{n}", 1, 2000) for n in range(100))
    path.write_bytes(whole + item_line("https://a.id/torn", 1)[:40])
    assert cut_torn_tail(path) == 40
    assert path.read_bytes() == whole
    assert cut_torn_tail(path) == 0
    path.write_bytes(b'{"url": "https://a.id/only", "ver')
    assert cut_torn_tail(path) == 33 and path.read_bytes() == b""


def test_last_keys_reads_the_items_on_the_last_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    # Lines longer than the chunks the tail is read in, and lines that are no item.
    lines = [item_line(f"https://a.id/{n}", n % 3 + 1, 30_000) for n in range(10)]
    path.write_bytes(b"".join(lines[:8]) + b"not json\n" + b"".join(lines[8:]))
    expected = {(f"https://a.id/{n}", n % 3 + 1) for n in (7, 8, 9)}
    assert last_keys(path, 4) == expected
    assert last_keys(path, 0) == set()
    assert len(last_keys(path, 100)) == 10


# --- the outbox in the state ----------------------------------------------------------------


def test_pending_items_are_kept_moved_and_cleared(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    pending = [
        PendingItem(f"https://a.id/{n}", 1, "new", "/items/a.jsonl", f'{{"n": {n}}}')
        for n in range(3)
    ]
    with SqliteCrawlState(path) as state:
        for item in pending:
            state._conn.execute(  # the article rows are not the point here
                "INSERT INTO pending_items (canonical_url, version, kind, target, line) "
                "VALUES (?, ?, ?, ?, ?)",
                (item.canonical_url, item.version, item.kind, item.target, item.line),
            )
        state.move_pending([pending[2].key], "/items/b.jsonl")
        state.clear_pending([pending[0].key])
    with SqliteCrawlState(path) as state:
        assert [(item.key, item.target) for item in state.pending_items()] == [
            (pending[1].key, "/items/a.jsonl"),
            (pending[2].key, "/items/b.jsonl"),
        ]


def test_a_state_file_of_schema_1_gains_the_pending_table(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    SqliteCrawlState(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE pending_items")
        db.execute("DROP TABLE runs")
        for table in ("blocks", "block_sites", "article_blocks", "article_basis"):
            db.execute(f"DROP TABLE {table}")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with SqliteCrawlState(path) as state:
        assert state.pending_items() == []
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)


# --- crawls -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_items_left_pending_by_a_crash_are_written_once_by_the_next_run(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    first = run_crawl(tmp_path, "demo", small_server.origin)
    assert first.returncode == 0, first.log[-3000:]
    (items_file,) = (tmp_path / "items").glob("*.jsonl")
    lines = items_file.read_bytes().splitlines(keepends=True)
    assert len(lines) == len(small_site.live())
    # As a kill leaves it: the last three items decided but not synced, one of them written,
    # one torn half-way, one still in the process's buffer.
    with SqliteCrawlState(tmp_path / "state.sqlite") as state:
        for raw in lines[-3:]:
            item = json.loads(raw)
            article = state.get_article(item["canonical_url"])
            assert article is not None
            line = raw.decode().rstrip("\n")
            pending = PendingItem(
                item["canonical_url"], item["version"], "new", str(items_file), line
            )
            state.put_version(article, pending)
    items_file.write_bytes(b"".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2])

    second = run_crawl(tmp_path, "demo", small_server.origin)
    assert second.returncode == 0, second.log[-3000:]
    assert second.stats["items/recovered"] == 2
    assert items_file.read_bytes() == b"".join(lines[:-2])
    (new_file,) = set((tmp_path / "items").glob("*.jsonl")) - {items_file}
    assert new_file.read_bytes() == b"".join(lines[-2:])
    all_keys = keys(second.items)
    assert len(all_keys) == len(set(all_keys)) == len(small_site.live())
    with SqliteCrawlState(tmp_path / "state.sqlite") as state:
        assert state.pending_items() == []
    assert "Run summary: 2 new, 0 updated, 30 unchanged" in second.log


@pytest.mark.slow
def test_an_items_folder_that_cannot_be_made_fails_the_run_before_any_fetch(
    tmp_path: Path, small_server: DemoServer
) -> None:
    (tmp_path / "blocker").write_text("a file where the items folder should be")
    target = tmp_path / "blocker" / "items"
    result = run_crawl(
        tmp_path / "run", "demo", small_server.origin, {"ITEMS_PATH": str(target / "x.jsonl")}
    )
    assert result.returncode == ExitCode.OUTPUT
    (line,) = failure_lines(result)
    assert f"cannot write items file {target / 'x.jsonl'}: " in line
    assert "Traceback" not in result.log
    assert result.stats.get("downloader/request_count", 0) == 0
    assert result.stats["finish_reason"] == "output_write_failed"


@pytest.mark.slow
def test_an_items_path_with_a_bare_percent_is_a_usage_error_before_any_fetch(
    tmp_path: Path, small_server: DemoServer
) -> None:
    # A folder named "10% sample": Python's %-formatting would fail once the crawl is open.
    template = str(tmp_path / "10% sample" / "%(site_name)s.jsonl")
    result = run_crawl(tmp_path / "run", "demo", small_server.origin, {"ITEMS_PATH": template})
    assert result.returncode == ExitCode.USAGE, result.log
    (line,) = failure_lines(result)
    assert f"ITEMS_PATH {template!r} has a % that is no placeholder" in line
    assert "write a literal % as %%" in line
    assert result.stats.get("downloader/request_count", 0) == 0
    # Written as %%, the same folder works.
    doubled = template.replace("10% sample", "10%% sample")
    result = run_crawl(tmp_path / "again", "demo", small_server.origin, {"ITEMS_PATH": doubled})
    assert result.returncode == ExitCode.OK, result.log
    assert list((tmp_path / "10% sample").glob("*.jsonl"))


@pytest.mark.slow
def test_a_read_only_items_folder_fails_the_run_before_any_fetch(
    tmp_path: Path, small_server: DemoServer
) -> None:
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as folder:
        result = run_crawl(
            tmp_path / "run",
            "demo",
            small_server.origin,
            {"ITEMS_PATH": str(folder / ITEMS_TEMPLATE)},
        )
    assert result.returncode == ExitCode.OUTPUT
    (line,) = failure_lines(result)
    assert f"cannot write items file {folder}/demo-" in line
    assert "Read-only file system" in line
    assert result.stats.get("downloader/request_count", 0) == 0
    assert "Run summary: 0 new" in result.log


@pytest.mark.slow
def test_a_full_items_disk_ends_the_run_and_the_next_run_writes_exactly_the_rest(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    with tmpfs(tmp_path / "small", "64k") as folder:
        full = run_crawl(
            tmp_path / "run",
            "demo",
            small_server.origin,
            {"ITEMS_PATH": str(folder / ITEMS_TEMPLATE), "ITEMS_SYNC_ITEMS": "4"},
        )
        assert full.returncode == ExitCode.OUTPUT, full.log[-3000:]
        (line,) = failure_lines(full)
        assert "No space left on device" in line and "next run writes them" in line
        assert "Traceback" not in full.log
        written = full.stats.get("items/written", 0)
        assert 0 < written < len(small_site.live())
        assert full.stats.get("versions/new", 0) == written
        assert f"Run summary: {written} new" in full.log

        roomy = run_crawl(tmp_path / "run", "demo", small_server.origin)
        assert roomy.returncode == 0, roomy.log[-3000:]
        # Lines that reached the full disk whole before the failure count once it is synced.
        kept = len(read_items(folder))
        assert kept >= written
        # The rest: versions left pending, and articles the failed run had not reached.
        assert roomy.stats["items/written"] == len(small_site.live()) - kept
        assert 0 < roomy.stats["items/recovered"] <= len(small_site.live()) - kept
        every = keys(read_items(folder, tmp_path / "run" / "items"))
    assert len(every) == len(set(every)) == len(small_site.live())
    with SqliteCrawlState(tmp_path / "run" / "state.sqlite") as state:
        assert state.pending_items() == []
        assert sorted(every) == sorted((a.canonical_url, a.version) for a in state.articles())


def test_an_item_line_is_the_json_of_the_item_as_a_dict() -> None:
    """Nested dataclasses, tuples and sets come out as ``ItemAdapter.asdict`` has them."""
    article = Article(
        url="https://kanalpagi.example/berita/1",
        site="kanalpagi",
        title="Judul “berita” ini",
        authors=["Rina"],
        credits=[Credit("Rina", role="reporter")],
        images=[
            Image("https://kanalpagi.example/a.jpg", "Foto", WarcPointer("a.warc.gz", 7, "id"))
        ],
        field_sources={"title": "h1"},
    )
    plain = {"a": (1, 2), "b": {3}, "nested": [article], "n": None}
    for item in (article, plain):
        expected = ScrapyJSONEncoder(ensure_ascii=False).encode(ItemAdapter(item).asdict())
        assert itemlog.item_line(item) == expected
    assert json.loads(itemlog.item_line(article))["images"][0]["warc"]["warc_offset"] == 7
