"""Where each URL was captured: an index over WARC files, WACZ packages or a CDXJ file, on disk.

Built when a replay starts, in a SQLite file: a temporary one removed when the index closes,
or ``REPLAY_INDEX`` (a path), kept and reused by later runs.  Each source file is indexed
with its size and modification time; a file whose size or time has changed since (appended
to, replaced) is indexed again, one that is gone is dropped.  Records are streamed into the
file, so memory stays the same whatever the size of the archive; each lookup is a query.

WARC and WACZ files are read with warcio record by record (a damaged file is indexed up to
the damage, with a warning naming file and offset); a CDXJ index (as ``scrapy warc index``
or pywb write it) is read line by line and its ``filename`` resolved beside the index file.
Captures are ``response`` and ``revisit`` records; a revisit is resolved to the response
holding its payload by ``WARC-Refers-To-Target-URI``, ``-Date`` and payload digest, as pywb
does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import sqlite3
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import urldefrag

from archive.reader import Location, parse_warc_date
from archive.scan import WARC_SUFFIXES, Problem, walk_records
from archive.state import surt_key
from crawler.paths import UnsafePathError, inside

logger = logging.getLogger(__name__)

_CDXJ_NAMES = (".cdxj", ".cdx")
# Bumped whenever the tables change: an index file of another version is built again.
_SCHEMA_VERSION = 2
_BATCH = 2000
# Longer first lines are no HTTP status lines.
_STATUS_LINE = 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCHEMA = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    problems TEXT NOT NULL DEFAULT '',
    rank INTEGER,
    warc INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    member TEXT NOT NULL DEFAULT '',
    UNIQUE (path, member)
);
CREATE TABLE captures (
    source INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    url TEXT NOT NULL,
    key TEXT,
    date INTEGER NOT NULL,
    kind TEXT NOT NULL,
    file INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    digest TEXT,
    record_id TEXT,
    status INTEGER,
    target TEXT
);
CREATE INDEX captures_by_url ON captures (url, date);
CREATE INDEX captures_by_key ON captures (key, date);
CREATE INDEX captures_by_source ON captures (source, seq);
"""
# Equal dates keep the order of the sources, then of the records in each.
_SELECT = """
SELECT c.url, c.date, c.kind, f.path, f.member, c.offset, c.digest, c.record_id, c.status,
    coalesce(c.target, c.url)
FROM captures c JOIN sources s ON s.id = c.source JOIN files f ON f.id = c.file
WHERE c.{column} = ? AND s.rank IS NOT NULL
ORDER BY c.date, s.rank, c.seq
"""
# The responses of one source in record order, a page at a time.
_RESPONSES = """
SELECT c.url, c.date, c.kind, f.path, f.member, c.offset, c.digest, c.record_id, c.status,
    coalesce(c.target, c.url), c.seq
FROM captures c JOIN files f ON f.id = c.file
WHERE c.source = ? AND c.seq > ? AND c.kind = 'response' AND c.status = ?
ORDER BY c.seq
LIMIT ?
"""


class ReplaySourceError(Exception):
    """The replay source cannot be used at all; the message names it and why."""


@dataclass(frozen=True, slots=True)
class Capture:
    """One ``response`` or ``revisit`` record of a URL."""

    url: str
    date: datetime
    kind: str
    """``response`` or ``revisit``."""
    location: Location
    payload_digest: str | None
    record_id: str | None = None
    status: int | None = None
    """A response's HTTP status, where the index knows it."""
    target: str | None = None
    """``WARC-Target-URI`` as written (``url`` is without its fragment)."""


