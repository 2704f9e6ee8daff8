"""The fast path of date reading: the words and compiled patterns of dates as Indonesian (and
English) news pages write them, and the readers built on them.

``read_fast`` serves ``pipelines.dates.parse_date``; ``pipelines.mentioned_dates`` uses the
weekday and "Selasa (1/2)" patterns. Everything here is pure and needs no third-party package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal

Kind = Literal["published", "updated"]

MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agust", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
WEEKDAYS = {
    **dict.fromkeys(("senin", "monday", "mon"), 0),
    **dict.fromkeys(("selasa", "tuesday", "tues", "tue"), 1),
    **dict.fromkeys(("rabu", "wednesday", "wed"), 2),
    **dict.fromkeys(("kamis", "thursday", "thurs", "thur", "thu"), 3),
    **dict.fromkeys(("jumat", "friday", "fri"), 4),
    **dict.fromkeys(("sabtu", "saturday", "sat"), 5),
    **dict.fromkeys(("minggu", "ahad", "sunday", "sun"), 6),
}
ZONE_OFFSETS = {"wib": 7, "wita": 8, "wit": 9}
# A time-only label a little after "now" is the server's clock running ahead, not yesterday.
CLOCK_SLACK = timedelta(minutes=10)

# ASCII: a stray Arabic-Indic digit or letter in page text must not count as part of a date.
FLAGS = re.IGNORECASE | re.ASCII

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = r"jum['\u2019`]?at|" + "|".join(sorted(set(WEEKDAYS) - {"jumat"}, key=len, reverse=True))
ZONE = (
    r"(?P<zone>WITA|WIB|WIT|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
    r"|GMT|UTC|Z)(?![A-Za-z])"
)
TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?!\d)(?:[:.](?P<second>\d{2})(?!\d))?"
    r"(?:\s*(?P<ampm>[ap]\.?m\b\.?))?"
)
# What may stand between a date and its time: "," "|" "/" "-" "at" "pukul" "pkl." "jam".
_TIME_GLUE = r"(?:\s*(?:[,|/@\u2013\u2014-]|\bat\b|\bpukul\b|\bpkl\b\.?|\bjam\b)\s*|\s+)+"

ISO = re.compile(
    r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:(?:\s*T\s*|\s+)(?P<hour>\d{1,2})(?P<tsep>[:-])(?P<minute>\d{2})"
    r"(?:(?P=tsep)(?P<second>\d{2})(?:[.,]\d+)?)?)?"
    # "+07:00Z" (offset and Z both) is seen on real pages: the offset is the one to trust.
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*Z?",
    FLAGS,
)
DAY_MONTH_YEAR = re.compile(
    rf"(?<!\w)(?P<day>\d{{1,2}})(?:\s*-\s*|\s+)(?P<month>{_MONTH})(?![a-z])\.?,?"
    # A two-digit year ("05 Nov 15") must not be the hour of "5 Mei 20.00".
    r"(?:\s*-\s*|\s+)(?P<year>\d{4}|\d{2})(?!\d|[:.]\d)",
    FLAGS,
)
MONTH_DAY_YEAR = re.compile(
    rf"(?<!\w)(?P<month>{_MONTH})(?![a-z])\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)",
    FLAGS,
)
NUMERIC = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?!\d)",
    FLAGS,
)
TIME_AFTER = re.compile(rf"{_TIME_GLUE}{TIME}(?:\s*{ZONE})?", FLAGS)
# "08:03 WIB, Kamis 03 Feb 2022": a time written before the date, searched in what precedes it.
TIME_BEFORE = re.compile(
    rf"(?<![\d.:]){TIME}(?:\s*{ZONE})?[\s,|@\u2013\u2014-]*(?:(?:{_WEEKDAY})\b[\s,]*)?$", FLAGS
)
WEEKDAY = re.compile(rf"\b(?P<weekday>{_WEEKDAY})\b", FLAGS)
# "Selasa (1/2)", "Senin (31/1/2022)": the press style of naming a day in running text.
WEEKDAY_DAY_MONTH = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY})\s*,?\s*\(\s*(?P<day>\d{{1,2}})\s*/\s*(?P<month>\d{{1,2}})"
    r"(?:\s*/\s*(?P<year>\d{4}|\d{2}))?\s*\)",
    FLAGS,
)

_PREFIX_WORDS = (
    r"diperbarui|diperbaharui|diupdate|updated?|modified|terakhir\s+diubah|diterbitkan"
    r"|dipublikasikan|dipublikasi|tayang|terbit|published|posted|dibuat|pukul|pkl\.?|jam|at|on"
    r"|pada"
)
# "Pukul 23:01", "Diperbarui pukul 10.00 WIB": a time of day and nothing else.
TIME_ONLY = re.compile(
    rf"(?P<prefix>(?:(?:{_PREFIX_WORDS})(?![a-z])\s*[:,|-]?\s*)*){TIME}(?:\s*{ZONE})?", FLAGS
)

_NUMBER_WORDS_ID = ("satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_NUMBER_WORDS_EN = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_COUNTS_ID = {word: number for number, word in enumerate(_NUMBER_WORDS_ID, 1)} | {"sepuluh": 10}
_COUNTS_EN = {word: number for number, word in enumerate(_NUMBER_WORDS_EN, 1)} | {"ten": 10}
_COUNTS = {**_COUNTS_ID, **_COUNTS_EN, "se": 1, "a": 1, "an": 1}
UNITS = {
    "detik": "seconds",
    "menit": "minutes",
    "jam": "hours",
    "hari": "days",
    "minggu": "weeks",
    "pekan": "weeks",
    "bulan": "months",
    "tahun": "years",
    **{unit: unit + "s" for unit in ("second", "minute", "hour", "day", "week", "month", "year")},
}
RELATIVE_ID = re.compile(
    rf"(?<!\w)(?P<count>\d+|se|{'|'.join(_COUNTS_ID)})\s*"
    r"(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun)\s+(?:yang\s+)?lalu\b",
    FLAGS,
)
RELATIVE_EN = re.compile(
    r"(?:(?:about|around|almost|over|nearly)\s+)?"
    rf"(?<!\w)(?P<count>\d+|an?|{'|'.join(_COUNTS_EN)})"
    r"\s+(?P<unit>second|minute|hour|day|week|month|year)s?\s+ago\b",
    FLAGS,
)
JUST_NOW = re.compile(r"\b(?:baru\s+saja|just\s+now|barusan)\b", FLAGS)
DAY_WORD = re.compile(r"\b(?P<word>kemarin|yesterday|hari\s+ini|today)\b", FLAGS)

UPDATED_PREFIX = re.compile(
    r"\b(?:diperbarui|diperbaharui|diupdate|update[d]?|modified|terakhir\s+diubah)\b", FLAGS
)
PUBLISHED_PREFIX = re.compile(
    r"\b(?:diterbitkan|dipublikasikan|dipublikasi|tayang|terbit|published|posted|dibuat)\b",
    FLAGS,
)
# Any zone a page may name, found anywhere in the text (for dates read by the fallback).
ANY_ZONE = re.compile(
    r"(?<![A-Za-z])(?P<zone>WITA|WIB|WIT|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?"
    r"|(?<=\d\s)[+-]\d{2}:?\d{2}|(?<=\d)[+-]\d{2}:\d{2}|GMT|UTC)(?![A-Za-z\d])",
    FLAGS,
)
_OFFSET = re.compile(r"(?:gmt|utc)?([+-])(\d{1,2}):?(\d{2})?", re.ASCII)


def count_of(word: str) -> int:
    """A relative form's number: digits or a number word ("dua", "an", "se-")."""
    word = word.lower()
    return int(word) if word.isdigit() else _COUNTS[word]


