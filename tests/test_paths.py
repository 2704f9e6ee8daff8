"""Paths built from data stay in their folder: site names, feed paths, partitions, indexes."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pytest

from archive.replayindex import _beside
from crawler.commands.state import site_schedule
from crawler.demosite.server import DemoServer
from crawler.evaluation import evaluate
from crawler.parquet import ARTICLE_SCHEMA, write_partitions
from crawler.paths import UnsafePathError, feed_uri_params, inside, path_component
from crawler.sites import SEEDS_DIR, SiteConfigError, load_site
from tests.crawling import run_crawl

TRAVERSALS = ["../../../x", "..", ".", "/etc/cron.d/x", "a/../../b", "..\\..\\x"]


@pytest.mark.parametrize("part", ["../x", "/etc/passwd", "a/../../x"])
def test_inside_refuses_what_leaves_the_folder(tmp_path: Path, part: str) -> None:
    with pytest.raises(UnsafePathError, match="leads outside"):
        inside(tmp_path / "root", part)


def test_inside_follows_links_out_of_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "out").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError):
        inside(root, "out/x")
    assert inside(root, "a/b.txt") == root.resolve() / "a" / "b.txt"


@pytest.mark.parametrize("value", TRAVERSALS)
def test_a_feed_path_stays_in_its_folder_whatever_the_name(tmp_path: Path, value: str) -> None:
    params = feed_uri_params({"site_name": value, "time": "2026-01-27T09-30-15", "n": 1}, None)
    path = str(tmp_path / "items" / "%(site_name)s-%(time)s.jsonl") % params
    assert Path(path).resolve().parent == (tmp_path / "items").resolve()
    assert params["n"] == 1


def test_a_safe_value_is_its_own_file_name() -> None:
    assert path_component("liputan6") == "liputan6"
    assert path_component("2026-01-27T09-30-15+00-00") == "2026-01-27T09-30-15+00-00"


@pytest.mark.parametrize("name", [*TRAVERSALS, "Kompas", "", "x" * 65, "-a", "a b"])
def test_a_site_name_outside_the_safe_alphabet_is_refused(tmp_path: Path, name: str) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        f"name = {name!r}\ndomains = ['example.com']\narticle_pattern = '/read/'\n"
        "start_urls = ['https://example.com/']\n",
        encoding="utf-8",
    )
    with pytest.raises(SiteConfigError) as raised:
        load_site(str(site))
    assert str(raised.value).startswith(f"{site}: key 'name': ")


def test_a_file_name_that_is_no_site_name_is_refused_when_name_is_missing(tmp_path: Path) -> None:
    site = tmp_path / "My Site.toml"
    site.write_text(
        "domains = ['example.com']\narticle_pattern = '/r/'\nstart_urls = ['https://example.com/']\n",
        encoding="utf-8",
    )
    with pytest.raises(SiteConfigError, match=r"key 'name': 'My Site' \(from the file name"):
        load_site(str(site))


def test_every_shipped_site_name_is_safe() -> None:
    for path in sorted(SEEDS_DIR.glob("*.toml")):
        assert load_site(str(path)).name == path.stem


@pytest.mark.slow
def test_a_crawl_of_a_site_named_to_escape_writes_nothing(
    tmp_path: Path, small_server: DemoServer
) -> None:
    """``name = "../../../x"`` once wrote the items file outside ``data/items``."""
    site = tmp_path / "deep" / "er" / "escape.toml"
    site.parent.mkdir(parents=True)
    text = (SEEDS_DIR / "demo.toml").read_text(encoding="utf-8")
    site.write_text(text.replace('name = "demo"', 'name = "../../../x"'), encoding="utf-8")
    out = tmp_path / "deep" / "er" / "out"
    result = run_crawl(out, str(site), small_server.origin)
    assert result.returncode == 2, result.log
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"{site}: key 'name': '../../../x' is not a site name" in line
    assert "Traceback" not in result.log
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    # The crawl's own log, and nothing else: no items file, here or anywhere above.
    assert written == {site.relative_to(tmp_path), (out / "crawl.log").relative_to(tmp_path)}


def test_parquet_partitions_from_item_data_stay_in_the_dataset(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "dataset"
    rows = [
        {
            "url": "https://x/1",
            "site": "../../../escaped",
            "published_date": datetime.date(2026, 1, 2),
        },
        {"url": "https://x/2", "site": "..", "published_date": None},
        {"url": "https://x/3", "site": "/etc", "published_date": None},
    ]
    write_partitions(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA), root, "run-{i}.parquet")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 3
    assert all(p.resolve().is_relative_to(root.resolve()) for p in files)


def test_an_answers_row_naming_a_page_outside_the_pages_folder_is_not_read(
    tmp_path: Path,
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (tmp_path / "secret.html").write_text("<h1>secret</h1>", encoding="utf-8")
    row = {"file": "../secret.html", "url": "https://example.com/read/1", "title": "secret"}
    report = evaluate([row], pages)
    [result] = report.rows
    assert result.error is not None and "leads outside" in result.error


def test_a_replay_index_entry_naming_a_file_outside_is_not_followed(tmp_path: Path) -> None:
    index = tmp_path / "indexes" / "index.cdxj"
    index.parent.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.warc.gz").write_bytes(b"")
    found = _beside(index, "../../elsewhere/x.warc.gz")
    assert found == index.parent / "x.warc.gz"


def test_a_site_named_in_the_archive_is_looked_up_in_seeds_only(tmp_path: Path) -> None:
    """``scrapy state rebuild`` takes site names from WARC records: data, not paths."""
    outside = tmp_path / "evil.toml"
    outside.write_text((SEEDS_DIR / "demo.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert site_schedule("demo") == load_site("demo").revisit
    relative = Path(os.path.relpath(outside.with_suffix(""), SEEDS_DIR))
    with pytest.raises(UnsafePathError):
        site_schedule(str(relative))
    with pytest.raises(UnsafePathError):
        site_schedule(str(outside.with_suffix("")))


@pytest.mark.slow
def test_a_feed_path_built_from_a_spider_attribute_stays_in_its_folder(
    tmp_path: Path, small_server: DemoServer
) -> None:
    """``%(origin)s`` holds "http://127.0.0.1:PORT": one file name in ``items/``, no subfolders."""
    out = tmp_path / "out"
    feeds = {str(out / "items" / "%(origin)s.jsonl"): {"format": "jsonlines"}}
    # The feed alone: the run's own item file (ITEMS_PATH) would sit in the same folder.
    settings = {"FEEDS": json.dumps(feeds), "ITEMS_PATH": ""}
    result = run_crawl(out, "demo", small_server.origin, settings)
    assert result.returncode == 0, result.log
    [written] = (out / "items").iterdir()
    assert written.is_file()
    assert written.name == f"{quote(small_server.origin, safe='')}.jsonl"
    assert len(result.items) == 30