class ArchiveIndex:
    """Captures per URL (exact, and by SURT key for ``http``/``www``/slash variants).

    ``path``: the SQLite file to keep the index in and reuse; ``None``, a temporary file
    removed by :meth:`close` (or when the index is garbage-collected).
    """

    def __init__(self, path: Path | None = None) -> None:
        temporary = path is None
        if path is None:
            handle, name = tempfile.mkstemp(prefix="kabarsip-replay-index-", suffix=".sqlite")
            os.close(handle)
            path = Path(name)
        self.path = path
        self.captures = 0
        self.problems: list[str] = []
        self._db = _connect(path, temporary)
        self._finalizer = weakref.finalize(self, _close, self._db, path if temporary else None)

    @classmethod
    def load(cls, sources: Iterable[Path], path: Path | None = None) -> ArchiveIndex:
        """Index every WARC, WACZ and CDXJ file in ``sources`` (files or folders).

        With ``path``, an index kept there by an earlier run is reused for the files that have
        not changed since.
        """
        sources = list(sources)
        index = cls(path)
        try:
            files = list(archive_files(sources))
            if not files:
                raise ReplaySourceError(
                    f"no WARC, WACZ or CDXJ file in {', '.join(map(str, sources))}"
                )
            index._update(files)
        except sqlite3.Error as exc:  # a kept index another run is writing, a full disk...
            index.close()
            raise ReplaySourceError(f"replay index {index.path}: cannot write it ({exc})") from exc
        except BaseException:
            index.close()
            raise
        return index

    def close(self) -> None:
        """Close the database; a temporary index file is removed."""
        self._finalizer()

    def nearest(self, url: str, at: datetime | None = None) -> list[Capture]:
        """Captures of ``url`` in the order to try them.

        Without ``at``: latest first.  With ``at``: the captures at or before it, latest
        first (the archive as it was then), then those after it, earliest first.
        """
        url = urldefrag(url)[0]
        entries = self._select("url", url)
        if not entries:
            try:
                entries = self._select("key", surt_key(url))
            except ValueError:
                entries = []
        if at is None:
            return entries[::-1]
        before = [capture for capture in reversed(entries) if capture.date <= at]
        return before + [capture for capture in entries if capture.date > at]

    def following(self, url: str, at: datetime) -> list[Capture]:
        """Captures of ``url`` from ``at`` on, earliest first, then those before, latest first.

        The later pages of an article were fetched just after its first page, in the same crawl.
        """
        captures = self.nearest(url, at)
        after = sorted((c for c in captures if c.date >= at), key=lambda c: c.date)
        return after + [c for c in captures if c.date < at]

    def original(self, url: str, date: datetime, digest: str | None) -> Capture | None:
        """The response a revisit refers to: same URL and digest, at ``date`` or before."""
        for capture in self.nearest(url, date):
            if capture.kind == "response" and (digest is None or capture.payload_digest == digest):
                return capture
        return None

    def responses(self, status: int = 200) -> Iterator[Capture]:
        """The ``response`` records with this HTTP status in the WARC files indexed (WACZ
        packages and CDXJ indexes left out), file by file in the order given, each in record
        order: a capture in the order it was made."""
        sources = self._db.execute(
            "SELECT id FROM sources WHERE rank IS NOT NULL AND warc ORDER BY rank"
        ).fetchall()
        for (source,) in sources:
            after = -1
            while True:
                rows = self._db.execute(_RESPONSES, (source, after, status, _BATCH)).fetchall()
                yield from (_capture(row) for row in rows)
                if len(rows) < _BATCH:
                    break
                after = rows[-1][-1]

    def _select(self, column: str, value: str) -> list[Capture]:
        return [_capture(row) for row in self._db.execute(_SELECT.format(column=column), (value,))]

    # --- building ------------------------------------------------------------------------

    def _update(self, files: list[Path]) -> None:
        """Index the files that are new or changed; rank the files of this run in order."""
        db = self._db
        with db:
            db.execute("UPDATE sources SET rank = NULL")
        for rank, path in enumerate(files):
            try:
                stat = path.stat()
            except OSError as exc:
                self._problem(f"{path}: cannot read: {exc.strerror or exc}")
                continue
            name = str(path.resolve())
            row = db.execute(
                "SELECT id, size, mtime_ns, problems FROM sources WHERE path = ?", (name,)
            ).fetchone()
            if row is not None and (row[1], row[2]) == (stat.st_size, stat.st_mtime_ns):
                source, problems = row[0], row[3]
                for message in filter(None, problems.split("\n")):
                    self._problem(message)
            else:
                source, problems = self._index_source(path, name, stat, row and row[0])
            with db:
                db.execute("UPDATE sources SET rank = ? WHERE id = ?", (rank, source))
            self.captures += db.execute(
                "SELECT count(*) FROM captures WHERE source = ?", (source,)
            ).fetchone()[0]
        # Files that are gone leave the index; those only left out of this run stay in it.
        gone = [
            (source,)
            for source, name in db.execute("SELECT id, path FROM sources WHERE rank IS NULL")
            if not Path(name).exists()
        ]
        with db:
            db.executemany("DELETE FROM captures WHERE source = ?", gone)
            db.executemany("DELETE FROM sources WHERE id = ?", gone)

    def _index_source(
        self, path: Path, name: str, stat: os.stat_result, old: int | None
    ) -> tuple[int, str]:
        """(Re)index one file in one transaction: a run killed midway leaves the old entry."""
        db = self._db
        problems: list[str] = []
        report = partial(self._report, problems)
        with db:
            if old is not None:
                db.execute("DELETE FROM captures WHERE source = ?", (old,))
                db.execute("DELETE FROM sources WHERE id = ?", (old,))
            warc = path.name.endswith(WARC_SUFFIXES)
            source = db.execute(
                "INSERT INTO sources (path, size, mtime_ns, warc) VALUES (?, ?, ?, ?)",
                (name, stat.st_size, stat.st_mtime_ns, warc),
            ).lastrowid
            assert source is not None
            if warc:
                captures = _warc_captures(path, report)
            elif path.suffix == ".wacz":
                captures = _wacz_captures(path, report)
            else:
                captures = _cdxj_captures(path, report)
            self._insert(source, captures)
            db.execute(
                "UPDATE sources SET problems = ? WHERE id = ?", ("\n".join(problems), source)
            )
        return source, "\n".join(problems)

    def _insert(self, source: int, captures: Iterator[Capture]) -> None:
        file_ids: dict[tuple[str, str], int] = {}
        numbered = zip(itertools.count(), captures, strict=False)
        while batch := list(itertools.islice(numbered, _BATCH)):
            self._db.executemany(
                "INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        source,
                        seq,
                        capture.url,
                        _key(capture.url),
                        _micros(capture.date),
                        capture.kind,
                        self._file_id(file_ids, capture.location),
                        capture.location.offset,
                        capture.payload_digest,
                        capture.record_id,
                        capture.status,
                        None if capture.target == capture.url else capture.target,
                    )
                    for seq, capture in batch
                ],
            )

    def _file_id(self, known: dict[tuple[str, str], int], location: Location) -> int:
        name = (str(location.path), location.member or "")
        found = known.get(name)
        if found is None:
            self._db.execute("INSERT OR IGNORE INTO files (path, member) VALUES (?, ?)", name)
            found = known[name] = self._db.execute(
                "SELECT id FROM files WHERE path = ? AND member = ?", name
            ).fetchone()[0]
        return found

    def _report(self, problems: list[str], message: str) -> None:
        problems.append(message)
        self._problem(message)

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        logger.warning("%s", message)


