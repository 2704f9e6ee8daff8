"""Date parsing: Indonesian and English page formats, zones, prefixes, relative forms."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.sites import SiteConfig, parse_site
from pipelines.dates import dates_step, fill_dates, parse_date, resolve_dates, to_iso
from pipelines.mentioned_dates import mentioned_dates
from pipelines.steps import Step

JAKARTA = ZoneInfo("Asia/Jakarta")
# "Now" for relative forms: Saturday 23 January 2021, 15:00 WIB.
REFERENCE = datetime(2021, 1, 23, 15, 0, tzinfo=JAKARTA)


def iso(text: str, tz: str = "Asia/Jakarta") -> str | None:
    parsed = parse_date(text, tz, REFERENCE)
    return to_iso(parsed.value) if parsed else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601 and machine formats
        ("2020-06-26T13:58:07+07:00", "2020-06-26T13:58:07+07:00"),
        ("2020-06-26T13:58:07+0700", "2020-06-26T13:58:07+07:00"),
        ("2016-02-16T02:10:56Z", "2016-02-16T09:10:56+07:00"),
        ("2016-02-16T02:10:56.123Z", "2016-02-16T09:10:56+07:00"),
        ("2016-02-16 09:10:56", "2016-02-16T09:10:56+07:00"),
        ("2016-02-16", "2016-02-16T00:00:00+07:00"),
        ("2017/04/27 22:12:51", "2017-04-27T22:12:51+07:00"),
        ("2015-06-19T03:40:00+07:00Z", "2015-06-19T03:40:00+07:00"),
        ("2015-11-05 T10:08:58Z", "2015-11-05T17:08:58+07:00"),
        ("2015-06-16T14-05-11Z", "2015-06-16T21:05:11+07:00"),
        ("2016-02-16T13:01:52+0700", "2016-02-16T13:01:52+07:00"),
        ("2014-07-13T20:07:27.82", "2014-07-13T20:07:27+07:00"),
        # RFC 822 feed dates: the offset kept as given, GMT shown in the site's zone
        ("Fri, 28 Apr 2017 01:38:02 +0100", "2017-04-28T01:38:02+01:00"),
        ("Thu, 05 Nov 15 12:58:01 +0700", "2015-11-05T12:58:01+07:00"),
        ("Thu, 05 Nov 2015 03:12:42 GMT", "2015-11-05T10:12:42+07:00"),
        ("2021-03-01T10:00:00+08:00", "2021-03-01T10:00:00+08:00"),
        # Indonesian text, full and short month names
        ("03 Feb 2022, 08:03 WIB", "2022-02-03T08:03:00+07:00"),
        ("16 Feb 2016 at 09:10 WIB", "2016-02-16T09:10:00+07:00"),
        ("on 16 Feb 2016 at 09:10 WIB", "2016-02-16T09:10:00+07:00"),
        ("pada 23 Jan 2021, 13:30 WIB", "2021-01-23T13:30:00+07:00"),
        ("Selasa, 16 Februari 2016 | 14:38 WIB", "2016-02-16T14:38:00+07:00"),
        ("Rabu, 4 November 2015 | 21:04 WIB", "2015-11-04T21:04:00+07:00"),
        ("Jum'at, 17 Februari 2017 - 13:30 wib", "2017-02-17T13:30:00+07:00"),
        ("Kamis 09 Juli 2020 07:26 WIB", "2020-07-09T07:26:00+07:00"),
        ("Jumat, 9 Oktober 2020 13:52", "2020-10-09T13:52:00+07:00"),
        ("Minggu, 17 Agustus 2025 pukul 10.00 WIB", "2025-08-17T10:00:00+07:00"),
        ("Senin, 1 Maret 2021 07.15 WIB", "2021-03-01T07:15:00+07:00"),
        ("12 Mei 2021 10:00", "2021-05-12T10:00:00+07:00"),
        ("5 Agt 2020 09:00", "2020-08-05T09:00:00+07:00"),
        ("5 Ags 2020 09:00", "2020-08-05T09:00:00+07:00"),
        ("5 Agu 2020 09:00", "2020-08-05T09:00:00+07:00"),
        ("10 Nop 2019 18:30", "2019-11-10T18:30:00+07:00"),
        ("20 Des 2021, 09:59 WIB", "2021-12-20T09:59:00+07:00"),
        ("1 Okt 2022 23:59 WIB", "2022-10-01T23:59:00+07:00"),
        ("1 Sept 2022 06:00 WIB", "2022-09-01T06:00:00+07:00"),
        ("Selasa, 16 Februari 2016", "2016-02-16T00:00:00+07:00"),
        ("Jum\u2019at, 17 Peb 2017 13:30", "2017-02-17T13:30:00+07:00"),
        ("Sabtu, 15 Mar 2025 7.05 WIB", "2025-03-15T07:05:00+07:00"),
        ("Jumat, 19 Juni 2015 12:18:50", "2015-06-19T12:18:50+07:00"),
        ("Kamis, 05 Nov 15 12:58 WIB", "2015-11-05T12:58:00+07:00"),
        # the Hijri date first, then the Gregorian one: the Gregorian part is the date
        (
            "Jumat, 20 Jumadil Awwal 1438 / 17 February 2017, 14:00 WIB",
            "2017-02-17T14:00:00+07:00",
        ),
        # a time before the date
        ("08:03 WIB, Kamis 03 Feb 2022", "2022-02-03T08:03:00+07:00"),
        ("14:38 WIB | Selasa, 16 Februari 2016", "2016-02-16T14:38:00+07:00"),
        # English
        ("Jumat , 17 February 2017, 13:16 WIB", "2017-02-17T13:16:00+07:00"),
        ("Wednesday, 04 November, 2015 | 07:28 WIB", "2015-11-04T07:28:00+07:00"),
        ("Fri, June 19 2015, 7:36 AM", "2015-06-19T07:36:00+07:00"),
        ("June 19, 2015 7:36 PM", "2015-06-19T19:36:00+07:00"),
        ("3 Oct 2022 12:05 AM", "2022-10-03T00:05:00+07:00"),
        # numeric day/month/year
        ("Kamis, 05/11/2015 10:08 WIB", "2015-11-05T10:08:00+07:00"),
        ("22/10/2025 06:59", "2025-10-22T06:59:00+07:00"),
        ("08/1/2026 20:19", "2026-01-08T20:19:00+07:00"),
        ("05-11-2015 10:08", "2015-11-05T10:08:00+07:00"),
        ("03/02/2022", "2022-02-03T00:00:00+07:00"),
        ("03-02-2022", "2022-02-03T00:00:00+07:00"),
        # zones
        ("Rabu, 4 November 2015 | 21:04 WITA", "2015-11-04T21:04:00+08:00"),
        ("10 Agustus 2020 10.00 WIT", "2020-08-10T10:00:00+09:00"),
        ("3 Des 2020 10:00 GMT+7", "2020-12-03T10:00:00+07:00"),
        ("3 Des 2020 10:00 UTC+07:00", "2020-12-03T10:00:00+07:00"),
        ("3 Des 2020 10:00 GMT+07:00", "2020-12-03T10:00:00+07:00"),
        ("3 Des 2020 10:00 GMT+8", "2020-12-03T10:00:00+08:00"),
        ("3 Des 2020 03:00 UTC", "2020-12-03T10:00:00+07:00"),
        ("3 Des 2020 10:00 +0700", "2020-12-03T10:00:00+07:00"),
        # bylines around the date
        ("Laban Laisila : 19 Jun 2015 | 13:06", "2015-06-19T13:06:00+07:00"),
        ("Kamis, 5 November 2015 14:56 WIB | 1.229 Views", "2015-11-05T14:56:00+07:00"),
        ("Reporter : Andi | Jumat, 19 Juni 2015 03:40", "2015-06-19T03:40:00+07:00"),
    ],
)
def test_formats(text: str, expected: str) -> None:
    assert iso(text) == expected


def test_wib_on_a_site_in_another_zone_keeps_the_pages_offset() -> None:
    assert iso("3 Des 2020 10:00 WIB", "Asia/Makassar") == "2020-12-03T10:00:00+07:00"
    assert iso("3 Des 2020 10:00", "Asia/Makassar") == "2020-12-03T10:00:00+08:00"
    assert iso("2020-12-03T02:00:00Z", "Asia/Jayapura") == "2020-12-03T11:00:00+09:00"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Diperbarui 23 Jan 2021, 13:30 WIB", "updated"),
        ("diperbarui 03 Feb 2022, 08:03 WIB", "updated"),
        ("Update: 03 Feb 2022 08:03", "updated"),
        ("Updated 3 Feb 2022 8:03 WIB", "updated"),
        ("Diterbitkan 03 Feb 2022, 07:15 WIB", "published"),
        ("Dipublikasikan 03 Feb 2022, 07:15 WIB", "published"),
        ("Tayang: 03 Feb 2022, 08:03 WIB", "published"),
        ("Published 3 Feb 2022 8:03", "published"),
        ("Dibuat 3 Feb 2022 8:03", "published"),
        ("Posted 3 Feb 2022 8:03", "published"),
        ("Updated: Thu, 03 Feb 2022 08:03:00 +0700", "updated"),
        ("Diperbarui pukul 08.03 WIB", "updated"),
        ("03 Feb 2022, 08:03 WIB", None),
        ("Diperbarui 2 jam lalu", "updated"),
    ],
)
def test_prefix_says_which_date_it_is(text: str, kind: str | None) -> None:
    parsed = parse_date(text, reference=REFERENCE)
    assert parsed is not None
    assert parsed.kind == kind
    assert parsed.source == text


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("baru saja", "2021-01-23T15:00:00+07:00", True),
        ("just now", "2021-01-23T15:00:00+07:00", True),
        ("35 detik lalu", "2021-01-23T14:59:25+07:00", True),
        ("5 menit yang lalu", "2021-01-23T14:55:00+07:00", True),
        ("2 jam lalu", "2021-01-23T13:00:00+07:00", True),
        ("sejam yang lalu", "2021-01-23T14:00:00+07:00", True),
        ("3 hari yang lalu", "2021-01-20T15:00:00+07:00", False),
        ("1 minggu lalu", "2021-01-16T15:00:00+07:00", False),
        ("2 bulan lalu", "2020-11-23T15:00:00+07:00", False),
        ("kemarin", "2021-01-22T00:00:00+07:00", False),
        ("Kemarin, 10:15 WIB", "2021-01-22T10:15:00+07:00", True),
        ("1 hari yang lalu", "2021-01-22T15:00:00+07:00", False),
        ("dua hari lalu", "2021-01-21T15:00:00+07:00", False),
        ("3 days ago", "2021-01-20T15:00:00+07:00", False),
        ("about 10 hours ago", "2021-01-23T05:00:00+07:00", True),
        ("an hour ago", "2021-01-23T14:00:00+07:00", True),
        ("20 minutes ago", "2021-01-23T14:40:00+07:00", True),
        ("yesterday", "2021-01-22T00:00:00+07:00", False),
        ("hari ini 08:00", "2021-01-23T08:00:00+07:00", True),
    ],
)
def test_relative_forms_count_from_the_reference(text: str, expected: str, has_time: bool) -> None:
    parsed = parse_date(text, reference=REFERENCE)
    assert parsed is not None
    assert to_iso(parsed.value) == expected
    assert parsed.has_time is has_time


def test_relative_reference_in_utc_is_shown_in_the_site_zone() -> None:
    parsed = parse_date("5 menit lalu", reference=datetime(2021, 1, 23, 8, 0, tzinfo=UTC))
    assert parsed is not None
    assert to_iso(parsed.value) == "2021-01-23T14:55:00+07:00"


def test_relative_without_reference_uses_now() -> None:
    parsed = parse_date("5 menit lalu")
    assert parsed is not None
    assert abs(datetime.now(UTC) - timedelta(minutes=5) - parsed.value) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "31 Feb 2020 10:00",
        "29 Feb 2021",
        "2020-13-01",
        "16 Februari 2016 25:61",
        "99 Foo 2020",
        "5 Mei 20.00 WIB",
        "Jumat (9/19/2020)",
        "1.229 Views",
        "Liputan6.com, Jakarta",
        "18 Jun 2015 at <span>06:25 WIB</span> " * 30,
    ],
)
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_date(text, reference=REFERENCE) is None


def test_unreadable_text_gives_none_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kabarsip.dates"):
        assert parse_date("bukan tanggal 99") is None
        assert parse_date("   ") is None
    assert [r.name for r in caplog.records] == ["kabarsip.dates"]
    assert "bukan tanggal 99" in caplog.records[0].getMessage()


def test_time_only_needs_the_reference_and_takes_its_day() -> None:
    assert parse_date("Pukul 23:01") is None
    assert iso("Pukul 09:49") == "2021-01-23T09:49:00+07:00"
    assert iso("pukul 14.05 WIB") == "2021-01-23T14:05:00+07:00"
    assert iso("08:03") == "2021-01-23T08:03:00+07:00"
    # Later in the day than the reference (15:00): the evening before.
    assert iso("Pukul 23:01") == "2021-01-22T23:01:00+07:00"
    # A few minutes ahead is the server's clock, not yesterday.
    assert iso("Pukul 15:05") == "2021-01-23T15:05:00+07:00"
    parsed = parse_date("Diperbarui pukul 10.00 WIB", reference=REFERENCE)
    assert parsed is not None and parsed.kind == "updated" and parsed.has_time


def test_weekday_with_day_month_is_resolved_against_the_reference() -> None:
    article = datetime(2022, 2, 3, 8, 3, tzinfo=JAKARTA)
    assert parse_date("Selasa (1/2)") is None
    parsed = parse_date("Selasa (1/2)", reference=article)
    assert parsed is not None and not parsed.has_time
    assert to_iso(parsed.value) == "2022-02-01T00:00:00+07:00"
    evening = parse_date("pada Rabu (2/2) malam", reference=article)
    assert evening is not None and evening.value.date().isoformat() == "2022-02-02"
    # 1 February is a Tuesday in 2022, not a Wednesday in 2022 or in the adjacent 2021.
    assert parse_date("Rabu (1/2)", reference=article) is None


def test_z_is_local_reads_z_as_the_sites_wall_time() -> None:
    # Detik's pubdate meta: WIB wall time labelled Z.
    meta = "2015-11-05 T10:08:58Z"
    assert iso(meta) == "2015-11-05T17:08:58+07:00"
    local = parse_date(meta, "Asia/Jakarta", z_is_local=True)
    assert local is not None and to_iso(local.value) == "2015-11-05T10:08:58+07:00"
    dashed = parse_date("2015-06-16T14-05-11Z", z_is_local=True)
    assert dashed is not None and to_iso(dashed.value) == "2015-06-16T14:05:11+07:00"
    # An offset is trusted over a trailing Z either way.
    both = parse_date("2015-06-19T03:40:00+07:00Z", "Asia/Makassar", z_is_local=True)
    assert both is not None and to_iso(both.value) == "2015-06-19T03:40:00+07:00"
    # Z only: "UTC" and "GMT" in words still mean UTC.
    gmt = parse_date("Thu, 05 Nov 2015 03:12:42 GMT", z_is_local=True)
    assert gmt is not None and to_iso(gmt.value) == "2015-11-05T10:12:42+07:00"


@pytest.mark.parametrize(
    ("text", "mismatch"),
    [
        ("Kamis, 05 November 2015 | 11:13 WIB", False),
        ("Rabu, 05 November 2015 | 11:13 WIB", True),
        ("Thu, 05 Nov 2015 03:12:42 +0700", False),
        ("Fri, 05 Nov 2015 03:12:42 +0700", True),
        ("Kamis (26/4/2017)", True),
        ("Rabu (26/4/2017)", False),
        ("05 November 2015 11:13 WIB", False),
    ],
)
def test_a_weekday_the_date_does_not_fall_on_is_flagged_and_the_date_kept(
    text: str, mismatch: bool
) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.weekday_mismatch is mismatch
    assert parsed.value.day in (5, 26)


def test_the_weekday_check_uses_the_written_date_not_the_converted_one() -> None:
    # 20:00 GMT on Thursday is Friday 03:00 WIB: the page's "Thu" is right.
    parsed = parse_date("Thu, 05 Nov 2015 20:00:00 GMT")
    assert parsed is not None and not parsed.weekday_mismatch
    assert to_iso(parsed.value) == "2015-11-06T03:00:00+07:00"


def test_forms_the_fast_path_does_not_know_go_to_dateparser() -> None:
    with_time, date_only = parse_date("2021 March 3 10:00"), parse_date("3rd of March 2021")
    assert with_time is not None and with_time.has_time
    assert to_iso(with_time.value) == "2021-03-03T10:00:00+07:00"
    assert date_only is not None and not date_only.has_time
    assert to_iso(date_only.value) == "2021-03-03T00:00:00+07:00"
    # The page's zone is kept as written, as on the fast path.
    assert iso("2021 March 3 10:00 WITA") == "2021-03-03T10:00:00+08:00"
    assert iso("2021 March 3 10:00 +0100") == "2021-03-03T10:00:00+01:00"
    assert iso("2021 March 3 10:00 GMT", "Asia/Makassar") == "2021-03-03T18:00:00+08:00"
    # No year: an archive does not take it from the day it runs on.
    assert parse_date("3 Maret", reference=REFERENCE) is None


def test_the_fast_path_does_not_import_dateparser() -> None:
    code = (
        "import sys\n"
        "from pipelines.dates import parse_date\n"
        "for text in ('03 Feb 2022, 08:03 WIB', 'Thu, 05 Nov 15 12:58:01 +0700',\n"
        "             '2015-06-16T14-05-11Z', '5 menit lalu', 'garbage', '31 Feb 2020'):\n"
        "    parse_date(text)\n"
        "print('dateparser' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_has_time_tells_dates_from_datetimes() -> None:
    with_time = parse_date("03 Feb 2022, 08:03 WIB")
    date_only = parse_date("Kamis, 03 Februari 2022")
    assert with_time is not None and with_time.has_time
    assert date_only is not None and not date_only.has_time


def test_to_iso_keeps_seconds_and_offset_and_refuses_naive() -> None:
    assert to_iso(datetime(2022, 2, 3, 8, 3, tzinfo=JAKARTA)) == "2022-02-03T08:03:00+07:00"
    assert to_iso(datetime(2022, 2, 3, 8, 3, 9, 500, tzinfo=JAKARTA)) == "2022-02-03T08:03:09+07:00"
    with pytest.raises(ValueError, match="aware"):
        to_iso(datetime(2022, 2, 3, 8, 3))


# --- property: every supported format reads back to the same instant and offset -------------

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_FULL = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# The zone labels Indonesian pages print, each with the site zone that uses it.
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def minute_formats(dt: datetime, label: str) -> list[str]:
    """Every supported way of writing ``dt`` to the minute, with ``label`` as its zone."""
    day, full, short = DAYS[dt.weekday()], MONTHS_FULL[dt.month - 1], MONTHS_SHORT[dt.month - 1]
    day_en, month_en = DAYS_EN[dt.weekday()], MONTHS_EN[dt.month - 1]
    hm, hm_dot, hours = f"{dt:%H:%M}", f"{dt:%H.%M}", {"WIB": 7, "WITA": 8, "WIT": 9}[label]
    texts = [
        f"{day}, {dt.day} {full} {dt.year} | {hm} {label}",
        f"{day}, {dt:%d} {full} {dt.year} {hm} {label}",
        f"{day} {dt:%d} {full} {dt.year} {hm} {label}",
        f"{dt:%d} {short} {dt.year}, {hm} {label}",
        f"{dt.day} {short} {dt.year} at {hm} {label}",
        f"Diperbarui {dt:%d} {short} {dt.year}, {hm} {label}",
        f"pada {dt:%d} {short} {dt.year}, {hm} {label}",
        f"{day}, {dt:%d/%m/%Y} {hm} {label}",
        f"{dt:%d/%m/%Y} {hm}",
        f"{dt:%d-%m-%Y} {hm}",
        f"{day}, {dt.day} {full} {dt.year} pukul {hm_dot} {label}",
        f"{dt.day} {full} {dt.year} - {hm} {label.lower()}",
        f"{dt:%d} {short} {dt:%y} {hm} {label}",
        f"{hm} {label}, {day} {dt:%d} {short} {dt.year}",
        f"{day_en}, {dt:%d} {month_en}, {dt.year} | {hm} {label}",
        f"{day_en[:3]}, {month_en} {dt.day} {dt.year}, {dt:%I:%M %p}",
        f"{month_en} {dt.day}, {dt.year} {dt:%I:%M %p}",
        f"{dt.day} {month_en[:3]} {dt.year} at {hm} {label}",
        f"{dt:%d} {short} {dt.year} {hm} GMT+{hours}",
        f"{dt:%d} {short} {dt.year} {hm} UTC+{hours:02d}:00",
        f"{dt:%d} {short} {dt.year} {hm} {dt:%z}",
    ]
    if day == "Jumat":
        texts.append(f"Jum'at, {dt:%d} {full} {dt.year} - {hm} {label.lower()}")
    return texts


def second_formats(dt: datetime) -> list[str]:
    """Every supported way of writing ``dt`` to the second (machine formats, feeds)."""
    utc = dt.astimezone(UTC)
    return [
        dt.isoformat(),
        f"{dt:%Y-%m-%dT%H:%M:%S%z}",
        f"{dt:%Y-%m-%d %H:%M:%S}",
        f"{dt:%Y/%m/%d %H:%M:%S}",
        f"{dt.isoformat()}Z",
        f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 10000:02d}",
        f"{utc:%Y-%m-%dT%H:%M:%S}Z",
        f"{utc:%Y-%m-%dT%H:%M:%S}.123Z",
        f"{utc:%Y-%m-%d T%H:%M:%S}Z",
        f"{utc:%Y-%m-%dT%H-%M-%S}Z",
        format_datetime(dt),
        format_datetime(utc, usegmt=True),
        f"{DAYS_EN[dt.weekday()][:3]}, {dt:%d} {MONTHS_EN[dt.month - 1][:3]} {dt:%y %H:%M:%S %z}",
        f"{DAYS[dt.weekday()]}, {dt.day} {MONTHS_FULL[dt.month - 1]} {dt.year} {dt:%H:%M:%S}",
    ]


@st.composite
def moments(draw: st.DrawFn) -> tuple[datetime, str]:
    """An aware datetime of 2000-2035 in WIB, WITA or WIT, and the zone's label."""
    label = draw(st.sampled_from(sorted(ZONES)))
    naive = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)))
    return naive.replace(tzinfo=ZoneInfo(ZONES[label])), label


