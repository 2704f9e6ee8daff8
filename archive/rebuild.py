"""Rebuild the crawl state from WARC files alone: the state is only an index of them.

Records are replayed in order (files sorted by name, which starts with the time they were
opened) through the functions of :mod:`archive.transitions`, which the live crawl applies when
it writes them:

- ``response``: a new full capture of its URL; ``revisit`` (identical payload): the fetch
  time and validators move on; ``revisit`` (server not modified): the fetch time moves on.
- ``metadata`` holding a version decision (:mod:`archive.decisions`): the article's new
  version, seen at the decision's date.  A decision of a version the article already has
  replaces it: a crawl stopped between writing the record and putting the state leaves a
  decision the next crawl makes again (version 1 then starts the article afresh).
- A later ``response`` or ``revisit`` of an article's URL: 200 (or a 304) moves its
  ``last_seen`` and next visit on, 404 and 410 mark it gone.

Learned boilerplate blocks (:meth:`archive.state.CrawlState.record_blocks`) are left empty: only
extraction finds them, and the WARC files hold pages, not extractions. The next crawls learn
them again; until then their items keep the blocks a crawl would have learned.

Records are read and checked by :mod:`archive.scan`, as ``scrapy warc verify`` reads them.  A
damaged file costs only what follows the damage: records before it are kept, the problem is
reported with the file and offset, and the next file is read.  A whole record that fails a
digest is left out alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from archive.decisions import KIND_FIELD, Decision, DecisionFormatError, parse_fields
from archive.naming import OPEN_SUFFIX
from archive.scan import (
    WARC_SUFFIXES,
    Problem,
    ScannedRecord,
    find_warc_files,
    http_head,
    scan_file,
)
from archive.schedule import DEFAULT_SCHEDULE
from archive.state import CrawlState
from archive.transitions import (
    GONE_STATUSES,
    Fetch,
    FetchKind,
    article_after_fetch,
    capture_after_fetch,
    version_state,
)
from archive.warc import SERVER_NOT_MODIFIED

logger = logging.getLogger(__name__)

__all__ = [
    "GONE_STATUSES",
    "WARC_SUFFIXES",
    "Problem",
    "RebuildReport",
    "rebuild_state",
    "warc_files",
]

ScheduleFor = Callable[[str], Sequence[timedelta]]

#: Record types the rules look at; the others are only read past (and checked).
_READ_TYPES = frozenset({"response", "revisit", "metadata"})


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild read, what it made of it and what it had to leave out."""

    files: int = 0
    """WARC files opened."""
    damaged_files: int = 0
    """Files not read to their end (damaged, truncated, not WARC) or not readable at all."""
    records: int = 0
    """Whole records read, of any type."""
    damaged_records: int = 0
    """Whole records left out: failed digest, unreadable header or version decision."""
    skipped_records: int = 0
    """Records left out by the rules: revisits of URLs without a capture, non-HTTP responses."""
    decisions: int = 0
    """Version decisions applied."""
    repeated_decisions: int = 0
    """Decisions of a version the article already had: the first was never in the state."""
    captures: int = 0
    articles_live: int = 0
    articles_gone: int = 0
    """States in the store once the rebuild is done."""
    skipped_files: list[str] = field(default_factory=list)
    """``.open`` files (and others not named like WARC files) that were not read."""
    unknown_sites: list[str] = field(default_factory=list)
    """Sites whose revisit schedule was unknown, so the default one was used."""
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Record:
    """What the rules need of one whole record."""

    kind: str
    offset: int
    record_id: str
    target_uri: str
    date: datetime
    status: int | None
    """HTTP status, ``None`` when the block holds no HTTP head."""
    headers: dict[str, str]
    """First value of each HTTP header, by lowercased name, as ISO-8859-1."""
    profile: str | None
    payload_digest: str | None
    fields: list[tuple[str, str]] | None
    """``name: value`` lines of a ``metadata`` block."""


