"""Date parsing: Indonesian and English page formats, zones, prefixes, relative forms."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.sites import SiteConfig, parse_site
from pipelines.dates import DatesPipeline, parse_date, resolve_dates, to_iso

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
        # zones
        ("Rabu, 4 November 2015 | 21:04 WITA", "2015-11-04T21:04:00+08:00"),
        ("10 Agustus 2020 10.00 WIT", "2020-08-10T10:00:00+09:00"),
        ("3 Des 2020 10:00 GMT+7", "2020-12-03T10:00:00+07:00"),
        ("3 Des 2020 10:00 UTC+07:00", "2020-12-03T10:00:00+07:00"),
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
        "Pukul 23:01",
        "Selasa (1/2)",
        "31 Feb 2020 10:00",
        "2015-06-16T14-05-11Z",
        "2020-13-01",
        "16 Februari 2016 25:61",
        "99 Foo 2020",
        "Liputan6.com, Jakarta",
        "18 Jun 2015 at <span>06:25 WIB</span> " * 30,
    ],
)
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_date(text, reference=REFERENCE) is None


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


# --- property: every supported Indonesian format reads back to the same minute ---------------

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
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
MONTHS_SHORT = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Mei",
    "Jun",
    "Jul",
    "Agu",
    "Sep",
    "Okt",
    "Nov",
    "Des",
]


def formats(dt: datetime) -> list[str]:
    day, full, short = DAYS[dt.weekday()], MONTHS_FULL[dt.month - 1], MONTHS_SHORT[dt.month - 1]
    hm, hm_dot = f"{dt:%H:%M}", f"{dt:%H.%M}"
    return [
        f"{day}, {dt.day} {full} {dt.year} | {hm} WIB",
        f"{day}, {dt:%d} {full} {dt.year} {hm} WIB",
        f"{day} {dt:%d} {full} {dt.year} {hm} WIB",
        f"{dt:%d} {short} {dt.year}, {hm} WIB",
        f"{dt.day} {short} {dt.year} at {hm} WIB",
        f"Diperbarui {dt:%d} {short} {dt.year}, {hm} WIB",
        f"pada {dt:%d} {short} {dt.year}, {hm} WIB",
        f"{day}, {dt:%d/%m/%Y} {hm} WIB",
        f"{dt:%d/%m/%Y} {hm}",
        f"{day}, {dt.day} {full} {dt.year} pukul {hm_dot} WIB",
        f"{dt.day} {full} {dt.year} - {hm} wib",
        dt.isoformat(),
        dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        f"{dt:%Y-%m-%d %H:%M:%S}",
    ]


@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 12, 31)).map(
        lambda naive: naive.replace(second=0, microsecond=0, tzinfo=JAKARTA)
    )
)
def test_every_format_reads_back_to_the_same_minute(moment: datetime) -> None:
    for text in formats(moment):
        parsed = parse_date(text, "Asia/Jakarta")
        assert parsed is not None, text
        assert parsed.value == moment, text
        assert parsed.value.utcoffset() == timedelta(hours=7), text


@given(st.text(max_size=80))
def test_any_text_gives_a_date_or_none_never_an_error(text: str) -> None:
    parsed = parse_date(text, "Asia/Jakarta", REFERENCE)
    assert parsed is None or parsed.value.tzinfo is not None


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
    pipeline = DatesPipeline.from_crawler(crawler)
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
    pipeline = DatesPipeline.from_crawler(crawler)
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
