"""When to look at a known article again: often while it is fresh, rarely once it has settled.

A site file's ``revisit = ["1h", "6h", "1d", "3d", "7d"]`` lists points after publication;
:func:`next_visit` picks the first one still ahead of the last visit, then falls back to one
visit per ``tail`` (30 days by default) so late corrections and removals are still seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

DEFAULT_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=7),
)
DEFAULT_TAIL = timedelta(days=30)

_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_INTERVAL_RE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)


def parse_interval(text: str) -> timedelta:
    """``"90m"``, ``"6h"``, ``"1d"``, ``"2w"`` as a positive timedelta."""
    match = _INTERVAL_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"revisit interval {text!r} is not a number with a unit s, m, h, d or w (like '6h')"
        )
    interval = int(match[1]) * _UNITS[match[2].lower()]
    if interval <= timedelta():
        raise ValueError(f"revisit interval {text!r} must be longer than zero")
    return interval


def parse_schedule(spec: str | Sequence[str]) -> tuple[timedelta, ...]:
    """A schedule from ``"1h, 6h, 1d"`` or ``["1h", "6h", "1d"]``; points must increase."""
    items = [item for item in spec.split(",") if item.strip()] if isinstance(spec, str) else spec
    schedule = tuple(parse_interval(item) for item in items)
    if not schedule:
        raise ValueError(f"revisit schedule {spec!r} holds no interval")
    for earlier, later in pairwise(schedule):
        if later <= earlier:
            raise ValueError(
                f"revisit schedule {spec!r} must list increasing times after publication"
            )
    return schedule


def next_visit(
    published: datetime | None,
    last_visit: datetime,
    schedule: Sequence[timedelta] = DEFAULT_SCHEDULE,
    *,
    first_seen: datetime | None = None,
    tail: timedelta = DEFAULT_TAIL,
) -> datetime:
    """The first schedule point after ``last_visit``, or ``last_visit + tail`` past the last one.

    Points count from ``published``; without it, from ``first_seen`` (the article is at least
    that old), and without both, from ``last_visit`` (so the first interval is waited).  The
    earliest of the known times is the anchor: a publication date after a visit is wrong, and a
    fixed anchor keeps the visits of one article on one timeline.  With intervals between
    points that never shrink and ``tail`` at least the last of them, the gaps between
    successive visits never shrink either.
    """
    if not schedule:
        raise ValueError("a revisit schedule needs at least one interval")
    if tail <= timedelta():
        raise ValueError(f"the revisit tail interval must be longer than zero, got {tail}")
    known = [moment for moment in (published, first_seen, last_visit) if moment is not None]
    if any(moment.tzinfo is None for moment in known):
        raise ValueError("revisit times need a time zone; got a naive datetime")
    anchor = min(known)
    for offset in schedule:
        point = anchor + offset
        if point > last_visit:
            return point
    return last_visit + tail


def published_moment(text: str | None) -> datetime | None:
    """An item's ``published`` as an aware datetime, or None when absent, naive or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
