"""Which of a page's date sources gives the article its dates.

A page shows its dates in the byline and declares them again in JSON-LD and meta tags, and the
two often disagree: metadata written before the final publish time, UTC values, wall time
mislabelled ``Z``, malformed times ("T14-05-11Z"), a modified date earlier than the published one.

- published: the visible date wins, in the page's own zone. Metadata that agrees with it to the
  minute (same instant, or same wall time under a wrong zone) gives its seconds. Without a
  visible date, metadata with an explicit offset beats metadata without, JSON-LD beats meta.
  Dates only guessed to be the article's (date-like elements of a page no layout describes)
  count when they agree with metadata, or when there is no metadata.
- updated: a visible "Diperbarui ..." date (with agreeing metadata's seconds), else metadata's
  modified date when it is not earlier than published.

The chosen value stays a raw string for the dates stage; a metadata value whose zone was wrong
is handed on repaired (its wall time with the visible offset).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pipelines.dates import ParsedDate, parse_date

_DASHED_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*T\s*(\d{1,2})-(\d{2})-(\d{2})")
_ZONE_SUFFIX = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2})*\s*Z?\s*$", re.IGNORECASE)
_EXPLICIT_ZONE = re.compile(r"(?:\d(?:Z|[+-]\d{2}:?\d{2})Z?|\b(?:WIB|WITA|WIT|GMT|UTC))\s*$", re.I)


@dataclass(frozen=True)
class DateSources:
    """Date strings of one page: what it shows, and what its metadata says (best first)."""

    shown_published: str | None = None
    shown_updated: str | None = None
    metadata_published: Sequence[str | None] = ()
    metadata_updated: Sequence[str | None] = ()
    guessed_published: Sequence[str] = ()


def repair_metadata(text: str, z_is_local: bool = False) -> str:
    """Undo known metadata faults: dashes in the time, a ``Z`` the site writes on local time."""
    text = _DASHED_TIME.sub(r"\1T\2:\3:\4", text.strip())
    if z_is_local and re.search(r"\dZ$", text, re.IGNORECASE):
        text = text[:-1]
    return text


def has_zone(text: str) -> bool:
    return bool(_EXPLICIT_ZONE.search(text))


@dataclass(frozen=True)
class _Candidate:
    raw: str
    parsed: ParsedDate
    # The wall time as written, its zone ignored.
    wall: datetime


def _parse(texts: Sequence[str | None], tz: str, z_is_local: bool) -> list[_Candidate]:
    found = []
    for text in texts:
        if not text or not text.strip():
            continue
        raw = repair_metadata(text, z_is_local)
        parsed = parse_date(raw, tz)
        if parsed is not None:
            wall = parse_date(_ZONE_SUFFIX.sub("", raw), tz) if has_zone(raw) else parsed
            found.append(_Candidate(raw, parsed, (wall or parsed).value.replace(tzinfo=None)))
    return found


def _same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _agreeing(shown: ParsedDate, metadata: list[_Candidate]) -> str | None:
    """The metadata value that says what the page shows, to the minute, repaired if need be."""
    value = shown.value
    for candidate in metadata:
        other = candidate.parsed.value
        if not shown.has_time:
            if other.astimezone(value.tzinfo).date() == value.date():
                return candidate.raw
            continue
        if _same_minute(other.astimezone(value.tzinfo), value):
            return candidate.raw
        if _same_minute(candidate.wall, value.replace(tzinfo=None)):
            # Right wall time under a wrong zone: keep its seconds, take the shown zone.
            offset = value.strftime("%z")
            return _ZONE_SUFFIX.sub("", candidate.raw) + f"{offset[:3]}:{offset[3:]}"
    return None


def _reconcile(shown_text: str | None, metadata: list[_Candidate], tz: str) -> str | None:
    """The shown date (with agreeing metadata's seconds), or None when none is shown."""
    if not shown_text:
        return None
    shown = parse_date(shown_text, tz)
    if shown is None:
        return None
    return _agreeing(shown, metadata) or shown_text


def _from_guesses(guesses: Sequence[str], metadata: list[_Candidate], tz: str) -> str | None:
    """The first guessed date that metadata confirms; without metadata, the first with a time."""
    for text in guesses:
        shown = parse_date(text, tz)
        if shown is None or not shown.has_time:
            continue
        if not metadata:
            return text
        agreeing = _agreeing(shown, metadata)
        if agreeing:
            return agreeing
    return None


def choose_dates(
    sources: DateSources, tz: str, z_is_local: bool = False
) -> tuple[str | None, str | None]:
    """``(published_raw, updated_raw)`` by the rules above; None for what the page lacks."""
    published_all = _parse(sources.metadata_published, tz, z_is_local)
    published_meta = [c for c in published_all if c.parsed.has_time]
    updated_meta = [
        c for c in _parse(sources.metadata_updated, tz, z_is_local) if c.parsed.has_time
    ]
    published = _reconcile(sources.shown_published, published_meta, tz)
    if published is None:
        published = _from_guesses(sources.guessed_published, published_meta, tz)
    if published is None and published_meta:
        zoned = [c for c in published_meta if has_zone(c.raw)]
        published = (zoned or published_meta)[0].raw
    if published is None and published_all:
        published = published_all[0].raw  # a day without a time is better than nothing
    updated = _reconcile(sources.shown_updated, updated_meta, tz)
    if updated is None and updated_meta:
        start = parse_date(published, tz) if published else None
        modified = updated_meta[0]
        # A modified date before publication is a draft's time stamp, not an update.
        if start is None or modified.parsed.value >= start.value:
            updated = modified.raw
    return published, updated