def warc_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The WARC files in ``paths`` (files, or directories searched one level), sorted by name.

    ``.open`` files are left out with a warning.  Raises ``FileNotFoundError`` for a path
    that does not exist.
    """
    return _find_files(paths, RebuildReport())


def rebuild_state(
    paths: Sequence[str | os.PathLike[str]],
    store: CrawlState,
    schedule_for: ScheduleFor | None = None,
) -> RebuildReport:
    """Replay the WARC files in ``paths`` into ``store`` (normally empty) and report.

    ``schedule_for(site)`` gives a site's revisit schedule; when it raises ``LookupError``,
    ``ValueError`` or ``OSError`` the default schedule is used, with one warning per site.
    Without it every site gets the default schedule.  Errors of the store propagate.
    """
    report = RebuildReport()
    replay = _Replay(store, report, schedule_for)
    for path in _find_files(paths, report):
        report.files += 1
        for record in _read_file(path, report):
            replay.apply(path, record)
    report.captures = sum(1 for _ in store.captures())
    for article in store.articles():
        if article.status == "gone":
            report.articles_gone += 1
        else:
            report.articles_live += 1
    return report


def _find_files(paths: Iterable[str | os.PathLike[str]], report: RebuildReport) -> list[Path]:
    found = find_warc_files(paths)
    skipped = [*found.open, *found.other, *found.not_files]
    for path in sorted(skipped, key=lambda path: (path.name, str(path))):
        _skip_file(path, report)
    return found.warc


def _skip_file(path: Path, report: RebuildReport) -> None:
    if not path.is_file():
        reason = "named like a WARC file but not a regular file"
    elif path.name.endswith(OPEN_SUFFIX):
        reason = "still being written, or left by a crash (scrapy warc repair finishes it)"
    else:
        reason = f"not named like a WARC file ({' or '.join(WARC_SUFFIXES)})"
    logger.warning("Skipping %s: %s", path, reason)
    report.skipped_files.append(str(path))


def _read_file(path: Path, report: RebuildReport) -> Iterator[_Record]:
    """The whole, sound records of ``path`` the rules use; reading stops at the first damage."""
    for item in scan_file(path, keep=_READ_TYPES):
        if isinstance(item, Problem):
            _damaged_file(report, item)
            return
        report.records += 1
        if item.damage:
            _damaged_record(report, path, item.offset, item.damage)
        elif item.kind in _READ_TYPES:
            try:
                yield _parse(item)
            except ValueError as exc:
                _damaged_record(report, path, item.offset, f"{item.kind} record: {exc}")


def _parse(record: ScannedRecord) -> _Record:
    headers = record.headers
    kind = record.kind
    target_uri = headers.get_header("WARC-Target-URI")
    if not target_uri:
        raise ValueError("no WARC-Target-URI")
    date = datetime.fromisoformat(headers.get_header("WARC-Date") or "")
    if date.tzinfo is None:
        raise ValueError(f"WARC-Date {date.isoformat()} has no time zone")
    status, http_headers = http_head(record.kept) if kind != "metadata" else (None, {})
    return _Record(
        kind=kind,
        offset=record.offset,
        record_id=headers.get_header("WARC-Record-ID") or "",
        target_uri=target_uri,
        date=date,
        status=status,
        headers=http_headers,
        profile=headers.get_header("WARC-Profile"),
        payload_digest=headers.get_header("WARC-Payload-Digest") or None,
        fields=parse_fields(record.kept) if kind == "metadata" else None,
    )


class _Replay:
    """Applies records to the store by the crawl's rules."""

    def __init__(
        self, store: CrawlState, report: RebuildReport, schedule_for: ScheduleFor | None
    ) -> None:
        self.store = store
        self.report = report
        self.schedule_for = schedule_for
        self.schedules: dict[str, Sequence[timedelta]] = {}

    def apply(self, path: Path, record: _Record) -> None:
        if record.kind == "metadata":
            if record.fields is not None and any(name == KIND_FIELD for name, _ in record.fields):
                self._decision(path, record)
            return
        fetch = _fetch(path, record)
        if fetch is None:
            self._skip(path, record, "response record without an HTTP status: skipped")
            return
        capture = capture_after_fetch(fetch, self.store.get_capture(fetch.url))
        if capture is None:
            self._skip(path, record, "revisit of a URL never captured before: skipped")
            return
        self.store.put_capture(capture)
        self._seen(fetch)

    def _seen(self, fetch: Fetch) -> None:
        """A fetch of a known article's URL: it is still there, or gone."""
        try:
            article = self.store.find_article(fetch.url)
        except ValueError:  # not an http(s) URL, so no article's
            return
        if article is None:
            return
        after = article_after_fetch(
            article, fetch.status, fetch.fetched_at, self._schedule(article.site)
        )
        if after is not None:
            self.store.put_article(after)

    def _decision(self, path: Path, record: _Record) -> None:
        assert record.fields is not None
        try:
            decision = Decision.from_fields(record.target_uri, record.date, record.fields)
            if not all(isinstance(value, str) for value in dict(decision.field_digests).values()):
                raise DecisionFormatError("field-digests is not a map of names to digests")
            previous = self.store.get_article(decision.canonical_url)
        except (DecisionFormatError, ValueError, TypeError) as exc:
            self.report.damaged_records += 1
            self._problem(Problem(str(path), record.offset, f"malformed version decision: {exc}"))
            return
        if previous is not None and decision.version <= previous.version:
            # Decided again: the crawl that wrote the earlier record was stopped before its
            # state held the version, so the crawl after it decided from the state before.
            self.report.repeated_decisions += 1
            if decision.version == 1:
                previous = None
        self.store.put_article(version_state(decision, previous, self._schedule(decision.site)))
        self.report.decisions += 1

    def _schedule(self, site: str) -> Sequence[timedelta]:
        schedule = self.schedules.get(site)
        if schedule is None:
            schedule = DEFAULT_SCHEDULE
            if self.schedule_for is not None:
                try:
                    schedule = self.schedule_for(site)
                except (LookupError, ValueError, OSError) as exc:
                    logger.warning("Site %r: %s; using the default revisit schedule", site, exc)
                    self.report.unknown_sites.append(site)
            self.schedules[site] = schedule
        return schedule

    def _skip(self, path: Path, record: _Record, message: str) -> None:
        self.report.skipped_records += 1
        self._problem(Problem(str(path), record.offset, message), level=logging.INFO)

    def _problem(self, problem: Problem, level: int = logging.WARNING) -> None:
        self.report.problems.append(problem)
        logger.log(level, "%s", problem)


