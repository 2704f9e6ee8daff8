"""Which of a page's date sources gives the article its dates, weighed by evidence.

A page shows its dates in the byline and declares them again in JSON-LD, meta tags
(``article:*``, OpenGraph), microdata and ``<time pubdate>``, and they often disagree: metadata
written before the final publish time, UTC values, wall time mislabelled ``Z``, an offset with
its sign flipped (``-07:00`` on a WIB site: read as the site's own offset), malformed times
("T14-05-11Z"), a modified date earlier than the published one. No source order decides alone:

- published: the visible date wins, in the page's own zone. Metadata that agrees with it to the
  minute (same instant, or same wall time under a wrong zone) gives its seconds; day-only
  metadata never takes a shown time away. Without a visible date, the metadata value most other
  sources agree with wins, then one with an explicit offset, then JSON-LD before meta. Dates
  only guessed to be the article's (date-like elements of a page no layout describes, texts
  under its headline) count when any metadata date agrees with them to the minute, when
  day-only metadata names their day, or when there is no metadata. The day the URL names is
  the last resort.
- updated: a visible "Diperbarui ..." date not before publication (with agreeing metadata's
  seconds), else the metadata modified date not earlier than published that most sources
  agree with.

The chosen value stays a raw string for the dates stage; a metadata value whose zone was wrong
is handed on repaired (its wall time with the visible offset). ``ChosenDates`` names the source
whose evidence decided each.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.dates import ParsedDate, read_date, warn_unreadable

_DASHED_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*T\s*(\d{1,2})-(\d{2})-(\d{2})")
_ZONE_SUFFIX = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2})*\s*Z?\s*$", re.IGNORECASE)
_EXPLICIT_ZONE = re.compile(r"(?:\d(?:Z|[+-]\d{2}:?\d{2})Z?|\b(?:WIB|WITA|WIT|GMT|UTC))\s*$", re.I)


Labelled = tuple[str, str | None]
"""A date string and the source it came from (``"jsonld"``, ``"meta"``, ``"og"``, ...)."""


@dataclass(frozen=True)
class DateSources:
    """Date strings of one page: what it shows, and what its metadata says (best first).

    ``guessed`` are texts of date-like elements a generic rule found (sidebars included), to be
    trusted only as described above; a "Diperbarui" label among them names the update.
    """

    shown_published: str | None = None
    shown_updated: str | None = None
    metadata_published: Sequence[Labelled] = ()
    metadata_updated: Sequence[Labelled] = ()
    guessed: Sequence[str] = ()
    # The day the URL names: only when nothing else gives one.
    url_day: str | None = None
    shown_label: str = "selector"
    guessed_label: str = "byline"


@dataclass(frozen=True)
class ChosenDates:
    """The raw strings chosen, and the source whose evidence decided each (None: no value)."""

    published: str | None = None
    updated: str | None = None
    published_source: str | None = None
    updated_source: str | None = None


def repair_metadata(text: str, z_is_local: bool = False, tz: str | None = None) -> str:
    """Undo known metadata faults: dashes in the time, a ``Z`` the site writes on local time,
    and an offset with its sign flipped (``-07:00`` on a ``+07:00`` site) read as the site's."""
    return _repaired(text, z_is_local, _flipped_offset(tz) if tz else None)


def _repaired(text: str, z_is_local: bool, flipped: tuple[str, str] | None) -> str:
    text = _DASHED_TIME.sub(r"\1T\2:\3:\4", text.strip())
    if z_is_local and re.search(r"\dZ$", text, re.IGNORECASE):
        text = text[:-1]
    if flipped and text.endswith(flipped[0]):
        text = text[: -len(flipped[0])] + flipped[1]
    return text


