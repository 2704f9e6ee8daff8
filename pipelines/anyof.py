"""Whether any of several regular expressions is found in a text, with fewer regex runs.

``any(p.search(text) for p in patterns)`` runs the regex engine once per pattern. Patterns
anchored at the start of the text (``^...``, as the boilerplate phrases are) can only match
there, so one alternation of them all, matched once at the start, answers for all of them
several times faster. The other patterns (unanchored, back-references, conditionals, verbose
or ASCII/locale flags) keep the pattern-by-pattern search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

# Flags a scoped group ``(?i:...)`` carries; re.UNICODE is the default of str patterns.
_SCOPED = {re.IGNORECASE: "i", re.DOTALL: "s"}
_JOINABLE = re.UNICODE | re.IGNORECASE | re.DOTALL
# A back-reference or conditional names a group by number or name: joined, it would change.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


@lru_cache(maxsize=64)
def any_of(patterns: Sequence[re.Pattern[str]]) -> Callable[[str], bool]:
    """A test of ``text`` that is true when any of ``patterns`` has a match in it.

    ``patterns`` must be hashable (a tuple): the alternation is compiled once per tuple.
    """
    anchored = [p for p in patterns if _anchored(p)]
    joined = _joined(anchored) if len(anchored) > 1 else None
    if joined is None:
        return lambda text: any(pattern.search(text) for pattern in patterns)
    rest = tuple(p for p in patterns if p not in anchored)
    match = joined.match
    return lambda text: match(text) is not None or any(p.search(text) for p in rest)


def _anchored(pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` can only match at the start of a text: ``^`` and no top-level
    alternative (``^a|b`` finds ``b`` anywhere), without MULTILINE or other awkward flags."""
    source = pattern.pattern
    if not isinstance(source, str) or pattern.flags & ~_JOINABLE:
        return False
    if not source.startswith("^") or _GROUP_REFERENCE.search(source):
        return False
    return not _top_level_bar(source)


def _top_level_bar(source: str) -> bool:
    """Whether ``source`` has a ``|`` outside every group and character class."""
    depth = 0
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(source, index)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def _class_end(source: str, start: int) -> int:
    """The index of the ``]`` closing the character class opened at ``start``."""
    index = start + 1
    if index < len(source) and source[index] == "^":
        index += 1
    if index < len(source) and source[index] == "]":
        index += 1  # a "]" first in the class is a literal
    while index < len(source) and source[index] != "]":
        index += 2 if source[index] == "\\" else 1
    return index


def _joined(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    parts = []
    for pattern in patterns:
        letters = "".join(letter for flag, letter in _SCOPED.items() if pattern.flags & flag)
        parts.append(f"(?{letters}:{pattern.pattern})")
    try:
        # A pattern with global inline flags ("^(?i)...") or a duplicate group name fails here.
        return re.compile("|".join(parts))
    except re.error:
        return None
