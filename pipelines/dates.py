"""Dates as Indonesian news pages write them, parsed to aware datetimes.

``parse_date`` is a pure function. Its fast path is compiled regular expressions
(``pipelines.date_patterns``): ISO 8601 and its odd real-world variants, day-month-year text in
Indonesian or English with short and long month names and 2-digit years, numeric
day/month/year (always day first), RFC 822 feed dates, times with ``:`` or ``.``, AM/PM, zones
(WIB/WITA/WIT, GMT+7, +0700), a time before or after the date, labels saying which date it is
("Diperbarui"), time-only strings, "Selasa (1/2)" and relative forms ("5 menit yang lalu"). What
it does not know goes to dateparser (imported on first need: it is slow to import), told the
languages, the site's zone and day-first order, and never left to guess a missing year. A value
without a zone is wall time in the site's zone; named zones and offsets are kept as the page
gives them, except UTC, which is shown in the site's zone (same instant). ``dates_step``
fills ``published``/``updated`` from the raw strings the extraction kept and
``mentioned_dates`` from the body.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipelines.date_patterns import (
    ANY_ZONE,
    WEEKDAY_DAY_MONTH,
    ZONE_OFFSETS,
    Kind,
    ParsedDate,
    Rejected,
    aware,
    build,
    kind_of,
    named_weekday,
    now_at,
    read_fast,
    weekday_of,
    zone_offset,
)
from pipelines.mentioned_dates import mentioned_dates, resolve_day_month

if TYPE_CHECKING:
    from itemadapter import ItemAdapter

    from crawler.sites import SiteConfig
    from pipelines.steps import Stats

__all__ = [
    "DEFAULT_TIMEZONE",
    "ArticleDates",
    "Kind",
    "ParsedDate",
    "dates_step",
    "fill_dates",
    "parse_date",
    "read_date",
    "resolve_dates",
    "to_iso",
    "warn_unreadable",
]

logger = logging.getLogger("kabarsip.dates")

DEFAULT_TIMEZONE = "Asia/Jakarta"
MAX_LENGTH = 300
# Words that say which date a string is, or glue it together; dateparser must not choke on them.
SKIP_TOKENS = (  # noqa: SIM905 - a word list reads best as words
    "t diperbarui diperbaharui diupdate update updated diterbitkan dipublikasikan tayang terbit "
    "published posted dibuat pukul pkl jam wib wita wit |"
).split()


def _mention(text: str, tz: tzinfo, reference: datetime | None) -> ParsedDate | None:
    """A weekday with day/month ("Selasa (1/2)"), seen from the reference."""
    match = WEEKDAY_DAY_MONTH.search(text)
    if not match:
        return None
    if reference is None:
        raise Rejected  # no year, and nothing to take one from
    around = now_at(reference, tz).date()
    day = resolve_day_month(
        int(match["day"]), int(match["month"]), None, weekday_of(match["weekday"]), around
    )
    if day is None:
        raise Rejected
    return ParsedDate(build(day, None, None, tz), kind_of(text[: match.start()]), False, text)


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@lru_cache(maxsize=16)
def _fallback_parser(zone_name: str) -> Any:
    try:
        from dateparser.date import DateDataParser
    except ImportError:
        logger.warning("dateparser is not installed: only the built-in date forms are read")
        return None
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": zone_name,
        # An archive must not invent a year or a day from the date it happens to run on.
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_TIME_AS_PERIOD": True,
        "SKIP_TOKENS": SKIP_TOKENS,
    }
    return DateDataParser(languages=["id", "en"], settings=settings)


def _fallback(text: str, tz: tzinfo) -> ParsedDate | None:
    """dateparser for the forms the fast path does not know; the page's zone kept as written."""
    parser = _fallback_parser(getattr(tz, "key", None) or datetime.now(tz).strftime("%z"))
    if parser is None:
        return None
    try:
        data = parser.get_date_data(text)
    except Exception:  # a third-party parser on arbitrary page text: any failure is "unread"
        return None
    if not isinstance(data.date_obj, datetime) or data.date_obj.tzinfo is None:
        return None
    value = data.date_obj.astimezone(tz).replace(microsecond=0)
    token = named["zone"] if (named := ANY_ZONE.search(text)) else None
    if token and token.lower() in ZONE_OFFSETS:
        # A skip token for dateparser, so its value is the page's wall time in the site's zone.
        value = aware(value.replace(tzinfo=None), token, tz) or value
    elif token and (offset := zone_offset(token)) is not None and value.utcoffset() != offset:
        value = value.astimezone(timezone(offset))
    if not 1900 <= value.year <= 2200:
        return None
    first_digit = re.search(r"\d", text)
    prefix = text[: first_digit.start()] if first_digit else text
    named_day = named_weekday(prefix)
    mismatch = named_day is not None and named_day != value.weekday()
    return ParsedDate(value, kind_of(prefix), data.period == "time", text, mismatch)


def _read(
    text: Any, tz: str | tzinfo, reference: datetime | None, z_is_local: bool
) -> ParsedDate | None:
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.replace("\u00a0", " ").split())
    if not cleaned or len(cleaned) > MAX_LENGTH:
        return None
    zone = _zone(tz)
    try:
        parsed = read_fast(cleaned, zone, reference, z_is_local) or _mention(
            cleaned, zone, reference
        )
    except Rejected:
        return None
    if parsed is None and re.search(r"\d", cleaned):
        # Without a digit there is no day, month and year for the fallback to find.
        parsed = _fallback(cleaned, zone)
    return parsed if parsed is None else _with_source(parsed, text)


