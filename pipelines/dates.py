"""Dates as Indonesian news pages write them, parsed to aware datetimes.

``parse_date`` is a pure function built on compiled regular expressions: ISO 8601 (with or
without offset), day-month-year text in Indonesian or English ("Kamis, 05 November 2015 |
11:13 WIB", "16 Feb 2016 at 09:10 WIB"), numeric day/month/year ("05/11/2015 10:08 WIB") and
relative forms ("5 menit yang lalu", "kemarin", "about 10 hours ago"). A value without a zone is
wall time in the site's zone; WIB/WITA/WIT and numeric offsets are kept as the page gives them,
except UTC, which is shown in the site's zone (same instant). ``DatesPipeline`` fills
``published``/``updated`` from the raw strings the extraction kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from pipelines import spider_site

logger = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Jakarta"

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
ZONE_OFFSETS = {"wib": 7, "wita": 8, "wit": 9}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ZONE = (
    r"(?P<zone>WITA|WIB|WIT|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
    r"|GMT|UTC|Z)(?![A-Za-z])"
)
_TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?![\d])(?:[:.](?P<second>\d{2})(?![\d]))?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\b\.?))?"
)
_FLAGS = re.IGNORECASE

ISO = re.compile(
    r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:(?:\s*T\s*|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?Z?$",
    _FLAGS,
)
DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w])(?P<day>\d{{1,2}})(?:\s*-\s*|\s+)(?P<month>{_MONTH})(?![a-z])\.?,?"
    r"(?:\s*-\s*|\s+)(?P<year>\d{4})(?!\d)",
    _FLAGS,
)
MONTH_DAY_YEAR = re.compile(
    rf"(?<![\w])(?P<month>{_MONTH})(?![a-z])\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)",
    _FLAGS,
)
NUMERIC = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?!\d)"
)
# What may stand between a date and its time: "," "|" "-" "at" "pukul" "pkl." "jam".
TIME_AFTER = re.compile(
    rf"(?:\s*(?:[,|@\u2013\u2014-]|\bat\b|\bpukul\b|\bpkl\b\.?|\bjam\b)\s*|\s+)+{_TIME}(?:\s*{_ZONE})?",
    _FLAGS,
)

_UNITS_ID = {
    "detik": "seconds",
    "menit": "minutes",
    "jam": "hours",
    "hari": "days",
    "minggu": "weeks",
    "pekan": "weeks",
    "bulan": "months",
    "tahun": "years",
}
RELATIVE_ID = re.compile(
    r"(?P<count>\d+|se|satu)\s*(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun)"
    r"\s+(?:yang\s+)?lalu\b",
    _FLAGS,
)
RELATIVE_EN = re.compile(
    r"(?:(?:about|around|almost|over|nearly)\s+)?(?P<count>\d+|an?|one)\s+"
    r"(?P<unit>second|minute|hour|day|week|month|year)s?\s+ago\b",
    _FLAGS,
)
JUST_NOW = re.compile(r"\b(?:baru\s+saja|just\s+now|barusan)\b", _FLAGS)
DAY_WORD = re.compile(r"\b(?P<word>kemarin|yesterday|hari\s+ini|today)\b", _FLAGS)

UPDATED_PREFIX = re.compile(
    r"\b(?:diperbarui|diperbaharui|diupdate|update[d]?|modified|terakhir\s+diubah)\b", _FLAGS
)
PUBLISHED_PREFIX = re.compile(
    r"\b(?:diterbitkan|dipublikasikan|dipublikasi|tayang|terbit|published|posted|dibuat)\b",
    _FLAGS,
)


@dataclass(frozen=True)
class ParsedDate:
    """A date read from page text; ``kind`` comes from a prefix such as "Diperbarui"."""

    value: datetime
    kind: Kind | None
    has_time: bool
    source: str


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _kind(prefix: str) -> Kind | None:
    if UPDATED_PREFIX.search(prefix):
        return "updated"
    if PUBLISHED_PREFIX.search(prefix):
        return "published"
    return None


def _offset(zone: str) -> timedelta | None:
    """The UTC offset a zone token names; None for UTC itself."""
    token = zone.strip().lower().replace(" ", "")
    if token in ZONE_OFFSETS:
        return timedelta(hours=ZONE_OFFSETS[token])
    if token in ("z", "utc", "gmt"):
        return None
    match = re.fullmatch(r"(?:gmt|utc)?([+-])(\d{1,2}):?(\d{2})?", token)
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    delta = timedelta(hours=int(match[2]), minutes=int(match[3] or 0)) * sign
    return delta or None


def _aware(naive: datetime, zone: str | None, site_zone: tzinfo) -> datetime:
    """Attach the page's zone: none means site wall time, UTC is shown in the site's zone."""
    if not zone:
        return naive.replace(tzinfo=site_zone)
    offset = _offset(zone)
    if offset is None:
        return naive.replace(tzinfo=UTC).astimezone(site_zone)
    local = naive.replace(tzinfo=site_zone)
    if local.utcoffset() == offset:
        return local
    return naive.replace(tzinfo=timezone(offset))


def _build(
    year: int, month: int, day: int, time: re.Match[str] | None, zone: str | None, tz: tzinfo
) -> datetime | None:
    hour = minute = second = 0
    if time:
        hour, minute = int(time["hour"]), int(time["minute"])
        second = int(time["second"] or 0)
        ampm = (time.groupdict().get("ampm") or "").lower().replace(".", "")
        if ampm and not 1 <= hour <= 12:
            return None
        if ampm == "pm" and hour != 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    if not 1900 <= year <= 2200:
        return None
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return _aware(naive, zone, tz)


def _parse_iso(text: str, tz: tzinfo) -> ParsedDate | None:
    match = ISO.match(text)
    if not match:
        return None
    time = match if match["hour"] is not None else None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    value = _build(year, month, day, time, match["zone"], tz)
    if value is None:
        return None
    return ParsedDate(value, None, match["hour"] is not None, text)


def _parse_calendar(text: str, tz: tzinfo) -> ParsedDate | None:
    """Day-month-year (text or numeric) or month-day-year, with an optional time and zone."""
    found = [m for regex in (NUMERIC, DAY_MONTH_YEAR, MONTH_DAY_YEAR) if (m := regex.search(text))]
    if not found:
        return None
    # The earliest date in the text is the one a byline means ("... 10:08 WIB | 1.229 Views").
    date = min(found, key=lambda m: m.start())
    month_text = date["month"]
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower()]
    time = TIME_AFTER.match(text, date.end())
    zone = time["zone"] if time else None
    value = _build(int(date["year"]), month, int(date["day"]), time, zone, tz)
    if value is None:
        return None
    return ParsedDate(value, _kind(text[: date.start()]), time is not None, text)


def _shift(reference: datetime, count: int, unit: str) -> datetime:
    if unit == "months" or unit == "years":
        months = count * (12 if unit == "years" else 1)
        total = reference.year * 12 + reference.month - 1 - months
        year, month = divmod(total, 12)
        for day in (reference.day, 30, 29, 28):
            try:
                return reference.replace(year=year, month=month + 1, day=day)
            except ValueError:
                continue
    return reference - timedelta(**{unit: count})


def _parse_relative(text: str, tz: tzinfo, reference: datetime | None) -> ParsedDate | None:
    if reference is None:
        now = datetime.now(tz)
    elif reference.tzinfo is None:
        now = reference.replace(tzinfo=tz)
    else:
        now = reference.astimezone(tz)
    for regex, units in ((RELATIVE_ID, _UNITS_ID), (RELATIVE_EN, None)):
        match = regex.search(text)
        if match:
            count_text = match["count"].lower()
            count = int(count_text) if count_text.isdigit() else 1
            unit = units[match["unit"].lower()] if units else match["unit"].lower() + "s"
            value = _shift(now, count, unit).replace(microsecond=0)
            has_time = unit in ("seconds", "minutes", "hours")
            return ParsedDate(value, _kind(text[: match.start()]), has_time, text)
    match = JUST_NOW.search(text)
    if match:
        return ParsedDate(now.replace(microsecond=0), _kind(text[: match.start()]), True, text)
    match = DAY_WORD.search(text)
    if match:
        word = match["word"].lower()
        day = now - timedelta(days=1) if word in ("kemarin", "yesterday") else now
        time = TIME_AFTER.match(text, match.end())
        if time is None:
            midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
            return ParsedDate(midnight, _kind(text[: match.start()]), False, text)
        at = _build(day.year, day.month, day.day, time, time["zone"], tz)
        return ParsedDate(at, _kind(text[: match.start()]), True, text) if at else None
    return None


def parse_date(
    text: str, tz: str | ZoneInfo = DEFAULT_TIMEZONE, reference: datetime | None = None
) -> ParsedDate | None:
    """Read a date from page text; None when the text holds no date it understands.

    ``tz`` is the site's zone (for values without one, and to show UTC values in);
    ``reference`` is "now" for relative forms (the fetch time when re-extracting).
    """
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.replace("\u00a0", " ").split())
    if not cleaned or len(cleaned) > 300:
        return None
    zone = _zone(tz)
    return (
        _parse_iso(cleaned, zone)
        or _parse_calendar(cleaned, zone)
        or _parse_relative(cleaned, zone, reference)
    )


def to_iso(value: datetime) -> str:
    """ISO 8601 with the offset and whole seconds: ``2022-02-03T08:03:00+07:00``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"to_iso needs an aware datetime, got {value!r}")
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleDates:
    """The dates of one article and the raw texts that could not be read."""

    published: ParsedDate | None
    updated: ParsedDate | None
    unparsed: tuple[tuple[str, str], ...] = ()


