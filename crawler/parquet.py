"""Parquet output: one file per feed, or a dataset partitioned by site and publication day.

``ParquetItemExporter`` is the ``parquet`` feed format: it writes every item to one Parquet
file with the fixed schema ``ARTICLE_SCHEMA`` (documented in ``docs/parquet.md`` and, as JSON
Schema, in ``docs/article-schema.json``), a row group every ``PARQUET_ROW_GROUP_SIZE`` items.
``ParquetDatasetStorage`` is the ``parquet-dataset:`` feed storage: it adds the file the
exporter wrote to a Hive-partitioned dataset,
``ROOT/site=<site>/published_date=<YYYY-MM-DD>/<run>-<n>.parquet``.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import unquote, urlparse
from uuid import uuid4

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.exporters import BaseItemExporter
from scrapy.extensions.feedexport import BlockingFeedStorage

from crawler.paths import inside

logger = logging.getLogger(__name__)

DEFAULT_ROW_GROUP_SIZE = 1000

_TIMESTAMP = pa.timestamp("us", tz="UTC")

ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string()),
        pa.field("site", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("section", pa.string()),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field(
            "credits",
            pa.list_(
                pa.struct(
                    [
                        pa.field("name", pa.string()),
                        pa.field("kind", pa.string()),
                        pa.field("role", pa.string()),
                    ]
                )
            ),
        ),
        pa.field("published", pa.string()),
        pa.field("updated", pa.string()),
        pa.field("published_raw", pa.string()),
        pa.field("updated_raw", pa.string()),
        pa.field("dateline", pa.string()),
        pa.field("mentioned_dates", pa.list_(pa.string())),
        pa.field("body", pa.string()),
        pa.field("paragraphs", pa.list_(pa.string())),
        pa.field(
            "images",
            pa.list_(
                pa.struct(
                    [
                        pa.field("url", pa.string()),
                        pa.field("caption", pa.string()),
                        # Where this crawl's fetch of the picture was archived (null: it was not).
                        pa.field(
                            "warc",
                            pa.struct(
                                [
                                    pa.field("warc_file", pa.string()),
                                    pa.field("warc_offset", pa.int64()),
                                    pa.field("warc_record_id", pa.string()),
                                ]
                            ),
                        ),
                    ]
                )
            ),
        ),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("language", pa.string()),
        pa.field("word_count", pa.int64()),
        pa.field("pages", pa.int64()),
        pa.field("fetched_at", _TIMESTAMP),
        pa.field("content_hash", pa.string()),
        pa.field("version", pa.int64()),
        pa.field("emit_reason", pa.string()),
        pa.field("previous_content_hash", pa.string()),
        pa.field("changed_fields", pa.list_(pa.string())),
        pa.field("warc_file", pa.string()),
        pa.field("warc_offset", pa.int64()),
        pa.field("warc_record_id", pa.string()),
        pa.field("sitemap_published_raw", pa.string()),
        pa.field("sitemap_title", pa.string()),
        pa.field("authors_raw", pa.list_(pa.string())),
        # Field name -> source label: a map, which pyarrow, DuckDB and Spark read as key-value
        # pairs (pyarrow's to_pylist gives a list of (key, value) tuples).
        pa.field("field_sources", pa.map_(pa.string(), pa.string())),
        # Typed copies of ``published``/``updated`` for filtering and sorting; the ISO strings
        # stay because they alone keep the page's own UTC offset.
        pa.field("published_at", _TIMESTAMP),
        pa.field("updated_at", _TIMESTAMP),
        # The day printed on the page (in the article's own offset), not the UTC day.
        pa.field("published_date", pa.date32()),
    ]
)
"""Columns of every Parquet row: the ``Article`` fields, then the typed date columns."""

# Columns a JSON Lines row spells differently (an ISO string) or lacks.
DERIVED_COLUMNS = ("published_at", "updated_at", "published_date")

PARTITION_COLUMNS = ("site", "published_date")

PARTITIONING = ds.partitioning(
    pa.schema([ARTICLE_SCHEMA.field(name) for name in PARTITION_COLUMNS]), flavor="hive"
)
"""Hive partitioning of a dataset; rows without a publication day go to
``published_date=__HIVE_DEFAULT_PARTITION__``."""


def article_dataset(root: str | Path) -> ds.Dataset:
    """The dataset under ``root``, its columns typed and ordered as ``ARTICLE_SCHEMA``."""
    return ds.dataset(str(root), schema=ARTICLE_SCHEMA, format="parquet", partitioning=PARTITIONING)


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 string with an offset as an aware datetime; None without one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Without an offset the instant is unknown: better no timestamp than a wrong one.
    return moment if moment.tzinfo is not None else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def article_row(item: Any) -> dict[str, Any]:
    """One item as a row of ``ARTICLE_SCHEMA`` (keys outside the schema are left out)."""
    row = ItemAdapter(item).asdict()
    row["fetched_at"] = _moment(row.get("fetched_at"))
    row["published_at"] = _moment(row.get("published"))
    row["updated_at"] = _moment(row.get("updated"))
    row["published_date"] = _day(row.get("published"))
    return row


def item_rows(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of ``table`` as Python dicts, map columns (``field_sources``) as dicts, the way
    the JSON Lines items spell them (``to_pylist`` gives a map as ``(key, value)`` pairs)."""
    maps = [f.name for f in table.schema if pa.types.is_map(f.type)]
    rows = table.to_pylist()
    for row in rows:
        for name in maps:
            if row[name] is not None:
                row[name] = dict(row[name])
    return rows