def kind_of(prefix: str) -> Kind | None:
    """Which date a label names: "Diperbarui ..." is the update, "Tayang ..." the publication."""
    if UPDATED_PREFIX.search(prefix):
        return "updated"
    if PUBLISHED_PREFIX.search(prefix):
        return "published"
    return None


def weekday_of(name: str) -> int:
    """Monday is 0, as ``date.weekday()``; ``name`` is one ``WEEKDAY`` matched."""
    return WEEKDAYS[re.sub(r"['\u2019`]", "", name.lower())]


def full_year(text: str) -> int:
    """Two-digit years as RFC 822 readers take them: 00-68 are 20xx, 69-99 are 19xx."""
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < 69 else 1900)
    return year


@lru_cache(maxsize=256)
def zone_offset(zone: str) -> timedelta | None:
    """The UTC offset a zone token names; None for UTC itself."""
    token = zone.strip().lower().replace(" ", "")
    if token in ZONE_OFFSETS:
        return timedelta(hours=ZONE_OFFSETS[token])
    if token in ("z", "utc", "gmt"):
        return None
    match = _OFFSET.fullmatch(token)
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    delta = timedelta(hours=int(match[2]), minutes=int(match[3] or 0)) * sign
    return delta or None


def aware(naive: datetime, zone: str | None, site_zone: tzinfo) -> datetime | None:
    """Attach the page's zone: none means site wall time, UTC is shown in the site's zone.

    A named zone other than the site's is kept as given (a WIB time on a WITA site stays
    +07:00): the page said it, and the instant is the same either way. None when the offset
    is not a real one (beyond ±14 h).
    """
    if not zone:
        return naive.replace(tzinfo=site_zone)
    offset = zone_offset(zone)
    if offset is None:
        return naive.replace(tzinfo=UTC).astimezone(site_zone)
    if abs(offset) > timedelta(hours=14):
        return None
    local = naive.replace(tzinfo=site_zone)
    if local.utcoffset() == offset:
        return local
    return naive.replace(tzinfo=timezone(offset))


