"""The date strings of real pages and feeds (``../shared/corpus``) read to their true dates."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector

from pipelines.dates import parse_date, to_iso
from pipelines.mentioned_dates import mentioned_dates
from tests.conftest import require_corpus

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
JAKARTA = ZoneInfo("Asia/Jakarta")
FEED_DATE = re.compile(
    rb"<(?P<tag>pubDate|dc:date|lastBuildDate|updated|published)>\s*(?:<!\[CDATA\[)?"
    rb"(?P<text>[^<\]]*?)\s*(?:\]\]>)?\s*</(?P=tag)>"
)

# What the text of each page mentions as "Selasa (1/2)", against the date the page shows.
MENTIONS = {
    "antara-01.html": ("2015-11-05", ["2015-11-05", "2015-11-06"]),
    # "Jumat (9/19/2020)" is no date.
    "beritasatu-01.html": ("2020-10-09", ["2020-10-09", "2020-10-07"]),
    # "Kamis (26/4/2017)": 26 April 2017 was a Wednesday, as "Rabu (26/4/2017)" says.
    "detik-03.html": ("2017-04-27", ["2017-04-26"]),
    "kapanlagi-01.html": ("2015-11-05", ["2015-11-04"]),
    # "Jumat (4/12)" in February: last December.
    "kompas-06.html": ("2016-02-23", ["2015-12-04", "2016-02-23"]),
    "liputan6-01.html": ("2016-02-16", ["2016-02-12"]),
    # "Jumat (24/3/2020)": a Tuesday, so one of the two is a slip.
    "liputan6-04.html": ("2020-06-26", []),
    "liputan6-05.html": ("2021-01-23", ["2021-01-07", "2021-01-23", "2020-12-28"]),
    "liputan6-06.html": ("2021-12-20", ["2021-12-19", "2021-12-20"]),
    "mediaindonesia-01.html": ("2025-10-22", ["2025-10-21"]),
    "mediaindonesia-02.html": ("2026-01-08", ["2026-01-08"]),
    "republika-01.html": ("2016-02-15", ["2016-02-15"]),
    # "Jumat (19/8/2015)" in a story of 19 June: a Wednesday in August.
    "suara-01.html": ("2015-06-19", []),
}


@pytest.fixture(scope="module")
def corpus() -> Path:
    return require_corpus(CORPUS)


def page_text(path: Path) -> str:
    """The visible text of a saved page, whitespace collapsed."""
    html = path.read_bytes().decode("utf-8", errors="replace")
    nodes = Selector(text=html).xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style)]"
    )
    return " ".join(" ".join(nodes.getall()).split())


def test_visible_dates_read_to_the_published_minute(corpus: Path) -> None:
    rows = [json.loads(line) for line in (corpus / "dev.jsonl").read_text().splitlines() if line]
    assert len(rows) >= 10
    wrong: list[tuple[str, str, str | None, str]] = []
    for row in rows:
        parsed = parse_date(row["date_text"], "Asia/Jakarta")
        if parsed is None:
            wrong.append((row["file"], row["date_text"], None, "unread"))
            continue
        # Every row's text carries a time (to the minute) and the page's zone.
        truth = datetime.fromisoformat(row["updated" if parsed.kind == "updated" else "published"])
        expected = truth.replace(second=0)
        if (
            not parsed.has_time
            or parsed.value != expected
            or parsed.value.utcoffset() != truth.utcoffset()
            or parsed.weekday_mismatch
        ):
            wrong.append((row["file"], row["date_text"], to_iso(parsed.value), to_iso(expected)))
    assert wrong == []


def test_feed_dates_read_as_rfc_822_says(corpus: Path) -> None:
    checked, wrong = 0, []
    for feed in sorted((corpus / "feeds").glob("*.xml")):
        for match in FEED_DATE.finditer(feed.read_bytes()):
            text = match["text"].decode()
            truth = parsedate_to_datetime(text)
            parsed = parse_date(text, "Asia/Jakarta")
            checked += 1
            # The feed's own offset is kept, even a wrong one; UTC is shown in WIB.
            offset = truth.utcoffset() or timedelta(hours=7)
            if parsed is None or parsed.value != truth or parsed.value.utcoffset() != offset:
                wrong.append((feed.name, text, parsed and to_iso(parsed.value)))
    assert checked > 500
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # kapanlagi's channel date: a two-digit year.
        ("Thu, 05 Nov 15 12:58:01 +0700", "2015-11-05T12:58:01+07:00"),
        # tempo's feed says +0100 for WIB wall time; kept as given (same instant as written).
        ("Fri, 28 Apr 2017 01:38:02 +0100", "2017-04-28T01:38:02+01:00"),
        # detik's 2015 feed: GMT, shown in WIB.
        ("Thu, 05 Nov 2015 03:12:42 GMT", "2015-11-05T10:12:42+07:00"),
    ],
)
def test_feed_date_quirks(corpus: Path, text: str, expected: str) -> None:
    feeds = b"".join(path.read_bytes() for path in (corpus / "feeds").glob("*.xml"))
    assert text.encode() in feeds
    parsed = parse_date(text, "Asia/Jakarta")
    assert parsed is not None and to_iso(parsed.value) == expected


@pytest.mark.parametrize("name", sorted(MENTIONS))
def test_mentioned_dates_in_page_text(corpus: Path, name: str) -> None:
    shown, expected = MENTIONS[name]
    article = datetime.fromisoformat(shown).replace(hour=12, tzinfo=JAKARTA)
    found = mentioned_dates(page_text(corpus / "pages" / name), article)
    assert [day.date().isoformat() for day in found] == expected
