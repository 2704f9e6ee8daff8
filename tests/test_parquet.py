"""Parquet output: the exporter, the partitioned dataset storage, the documented schema."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.demo import PROJECT_DIR, crawl_command
from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from crawler.items import SOURCE_LABELS, Article, Credit, Image
from crawler.parquet import (
    ARTICLE_SCHEMA,
    DERIVED_COLUMNS,
    ParquetDatasetStorage,
    ParquetItemExporter,
    article_dataset,
    item_rows,
)
from pipelines.authors import ROLES
from pipelines.fingerprint import FINGERPRINTED

DOCS = PROJECT_DIR / "docs"
JSON_SCHEMA: dict[str, Any] = json.loads((DOCS / "article-schema.json").read_text("utf-8"))
ARTICLE_FIELDS = [f.name for f in dataclasses.fields(Article)]
PARQUET_SETTINGS = {
    "FEED_EXPORTERS": json.dumps({"parquet": "crawler.parquet.ParquetItemExporter"}),
    "FEED_STORAGES": json.dumps({"parquet-dataset": "crawler.parquet.ParquetDatasetStorage"}),
}

BODY_V1 = "Banjir melanda Jakarta Selatan.\n\nWarga mengungsi ke masjid terdekat."
BODY_V2 = BODY_V1 + "\n\nAir mulai surut pada Selasa (27/1) sore, kata petugas BPBD."


def sample_articles() -> list[Article]:
    """Five versions of four articles: dates in two offsets and none, unicode, nested lists."""
    common: dict[str, Any] = {
        "site": "contoh",
        "language": "id",
        "fetched_at": "2026-01-27T03:00:05.123456Z",
        "warc_file": "KABARSIP-20260127030000000-00000-host-1.warc.gz",
        "content_hash": "a" * 64,
    }
    flood = "https://contoh.id/berita/banjir-jakarta"
    return [
        Article(
            url=flood,
            canonical_url=flood,
            title="Banjir di Jakarta — warga mengungsi",
            authors=["Siti Nurhaliza"],
            credits=[
                Credit("Siti Nurhaliza", "person", "reporter"),
                Credit("Contoh.id", "organization", "source"),
            ],
            published="2026-01-27T01:30:00+07:00",  # 26 January in UTC
            published_raw="Selasa, 27 Jan 2026 01:30 WIB",
            body=BODY_V1,
            paragraphs=BODY_V1.split("\n\n"),
            images=[Image("https://contoh.id/img/banjir.jpg", "Banjir di Kemang"), Image("x")],
            tags=["banjir", "jakarta"],
            word_count=10,
            version=1,
            emit_reason="new",
            warc_offset=0,
            warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000001>",
            **common,
        ),
        Article(
            url="https://contoh.id/berita/gempa",
            canonical_url="https://contoh.id/berita/gempa",
            title="Gempa M 5,2 guncang Sulawesi 🌏",
            published="2026-01-26T23:10:00+08:00",
            updated="2026-01-27T08:00:00+08:00",
            mentioned_dates=["2026-01-25"],
            dateline="MAKASSAR, Contoh.id -",
            body="Gempa terasa hingga Makassar.",
            pages=2,
            version=1,
            emit_reason="new",
            warc_offset=5120,
            warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000002>",
            **common,
        ),
        Article(
            url="https://contoh.id/tanpa-tanggal",
            title="Tanpa tanggal",
            version=1,
            emit_reason="new",
            warc_offset=9000,
            warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000003>",
            **common,
        ),
        Article(
            url=flood,
            canonical_url=flood,
            title="Banjir di Jakarta — air mulai surut",
            authors=["Siti Nurhaliza"],
            published="2026-01-27T01:30:00+07:00",
            updated="2026-01-27T17:45:00+07:00",
            body=BODY_V2,
            paragraphs=BODY_V2.split("\n\n"),
            version=2,
            emit_reason="updated",
            previous_content_hash="a" * 64,
            changed_fields=["title", "body", "updated"],
            warc_offset=20480,
            warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000004>",
            authors_raw=["Penulis: Siti Nurhaliza"],
            field_sources={"title": "h1", "published": "byline", "authors": "credit_line"},
            sitemap_title="Banjir di Jakarta",
            sitemap_published_raw="2026-01-27T01:30:00+07:00",
            **{**common, "content_hash": "b" * 64},
        ),
        Article(
            url="https://contoh.id/berita/lokal-tanpa-zona",
            published="2026-01-20T10:00:00",  # no offset: no instant, still a day
            version=1,
            emit_reason="new",
            warc_offset=30000,
            warc_record_id="<urn:uuid:00000000-0000-4000-8000-000000000005>",
            **common,
        ),
    ]


def export(items: list[Any], file: Any, **kwargs: Any) -> None:
    exporter = ParquetItemExporter(file, **kwargs)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()


def expected_row(article: Article) -> dict[str, Any]:
    row = ItemAdapter(article).asdict()
    row["fetched_at"] = datetime.fromisoformat(row["fetched_at"])
    for name, source in (("published_at", "published"), ("updated_at", "updated")):
        moment = datetime.fromisoformat(row[source]) if row[source] else None
        row[name] = moment if moment is not None and moment.tzinfo is not None else None
    published = row["published"]
    row["published_date"] = datetime.fromisoformat(published).date() if published else None
    return row


# --- the schema ----------------------------------------------------------------------------


def test_parquet_schema_has_every_article_field_then_the_typed_date_columns() -> None:
    assert ARTICLE_SCHEMA.names == [*ARTICLE_FIELDS, *DERIVED_COLUMNS]
    assert ARTICLE_SCHEMA.field("images").type.value_type.names == [
        f.name for f in dataclasses.fields(Image)
    ]
    assert ARTICLE_SCHEMA.field("credits").type.value_type.names == [
        f.name for f in dataclasses.fields(Credit)
    ]


def test_json_schema_is_valid_and_requires_every_article_field() -> None:
    jsonschema.Draft202012Validator.check_schema(JSON_SCHEMA)
    assert JSON_SCHEMA["required"] == ARTICLE_FIELDS
    assert list(JSON_SCHEMA["properties"]) == ARTICLE_SCHEMA.names


def _json_types(node: dict[str, Any]) -> set[str]:
    if "enum" in node:
        return {"null" if value is None else "string" for value in node["enum"]}
    kinds = node["type"]
    return {kinds} if isinstance(kinds, str) else set(kinds)


def _compatible(node: dict[str, Any], arrow: pa.DataType) -> bool:
    """Whether a JSON Schema node describes values Parquet stores as ``arrow``."""
    kinds = _json_types(node) - {"null"}
    if pa.types.is_string(arrow):
        return kinds == {"string"}
    if pa.types.is_int64(arrow):
        return kinds == {"integer"}
    if pa.types.is_timestamp(arrow):
        return kinds == {"string"} and node.get("format") == "date-time"
    if pa.types.is_date32(arrow):
        return kinds == {"string"} and node.get("format") == "date"
    if pa.types.is_list(arrow):
        return kinds == {"array"} and _compatible(node["items"], arrow.value_type)
    if pa.types.is_map(arrow):
        return (
            kinds == {"object"}
            and _compatible(node["propertyNames"], arrow.key_type)
            and _compatible(node["additionalProperties"], arrow.item_type)
        )
    if pa.types.is_struct(arrow):
        properties = node["properties"]
        return (
            kinds == {"object"}
            and list(properties) == arrow.names
            and all(_compatible(properties[f.name], f.type) for f in arrow)
        )
    return False


@pytest.mark.parametrize("name", ARTICLE_SCHEMA.names)
def test_json_schema_and_parquet_schema_agree_on_each_column(name: str) -> None:
    node = JSON_SCHEMA["properties"][name]
    assert _compatible(node, ARTICLE_SCHEMA.field(name).type), (name, node)
    arrow = ARTICLE_SCHEMA.field(name).type
    lists = pa.types.is_list(arrow) or pa.types.is_map(arrow)
    # Lists and maps are never null in an exported row (empty instead); everything else may be.
    assert ("null" in _json_types(node)) != (lists or name in {"url", "site", "pages"})


def test_json_schema_enums_cover_what_the_pipelines_write() -> None:
    properties = JSON_SCHEMA["properties"]
    assert properties["changed_fields"]["items"]["enum"] == list(FINGERPRINTED)
    roles = properties["credits"]["items"]["properties"]["role"]["enum"]
    assert set(ROLES.values()) <= set(roles)
    assert set(properties["emit_reason"]["enum"]) == {"new", "updated", None}
    assert properties["field_sources"]["additionalProperties"]["enum"] == list(SOURCE_LABELS)


def test_json_lines_items_validate_against_the_json_schema() -> None:
    buffer = io.BytesIO()
    exporter = JsonLinesItemExporter(buffer)
    for item in sample_articles():
        exporter.export_item(item)
    lines = buffer.getvalue().decode("utf-8").splitlines()
    validator = jsonschema.Draft202012Validator(JSON_SCHEMA)
    for line in lines:
        validator.validate(json.loads(line))
    bad = {**json.loads(lines[0]), "emit_reason": "moved"}
    assert not validator.is_valid(bad)
    assert not validator.is_valid({**json.loads(lines[0]), "extra": 1})


# --- the exporter ----------------------------------------------------------------------------


def test_exported_file_reads_back_with_the_documented_schema_and_values(tmp_path: Path) -> None:
    articles = sample_articles()
    path = tmp_path / "articles.parquet"
    with path.open("wb") as file:
        export(articles, file, row_group_size=2)
    parquet = pq.ParquetFile(path)
    assert parquet.schema_arrow.equals(ARTICLE_SCHEMA)
    assert parquet.metadata.num_row_groups == 3  # 2 + 2 + 1
    table = parquet.read()
    assert table.schema.equals(ARTICLE_SCHEMA)
    assert item_rows(table) == [expected_row(article) for article in articles]


def test_typed_dates_keep_the_instant_and_the_day_printed_on_the_page(tmp_path: Path) -> None:
    path = tmp_path / "articles.parquet"
    with path.open("wb") as file:
        export(sample_articles(), file)
    rows = pq.read_table(path).to_pylist()
    flood, quake, undated, _, no_zone = rows
    sources = [row["field_sources"] for row in rows]
    assert ("published", "byline") in next(pairs for pairs in sources if pairs)
    assert flood["published_at"] == datetime(2026, 1, 26, 18, 30, tzinfo=UTC)
    assert flood["published_date"] == date(2026, 1, 27)
    assert quake["published_date"] == date(2026, 1, 26)
    assert quake["updated_at"] == datetime(2026, 1, 27, 0, 0, tzinfo=UTC)
    assert undated["published_at"] is None and undated["published_date"] is None
    assert no_zone["published_at"] is None and no_zone["published_date"] == date(2026, 1, 20)
    assert flood["fetched_at"] == datetime(2026, 1, 27, 3, 0, 5, 123456, tzinfo=UTC)


def test_rows_are_written_a_row_group_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "many.parquet"
    items = [Article(url=f"https://contoh.id/{n}", site="contoh") for n in range(2500)]
    with path.open("wb") as file:
        exporter = ParquetItemExporter(file, row_group_size=1000)
        exporter.start_exporting()
        for item in items[:1000]:
            exporter.export_item(item)
        assert exporter._rows == []  # flushed: memory holds at most one row group
        for item in items[1000:]:
            exporter.export_item(item)
        exporter.finish_exporting()
    metadata = pq.ParquetFile(path).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sizes == [1000, 1000, 500]


def test_row_group_size_comes_from_the_setting() -> None:
    crawler = get_crawler(settings_dict={"PARQUET_ROW_GROUP_SIZE": 3})
    exporter = build_from_crawler(
        ParquetItemExporter, crawler, io.BytesIO(), fields_to_export=None, encoding="utf-8"
    )
    assert exporter.row_group_size == 3


def test_an_empty_feed_is_a_valid_file_with_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    with path.open("wb") as file:
        export([], file)
    table = pq.read_table(path)
    assert table.num_rows == 0 and table.schema.equals(ARTICLE_SCHEMA)


def test_a_malformed_item_is_left_out_and_the_rest_of_its_row_group_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "articles.parquet"
    good = sample_articles()
    bad = {"url": "https://contoh.id/rusak", "site": "contoh", "word_count": "banyak"}
    with path.open("wb") as file:
        export([good[0], bad, good[1]], file)
    assert pq.read_table(path).column("url").to_pylist() == [good[0].url, good[1].url]
    assert "https://contoh.id/rusak" in caplog.text
    with path.open("wb") as file:
        export([bad], file, row_group_size=1)
    assert pq.read_table(path).num_rows == 0


def test_appending_to_an_existing_parquet_file_writes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "articles.parquet"
    with path.open("wb") as file:
        export(sample_articles()[:2], file)
    before = path.read_bytes()
    with path.open("ab") as file:  # what ``-o`` opens
        export(sample_articles(), file)
    assert path.read_bytes() == before
    assert pq.read_table(path).num_rows == 2
    assert "cannot be appended" in caplog.text


# --- the dataset storage -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "root"),
    [
        ("parquet-dataset:data/parquet", "data/parquet"),
        ("parquet-dataset://data/parquet", "data/parquet"),
        ("parquet-dataset:///srv/kabarsip/parquet", "/srv/kabarsip/parquet"),
        ("parquet-dataset:/srv/kabar%20sip", "/srv/kabar sip"),
    ],
)
def test_dataset_uri_names_the_root_folder(uri: str, root: str) -> None:
    assert ParquetDatasetStorage(uri, feed_options={"format": "parquet"}).root == Path(root)


def test_dataset_storage_refuses_other_formats() -> None:
    with pytest.raises(NotConfigured):
        ParquetDatasetStorage("parquet-dataset:data/parquet", feed_options={"format": "jsonlines"})
    with pytest.raises(NotConfigured):
        ParquetDatasetStorage("parquet-dataset:")


def store(root: Path, items: list[Any]) -> None:
    """What a feed does: the exporter writes a temporary file, the storage files it away."""
    storage = ParquetDatasetStorage(f"parquet-dataset:{root}", row_group_size=2)
    with tempfile.TemporaryFile() as file:
        export(items, file)
        storage._store_in_thread(file)


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def test_dataset_is_partitioned_by_site_and_local_day_and_runs_only_add_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "parquet"
    articles = sample_articles()
    store(root, articles[:3])
    first = {path: path.read_bytes() for path in parquet_files(root)}
    assert {str(path.parent.relative_to(root)) for path in first} == {
        "site=contoh/published_date=2026-01-27",
        "site=contoh/published_date=2026-01-26",
        "site=contoh/published_date=__HIVE_DEFAULT_PARTITION__",
    }
    store(root, articles[3:])
    files = parquet_files(root)
    assert len(files) == len(first) + 2
    assert all(path.read_bytes() == content for path, content in first.items())
    assert len({path.name.rsplit("-", 1)[0] for path in files}) == 2  # one name per run
    table = article_dataset(root).to_table()
    assert table.schema.equals(ARTICLE_SCHEMA)
    rows = sorted(item_rows(table), key=lambda row: row["warc_offset"])
    assert rows == [expected_row(article) for article in articles]


def test_the_partition_columns_are_in_the_folder_names_not_in_the_files(tmp_path: Path) -> None:
    root = tmp_path / "parquet"
    store(root, sample_articles())
    for path in parquet_files(root):
        names = pq.read_schema(path).names
        assert names == [n for n in ARTICLE_SCHEMA.names if n not in ("site", "published_date")]


# --- a real crawl ------------------------------------------------------------------------


@dataclass
class CrawlRun:
    items: list[dict[str, Any]]
    single_file: Path
    log: str


@dataclass
class Crawled:
    out: Path
    dataset: Path
    runs: list[CrawlRun]
    edition1: SiteManifest
    edition2: SiteManifest

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for run in self.runs for item in run.items]


def crawl(out: Path, origin: str, dataset: Path, single_file: Path) -> CrawlRun:
    """``scrapy crawl news`` with the Parquet outputs on the command line, as a user runs it."""
    items_before = set((out / "items").glob("*.jsonl"))
    command = crawl_command("demo", origin, out, out / "stats.json")
    command += ["-o", f"parquet-dataset:{dataset}:parquet", "-o", str(single_file)]
    for name, value in PARQUET_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=False
    )
    log = result.stdout + result.stderr + (out / "crawl.log").read_text("utf-8", "replace")
    assert result.returncode == 0, log[-5000:]
    items = [
        json.loads(line)
        for path in sorted(set((out / "items").glob("*.jsonl")) - items_before)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return CrawlRun(items, single_file, log)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    sites = tmp_path_factory.mktemp("parquet-sites")
    edition1 = generate_site(sites / "edition-1", 20, edition=1)
    edition2 = generate_site(sites / "edition-2", 20, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    out = tmp_path_factory.mktemp("parquet-crawl")
    (out / "items").mkdir()
    dataset = out / "parquet"
    runs = []
    with DemoServer(edition1.directory) as server:
        runs.append(crawl(out, server.origin, dataset, out / "run-1.parquet"))
        server.switch(edition2.directory)
        runs.append(crawl(out, server.origin, dataset, out / "run-2.parquet"))
    yield Crawled(out, dataset, runs, edition1, edition2)


def _published_day(item: dict[str, Any]) -> str | None:
    published = item.get("published")
    # An ISO string with an offset starts with the day in that offset.
    return published[:10] if published else None


@pytest.mark.slow
def test_crawl_writes_one_partition_per_site_and_day_and_one_row_per_item(
    crawled: Crawled,
) -> None:
    first, second = crawled.runs
    assert len(first.items) == len(crawled.edition1.live())
    assert {item["emit_reason"] for item in second.items} == {"new", "updated"}
    assert "Traceback" not in first.log + second.log
    folders = {path.parent.relative_to(crawled.dataset) for path in parquet_files(crawled.dataset)}
    assert {folder.parts[0] for folder in folders} == {"site=demo"}
    days = {_published_day(item) for item in crawled.items}
    assert None not in days and len(days) > 1
    assert {folder.parts[1] for folder in folders} == {f"published_date={day}" for day in days}
    table = article_dataset(crawled.dataset).to_table()
    assert table.schema.equals(ARTICLE_SCHEMA)
    assert table.num_rows == len(crawled.items)


@pytest.mark.slow
def test_crawl_rows_equal_the_json_lines_items(crawled: Crawled) -> None:
    rows = item_rows(article_dataset(crawled.dataset).to_table())
    by_record = {row["warc_record_id"]: row for row in rows}
    assert len(by_record) == len(rows)
    for item in crawled.items:
        row = by_record[item["warc_record_id"]]
        assert {name: row[name] for name in ARTICLE_FIELDS if name != "fetched_at"} == {
            name: item[name] for name in ARTICLE_FIELDS if name != "fetched_at"
        }
        assert row["fetched_at"] == datetime.fromisoformat(item["fetched_at"])
        assert row["published_date"].isoformat() == _published_day(item)
        assert row["published_at"] == datetime.fromisoformat(item["published"])


@pytest.mark.slow
def test_every_row_points_at_its_warc_response_record(crawled: Crawled) -> None:
    rows = article_dataset(crawled.dataset).to_table().to_pylist()
    for row in rows:
        with (crawled.out / "warc" / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]


@pytest.mark.slow
def test_crawl_rows_keep_their_versions(crawled: Crawled) -> None:
    table = article_dataset(crawled.dataset).to_table()
    first_ids = {item["warc_record_id"] for item in crawled.runs[0].items}
    rows = table.to_pylist()
    assert {row["version"] for row in rows if row["warc_record_id"] in first_ids} == {1}
    updated = [row for row in rows if row["emit_reason"] == "updated"]
    assert len(updated) == len(crawled.edition2.by_status("updated"))
    for row in updated:
        assert row["version"] == 2 and row["changed_fields"] and row["previous_content_hash"]
        earlier = [r for r in rows if r["canonical_url"] == row["canonical_url"] and r is not row]
        assert [r["version"] for r in earlier] == [1]
        assert earlier[0]["content_hash"] == row["previous_content_hash"]


@pytest.mark.slow
def test_crawl_single_files_read_back_with_the_schema(crawled: Crawled) -> None:
    for run in crawled.runs:
        table = pq.read_table(run.single_file)
        assert table.schema.equals(ARTICLE_SCHEMA)
        assert table.column("warc_record_id").to_pylist() == [
            item["warc_record_id"] for item in run.items
        ]


@pytest.mark.slow
def test_crawl_json_lines_items_validate_against_the_json_schema(crawled: Crawled) -> None:
    validator = jsonschema.Draft202012Validator(JSON_SCHEMA)
    for item in crawled.items:
        validator.validate(item)


def docs_python(path: Path) -> str:
    """The Python code blocks of a Markdown file, in order."""
    return "\n".join(re.findall(r"```python\n(.*?)```", path.read_text("utf-8"), re.S))


@pytest.mark.slow
def test_docs_example_counts_articles_per_day_and_diffs_versions(crawled: Crawled) -> None:
    code = docs_python(DOCS / "parquet.md")
    assert '"data/parquet"' in code
    namespace: dict[str, Any] = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(code.replace('"data/parquet"', repr(str(crawled.dataset))), namespace)
    per_day = {
        (row["site"], row["published_date"]): row["canonical_url_count_distinct"]
        for row in namespace["per_day"].to_pylist()
    }
    expected = Counter(
        (item["site"], _published_day(item))
        for item in {item["canonical_url"]: item for item in crawled.items}.values()
    )
    assert per_day == dict(expected)
    printed = output.getvalue()
    assert "version 1 -> 2" in printed
    assert "--- version 1" in printed and "+++ version 2" in printed
    assert re.search(r"^[+-][^+-]", printed, re.M)  # a changed line of the body
