"""The item output: one durable JSON Lines file per run, where an article version is emitted.

A version counts as emitted only once its item is fsynced.  The versions pipeline hands each
new version to :meth:`ItemOutputPipeline.stage`, which puts the article's state and the item
(a :class:`~archive.state.PendingItem`, the outbox) in one state transaction, then appends the
line.  Lines are flushed and fsynced in batches (group commit: after ``ITEMS_SYNC_ITEMS``
items, and at least every ``ITEMS_SYNC_SECONDS`` while some wait), and only then are their
pending items cleared and counted (``items/written``, ``versions/new``, ``versions/updated``).

When the next run opens, it looks for the items a crash left pending in the file each was
written to: the file is cut back to its last whole line, its last lines are read, and the items
not found there are written to this run's file (``items/recovered``).  No item is lost and none
is written twice.

A file that cannot be opened fails the run at once, before anything is fetched; a write that
fails later (disk full) ends the run; both with close reason ``output_write_failed`` (exit 5).
The items not written stay pending, and the next run writes them.

Items that bypass the versions pipeline (no state) are appended as they pass and synced alike.
User ``FEEDS`` (``-o items.parquet``) still receive every item, as extra outputs.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from archive.crawlstate import CrawlStateFailed, crawl_state
from archive.state import ArticleState, CrawlState, CrawlStateError, PendingItem
from crawler.outcome import CrawlFailure, ExitCode, fail_crawl
from crawler.paths import feed_uri_params
from pipelines.itemlog import ItemKey, ItemLogFile, cut_torn_tail, item_key, item_line, last_keys

logger = logging.getLogger(__name__)


class ItemOutputPipeline:
    """Writes every item to this run's ``ITEMS_PATH`` file; versions only count once synced."""

    def __init__(
        self, crawler: Crawler, template: str, sync_items: int, sync_seconds: float
    ) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.template = template
        self.sync_items = max(1, sync_items)
        self.sync_seconds = max(0.01, sync_seconds)
        self.path: Path | None = None
        self.file: ItemLogFile | None = None
        # Lines not yet synced, with their key and kind (None: not versioned). Held here until
        # the sync, which commits the state first: no line is in the file before its version
        # is in the state, however the state groups its commits.
        self.unsynced: list[tuple[str, ItemKey | None, str | None]] = []
        # Versions staged by the versions pipeline, so that process_item does not add them again.
        self.staged: set[ItemKey] = set()
        self.timer: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        template = settings.get("ITEMS_PATH") or ""
        if not template:
            raise NotConfigured  # FEEDS only: versions count as emitted when decided
        check_template(template)
        pipeline = cls(
            crawler,
            template,
            settings.getint("ITEMS_SYNC_ITEMS", 100),
            settings.getfloat("ITEMS_SYNC_SECONDS", 1.0),
        )
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        return pipeline

    # --- opening and recovery ---------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        path = self.path = _fill(self.template, spider)
        state = crawl_state(self.crawler)
        pending = state.pending_items() if state is not None else []
        try:
            missing = _not_yet_written(pending, state) if state is not None else []
            self.file = ItemLogFile(path)
            if missing and state is not None:
                # Before a line is added: a crash from here on leaves them pending in this file.
                state.move_pending([item.key for item in missing], str(path))
            for item in missing:
                self._append(item.line, item.key, item.kind)
            self.sync()
        except OSError as exc:
            self._fail(
                f"cannot write items file {path}: {_why(exc)}; make its folder writable "
                "or set ITEMS_PATH"
            )
            return
        if self.file is None:
            return  # a write failed: the run is ending, the items stay pending
        if missing:
            self.stats.inc_value("items/recovered", len(missing))
            logger.warning(
                "Wrote %d item(s) an earlier run decided but did not write durably into %s",
                len(missing),
                path,
            )
        logger.info("Items: %s", path)
        self.timer = LoopingCall(self.sync)
        self.timer.start(self.sync_seconds, now=False)

    # --- items ------------------------------------------------------------------------------

    def stage(self, item: Any, state: CrawlState, article: ArticleState) -> None:
        """Put a new version's state and its pending item together, then write the item.

        ``item``: the item, or an adapter of it.
        """
        adapter = item if isinstance(item, ItemAdapter) else ItemAdapter(item)
        key = item_key(adapter)
        if key is None:
            raise ValueError(f"staged item {adapter.get('url')} has no version")
        line = item_line(adapter.item)
        kind = str(adapter.get("emit_reason") or "new")
        target = str(self.path) if self.path is not None else ""
        state.put_version(article, PendingItem(key[0], key[1], kind, target, line))
        self.staged.add(key)
        if self.file is not None:
            self._append(line, key, kind)

    def process_item(self, item: Any) -> Any:
        key = item_key(ItemAdapter(item))
        if key is not None and key in self.staged:
            self.staged.discard(key)
        elif self.file is not None:
            self._append(item_line(item), None, None)
        return item

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.sync()
        if self.file is not None:
            file, self.file = self.file, None
            try:
                file.close()
            except OSError as exc:
                self._fail(f"cannot write items file {file.path}: {_why(exc)}")

    # --- group commit -----------------------------------------------------------------------

    def _append(self, line: str, key: ItemKey | None, kind: str | None) -> None:
        assert self.file is not None
        self.unsynced.append((line, key, kind))
        if len(self.unsynced) >= self.sync_items:
            self.sync()

    def sync(self) -> None:
        """Commit the state, write the lines durably, then clear their pending items."""
        if self.file is None or not self.unsynced:
            return
        state = crawl_state(self.crawler)
        if state is not None:
            try:
                state.commit()
            except (CrawlStateError, CrawlStateFailed):
                # The run is failing (exit 6); versions the state lost must not be written.
                self.unsynced.clear()
                return
        try:
            for line, _, _ in self.unsynced:
                self.file.append(line)
            self.file.sync()
        except OSError as exc:
            self._write_failed(exc)
            return
        batch, self.unsynced = self.unsynced, []
        keys = [key for _, key, kind in batch if key is not None and kind is not None]
        if keys and state is not None:
            # A failing state has already ended the run (exit 6); the next run finds these
            # items in the file and does not write them again.
            with suppress(CrawlStateError, CrawlStateFailed):
                state.clear_pending(keys)
        self.stats.inc_value("items/written", len(batch))
        kinds: dict[str, int] = {}
        for _, _, kind in batch:
            if kind is not None:
                kinds[kind] = kinds.get(kind, 0) + 1
        for kind, count in kinds.items():
            self.stats.inc_value(f"versions/{kind}", count)

    def _write_failed(self, exc: OSError) -> None:
        path = self.file.path if self.file is not None else self.path
        self._fail(
            f"cannot write items file {path}: {_why(exc)}; the items not yet written stay "
            "pending in the state and the next run writes them"
        )

    def _fail(self, message: str) -> None:
        if self.file is not None:
            file, self.file = self.file, None
            file.abandon()
        self.unsynced.clear()
        self.stats.inc_value("items/write_failed")
        fail_crawl(self.crawler, "output_write_failed", message)


