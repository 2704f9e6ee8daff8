"""``parse_date`` beside dateparser on the corpus's date strings: speed and agreement.

    .venv/bin/python benchmarks/bench_dates.py [CORPUS_DIR]

The strings: every ``date_text`` of ``dev.jsonl`` (true value: its ``published``), the feeds'
``pubDate``/``dc:date``/``lastBuildDate`` (true value: the standard library's RFC 822 reader),
the visible dates of the saved pages found by a few regular expressions (day-month-year text,
D/M/YYYY, "Selasa (1/2)", "5 menit lalu", "Pukul 23:01"), the demo site's printed dates and
mentions, and three made-up examples of the classic traps ("03/02/2022", "Selasa (1/2)"). Each
is read against a reference: the page's own date for its sidebars and "Selasa (1/2)", a fixed
fetch time for relative forms.

Three readers: ``parse_date``; dateparser told what ``parse_date`` knows (languages id and en,
day first, past dates, the site's zone, the reference, the same skip words); dateparser with its
defaults. Each is timed on the whole list, and its answers compared with ``parse_date``'s to the
minute. Where they differ the right one is named by the first rule that tells them apart: the
true value when known; the weekday the text names (on a day near the page's); a relative or
time-only form cannot be after the fetch; the page's own day-first order (when it shows a date
like "22/10/2025"); a page lists stories published before it, not after; otherwise the date
nearer the page's own.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from parsel import Selector

import pipelines.dates as dates_module
from crawler.demosite.stories import DAYS, id_date, site_history
from pipelines.date_patterns import WEEKDAY, weekday_of
from pipelines.dates import SKIP_TOKENS, ParsedDate, parse_date

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
TZ = "Asia/Jakarta"
JAKARTA = ZoneInfo(TZ)
# The fetch time relative forms count from (a page shows them as of its capture).
FETCHED = datetime(2017, 4, 28, 9, 0, tzinfo=JAKARTA)

_MONTH = (
    r"(?:Jan|Feb|Peb|Mar|Apr|Mei|May|Jun|Jul|Agu|Agt|Ags|Aug|Sep|Okt|Oct|Nov|Nop|Des|Dec)[a-z]*"
)
_DAY = r"(?:Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu|Monday|Tuesday|Wednesday|Thursday|Friday"
_DAY += r"|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_CLOCK = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*(?:[AP]M|WIB|WITA|WIT|wib))?"
PAGE_PATTERNS = {
    "page": re.compile(
        rf"(?:{_DAY}\s*,?\s*)?\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
        rf"(?:\s*(?:[,|-]|at|pukul)?\s*{_CLOCK})?"
    ),
    "page-en": re.compile(rf"(?:{_DAY},?\s+)?{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s+{_CLOCK})?"),
    # Not inside "(...)": those are the mentions below, read with their weekday.
    "page-numeric": re.compile(rf"(?<![\d/(])\d{{1,2}}/\d{{1,2}}/\d{{4}}(?:\s+{_CLOCK})?"),
    "mention": re.compile(rf"{_DAY}\s*,?\s*\(\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\)"),
    "relative": re.compile(
        r"\b\d+\s+(?:detik|menit|jam|hari)\s+(?:yang\s+)?lalu|\b\d+\s+(?:hours?|minutes?)\s+ago"
    ),
    "time-only": re.compile(r"Pukul\s+\d{1,2}:\d{2}"),
}
NUMERIC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}")
FEED_DATE = re.compile(
    rb"<(?P<tag>pubDate|dc:date|lastBuildDate)>\s*(?P<text>[^<]*?)\s*</(?P=tag)>"
)
TUNED = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": TZ,
    "SKIP_TOKENS": SKIP_TOKENS,
}


@dataclass(frozen=True)
class Case:
    """One date string, what it is read against, and its true value where one is known."""

    text: str
    source: str
    reference: datetime
    truth: datetime | None = None
    # The page shows a numeric date that can only be day first ("22/10/2025").
    day_first: bool = False


Reader = Callable[[Case], datetime | None]


def page_text(path: Path) -> str:
    html = path.read_bytes().decode("utf-8", errors="replace")
    nodes = Selector(text=html).xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style)]"
    )
    return " ".join(" ".join(nodes.getall()).split())


def corpus_cases(corpus: Path) -> Iterator[Case]:
    rows = [json.loads(line) for line in (corpus / "dev.jsonl").read_text().splitlines() if line]
    published = {row["file"]: datetime.fromisoformat(row["published"]) for row in rows}
    for row in rows:
        truth = published[row["file"]]
        yield Case(row["date_text"], "dev", truth, truth.replace(second=0))
    for feed in sorted((corpus / "feeds").glob("*.xml")):
        for match in FEED_DATE.finditer(feed.read_bytes()):
            text = match["text"].decode()
            yield Case(text, "feed", FETCHED, parsedate_to_datetime(text))
    for page in sorted((corpus / "pages").glob("*.html")):
        text = page_text(page)
        found = [(s, m[0]) for s, regex in PAGE_PATTERNS.items() for m in regex.finditer(text)]
        # A page's own date: from dev.jsonl, else the day its visible dates name most often.
        shown = (t for s, t in found if s in ("page", "page-numeric"))
        own = published.get(page.name) or _most_common_day(shown)
        day_first = any(int(t.split("/")[0]) > 12 for s, t in found if s == "page-numeric")
        for source, found_text in found:
            reference = FETCHED if source == "relative" else own or FETCHED
            yield Case(found_text, source, reference, day_first=day_first)


def _most_common_day(texts: Iterator[str]) -> datetime | None:
    days = Counter(p.value.date() for t in texts if (p := parse_date(t, TZ)) and p.has_time)
    if not days:
        return None
    day = days.most_common(1)[0][0]
    return datetime(day.year, day.month, day.day, 12, tzinfo=JAKARTA)


def demo_cases(count: int = 60) -> Iterator[Case]:
    """The demo site's printed dates and "Kamis (3/2/2022)" mentions, with their true values."""
    for story in site_history(count, 1, 7)[:count]:
        moment = story.published.astimezone(JAKARTA)
        yield Case(id_date(moment), "demo", moment, moment.replace(second=0))
        mention = f"{DAYS[moment.weekday()]} ({moment.day}/{moment.month}/{moment.year})"
        yield Case(mention, "demo", moment, moment.replace(hour=0, minute=0, second=0))