class ParquetItemExporter(BaseItemExporter):
    """Writes items to one Parquet file with the fixed schema ``ARTICLE_SCHEMA``.

    Rows are buffered and written a row group every ``row_group_size`` items, so memory
    stays bounded however long the crawl. The file is complete once ``finish_exporting``
    has run.
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
        compression: str = "zstd",
        **kwargs: Any,
    ) -> None:
        super().__init__(dont_fail=True, **kwargs)
        if self.fields_to_export is not None:
            # A feed's ``fields`` would change the documented schema.
            logger.warning("Parquet feeds write every column of ARTICLE_SCHEMA; fields ignored")
        if row_group_size < 1:
            raise ValueError(f"row_group_size must be at least 1, got {row_group_size}")
        self.file = file
        self.row_group_size = row_group_size
        self.compression = compression
        self._rows: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._refused = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> Self:
        kwargs.setdefault(
            "row_group_size",
            crawler.settings.getint("PARQUET_ROW_GROUP_SIZE", DEFAULT_ROW_GROUP_SIZE),
        )
        return cls(file, **kwargs)

    def start_exporting(self) -> None:
        if self._writer is not None or self._refused:
            return
        try:
            position = self.file.tell()
        except (OSError, ValueError):
            position = 0
        if position:
            # A Parquet file ends with its footer: appending to one would corrupt it, so the
            # file keeps what it holds and this feed writes nothing.
            logger.error(
                "Parquet feed not written: a Parquet file cannot be appended to; "
                "overwrite it (-O, feed option overwrite) or name a new file"
            )
            self._refused = True
            return
        self._writer = pq.ParquetWriter(self.file, ARTICLE_SCHEMA, compression=self.compression)

    def export_item(self, item: Any) -> None:
        if self._refused:
            return
        self._rows.append(article_row(item))
        if len(self._rows) >= self.row_group_size:
            self._flush()

    def finish_exporting(self) -> None:
        self.start_exporting()  # an empty feed still gets a valid file with the schema
        if self._writer is None:
            return
        self._flush()
        self._writer.close()
        self._writer = None

    def _flush(self) -> None:
        if not self._rows:
            return
        self.start_exporting()
        if self._writer is None:
            return
        table, self._rows = _table(self._rows), []
        if table.num_rows:
            self._writer.write_table(table, row_group_size=table.num_rows)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    try:
        return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
    except (pa.ArrowException, TypeError, ValueError):
        pass
    # One malformed item must not cost the rest of its row group.
    good = []
    for row in rows:
        try:
            pa.Table.from_pylist([row], schema=ARTICLE_SCHEMA)
        except (pa.ArrowException, TypeError, ValueError) as error:
            logger.error("Parquet feed: item %s not written: %s", row.get("url"), error)
        else:
            good.append(row)
    return pa.Table.from_pylist(good, schema=ARTICLE_SCHEMA)


class ParquetDatasetStorage(BlockingFeedStorage):
    """Feed storage ``parquet-dataset:ROOT``: adds the feed's Parquet file to a dataset.

    ``ROOT`` is a path (``parquet-dataset:data/parquet``, ``parquet-dataset:///srv/parquet``).
    Rows go to ``ROOT/site=<site>/published_date=<YYYY-MM-DD>/``, in files named after this
    run, so each run adds files and none overwrites another's. Use it with the ``parquet``
    format only.
    """

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
    ) -> None:
        parsed = urlparse(uri)
        # ``parquet-dataset://data/parquet`` means the relative path too, not a host.
        root = unquote(parsed.netloc + parsed.path)
        if not root:
            raise NotConfigured(f"no dataset folder in feed URI {uri!r}")
        if feed_options and feed_options.get("format") not in (None, "parquet"):
            raise NotConfigured(f"{uri!r} takes Parquet files: give the feed format 'parquet'")
        self.root = Path(root)
        self.row_group_size = row_group_size
        run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.basename_template = f"{run}-{uuid4().hex[:12]}-{{i}}.parquet"

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> Self:
        return cls(
            uri,
            feed_options=feed_options,
            row_group_size=crawler.settings.getint(
                "PARQUET_ROW_GROUP_SIZE", DEFAULT_ROW_GROUP_SIZE
            ),
        )

    def _store_in_thread(self, file: IO[bytes]) -> None:
        try:
            file.seek(0)
            source = pq.ParquetFile(file)
            write_partitions(
                source.iter_batches(batch_size=self.row_group_size),
                self.root,
                self.basename_template,
                schema=source.schema_arrow,
            )
        finally:
            file.close()


def write_partitions(
    batches: Any, root: Path, basename_template: str, *, schema: pa.Schema = ARTICLE_SCHEMA
) -> None:
    """Writes record batches (or a table) under ``root``, partitioned by site and day.

    Partition values come from the items: pyarrow percent-encodes them (``site=..%2Fx``), and
    every file written is checked to be within ``root`` (``UnsafePathError`` otherwise).
    """
    ds.write_dataset(
        batches,
        str(root),
        schema=schema,
        format="parquet",
        file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        partitioning=PARTITIONING,
        basename_template=basename_template,
        existing_data_behavior="overwrite_or_ignore",
        # Within a file, rows stay in crawl order.
        preserve_order=True,
        # One partition per site and day: years of archive are thousands of partitions.
        max_partitions=1_000_000,
        file_visitor=lambda written: inside(root, os.path.relpath(written.path, root)),
    )