@given(moments())
def test_every_format_reads_back_to_the_same_moment(moment_and_label: tuple[datetime, str]) -> None:
    moment, label = moment_and_label
    tz = ZONES[label]
    cases = [
        (text, moment.replace(second=0, microsecond=0)) for text in minute_formats(moment, label)
    ]
    cases += [(text, moment.replace(microsecond=0)) for text in second_formats(moment)]
    for text, expected in cases:
        parsed = parse_date(text, tz)
        assert parsed is not None, text
        assert parsed.value == expected, text
        assert parsed.value.utcoffset() == moment.utcoffset(), text
        assert parsed.has_time, text
        assert not parsed.weekday_mismatch, text


@given(moments())
def test_z_is_local_reads_z_stamps_as_wall_time(moment_and_label: tuple[datetime, str]) -> None:
    moment, label = moment_and_label
    for text in (f"{moment:%Y-%m-%d T%H:%M:%S}Z", f"{moment:%Y-%m-%dT%H-%M-%S}Z"):
        parsed = parse_date(text, ZONES[label], z_is_local=True)
        assert parsed is not None, text
        assert parsed.value == moment.replace(microsecond=0), text


@given(st.text(max_size=80))
def test_any_text_gives_a_date_or_none_never_an_error(text: str) -> None:
    for reference in (REFERENCE, None):
        parsed = parse_date(text, "Asia/Jakarta", reference)
        assert parsed is None or parsed.value.tzinfo is not None