def example_cases() -> Iterator[Case]:
    """The two classic traps: day-first numbers, and a weekday with day/month but no year."""
    article = datetime(2022, 2, 3, 8, 3, tzinfo=JAKARTA)
    yield Case("03/02/2022", "example", article, article.replace(hour=0, minute=0))
    yield Case("Selasa (1/2)", "example", article, datetime(2022, 2, 1, tzinfo=JAKARTA))
    new_year = datetime(2022, 1, 2, 9, 0, tzinfo=JAKARTA)
    yield Case("Senin (3/1)", "example", new_year, datetime(2022, 1, 3, tzinfo=JAKARTA))


def read_ours(case: Case) -> datetime | None:
    parsed = parse_date(case.text, TZ, case.reference)
    return parsed.value if parsed else None


def read_dateparser_tuned(case: Case) -> datetime | None:
    import dateparser

    base = case.reference.astimezone(JAKARTA).replace(tzinfo=None)
    value = dateparser.parse(
        case.text, languages=["id", "en"], settings={**TUNED, "RELATIVE_BASE": base}
    )
    return _aware(value)


def read_dateparser_default(case: Case) -> datetime | None:
    import dateparser

    return _aware(dateparser.parse(case.text))


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=JAKARTA) if value.tzinfo is None else value


