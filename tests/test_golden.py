"""Every saved page gives the item its golden file holds (``tests/golden.py``).

A difference fails with the fields that changed; when the change is meant, rewrite the files
with ``python -m tests.golden --update`` and review the diff. Corpus pages are skipped when
``../shared/corpus`` is absent (a failure on CI, as for every corpus test).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from crawler.items import SOURCE_LABELS, Article
from tests.golden import (
    GOLDEN_DIR,
    PLAIN_CREDIT_FIELDS,
    PLAIN_FIELDS,
    SavedPage,
    changed_fields,
    corpus_pages,
    demo_pages,
    fixture_pages,
    golden_entry,
    live_entries,
    read_golden,
)

SOURCES = ("corpus", "fixtures", "demo")
SHA256 = re.compile("[0-9a-f]{64}")


def golden_files() -> list[str]:
    return sorted(
        f"{source}/{path.stem}"
        for source in SOURCES
        for path in GOLDEN_DIR.glob(f"{source}/*.json")
    )


@pytest.fixture(scope="module")
def saved_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SavedPage]:
    """Every saved page by ``source/name`` (corpus pages only when the corpus is there)."""
    demo = demo_pages(tmp_path_factory.mktemp("golden-demo"))
    pages = [*corpus_pages(), *fixture_pages(), *demo]
    return {f"{page.source}/{page.name}": page for page in pages}


@pytest.fixture(scope="module")
def live(saved_pages: dict[str, SavedPage]) -> Iterator[dict[str, dict[str, Any]]]:
    """The golden entry each saved page gives now."""
    yield {
        f"{page.source}/{page.name}": golden_entry(page, entry)
        for page, entry in live_entries(list(saved_pages.values()))
    }


@pytest.mark.parametrize("key", golden_files())
def test_page_gives_its_golden_item(
    key: str, request: pytest.FixtureRequest, live: dict[str, dict[str, Any]]
) -> None:
    if key.startswith("corpus/"):
        request.getfixturevalue("corpus_dir")  # skips, or fails on CI, without the corpus
    assert key in live, f"{key}: golden file of a page that no longer exists; remove it"
    golden = read_golden(GOLDEN_DIR / f"{key}.json")
    changed = changed_fields(golden, live[key])
    assert not changed, f"{key} differs in {changed}: python -m tests.golden --update, review"


@pytest.mark.parametrize("source", SOURCES)
def test_every_saved_page_has_a_golden_file(
    source: str, request: pytest.FixtureRequest, saved_pages: dict[str, SavedPage]
) -> None:
    if source == "corpus":
        request.getfixturevalue("corpus_dir")
    pages = {key for key in saved_pages if key.startswith(f"{source}/")}
    assert pages
    assert pages == {key for key in golden_files() if key.startswith(f"{source}/")}


def strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a JSON value with the key it sits under (``field_sources`` for its
    values, whatever field they name)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if name == "field_sources":
                yield name, item
                continue
            yield from strings(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, name)
    elif isinstance(value, str):
        yield name, value


def test_corpus_golden_files_hold_no_page_text() -> None:
    files = sorted((GOLDEN_DIR / "corpus").glob("*.json"))
    assert files
    plain = PLAIN_FIELDS | PLAIN_CREDIT_FIELDS
    for path in files:
        for name, value in strings(json.loads(path.read_text(encoding="utf-8"))):
            if name == "field_sources":
                assert value in SOURCE_LABELS, (path, value)
                continue
            assert name in plain or (name == "sha256" and SHA256.fullmatch(value)), (path, name)


@pytest.mark.parametrize("key", golden_files())
def test_golden_items_hold_every_item_field(key: str) -> None:
    entry = read_golden(GOLDEN_DIR / f"{key}.json") or {}
    if "item" in entry:
        assert list(entry["item"]) == [f.name for f in dataclasses.fields(Article)], key