def _with_source(parsed: ParsedDate, text: str) -> ParsedDate:
    if parsed.source == text:
        return parsed
    return ParsedDate(parsed.value, parsed.kind, parsed.has_time, text, parsed.weekday_mismatch)


def parse_date(
    text: str,
    tz: str | ZoneInfo = DEFAULT_TIMEZONE,
    reference: datetime | None = None,
    *,
    z_is_local: bool = False,
) -> ParsedDate | None:
    """Read a date from page text; None (and a warning) when the text holds no date.

    ``tz`` is the site's zone (for values without one, and to show UTC values in);
    ``reference`` is "now" for relative and time-only forms and the date a "Selasa (1/2)" is
    seen from (the fetch time when re-extracting); ``z_is_local``: the site writes its wall time
    with a ``Z`` (Detik's ``pubdate`` meta), so ``Z`` is read as the site's zone, not UTC.
    """
    parsed = _read(text, tz, reference, z_is_local)
    if parsed is None:
        warn_unreadable(text)
    return parsed


def warn_unreadable(text: Any) -> None:
    """The warning ``parse_date`` logs for a text that holds no date it can read."""
    if isinstance(text, str) and text.strip():
        logger.warning("unreadable date text: %r", text[:MAX_LENGTH])


def read_date(text: str, tz: str | ZoneInfo = DEFAULT_TIMEZONE) -> ParsedDate | None:
    """``parse_date`` for text that may hold no date at all (a guess): None, no warning."""
    return _read(text, tz, None, False)


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
    *,
    z_is_local: bool = False,
) -> ArticleDates:
    """Published from the page, else from the sitemap (also when the page gives only the day
    the sitemap dates with a time); updated from the page.

    Unreadable texts are returned in ``unparsed`` (field name, text) for the caller to report.
    """
    unparsed: list[tuple[str, str]] = []

    def read(name: str, text: str | None) -> ParsedDate | None:
        if not text or not text.strip():
            return None
        parsed = _read(text, tz, reference, z_is_local)
        if parsed is None:
            unparsed.append((name, text))
        return parsed

    published = read("published_raw", published_raw)
    if published is None or not published.has_time:
        sitemap = read("sitemap_published_raw", sitemap_published_raw)
        # A day without a time takes the sitemap's time of that day.
        if published is None or (
            sitemap is not None
            and sitemap.has_time
            and sitemap.value.date() == published.value.date()
        ):
            published = sitemap or published
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


def fill_dates(
    item: ItemAdapter, tz: str | ZoneInfo = DEFAULT_TIMEZONE, *, z_is_local: bool = False
) -> ArticleDates:
    """Set ``published``/``updated`` (ISO 8601 with offset) from the item's raw strings.

    With a published date, ``mentioned_dates`` gets the days the body names ("Selasa (1/2)")
    as ISO dates.
    """
    page_published = item.get("published_raw")
    if _source(item, "published") == "url" and item.get("sitemap_published_raw"):
        page_published = None  # the sitemap's date says more than the day a URL names
    dates = resolve_dates(
        page_published,
        item.get("updated_raw"),
        item.get("sitemap_published_raw"),
        tz,
        _reference(item.get("fetched_at")),
        z_is_local=z_is_local,
    )
    _record_sources(item, dates)
    if dates.published:
        item["published"] = to_iso(dates.published.value)
        body = item.get("body")
        if isinstance(body, str) and body:
            days = mentioned_dates(body, dates.published.value)
            item["mentioned_dates"] = [day.date().isoformat() for day in days]
    if dates.updated:
        item["updated"] = to_iso(dates.updated.value)
    return dates


def _source(item: ItemAdapter, name: str) -> str | None:
    sources = item.get("field_sources") if "field_sources" in item.field_names() else None
    return sources.get(name) if isinstance(sources, dict) else None


def _record_sources(item: ItemAdapter, dates: ArticleDates) -> None:
    """``field_sources`` of the dates as filled: the sitemap's when the page gave none
    readable, no source for a date left empty."""
    sources = dict(item.get("field_sources") or {})
    read_page = dates.published is not None and dates.published.source == item.get("published_raw")
    if dates.published is None:
        sources.pop("published", None)
    elif not read_page:
        sources["published"] = "sitemap"
    if dates.updated is None:
        sources.pop("updated", None)
    if "field_sources" in item.field_names():
        item["field_sources"] = sources


def dates_step(item: ItemAdapter, site: SiteConfig | None, stats: Stats) -> None:
    """Fills the dates; counts ``dates/parsed``, ``dates/unparsed``, ``dates/weekday_mismatch``."""
    # No z_is_local here: the extraction repairs a site's mislabelled "Z" metadata before
    # handing the raw strings on, and a sitemap's "Z" is real UTC.
    dates = fill_dates(item, site.timezone if site else DEFAULT_TIMEZONE)
    parsed = [d for d in (dates.published, dates.updated) if d is not None]
    if parsed:
        stats.inc_value("dates/parsed", len(parsed))
    mismatched = sum(d.weekday_mismatch for d in parsed)
    if mismatched:
        stats.inc_value("dates/weekday_mismatch", mismatched)
    for name, text in dates.unparsed:
        stats.inc_value("dates/unparsed")
        logger.warning("unreadable date in %s of %s: %r", name, item.get("url"), text)
    if dates.published and dates.updated and dates.updated.value < dates.published.value:
        # Real pages do this (metadata written before the final publish time); kept as given.
        stats.inc_value("dates/updated_before_published")