def minute(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() // 60)


def timed(reader: Reader, cases: list[Case], at_least: float) -> tuple[list[Any], float]:
    """Answers for every case, and strings per second over repeated passes."""
    for case in cases[:5]:  # warm up: imports, language data, caches
        reader(case)
    rounds, started = 0, time.perf_counter()
    while True:
        answers = [reader(case) for case in cases]
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= at_least:
            return answers, rounds * len(cases) / elapsed


def verdict(case: Case, ours: datetime | None, theirs: datetime | None) -> tuple[str, str]:
    """Which answer is right ("ours", "theirs", "neither", "?") and by which rule."""

    def right(value: datetime | None, rule: Callable[[datetime], bool]) -> bool:
        return value is not None and rule(value)

    rules: list[tuple[str, Callable[[datetime], bool]]] = []
    named = [weekday_of(m["weekday"]) for m in WEEKDAY.finditer(case.text)]
    if case.truth is not None:
        truth = case.truth
        rules.append(("true value", lambda v: minute(v) == minute(truth)))
    elif named:
        rules.append(
            ("weekday named", lambda v: v.astimezone(case.reference.tzinfo).weekday() == named[0])
        )
        # "Selasa (1/2)" names a day near the story, not one of another year.
        rules.append(("within months of the page", lambda v: abs(v - case.reference).days < 183))
    elif case.source in ("relative", "time-only"):
        rules.append(("not after the fetch", lambda v: v <= case.reference + timedelta(minutes=10)))
    else:
        if case.day_first and (numeric := NUMERIC_DATE.match(case.text)):
            day = int(numeric[1])
            rules.append(("the page writes day first", lambda v: v.day == day))
        # A page lists stories already published, not ones from after its own date.
        latest = case.reference + timedelta(days=1)
        rules.append(("not after the page's date", lambda v: v <= latest))
    for name, rule in rules:
        ok_ours, ok_theirs = right(ours, rule), right(theirs, rule)
        if ok_ours != ok_theirs:
            return ("ours" if ok_ours else "theirs"), name
        if not ok_ours:
            return "neither", name
    if ours is not None and theirs is not None:
        gap_ours = abs(ours - case.reference)
        gap_theirs = abs(theirs - case.reference)
        if gap_ours != gap_theirs:
            return ("ours" if gap_ours < gap_theirs else "theirs"), "nearer the page's date"
    return "?", "no rule"


def compare(name: str, cases: list[Case], ours: list[Any], theirs: list[Any]) -> bool:
    """Print agreement counts and every difference; True when ours is never the wrong one."""
    counts: Counter[str] = Counter()
    listed: list[tuple[Case, datetime | None, datetime | None, str, str]] = []
    for case, mine, other in zip(cases, ours, theirs, strict=True):
        if mine is None and other is None:
            counts["neither parsed"] += 1
        elif minute(mine) == minute(other):
            counts["equal to the minute"] += 1
        else:
            kind = "only ours parsed" if other is None else "disagree"
            kind = "only dateparser parsed" if mine is None else kind
            counts[kind] += 1
            listed.append((case, mine, other, *verdict(case, mine, other)))
    print(f"\nparse_date vs {name}:")
    for kind in ("equal to the minute", "only ours parsed", "only dateparser parsed", "disagree"):
        print(f"  {kind:24} {counts[kind]:5}")
    print(f"  {'neither parsed':24} {counts['neither parsed']:5}")
    wins = Counter(winner for *_, winner, _ in listed)
    print(f"  differences judged: ours right {wins['ours']}, dateparser right {wins['theirs']},")
    print(f"  neither {wins['neither']}, undecided {wins['?']}")
    shown: set[str] = set()
    for case, mine, other, winner, rule in listed:
        if case.text in shown:
            continue
        shown.add(case.text)
        print(
            f"    {case.text[:44]!r:46} ours {_show(mine):25} dateparser {_show(other):25}"
            f" right: {winner} ({rule}; seen from {case.reference:%Y-%m-%d})"
        )
    return wins["theirs"] == 0


def _show(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M %a")


def fallback_calls(cases: list[Case]) -> int:
    """How many of ``cases`` ``parse_date`` does not read on its fast path."""
    calls = 0
    fallback = dates_module._fallback

    def counted(text: str, tz: tzinfo) -> ParsedDate | None:
        nonlocal calls
        calls += 1
        return fallback(text, tz)

    dates_module._fallback = counted
    try:
        for case in cases:
            read_ours(case)
    finally:
        dates_module._fallback = fallback
    return calls


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else CORPUS
    if not corpus.is_dir():
        print(f"no corpus at {corpus}: pass its directory as the first argument", file=sys.stderr)
        return 2
    logging.getLogger("kabarsip.dates").setLevel(logging.ERROR)
    unique: dict[tuple[str, date], Case] = {}
    for case in [*corpus_cases(corpus), *demo_cases(), *example_cases()]:
        unique.setdefault((case.text, case.reference.date()), case)
    cases = list(unique.values())
    sources = Counter(case.source for case in cases).most_common()
    print(f"{len(cases)} date strings: " + ", ".join(f"{n} {s}" for s, n in sources))

    ours, ours_rate = timed(read_ours, cases, at_least=2.0)
    tuned, tuned_rate = timed(read_dateparser_tuned, cases, at_least=0.0)
    default, default_rate = timed(read_dateparser_default, cases, at_least=0.0)
    handed_on = fallback_calls(cases)

    print("\nstrings per second")
    for name, rate in (
        ("parse_date", ours_rate),
        ("dateparser (id+en, DMY, zone, base)", tuned_rate),
        ("dateparser (defaults)", default_rate),
    ):
        ratio = f"   parse_date is {ours_rate / rate:.0f}x faster" if rate != ours_rate else ""
        print(f"  {name:37} {rate:9.0f}{ratio}")
    read = sum(value is not None for value in ours)
    print(f"  parse_date read {read} of {len(cases)}, handing {handed_on} on to dateparser")
    ok_tuned = compare("dateparser (id+en, DMY, zone, base)", cases, ours, tuned)
    ok_default = compare("dateparser (defaults)", cases, ours, default)
    fast = ours_rate >= 50 * tuned_rate
    print(f"\ntarget: at least 50x faster than tuned dateparser: {'met' if fast else 'NOT met'}")
    right = ok_tuned and ok_default
    print(f"target: right wherever dateparser is right: {'met' if right else 'NOT met'}")
    return 0 if fast and right else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