def clock(time: re.Match[str] | None) -> tuple[int, int, int] | None:
    """Hour, minute, second of a ``TIME`` match (12-hour clock folded in); None if invalid."""
    if time is None:
        return 0, 0, 0
    hour, minute = int(time["hour"]), int(time["minute"])
    second = int(time["second"] or 0)
    ampm = (time.groupdict().get("ampm") or "").lower().replace(".", "")
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm == "pm" and hour != 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


@dataclass(frozen=True)
class ParsedDate:
    """A date read from page text; ``kind`` comes from a label such as "Diperbarui".

    ``weekday_mismatch``: the text names a weekday the date does not fall on; the date is kept
    as written, and a later stage may prefer another source.
    """

    value: datetime
    kind: Kind | None
    has_time: bool
    source: str
    weekday_mismatch: bool = False


class Rejected(Exception):
    """The text has a known shape but no date in it (31 Feb, 25:61, a time without a day)."""


def now_at(reference: datetime | None, tz: tzinfo) -> datetime:
    """The reference in the site's zone (a naive one is site wall time); now without one."""
    if reference is None:
        return datetime.now(tz)
    return reference.replace(tzinfo=tz) if reference.tzinfo is None else reference.astimezone(tz)


def build(
    day: date, time: re.Match[str] | None, zone: str | None, tz: tzinfo, z_is_local: bool = False
) -> datetime:
    """``day`` at the matched time in the matched zone; raises ``Rejected`` if impossible."""
    hms = clock(time)
    if hms is None or not 1900 <= day.year <= 2200:
        raise Rejected
    if z_is_local and zone and zone.upper() == "Z":
        zone = None
    value = aware(datetime(day.year, day.month, day.day, *hms), zone, tz)
    if value is None:
        raise Rejected
    return value


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Rejected from None


def named_weekday(prefix: str) -> int | None:
    """The weekday named last before the date ("Kamis, 05 November 2015")."""
    last = None
    for last in WEEKDAY.finditer(prefix):  # noqa: B007 - the last one is wanted
        pass
    return weekday_of(last["weekday"]) if last else None


