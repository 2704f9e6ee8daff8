"""One lock protocol for the state file, whoever holds it: a crawl's store or a rebuild."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.state import CrawlStateLockedError
from archive.state_sqlite import SqliteCrawlState
from archive.statelock import StateLock


def test_a_rebuild_holding_the_lock_keeps_a_crawl_out_until_released(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    lock = StateLock(path)
    with pytest.raises(CrawlStateLockedError) as error:
        SqliteCrawlState(path)
    assert error.value.pid == os.getpid()
    lock.release()
    lock.release()  # a second release does nothing
    with SqliteCrawlState(path) as store:
        assert store.get_capture("http://127.0.0.1/") is None
        with pytest.raises(CrawlStateLockedError, match="in use by another crawl"):
            StateLock(path)
    assert (tmp_path / "state.sqlite.lock").read_text() == f"{os.getpid()}\n"
