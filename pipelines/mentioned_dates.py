"""Dates an article's text names in the Indonesian press style: "Selasa (1/2)".

Reporters write the weekday with day/month, and the year only sometimes: "Senin (31/1/2022)",
"pada Rabu (2/2) malam". A day/month without a year is resolved against the article's own
date: the year that puts it nearest to that date, a date after it counting double (stories
report the past more than they announce the future), and the weekday must agree. The weekday
is the check: the same day/month falls on a different weekday in each of three adjacent years.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pipelines.date_patterns import FLAGS, WEEKDAY_DAY_MONTH, full_year, weekday_of

# Every mention holds "(<day>/": a text without one is not searched for weekdays at all.
_DAY_SLASH = re.compile(r"\(\s*\d{1,2}\s*/", FLAGS)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _preference(candidate: date, around: date) -> int:
    days = (candidate - around).days
    return 2 * days if days > 0 else -days


def resolve_day_month(
    day: int, month: int, year: int | None, weekday: int, around: date
) -> date | None:
    """The date "<weekday> (<day>/<month>[/<year>])" names, seen from ``around``; None if none.

    With a year, the weekday must agree with it. Without, the year nearest ``around`` (after
    it counting double) is tried, then the next best, which is the adjacent year; a weekday
    matching neither means a slip in the text, and the mention is skipped.
    """
    if year is not None:
        given = _valid(year, month, day)
        return given if given is not None and given.weekday() == weekday else None
    candidates = [
        found
        for year_ in (around.year - 1, around.year, around.year + 1)
        if (found := _valid(year_, month, day)) is not None
    ]
    candidates.sort(key=lambda candidate: _preference(candidate, around))
    for candidate in candidates[:2]:
        if candidate.weekday() == weekday:
            return candidate
    return None


def mentioned_dates(text: str, article_date: datetime) -> list[datetime]:
    """The dates ``text`` mentions as "Selasa (1/2)", in order of first mention, each once.

    Each is midnight of that day in ``article_date``'s zone; ``article_date`` is read on its
    own wall clock (an article of 00:30 WIB is of that day, whatever the instant in UTC).
    """
    if not _DAY_SLASH.search(text):
        return []
    around = article_date.date()
    found: list[datetime] = []
    seen: set[date] = set()
    for match in WEEKDAY_DAY_MONTH.finditer(text):
        year = full_year(match["year"]) if match["year"] else None
        day = resolve_day_month(
            int(match["day"]), int(match["month"]), year, weekday_of(match["weekday"]), around
        )
        if day is not None and day not in seen:
            seen.add(day)
            found.append(datetime(day.year, day.month, day.day, tzinfo=article_date.tzinfo))
    return found