def _iso(text: str, tz: tzinfo, z_is_local: bool) -> ParsedDate | None:
    match = ISO.fullmatch(text)
    if not match:
        return None
    day = _day(int(match["year"]), int(match["month"]), int(match["day"]))
    time = match if match["hour"] is not None else None
    value = build(day, time, match["zone"], tz, z_is_local)
    return ParsedDate(value, None, time is not None, text)


def _calendar(text: str, tz: tzinfo) -> ParsedDate | None:
    """Day-month-year (text or numeric) or month-day-year, a time and zone before or after."""
    # The earliest date in the text is the one a byline means ("... 10:08 WIB | 1.229 Views").
    # Month-first is English only, and tried only when no day-first date is there.
    found = [m for regex in (NUMERIC, DAY_MONTH_YEAR) if (m := regex.search(text))]
    match = min(found, key=lambda m: m.start()) if found else MONTH_DAY_YEAR.search(text)
    if match is None:
        return None
    month = match["month"]
    day = _day(
        full_year(match["year"]),
        int(month) if month.isdigit() else MONTHS[month.lower()],
        int(match["day"]),
    )
    prefix = text[: match.start()]
    time = TIME_AFTER.match(text, match.end()) or TIME_BEFORE.search(prefix)
    value = build(day, time, time["zone"] if time else None, tz)
    named = named_weekday(prefix)
    mismatch = named is not None and named != day.weekday()
    return ParsedDate(value, kind_of(prefix), time is not None, text, mismatch)


def _shift(now: datetime, count: int, unit: str) -> datetime:
    if unit in ("months", "years"):
        total = now.year * 12 + now.month - 1 - count * (12 if unit == "years" else 1)
        year, month = divmod(total, 12)
        for day in (now.day, 30, 29, 28):
            try:
                return now.replace(year=year, month=month + 1, day=day)
            except ValueError:
                continue
    return now - timedelta(**{unit: count})


def _relative(text: str, tz: tzinfo, reference: datetime | None) -> ParsedDate | None:
    """Relative to the reference: "5 menit lalu", "kemarin, 10:15", "Pukul 23:01"."""
    for regex in (RELATIVE_ID, RELATIVE_EN):
        if match := regex.search(text):
            unit = UNITS[match["unit"].lower()]
            try:
                value = _shift(now_at(reference, tz), count_of(match["count"]), unit)
            except (ValueError, OverflowError):
                raise Rejected from None
            has_time = unit in ("seconds", "minutes", "hours")
            return ParsedDate(
                value.replace(microsecond=0), kind_of(text[: match.start()]), has_time, text
            )
    if match := JUST_NOW.search(text):
        now = now_at(reference, tz).replace(microsecond=0)
        return ParsedDate(now, kind_of(text[: match.start()]), True, text)
    if match := DAY_WORD.search(text):
        today = now_at(reference, tz).date()
        day = (
            today - timedelta(days=1)
            if match["word"].lower() in ("kemarin", "yesterday")
            else today
        )
        time = TIME_AFTER.match(text, match.end())
        value = build(day, time, time["zone"] if time else None, tz)
        return ParsedDate(value, kind_of(text[: match.start()]), time is not None, text)
    if match := TIME_ONLY.fullmatch(text):
        if reference is None:
            raise Rejected  # a time of day alone says nothing about the day
        now = now_at(reference, tz)
        value = build(now.date(), match, match["zone"], tz)
        if value > now + CLOCK_SLACK:  # "Pukul 23:01" seen at 08:00 was last night
            value = build(now.date() - timedelta(days=1), match, match["zone"], tz)
        return ParsedDate(value, kind_of(match["prefix"]), True, text)
    return None


def read_fast(
    text: str, tz: tzinfo, reference: datetime | None, z_is_local: bool
) -> ParsedDate | None:
    """The fast path on whitespace-normalised text; raises ``Rejected`` for impossible dates."""
    return _iso(text, tz, z_is_local) or _calendar(text, tz) or _relative(text, tz, reference)