def _capture(row: tuple[Any, ...]) -> Capture:
    url, date, kind, path, member, offset, digest, record_id, status, target = row[:10]
    return Capture(
        url,
        _EPOCH + timedelta(microseconds=date),
        kind,
        Location(Path(path), offset, member or None),
        digest,
        record_id,
        status,
        target,
    )


def _connect(path: Path, temporary: bool) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None if temporary else "DEFERRED")
        if temporary:
            # Nothing to keep if the process dies: no journal, no waiting for the disk.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.isolation_level = "DEFERRED"
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != _SCHEMA_VERSION:
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'"
                )
            ]
            with db:
                for table in tables:
                    db.execute(f"DROP TABLE {table}")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
    except sqlite3.Error as exc:
        raise ReplaySourceError(f"replay index {path}: cannot use it ({exc})") from exc
    return db


def _close(db: sqlite3.Connection, temporary: Path | None) -> None:
    db.close()
    if temporary is not None:
        temporary.unlink(missing_ok=True)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _key(url: str) -> str | None:
    try:
        return surt_key(url)
    except ValueError:  # no http(s) URL: exact matches only
        return None


def _warc_captures(path: Path, report: Callable[[str], None]) -> Iterator[Capture]:
    try:
        with path.open("rb") as stream:
            yield from _records(stream, lambda offset: Location(path, offset), str(path), report)
    except OSError as exc:
        report(f"{path}: cannot read: {exc.strerror or exc}")


def _wacz_captures(path: Path, report: Callable[[str], None]) -> Iterator[Capture]:
    try:
        with zipfile.ZipFile(path) as package:
            members = [n for n in package.namelist() if n.endswith(WARC_SUFFIXES)]
            for member in sorted(members):
                with package.open(member) as stream:
                    yield from _records(
                        stream, partial(_in_package, path, member), f"{path}!{member}", report
                    )
    except (OSError, zipfile.BadZipFile) as exc:
        report(f"{path}: not a readable WACZ package: {exc}")


