"""``any_of`` answers exactly as a search with each pattern in turn would."""

from __future__ import annotations

import re

import pytest

from pipelines.anyof import _anchored, any_of
from pipelines.boilerplate_rules import BOILERPLATE

_I = re.IGNORECASE

PATTERNS = (
    re.compile(r"^baca\s+juga\b.*", _I),
    re.compile(r"^iklan$"),
    re.compile(r"^a|zebra"),  # a top-level alternative: "zebra" anywhere
    re.compile(r"^[|(]x"),  # "|" and "(" inside a class
    re.compile(r"^\|y|kuda", _I),
    re.compile(r"^(?:satu|dua)\s+tiga$", _I),
    re.compile(r"^(\w)\1$"),  # a back-reference: not joined
    re.compile(r"^pagi$", re.MULTILINE),  # a line start: not anchored at the text's start
    re.compile(r"^[\]a]b$"),
    re.compile(r"sumber\s*:", _I),
    re.compile(r"^foto.\d$", re.DOTALL),
)

TEXTS = [
    "Baca juga: berita lain",
    "baca JUGA",
    "Iklan",
    "iklan",
    "a",
    "sebuah zebra lewat",
    "|x",
    "(x",
    "x",
    "|Y",
    "Ada KUDA di sini",
    "Satu tiga",
    "DUA   tiga",
    "dua tiga empat",
    "aa",
    "ab",
    "kemarin\npagi",
    "]b",
    "ab",
    "Sumber: kantor berita",
    "foto\n1",
    "",
    "Cerita yang biasa saja, tanpa apa-apa.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_answer_as_each_pattern_in_turn(text: str) -> None:
    expected = any(pattern.search(text) for pattern in PATTERNS)
    assert any_of(PATTERNS)(text) == expected


@pytest.mark.parametrize("patterns", [PATTERNS[:1], PATTERNS[6:8], ()])
def test_few_or_unjoinable_patterns(patterns: tuple[re.Pattern[str], ...]) -> None:
    for text in TEXTS:
        assert any_of(patterns)(text) == any(pattern.search(text) for pattern in patterns)


def test_which_patterns_count_as_anchored() -> None:
    anchored = [_anchored(pattern) for pattern in PATTERNS]
    assert anchored == [True, True, False, True, False, True, False, False, True, False, True]


def test_every_built_in_boilerplate_phrase_is_anchored() -> None:
    # What makes the body cleaning's check one regex run: a new unanchored phrase still works,
    # only slower.
    assert all(_anchored(pattern) for pattern in BOILERPLATE)
