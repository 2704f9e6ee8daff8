"""Whether any of several regular expressions is found in a text, in one search.

``any(p.search(text) for p in patterns)`` runs the regex engine once per pattern; one
alternation of them all finds the same answer in one run, several times faster for the few
dozen boilerplate phrases every paragraph is checked against. Patterns that cannot join an
alternation unchanged (back-references, conditionals, verbose or ASCII/locale flags) keep the
pattern-by-pattern search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

# Flags a scoped group ``(?i:...)`` carries; re.UNICODE is the default of str patterns.
_SCOPED = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
_JOINABLE = re.UNICODE | re.IGNORECASE | re.MULTILINE | re.DOTALL
# A back-reference or conditional names a group by number or name: joined, it would change.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


@lru_cache(maxsize=64)
def any_of(patterns: Sequence[re.Pattern[str]]) -> Callable[[str], bool]:
    """A test of ``text`` that is true when any of ``patterns`` has a match in it.

    ``patterns`` must be hashable (a tuple): the joined expression is compiled once per tuple.
    """
    joined = _joined(patterns)
    if joined is not None:
        search = joined.search
        return lambda text: search(text) is not None
    return lambda text: any(pattern.search(text) for pattern in patterns)


def _joined(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    parts = []
    for pattern in patterns:
        source = pattern.pattern
        if not isinstance(source, str) or pattern.flags & ~_JOINABLE:
            return None
        if _GROUP_REFERENCE.search(source):
            return None
        letters = "".join(letter for flag, letter in _SCOPED.items() if pattern.flags & flag)
        parts.append(f"(?{letters}:{source})")
    if not parts:
        return None
    try:
        # A pattern with global inline flags ("(?i)...") or a duplicate group name fails here.
        return re.compile("|".join(parts))
    except re.error:
        return None
