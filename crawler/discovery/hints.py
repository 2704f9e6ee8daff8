"""What discovery says of an article before it is fetched: its date and title, by source.

A sitemap's news date and title win over a feed's, a feed's over a section page's, whatever
order they arrived in; the article's page is read with the best of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

#: Hint sources, best first.
HINT_RANK = {"sitemap": 0, "feed": 1, "section": 2, "schedule": 3}


@dataclass(frozen=True, slots=True)
class Hints:
    """Hint values by name, each with the rank of the source it came from."""

    ranked: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    @classmethod
    def found(cls, found_in: str, **values: str | None) -> Hints:
        """The hints one source gave (empty values left out)."""
        rank = HINT_RANK.get(found_in, len(HINT_RANK))
        return cls({name: (rank, value) for name, value in values.items() if value})

    def merged(self, other: Hints) -> Hints:
        """The best of both, per name; on a tie the hint already held stays."""
        ranked = dict(self.ranked)
        for name, (rank, value) in other.ranked.items():
            if name not in ranked or rank < ranked[name][0]:
                ranked[name] = (rank, value)
        return Hints(ranked)

    def items(self) -> Iterator[tuple[str, str]]:
        for name, (_, value) in self.ranked.items():
            yield name, value
