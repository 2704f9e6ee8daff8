"""The generic layer alone (site files off) on the corpus's ground truth: title, dates and
authors of at least 95% of the pages, as ``scrapy evaluate --generic`` scores them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.evaluation import (
    Report,
    evaluate,
    format_failures,
    generic_extractor,
    load_answers,
)

METADATA = ("title", "published", "updated", "authors")


@pytest.fixture(scope="module")
def report(corpus_dir: Path) -> Report:
    rows = load_answers(corpus_dir / "dev.jsonl")
    return evaluate(rows, corpus_dir / "pages", generic_extractor, "generic")


@pytest.mark.parametrize("field", METADATA)
def test_generic_metadata_matches_the_ground_truth(field: str, report: Report) -> None:
    passed, total = report.tally()[field]
    assert total
    assert passed >= 0.95 * total, format_failures(report)