DATE_WORDS = [
    *DAYS, *MONTHS_FULL, *MONTHS_SHORT, *MONTHS_EN, "Jum'at", "WIB", "WITA", "WIT", "Z", "GMT",
    "UTC", "+0700", "+07:00", "-", "|", ",", "/", ":", ".", "(", ")", "T", "at", "pukul", "AM",
    "PM", "lalu", "yang", "menit", "jam", "hari", "ago", "kemarin", "Diperbarui", "Hijriah",
]  # fmt: skip


@given(
    st.lists(
        st.one_of(st.sampled_from(DATE_WORDS), st.integers(0, 9999).map(str)), max_size=12
    ).map(" ".join),
    st.booleans(),
)
def test_date_like_text_gives_a_date_or_none_never_an_error(text: str, z_is_local: bool) -> None:
    for squeezed in (text, text.replace(" ", "")):
        parsed = parse_date(squeezed, "Asia/Makassar", REFERENCE, z_is_local=z_is_local)
        assert parsed is None or parsed.value.utcoffset() is not None


# --- dates the body mentions ----------------------------------------------------------------

ARTICLE = datetime(2022, 2, 3, 8, 3, tzinfo=JAKARTA)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Polisi menangkap pelaku pada Selasa (1/2).", ["2022-02-01"]),
        ("Senin (31/1/2022) dan pada Rabu (2/2) malam", ["2022-01-31", "2022-02-02"]),
        ("Kamis (3/2) pagi", ["2022-02-03"]),
        ("Jum'at (28/1) dan Jum\u2019at (28/1)", ["2022-01-28"]),
        # The next day: after the article, but nearest.
        ("Sidang digelar Jumat (4/2).", ["2022-02-04"]),
        # Day/month of last year.
        ("sejak Jumat (31/12)", ["2021-12-31"]),
        # 1 February is a Tuesday in 2022 and a Monday in 2021: no Wednesday to be had.
        ("Rabu (1/2)", []),
        # A full date must fall on its weekday too.
        ("Selasa (1/2/2022)", ["2022-02-01"]),
        ("Rabu (1/2/2022)", []),
        ("Senin, (31/1/22)", ["2022-01-31"]),
        ("Jumat (9/19/2020)", []),
        ("Rabu (4/11/205)", []),
        ("Selasa (1/2), Selasa (1/2/2022)", ["2022-02-01"]),
        ("setengah (1/2) porsi", []),
        ("", []),
    ],
)
def test_mentioned_dates(text: str, expected: list[str]) -> None:
    found = mentioned_dates(text, ARTICLE)
    assert [day.date().isoformat() for day in found] == expected
    assert all(day.tzinfo is JAKARTA and day.hour == 0 for day in found)