def _flipped_offset(tz: str) -> tuple[str, str] | None:
    """``("-07:00", "+07:00")`` for a ``+07:00`` zone: the wrong and the right spelling."""
    offset = _offset_now(tz)
    if offset in ("+0000", "-0000"):
        return None
    right = f"{offset[:3]}:{offset[3:]}"
    wrong = ("-" if right[0] == "+" else "+") + right[1:]
    return wrong, right


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _offset_now(tz: str) -> str:
    """``datetime.now(ZoneInfo(tz)).strftime("%z")`` by arithmetic alone: the C library's
    clock and time zone calls behind ``now()`` and ``strftime`` cost more than all of this."""
    offset = (_EPOCH + timedelta(seconds=time.time())).astimezone(ZoneInfo(tz)).utcoffset()
    if offset is None:
        return ""
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(abs(offset), timedelta(minutes=1))
    hours, minutes = divmod(minutes, 60)
    text = f"{sign}{hours:02d}{minutes:02d}"
    if seconds:
        whole, micro = seconds.seconds, seconds.microseconds
        text += f"{whole:02d}.{micro:06d}" if micro else f"{whole:02d}"
    return text


def has_zone(text: str) -> bool:
    return bool(_EXPLICIT_ZONE.search(text))


class _Reader:
    """``parse_date`` (and ``read_date``) in one zone, each text read once per page.

    The weighing reads the same strings again and again (a shown date, then the chosen one).
    """

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self._read: dict[str, ParsedDate | None] = {}
        self._flipped: tuple[tuple[str, str] | None] | None = None

    def repaired(self, text: str, z_is_local: bool) -> str:
        """``repair_metadata`` in this zone (its offset looked up once per page)."""
        if self._flipped is None:
            self._flipped = (_flipped_offset(self.tz) if self.tz else None,)
        return _repaired(text, z_is_local, self._flipped[0])

    def guess(self, text: str) -> ParsedDate | None:
        """``read_date``: no warning when the text holds no date."""
        if text in self._read:
            return self._read[text]
        parsed = self._read[text] = read_date(text, self.tz)
        return parsed

    def __call__(self, text: str) -> ParsedDate | None:
        """``parse_date``: a warning each time a text holds no date."""
        parsed = self.guess(text)
        if parsed is None:
            warn_unreadable(text)
        return parsed


@dataclass(frozen=True)
class _Candidate:
    label: str
    raw: str
    parsed: ParsedDate
    # The wall time as written, its zone ignored.
    wall: datetime


def _parse(texts: Sequence[Labelled], read: _Reader, z_is_local: bool) -> list[_Candidate]:
    found = []
    for label, text in texts:
        if not text or not text.strip():
            continue
        raw = read.repaired(text, z_is_local)
        parsed = read(raw)
        if parsed is not None:
            wall = read(_ZONE_SUFFIX.sub("", raw)) if has_zone(raw) else parsed
            found.append(
                _Candidate(label, raw, parsed, (wall or parsed).value.replace(tzinfo=None))
            )
    return found


def _same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _agreeing(shown: ParsedDate, metadata: list[_Candidate]) -> str | None:
    """The metadata value that says what the page shows, to the minute, repaired if need be.

    A shown date without a time agrees with metadata of the same day.
    """
    value = shown.value
    for candidate in metadata:
        other = candidate.parsed.value
        if not shown.has_time or not candidate.parsed.has_time:
            continue
        if _same_minute(other.astimezone(value.tzinfo), value):
            return candidate.raw
        if _same_minute(candidate.wall, value.replace(tzinfo=None)):
            # Right wall time under a wrong zone: keep its seconds, take the shown zone.
            offset = value.strftime("%z")
            return _ZONE_SUFFIX.sub("", candidate.raw) + f"{offset[:3]}:{offset[3:]}"
    if not shown.has_time:
        for candidate in metadata:
            if candidate.parsed.value.astimezone(value.tzinfo).date() == value.date():
                return candidate.raw
    return None


def _same_day(shown: ParsedDate, metadata: list[_Candidate]) -> bool:
    """Whether a day-only metadata date names the day ``shown`` falls on."""
    return any(
        not c.parsed.has_time and c.parsed.value.date() == shown.value.date() for c in metadata
    )


