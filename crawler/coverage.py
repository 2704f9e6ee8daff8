"""Field coverage of a run: shares of items with each field, and drops from a site's history.

A crawl counts, per run and per site, its items and those with each field of :data:`FIELDS`
in Scrapy stats (:class:`pipelines.coverage.CoveragePipeline`): ``coverage/items``,
``coverage/published``, ... for the run, ``coverage/<site>/items``, ... per site.  A run record
keeps one site's figures un-prefixed (``coverage/items``, ...).  When a site's layout changes,
the share of a field falls from one run to the next although nothing failed: :func:`check`
compares a run's shares with the median of the site's earlier runs.  No Scrapy here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any

PREFIX = "coverage"
ITEMS = "items"
#: The fields counted: a published time, an updated time, authors, a body of at least
#: ``COVERAGE_MIN_BODY_WORDS`` words, and no boilerplate left in the body.
FIELDS = ("published", "updated", "authors", "body", "clean")
# Shares are compared as rounded figures: 0.9 - 0.65 is 0.25000000000000006, not beyond 0.25.
_EPSILON = 1e-9


def stat_key(name: str, site: str | None = None) -> str:
    """``coverage/<name>`` for the run, ``coverage/<site>/<name>`` for one site of it."""
    return f"{PREFIX}/{name}" if site is None else f"{PREFIX}/{site}/{name}"


@dataclass(frozen=True)
class Coverage:
    """How many items a run (or one site of it) had, and how many had each field."""

    items: int
    counts: Mapping[str, int] = field(default_factory=dict)

    def share(self, name: str) -> float:
        return self.counts.get(name, 0) / self.items if self.items else 0.0

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], site: str | None = None) -> Coverage:
        """The figures of ``site`` (None: the run's, or a run record's un-prefixed ones)."""
        return cls(
            _count(stats.get(stat_key(ITEMS, site))),
            {name: _count(stats.get(stat_key(name, site))) for name in FIELDS},
        )

    def as_stats(self) -> dict[str, int]:
        """The figures un-prefixed by site, as a run record keeps them."""
        return {stat_key(ITEMS): self.items, **{stat_key(n): self.counts.get(n, 0) for n in FIELDS}}


def sites_in(stats: Mapping[str, Any]) -> list[str]:
    """The sites with per-site coverage figures in ``stats``, sorted."""
    head, tail = f"{PREFIX}/", f"/{ITEMS}"
    return sorted(
        key[len(head) : -len(tail)]
        for key in stats
        if key.startswith(head) and key.endswith(tail) and key.count("/") >= 2
    )


@dataclass(frozen=True)
class Thresholds:
    """When a share counts as fallen (the ``COVERAGE_*`` settings)."""

    min_items: int = 20
    """Runs with fewer items are neither checked nor used as history."""
    history: int = 5
    """Earlier runs (with enough items) whose median share is the baseline."""
    max_drop: float = 0.25
    """A share falling by more than this (absolute, 0.25 = 25 points) fails."""
    floors: Mapping[str, float] = field(default_factory=dict)
    """Optional lowest share per field, whatever the history."""


@dataclass(frozen=True)
class Drop:
    """A field whose share on a site fell beyond the thresholds."""

    site: str
    field: str
    now: float
    items: int
    before: float | None = None
    """The baseline share; None when the field is below its floor."""
    floor: float | None = None

    def __str__(self) -> str:
        if self.before is not None:
            return (
                f"coverage of {self.field} on {self.site} fell from {self.before:.0%} to "
                f"{self.now:.0%} ({self.items} items)"
            )
        return (
            f"coverage of {self.field} on {self.site} is {self.now:.0%}, below its floor of "
            f"{self.floor or 0:.0%} ({self.items} items)"
        )


@dataclass(frozen=True)
class Verdict:
    """The result of checking one site's run: skipped (why) or checked, with its drops."""

    site: str
    drops: list[Drop] = field(default_factory=list)
    skipped: str | None = None
    baseline: Mapping[str, float] | None = None


def baseline(history: Iterable[Coverage], thresholds: Thresholds) -> dict[str, float] | None:
    """Median share per field over the newest ``history`` earlier runs with enough items.

    ``history`` is newest first; None when no earlier run had enough items.
    """
    usable: list[Coverage] = []
    for run in history:
        if run.items >= thresholds.min_items:
            usable.append(run)
            if len(usable) >= thresholds.history:
                break
    if not usable:
        return None
    return {name: median(run.share(name) for run in usable) for name in FIELDS}


def check(
    site: str, current: Coverage, history: Iterable[Coverage], thresholds: Thresholds
) -> Verdict:
    """Compare ``current`` with the site's earlier runs (newest first) and the floors."""
    if current.items < thresholds.min_items:
        return Verdict(site, skipped=f"{current.items} items, fewer than {thresholds.min_items}")
    base = baseline(history, thresholds)
    drops: list[Drop] = []
    for name in FIELDS:
        now = current.share(name)
        floor = thresholds.floors.get(name)
        if base is not None and base[name] - now > thresholds.max_drop + _EPSILON:
            drops.append(Drop(site, name, now, current.items, before=base[name]))
        elif floor is not None and now < floor - _EPSILON:
            drops.append(Drop(site, name, now, current.items, floor=floor))
    return Verdict(site, drops, baseline=base)


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