@pytest.mark.parametrize(
    ("article", "text", "expected"),
    [
        # Across the new year, both ways.
        (datetime(2022, 1, 2, 10, 0, tzinfo=JAKARTA), "Kamis (30/12)", "2021-12-30"),
        (datetime(2022, 1, 2, 10, 0, tzinfo=JAKARTA), "Senin (3/1)", "2022-01-03"),
        (datetime(2021, 12, 30, 10, 0, tzinfo=JAKARTA), "Senin (3/1)", "2022-01-03"),
        # 29 February exists only in leap years.
        (datetime(2024, 3, 1, 10, 0, tzinfo=JAKARTA), "Kamis (29/2)", "2024-02-29"),
    ],
)
def test_mentioned_dates_take_the_year_from_the_article(
    article: datetime, text: str, expected: str
) -> None:
    assert [day.date().isoformat() for day in mentioned_dates(text, article)] == [expected]


# --- the pipeline ----------------------------------------------------------------------------


def test_resolve_dates_falls_back_to_the_sitemap_for_published() -> None:
    dates = resolve_dates("tidak terbaca", None, "2022-02-03T08:03:00+07:00")
    assert dates.published is not None
    assert to_iso(dates.published.value) == "2022-02-03T08:03:00+07:00"
    assert dates.updated is None
    assert dates.unparsed == (("published_raw", "tidak terbaca"),)