def _reconcile(shown_text: str | None, metadata: list[_Candidate], read: _Reader) -> str | None:
    """The shown date (with agreeing metadata's seconds), or None when none is shown."""
    if not shown_text:
        return None
    shown = read(shown_text)
    if shown is None:
        return None
    return _agreeing(shown, metadata) or shown_text


def _guesses(texts: Sequence[str], read: _Reader) -> list[ParsedDate]:
    return [p for p in (read.guess(text) for text in texts) if p is not None and p.has_time]


def _from_guesses(guesses: list[ParsedDate], metadata: list[_Candidate]) -> str | None:
    """The first guessed date that metadata confirms: to the minute, or on the day of a
    day-only metadata date (the visible time is the better); without metadata, the first."""
    timed = [c for c in metadata if c.parsed.has_time]
    for shown in guesses:
        if not metadata:
            return shown.source
        agreeing = _agreeing(shown, timed)
        if agreeing:
            return agreeing
    for shown in guesses:
        if not timed and _same_day(shown, metadata):
            return shown.source
    return None


def _first_zoned(metadata: list[_Candidate]) -> _Candidate | None:
    """The candidate most other sources agree with (to the minute), then one with an explicit
    zone, then the first: sources that concur outweigh the one that does not."""

    def support(candidate: _Candidate) -> int:
        value = candidate.parsed.value
        return sum(
            c is not candidate and c.parsed.has_time and _same_minute(c.parsed.value, value)
            for c in metadata
        )

    ranked = sorted(
        enumerate(metadata),
        key=lambda pair: (-support(pair[1]), not has_zone(pair[1].raw), pair[0]),
    )
    return ranked[0][1] if ranked else None


def _not_earlier(value: datetime, start: ParsedDate | None) -> bool:
    """Not before ``start`` to the minute (a shown time has no seconds)."""
    return start is None or value >= start.value.replace(second=0, microsecond=0)


def _not_before(candidates: list[_Candidate], start: ParsedDate | None) -> list[_Candidate]:
    # A modified date before publication is a draft's time stamp, not an update.
    return [c for c in candidates if start is None or c.parsed.value >= start.value]


def choose_dates(sources: DateSources, tz: str, z_is_local: bool = False) -> ChosenDates:
    """The raw published and updated strings by the rules above, with their sources."""
    read = _Reader(tz)
    published_all = _parse(sources.metadata_published, read, z_is_local)
    published_meta = [c for c in published_all if c.parsed.has_time]
    updated_meta = [
        c for c in _parse(sources.metadata_updated, read, z_is_local) if c.parsed.has_time
    ]
    guesses = _guesses(sources.guessed, read)
    published_guesses = [g for g in guesses if g.kind != "updated"]
    published_source: str | None = sources.shown_label
    published = _reconcile(sources.shown_published, published_all, read)
    if published is None:
        published_source = sources.guessed_label
        # Metadata's modified date confirms a shown date too: its published one may be wrong.
        published = _from_guesses(published_guesses, [*published_all, *updated_meta])
    if published is None and (
        chosen := _first_zoned(published_meta) or _first_zoned(published_all)
    ):
        # Metadata alone; a day without a time is better than nothing.
        published, published_source = chosen.raw, chosen.label
    if published is None and sources.url_day:
        published, published_source = sources.url_day, "url"
    start = read(published) if published else None
    updated_source: str | None = sources.shown_label
    updated = _reconcile(sources.shown_updated, updated_meta, read)
    if updated is None:
        # A visible "Diperbarui" date beats metadata that says otherwise.
        shown = [g for g in guesses if g.kind == "updated" and _not_earlier(g.value, start)]
        updated_source = sources.guessed_label
        updated = _reconcile(shown[0].source, updated_meta, read) if shown else None
    if updated is None and (modified := _first_zoned(_not_before(updated_meta, start))):
        updated, updated_source = modified.raw, modified.label
    return ChosenDates(
        published,
        updated,
        published_source if published else None,
        updated_source if updated else None,
    )
