"""The state's rules, one set for the live crawl and ``scrapy state rebuild``."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from archive.schedule import DEFAULT_SCHEDULE
from archive.state import CaptureState
from archive.transitions import (
    Fetch,
    FetchKind,
    article_after_fetch,
    capture_after_fetch,
    gone,
)
from tests.test_state import FETCHED_AT, article

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:8000/berita/1"
T0 = FETCHED_AT


def fetch(kind: FetchKind, when: datetime, status: int = 200, **values: object) -> Fetch:
    fields: dict[str, object] = {
        "kind": kind,
        "url": URL,
        "fetched_at": when,
        "status": status,
        "etag": None,
        "last_modified": None,
        "content_type": "text/html",
        "warc_file": "A.warc.gz",
        "warc_offset": 10,
        "warc_record_id": "<urn:uuid:1>",
        "payload_digest": "sha1:AAAA",
    }
    fields.update(values)
    return Fetch(**fields)  # type: ignore[arg-type]


def test_a_response_is_the_capture_later_revisits_refer_to() -> None:
    state = capture_after_fetch(fetch("response", T0, etag='"e1"'), None)
    assert state == CaptureState(
        url=URL,
        fetched_at=T0,
        status=200,
        etag='"e1"',
        last_modified=None,
        payload_digest="sha1:AAAA",
        warc_file="A.warc.gz",
        warc_offset=10,
        warc_record_id="<urn:uuid:1>",
        warc_date=T0,
        content_type="text/html",
    )


def test_a_revisit_moves_fetch_time_and_validators_but_keeps_the_capture() -> None:
    first = capture_after_fetch(fetch("response", T0, etag='"e1"'), None)
    later = T0 + timedelta(days=1)
    revisit = fetch("revisit", later, etag='"e2"', warc_file="B.warc.gz", warc_offset=99)
    state = capture_after_fetch(revisit, first)
    assert state is not None and first is not None
    assert (state.fetched_at, state.etag) == (later, '"e2"')
    assert (state.warc_file, state.warc_offset, state.warc_date) == ("A.warc.gz", 10, T0)


def test_a_304_moves_only_the_fetch_time() -> None:
    first = capture_after_fetch(fetch("response", T0, etag='"e1"'), None)
    later = T0 + timedelta(days=1)
    state = capture_after_fetch(fetch("not_modified", later, status=304, etag=None), first)
    assert state is not None and first is not None
    assert state == dataclasses.replace(first, fetched_at=later)


def test_a_revisit_without_its_original_is_left_out() -> None:
    assert capture_after_fetch(fetch("revisit", T0), None) is None


def test_a_200_moves_the_next_visit_on_and_a_404_marks_gone() -> None:
    later = T0 + timedelta(days=2)
    seen = article_after_fetch(article(), 200, later, DEFAULT_SCHEDULE)
    assert seen is not None
    assert (seen.last_seen, seen.status) == (later, "live")
    assert seen.next_visit is not None and seen.next_visit > later
    removed = article_after_fetch(article(), 404, later, DEFAULT_SCHEDULE)
    assert removed is not None
    assert (removed.status, removed.gone_at, removed.next_visit) == ("gone", later, None)


def test_gone_keeps_the_first_date_and_a_page_back_is_live_again() -> None:
    first = gone(article(), T0 + timedelta(days=1))
    again = gone(first, T0 + timedelta(days=5))
    assert again.gone_at == T0 + timedelta(days=1)
    back = article_after_fetch(again, 200, T0 + timedelta(days=6), DEFAULT_SCHEDULE)
    assert back is not None
    assert (back.status, back.gone_at) == ("live", None)


def test_a_fetch_no_later_than_the_last_seen_changes_nothing() -> None:
    assert article_after_fetch(article(), 404, T0, DEFAULT_SCHEDULE) is None
    assert article_after_fetch(article(), 500, T0 + timedelta(days=1), DEFAULT_SCHEDULE) is None


def test_the_rules_import_no_scrapy_or_twisted() -> None:
    code = (
        "import sys, archive.transitions, archive.decisions; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_live_crawl_and_rebuild_call_the_same_rules() -> None:
    """No second copy: the live components and rebuild name the rules, none restates them."""
    users = {
        "archive/capture.py": {"capture_after_fetch"},
        "archive/gone.py": {"article_after_fetch"},
        "archive/unchanged.py": {"article_after_fetch"},
        "pipelines/versions.py": {"article_after_fetch", "version_state"},
        "archive/rebuild.py": {"capture_after_fetch", "article_after_fetch", "version_state"},
    }
    for path, names in users.items():
        tree = ast.parse((ROOT / path).read_text())
        called = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert names <= called, path
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert not defined & {"seen_again", "gone", "version_state", "_next_state"}, path