def test_resolve_dates_keeps_updated_earlier_than_published() -> None:
    dates = resolve_dates("2021-01-23T13:30:00+07:00", "2021-01-23T13:11:14+07:00")
    assert dates.published is not None and dates.updated is not None
    assert dates.updated.value < dates.published.value


class SiteSpider(Spider):
    name = "site"

    def __init__(self, site: SiteConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = site


class StepRunner:
    """One item step run as the steps pipeline runs it: the crawler's site and stats."""

    def __init__(self, crawler: Crawler, step: Step) -> None:
        self.crawler, self.step = crawler, step

    def process_item(self, item: Any) -> Any:
        site = getattr(self.crawler.spider, "site", None)
        assert self.crawler.stats is not None
        self.step(ItemAdapter(item), site, self.crawler.stats)
        return item


def crawler_for(timezone: str | None) -> Crawler:
    crawler = get_crawler(SiteSpider)
    if timezone:
        site = parse_site(
            {
                "domains": ["example.co.id"],
                "sitemaps": ["https://example.co.id/sitemap.xml"],
                "article_pattern": "/read/",
                "timezone": timezone,
            },
            Path("/seeds/example.toml"),
        )
        crawler.spider = SiteSpider(site)
    return crawler


def test_pipeline_fills_dates_in_the_site_zone_and_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler = crawler_for("Asia/Makassar")
    pipeline = StepRunner(crawler, dates_step)
    item = Article(
        url="https://example.co.id/read/1/a",
        site="example",
        published_raw="Kamis, 03 Feb 2022 08:03",
        updated_raw="bukan tanggal",
    )
    with caplog.at_level(logging.WARNING):
        assert pipeline.process_item(item) is item
    assert item.published == "2022-02-03T08:03:00+08:00"
    assert item.updated is None
    assert crawler.stats.get_value("dates/parsed") == 1
    assert crawler.stats.get_value("dates/unparsed") == 1
    assert any("bukan tanggal" in r.message and item.url in r.message for r in caplog.records)


def test_pipeline_without_a_site_uses_jakarta_and_the_fetch_time() -> None:
    crawler = crawler_for(None)
    pipeline = StepRunner(crawler, dates_step)
    item = Article(
        url="https://example.co.id/read/1/a",
        site="example",
        published_raw="2 jam lalu",
        updated_raw="2021-01-23T05:11:14Z",
        sitemap_published_raw="2021-01-23T13:30:00+07:00",
        fetched_at="2021-01-23T08:00:00+00:00",
    )
    pipeline.process_item(item)
    assert item.published == "2021-01-23T13:00:00+07:00"
    assert item.updated == "2021-01-23T12:11:14+07:00"
    assert crawler.stats.get_value("dates/parsed") == 2
    assert crawler.stats.get_value("dates/updated_before_published") == 1


def test_pipeline_fills_mentioned_dates_from_the_body_once_published_is_known() -> None:
    crawler = crawler_for("Asia/Jakarta")
    pipeline = StepRunner(crawler, dates_step)
    body = "Banjir surut pada Selasa (1/2) malam.\n\nWarga kembali Rabu (2/2/2022) pagi."
    item = Article(url="u", site="s", published_raw="03 Feb 2022, 08:03 WIB", body=body)
    undated = Article(url="u", site="s", published_raw="tidak terbaca", body=body)
    pipeline.process_item(item)
    pipeline.process_item(undated)
    assert item.mentioned_dates == ["2022-02-01", "2022-02-02"]
    assert undated.mentioned_dates == []


def test_pipeline_counts_dates_whose_weekday_disagrees() -> None:
    crawler = crawler_for(None)
    pipeline = StepRunner(crawler, dates_step)
    item = Article(url="u", site="s", published_raw="Rabu, 03 Feb 2022, 08:03 WIB")
    pipeline.process_item(item)
    assert item.published == "2022-02-03T08:03:00+07:00"
    assert crawler.stats.get_value("dates/weekday_mismatch") == 1


def test_fill_dates_reads_z_as_wall_time_when_told() -> None:
    item = ItemAdapter(Article(url="u", site="detik", published_raw="2015-11-05 T10:08:58Z"))
    fill_dates(item, "Asia/Jakarta", z_is_local=True)
    assert item["published"] == "2015-11-05T10:08:58+07:00"
    fill_dates(item, "Asia/Jakarta")
    assert item["published"] == "2015-11-05T17:08:58+07:00"


def test_a_slash_between_date_and_time_keeps_the_time() -> None:
    parsed = parse_date("Selasa, 12 Maret 2024 / 11:05 WIB")
    assert parsed is not None
    assert to_iso(parsed.value) == "2024-03-12T11:05:00+07:00"
