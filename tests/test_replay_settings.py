"""Replay settings: REPLAY_AT forms, and when a replay opens the crawl state."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.settings import Settings

from archive.replay import ReplayAddon, parse_replay_at
from crawler import settings as project_settings
from crawler.commands.crawl import _uses


def test_replay_at_reads_14_digits_iso_and_zones() -> None:
    assert parse_replay_at("20260127093015") == datetime(2026, 1, 27, 9, 30, 15, tzinfo=UTC)
    assert parse_replay_at("20260127") == datetime(2026, 1, 27, tzinfo=UTC)
    assert parse_replay_at("2026-01-27T09:30:15Z") == datetime(2026, 1, 27, 9, 30, 15, tzinfo=UTC)
    wib = timezone(timedelta(hours=7))
    assert parse_replay_at("2026-01-27T16:30:15+07:00") == datetime(
        2026, 1, 27, 16, 30, 15, tzinfo=wib
    )
    assert parse_replay_at("") is None


def test_a_replay_time_that_is_no_time_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="REPLAY_AT 'yesterday'"):
        parse_replay_at("yesterday")


def crawl_settings(**cmdline: str) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(cmdline, priority="cmdline")
    ReplayAddon().update_settings(settings)
    return settings


def _uses_state(settings: Settings) -> bool:
    return _uses(settings, "STATE_ENABLED", "STATE_PATH")


def test_replay_switches_capture_off_and_keeps_a_temporary_state_unless_one_is_given() -> None:
    live = crawl_settings()
    assert live.getbool("WARC_ENABLED") and _uses_state(live)
    replay = crawl_settings(REPLAY_FROM="data/warc")
    assert not replay.getbool("WARC_ENABLED") and not replay.getbool("CONDITIONAL_GET_ENABLED")
    # A state of its own, in a temporary folder the crawl removes: the real one is not touched.
    state = Path(replay.get("STATE_PATH"))
    assert replay.getbool("STATE_ENABLED") and state.name == "state.sqlite"
    assert state.parent.is_dir() and not any(state.parent.iterdir())
    assert "archive.replay.TemporaryStateCleanup" in replay.getdict("EXTENSIONS")
    shutil.rmtree(state.parent)
    assert not _uses_state(replay)  # nothing for the crawl command to check before it starts
    assert replay.getdict("DOWNLOAD_HANDLERS")["https"] == "archive.replay.ReplayDownloadHandler"
    told = crawl_settings(REPLAY_FROM="data/warc", STATE_PATH="replay.sqlite")
    assert told.getbool("STATE_ENABLED") and _uses_state(told)
    forced = crawl_settings(REPLAY_FROM="data/warc", WARC_ENABLED="True")
    assert forced.getbool("WARC_ENABLED")  # the command line still wins
    assert not _uses(replay, "WARC_ENABLED") and _uses(forced, "WARC_ENABLED")
