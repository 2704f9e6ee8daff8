"""The figures of a crawl report, gathered from a :class:`~archive.state.CrawlState`.

Pure: the state is read through its interface, nothing is drawn here (``render`` does that).
Run figures come from :meth:`CrawlState.runs`: field coverage from every ``coverage/<field>``
count over ``coverage/items``, errors from the failure counters :func:`error_kinds` knows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from archive.state import ArticleState, CrawlState, RunRecord
    from crawler.report.warcusage import WarcUsage

K = TypeVar("K", date, int)

COVERAGE_PREFIX = "coverage/"
COVERAGE_ITEMS = "coverage/items"

#: Stats key prefixes that count failures, and how the report names their kind.
_ERROR_PREFIXES = (
    ("downloader/exception_type_count/", "download error: "),
    ("spider_exceptions/", "spider exception: "),
    ("articles/held_back/", "held back: "),
    ("items/dropped/", "dropped: "),
)
_STATUS_PREFIX = "downloader/response_status_count/"
#: Any other counter whose name says it counts failures (``state/errors``,
#: ``warc/errors/write``, ``items/write_failed``, ``kabarsip/...`` counters).
_FAILURE_WORD = re.compile(r"(^|[/_])(errors?|fail(ed|ures?)?|damaged|corrupt)([/_]|$)")
#: Keys that hold a code or a setting, not a count of failures.
_NOT_COUNTS = ("outcome/",)


@dataclass(frozen=True, slots=True)
class Summary:
    """The state's totals (of one site with ``--site``)."""

    sites: tuple[str, ...]
    articles: int
    gone: int
    versions: int
    """Article versions found: the sum of every article's version number."""
    urls: int
    """URLs with a capture state (fetched at least once)."""
    runs: int


@dataclass(frozen=True, slots=True)
class CoveragePoint:
    """A run's field coverage: the share of its items that had each field."""

    run_id: str
    finished_at: datetime
    items: int
    shares: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class StateFigures:
    """What the state tells, per site."""

    summary: Summary
    published_per_day: Mapping[str, Mapping[date, int]]
    first_seen_per_day: Mapping[str, Mapping[date, int]]
    version_counts: Mapping[str, Mapping[int, int]]
    """Site -> number of versions -> articles with that many."""
    coverage: Mapping[str, list[CoveragePoint]]
    """Site -> its runs that counted items, oldest first."""
    errors: Mapping[str, Mapping[str, int]]
    """Site -> error kind -> count over all its runs."""
    hosts: frozenset[str]
    """The hosts of the articles: a site's share of a WARC folder several sites write to."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a report shows; a part is ``None`` when its source was not there."""

    generated_at: datetime
    state_path: str
    warc_dir: str
    site: str | None
    state: StateFigures | None
    warc: WarcUsage | None
    notes: list[str] = field(default_factory=list)
    """Why a part is missing or partial, in words for the reader."""


def gather_state(state: CrawlState, site: str | None = None) -> StateFigures:
    """The figures of ``state``, or of its articles and runs of ``site``."""
    published: defaultdict[str, Counter[date]] = defaultdict(Counter)
    first_seen: defaultdict[str, Counter[date]] = defaultdict(Counter)
    versions: defaultdict[str, Counter[int]] = defaultdict(Counter)
    articles = gone = version_total = 0
    hosts: set[str] = set()
    for article in state.articles(site):
        articles += 1
        gone += article.status == "gone"
        version_total += article.version
        versions[article.site][article.version] += 1
        first_seen[article.site][article.first_seen.date()] += 1
        if (day := _published_day(article)) is not None:
            published[article.site][day] += 1
        hosts.add(urlsplit(article.url).hostname or "")
    runs = state.runs(site)
    sites = sorted({*versions, *(run.site for run in runs)})
    summary = Summary(
        sites=tuple(sites),
        articles=articles,
        gone=gone,
        versions=version_total,
        urls=_count_urls(state, hosts if site is not None else None),
        runs=len(runs),
    )
    return StateFigures(
        summary=summary,
        published_per_day=_plain(published),
        first_seen_per_day=_plain(first_seen),
        version_counts=_plain(versions),
        coverage=coverage_by_site(runs),
        errors=errors_by_site(runs),
        hosts=frozenset(hosts),
    )


def coverage_by_site(runs: Iterable[RunRecord]) -> dict[str, list[CoveragePoint]]:
    """Each site's runs that counted items, oldest first, with each field's share of them."""
    coverage: defaultdict[str, list[CoveragePoint]] = defaultdict(list)
    for run in sorted(runs, key=lambda run: (run.finished_at, run.run_id)):
        items = int(run.stats.get(COVERAGE_ITEMS, 0))
        if items <= 0:
            continue
        shares = {
            key.removeprefix(COVERAGE_PREFIX): min(float(value) / items, 1.0)
            for key, value in sorted(run.stats.items())
            # ``coverage/<site>/<field>`` keys are other sites' figures in a run of several.
            if key.startswith(COVERAGE_PREFIX) and key != COVERAGE_ITEMS and key.count("/") == 1
        }
        coverage[run.site].append(CoveragePoint(run.run_id, run.finished_at, items, shares))
    return dict(coverage)


def errors_by_site(runs: Iterable[RunRecord]) -> dict[str, dict[str, int]]:
    """Each site's failure counts by kind, summed over its runs (sites without any left out)."""
    errors: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        errors[run.site].update(error_kinds(run.stats))
    return {site: dict(counts) for site, counts in errors.items() if counts}


def error_kinds(stats: Mapping[str, float]) -> Counter[str]:
    """The failures counted in one run's stats, by kind (a label for the reader)."""
    kinds: Counter[str] = Counter()
    for key, value in stats.items():
        count = int(value)
        if count <= 0 or key.startswith(_NOT_COUNTS):
            continue
        kind = _error_kind(key)
        if kind is not None:
            kinds[kind] += count
    return kinds


def _error_kind(key: str) -> str | None:
    if key == "log_count/ERROR":
        return "logged errors"
    if key.startswith(_STATUS_PREFIX):
        status = key.removeprefix(_STATUS_PREFIX)
        return f"HTTP {status}" if status.isdigit() and int(status) >= 400 else None
    for prefix, label in _ERROR_PREFIXES:
        if key.startswith(prefix):
            # Exception class paths: the class name says enough.
            return label + key.removeprefix(prefix).rpartition(".")[2]
    return key if _FAILURE_WORD.search(key) else None


def _published_day(article: ArticleState) -> date | None:
    """The day the article says it was published, in its own time zone."""
    if not article.published:
        return None
    try:
        return datetime.fromisoformat(article.published).date()
    except ValueError:
        return None


def _count_urls(state: CrawlState, hosts: set[str] | None) -> int:
    if hosts is None:
        return sum(1 for _ in state.captures())
    return sum(1 for capture in state.captures() if urlsplit(capture.url).hostname in hosts)


def _plain(counts: Mapping[str, Counter[K]]) -> dict[str, dict[K, int]]:
    return {site: dict(sorted(by.items())) for site, by in sorted(counts.items())}