def _fetch(path: Path, record: _Record) -> Fetch | None:
    """The fetch a response or revisit record archived; None for a response without a status."""
    kind: FetchKind = "response"
    if record.kind == "revisit":
        # A 304 carries no HTTP head in its revisit: the server confirmed the page.
        kind = "not_modified" if record.profile == SERVER_NOT_MODIFIED else "revisit"
    status = 304 if kind == "not_modified" else record.status
    if status is None:
        if kind == "response":
            return None
        status = 0  # a revisit without its head: the capture moves on, the article does not
    return Fetch(
        kind=kind,
        url=record.target_uri,
        fetched_at=record.date,
        status=status,
        etag=record.headers.get("etag"),
        last_modified=record.headers.get("last-modified"),
        content_type=record.headers.get("content-type"),
        warc_file=path.name,
        warc_offset=record.offset,
        warc_record_id=record.record_id,
        payload_digest=record.payload_digest,
    )


def _damaged_file(report: RebuildReport, problem: Problem) -> None:
    report.damaged_files += 1
    report.problems.append(problem)
    logger.warning("%s; the rest of the file is left out", problem)


def _damaged_record(report: RebuildReport, path: Path, offset: int, message: str) -> None:
    report.damaged_records += 1
    problem = Problem(str(path), offset, message)
    report.problems.append(problem)
    logger.warning("%s; record left out", problem)