def resolve_dates(
    published_raw: str | None,
    updated_raw: str | None,
    sitemap_published_raw: str | None = None,
    tz: str | ZoneInfo = DEFAULT_TIMEZONE,
    reference: datetime | None = None,
) -> ArticleDates:
    """Published from the page, else from the sitemap; updated from the page."""
    unparsed: list[tuple[str, str]] = []

    def read(name: str, text: str | None) -> ParsedDate | None:
        if not text or not text.strip():
            return None
        parsed = parse_date(text, tz, reference)
        if parsed is None:
            unparsed.append((name, text))
        return parsed

    published = read("published_raw", published_raw) or read(
        "sitemap_published_raw", sitemap_published_raw
    )
    updated = read("updated_raw", updated_raw)
    return ArticleDates(published, updated, tuple(unparsed))


def _reference(fetched_at: Any) -> datetime | None:
    """Relative dates count from the fetch, so re-extracting an old capture stays right."""
    if not isinstance(fetched_at, str):
        return None
    try:
        return datetime.fromisoformat(fetched_at)
    except ValueError:
        return None


def fill_dates(item: ItemAdapter, tz: str | ZoneInfo = DEFAULT_TIMEZONE) -> ArticleDates:
    """Set ``published``/``updated`` (ISO 8601 with offset) from the item's raw strings."""
    dates = resolve_dates(
        item.get("published_raw"),
        item.get("updated_raw"),
        item.get("sitemap_published_raw"),
        tz,
        _reference(item.get("fetched_at")),
    )
    if dates.published:
        item["published"] = to_iso(dates.published.value)
    if dates.updated:
        item["updated"] = to_iso(dates.updated.value)
    return dates


class DatesPipeline:
    """Fills ``published``/``updated``; counts ``dates/parsed`` and ``dates/unparsed``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatesPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = spider_site(self.crawler)
        dates = fill_dates(adapter, site.timezone if site else DEFAULT_TIMEZONE)
        parsed = [d for d in (dates.published, dates.updated) if d is not None]
        if parsed:
            self.stats.inc_value("dates/parsed", len(parsed))
        for name, text in dates.unparsed:
            self.stats.inc_value("dates/unparsed")
            logger.warning("unreadable date in %s of %s: %r", name, adapter.get("url"), text)
        if dates.published and dates.updated and dates.updated.value < dates.published.value:
            # Real pages do this (metadata written before the final publish time); kept as given.
            self.stats.inc_value("dates/updated_before_published")
        return item
