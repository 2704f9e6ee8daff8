"""Group commit of the SQLite state: puts share a transaction, each applied whole or not at all.

What another connection to the file sees is what a crash would leave: the committed puts.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from archive.state import CrawlStateError, PendingItem
from archive.state_sqlite import SqliteCrawlState
from tests.test_state import article, capture

OTHER_URL = "https://www.liputan6.com/news/read/2/banjir-surut"


def committed(path: Path, table: str) -> int:
    """Rows of ``table`` another connection sees: what survives a crash now."""
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite"


def test_grouped_puts_are_committed_together(path: Path) -> None:
    with SqliteCrawlState(path, group_seconds=60) as state:
        state.put_capture(capture())
        state.put_article(article())
        # Read back through the same connection before any commit.
        assert state.get_article(article().canonical_url) == article()
        assert committed(path, "captures") == committed(path, "articles") == 0
        state.commit()
        assert committed(path, "captures") == committed(path, "articles") == 1
        state.put_capture(capture(OTHER_URL))
    # Closing commits what is left.
    assert committed(path, "captures") == 2


def test_a_group_older_than_its_seconds_is_committed_by_the_next_put(path: Path) -> None:
    with SqliteCrawlState(path, group_seconds=0.05) as state:
        state.put_capture(capture())
        time.sleep(0.1)
        assert committed(path, "captures") == 0
        state.put_capture(capture(OTHER_URL))
        assert committed(path, "captures") == 1


def test_a_version_and_its_pending_item_are_committed_together(path: Path) -> None:
    pending = PendingItem(article().canonical_url, 1, "new", "items.jsonl", "{}")
    with SqliteCrawlState(path, group_seconds=0.01) as state:
        state.put_capture(capture())
        time.sleep(0.05)
        # Past its time: the group is committed before this put, never inside it.
        state.put_version(article(), pending)
        assert committed(path, "captures") == 1
        assert committed(path, "articles") == committed(path, "pending_items") == 0
    with SqliteCrawlState(path) as state:
        assert state.pending_items() == [pending]


def test_a_failed_put_leaves_the_earlier_puts_of_its_group(path: Path) -> None:
    with SqliteCrawlState(path, group_seconds=60) as state:
        state.put_capture(capture())
        # Its pending row is written after its article: the failure undoes the article too.
        bad = PendingItem(article().canonical_url, 1, "new", "items.jsonl", None)  # type: ignore[arg-type]
        with pytest.raises(CrawlStateError, match="NOT NULL"):
            state.put_version(article(), bad)
        assert state.get_article(article().canonical_url) is None
    assert committed(path, "captures") == 1
    assert committed(path, "articles") == 0


def test_without_grouping_every_put_is_committed_at_once(path: Path) -> None:
    with SqliteCrawlState(path) as state:
        state.put_capture(capture())
        assert committed(path, "captures") == 1