def _records(
    stream: IO[bytes],
    where: Callable[[int], Location],
    name: str,
    report: Callable[[str], None],
) -> Iterator[Capture]:
    for item in walk_records(stream, name, _capture_fields):
        if isinstance(item, Problem):
            report(f"{item}; the rest of this file is left out")
            return
        if item.value is None:
            continue
        fields = item.value
        yield Capture(
            fields.url,
            fields.date,
            fields.kind,
            where(item.offset),
            fields.payload_digest,
            fields.record_id,
            fields.status,
            fields.target,
        )


def _cdxj_captures(path: Path, report: Callable[[str], None]) -> Iterator[Capture]:
    try:
        stream = path.open(encoding="utf-8")
    except OSError as exc:
        report(f"{path}: cannot read the index: {exc.strerror or exc}")
        return
    with stream:
        try:
            for number, line in enumerate(stream, 1):
                capture = _cdxj_capture(path, number, line.rstrip("\r\n"), report)
                if capture is not None:
                    yield capture
        except (OSError, UnicodeDecodeError) as exc:
            report(f"{path}: cannot read the index: {exc}")


def _cdxj_capture(
    path: Path, number: int, line: str, report: Callable[[str], None]
) -> Capture | None:
    if not line.strip() or line.startswith("!"):
        return None
    try:
        _, stamp, fields = line.split(" ", 2)
        data = json.loads(fields)
        mime = data.get("mime", "")
        kind = "revisit" if mime == "warc/revisit" else "response"
        if mime in ("warc/request", "warc/metadata") or "filename" not in data:
            return None
        return Capture(
            url=urldefrag(data["url"])[0],
            date=datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC),
            kind=kind,
            location=Location(_beside(path, data["filename"]), int(data["offset"])),
            payload_digest=_cdx_digest(data.get("digest")),
            status=int(data["status"]) if str(data.get("status", "")).isdigit() else None,
        )
    except (ValueError, KeyError) as exc:
        report(f"{path}:{number}: not a CDXJ line ({exc})")
        return None


def _capture_fields(record: Any, iterator: Any) -> _Fields | None:
    """What the index keeps of a response or revisit, else None."""
    kind = record.rec_type
    if kind not in ("response", "revisit"):
        return None
    headers = record.rec_headers
    target = headers.get_header("WARC-Target-URI") or ""
    url = urldefrag(target)[0]
    date = parse_warc_date(headers.get_header("WARC-Date"))
    if not url or date is None:
        return None
    status = _status(record.raw_stream.readline(_STATUS_LINE)) if kind == "response" else None
    return _Fields(
        kind,
        url,
        date,
        headers.get_header("WARC-Payload-Digest"),
        headers.get_header("WARC-Record-ID"),
        status,
        target,
    )


class _Fields(NamedTuple):
    kind: str
    url: str
    date: datetime
    payload_digest: str | None
    record_id: str | None
    status: int | None
    target: str


def _status(line: bytes) -> int | None:
    """The status code of an HTTP status line; None for anything else."""
    parts = line.split(maxsplit=2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return None
    return int(parts[1])


def _in_package(path: Path, member: str, offset: int) -> Location:
    return Location(path, offset, member)


def archive_files(sources: Iterable[Path]) -> Iterator[Path]:
    """WARC, WACZ and CDXJ files among ``sources`` (files, or folders one level deep).

    A folder holding WARC or WACZ files gives those only: an index beside them lists the
    same captures again.  A folder of indexes alone gives its CDXJ files.
    """
    for source in sources:
        if source.is_dir():
            children = sorted(source.iterdir())
            archives = [
                p for p in children if p.name.endswith(WARC_SUFFIXES) or p.suffix == ".wacz"
            ]
            yield from archives or [p for p in children if p.suffix in _CDXJ_NAMES]
        elif source.is_file():
            yield source
        else:
            raise ReplaySourceError(f"replay source {source} does not exist")


def _beside(index: Path, filename: str) -> Path:
    """A CDXJ ``filename``: beside the index, or in ``archive/`` next to its folder (pywb)."""
    for folder in (index.parent, index.parent.parent / "archive", index.parent.parent):
        # An index names files beside it: one naming "../x" or "/x" finds nothing.
        with contextlib.suppress(UnsafePathError):
            if (candidate := inside(folder, filename)).is_file():
                return candidate
    return index.parent / Path(filename).name


def _cdx_digest(value: str | None) -> str | None:
    if not value:
        return None
    return value if ":" in value else f"sha1:{value}"