def _not_yet_written(pending: list[PendingItem], state: CrawlState) -> list[PendingItem]:
    """The pending items not found in their file; those found there are cleared."""
    by_target: dict[str, list[PendingItem]] = defaultdict(list)
    for item in pending:
        by_target[item.target].append(item)
    found: dict[str, set[ItemKey]] = {}
    for target, items in by_target.items():
        found[target] = _found_in(Path(target), len(items)) if target else set()
        written = [item.key for item in items if item.key in found[target]]
        if written:
            state.clear_pending(written)
    return [item for item in pending if item.key not in found[item.target]]


def _found_in(path: Path, count: int) -> set[ItemKey]:
    """Keys among the last ``count`` whole lines of ``path``, once a torn last line is cut."""
    try:
        cut = cut_torn_tail(path)
    except FileNotFoundError:
        logger.warning("Items file %s is gone: its pending items are written again", path)
        return set()
    except OSError as exc:
        # Still readable, maybe: a torn line is no item, so the keys can be read past it.
        logger.warning("Cannot cut or sync items file %s: %s", path, _why(exc))
    else:
        if cut:
            logger.warning("Cut a torn last line (%d bytes) off items file %s", cut, path)
    try:
        # A pending item is never followed in its file by a synced one: only the tail matters.
        return last_keys(path, count)
    except OSError as exc:
        logger.warning(
            "Cannot read items file %s (%s): its pending items are written again", path, _why(exc)
        )
    return set()


#: The placeholders ``ITEMS_PATH`` may hold, and a literal ``%`` written as ``%%``.
_PLACEHOLDER = re.compile(r"%\((?:name|site_name|time)\)s|%%")


def check_template(template: str) -> None:
    """Refuse an ``ITEMS_PATH`` with any other ``%``: "10% sample" would fill in as garbage.

    A URI is refused too: the durable item file is a local file, synced as it grows.
    """
    if "://" in template:
        raise CrawlFailure(
            ExitCode.USAGE,
            f"ITEMS_PATH {template!r} is a URI: it names a local file, fsynced as it grows; "
            "send items to other storage with FEEDS beside it (-o s3://bucket/items.jsonl)",
        )
    if "%" in _PLACEHOLDER.sub("", template):
        raise CrawlFailure(
            ExitCode.USAGE,
            f"ITEMS_PATH {template!r} has a % that is no placeholder: its placeholders are "
            "%(site_name)s, %(name)s and %(time)s; write a literal % as %%",
        )


def _fill(template: str, spider: Spider) -> Path:
    """``ITEMS_PATH`` with ``%(site_name)s``, ``%(name)s`` and ``%(time)s`` filled in.

    Each value fills one file name at most, so the file stays in the folder the template names.
    """
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace(":", "-")
    params = {
        "name": spider.name,
        "site_name": getattr(spider, "site_name", None) or spider.name,
        "time": now,
    }
    return Path(template % feed_uri_params(params, spider)).absolute()


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
