"""The default CrawlState backend: one SQLite file (WAL), used by one crawl at a time.

Several sites may share one file: article rows carry their site and :meth:`due_articles`
filters by it, capture rows are keyed by URL, which no two sites share.  The ``meta`` table
keeps the schema version and the sites that have used the file; ``pending_items`` is the outbox
of items decided but not yet durably written (:class:`~archive.state.PendingItem`).

Learned blocks (schema 4): ``blocks`` counts, per site and block digest, the distinct articles
it was seen on and ``since``, how many articles the site had counted before it was first seen,
so that a block that appeared late is measured against the articles seen since;
``block_sites`` counts a site's articles; ``article_blocks`` keeps, per article key, the digests
it was counted for, so that a fetch of an article already counted adds nothing.

The store holds the file's :class:`~archive.statelock.StateLock` while it is open.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from archive.state import (
    DEFAULT_STATE_PATH,
    ArticleState,
    CaptureState,
    CrawlState,
    CrawlStateError,
    ExtractionBasis,
    PendingItem,
    RunRecord,
    surt_key,
)
from archive.statelock import StateLock

logger = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION = 5
_BASIS_TABLE = """CREATE TABLE article_basis (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    learned TEXT NOT NULL,
    pages TEXT NOT NULL
) WITHOUT ROWID"""
_PENDING_TABLE = """CREATE TABLE pending_items (
    seq INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    line TEXT NOT NULL,
    UNIQUE (canonical_url, version)
)"""
_RUNS_TABLE = """CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    stats TEXT NOT NULL
) WITHOUT ROWID"""
_RUNS_INDEX = "CREATE INDEX runs_by_site ON runs (site, finished_at)"
_BLOCK_TABLES = (
    """CREATE TABLE block_sites (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
) WITHOUT ROWID""",
    """CREATE TABLE blocks (
    site TEXT NOT NULL,
    digest TEXT NOT NULL,
    articles INTEGER NOT NULL,
    since INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (site, digest)
) WITHOUT ROWID""",
    "CREATE INDEX blocks_by_count ON blocks (site, articles)",
    """CREATE TABLE article_blocks (
    key TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    digests TEXT NOT NULL
) WITHOUT ROWID""",
)
#: Statements that bring a file from version ``N - 1`` to ``N``.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (_PENDING_TABLE,),
    3: (_RUNS_TABLE, _RUNS_INDEX),
    4: _BLOCK_TABLES,
    5: (_BASIS_TABLE,),
}

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE captures (
    url TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    payload_digest TEXT,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    content_type TEXT
) WITHOUT ROWID""",
    """CREATE TABLE articles (
    key TEXT PRIMARY KEY,
    url_key TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    version INTEGER NOT NULL,
    published TEXT,
    updated TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    next_visit TEXT,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('live', 'gone')),
    gone_at TEXT,
    field_digests TEXT NOT NULL
) WITHOUT ROWID""",
    "CREATE INDEX articles_by_url ON articles (url_key)",
    """CREATE INDEX articles_due ON articles (site, next_visit)
    WHERE status = 'live' AND next_visit IS NOT NULL""",
    "CREATE INDEX articles_by_site ON articles (site, key)",
    _PENDING_TABLE,
    _RUNS_TABLE,
    _RUNS_INDEX,
    *_BLOCK_TABLES,
    _BASIS_TABLE,
)

_CAPTURE_COLUMNS = tuple(field.name for field in fields(CaptureState))
_ARTICLE_COLUMNS = tuple(field.name for field in fields(ArticleState))
_TIME_COLUMNS = frozenset(
    {"fetched_at", "warc_date", "first_seen", "last_seen", "last_changed", "next_visit", "gone_at"}
)
_PUT_CAPTURE = (
    f"INSERT OR REPLACE INTO captures ({', '.join(_CAPTURE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_CAPTURE_COLUMNS))})"
)
_JSON_COLUMNS = frozenset({"field_digests"})
_PUT_ARTICLE = (
    f"INSERT OR REPLACE INTO articles (key, url_key, {', '.join(_ARTICLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(_ARTICLE_COLUMNS) + 2))})"
)
_COUNT_SITE_ARTICLE = (
    "INSERT INTO block_sites (site, articles) VALUES (?, 1)"
    " ON CONFLICT (site) DO UPDATE SET articles = articles + 1"
)
_COUNT_BLOCK = (
    "INSERT INTO blocks (site, digest, articles, since, first_seen, last_seen)"
    " VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (site, digest)"
    " DO UPDATE SET articles = articles + 1, last_seen = excluded.last_seen"
)
_SELECT_CAPTURES = f"SELECT {', '.join(_CAPTURE_COLUMNS)} FROM captures"
_SELECT_ARTICLES = f"SELECT key, {', '.join(_ARTICLE_COLUMNS)} FROM articles"
_PUT_PENDING = (
    "INSERT OR REPLACE INTO pending_items (canonical_url, version, kind, target, line) "
    "VALUES (?, ?, ?, ?, ?)"
)
_PAGE = 1000
#: Capture states (and URLs known to have none) kept in memory, for the several reads of one
#: URL on its way through a crawl (links, conditional GET, archiving).
_CACHED_CAPTURES = 4096
#: What to do about a damaged state file: the WARC files hold all it knew.
_REBUILD = "rebuild it from the WARC files: scrapy state rebuild --state {} --force"
#: SQLite virtual machine steps between two looks at the clock during the integrity check.
_CHECK_STEPS = 10_000


class SqliteCrawlState(CrawlState):
    """CrawlState in the SQLite file ``path``, created (with its directory) when missing.

    Each put is its own transaction: in WAL mode it survives a crash of the process, and with
    ``fsync`` (``synchronous=FULL``) a power loss too.  With ``group_seconds`` > 0 the puts of
    up to that many seconds share one transaction instead (a commit costs far more than a
    put), committed by :meth:`commit`, by the first put after that time, and on close; each
    put still applies whole or not at all.  A crash loses the puts not yet committed, so
    whoever makes something outside the state depend on a put (an item line written) commits
    first.  ``site`` is recorded in ``meta`` as a user of the file.  Not thread-safe: use it
    from one thread, as Scrapy's reactor does.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_STATE_PATH,
        site: str | None = None,
        *,
        fsync: bool = False,
        check_seconds: float | None = None,
        on_error: Callable[[CrawlStateError], None] | None = None,
        group_seconds: float = 0.0,
    ) -> None:
        """``check_seconds``: run SQLite's ``quick_check`` first, for at most that long.

        ``on_error`` hears of every error of a read or write after opening (damage found
        late, disk full...) before it is raised as :class:`CrawlStateError`.
        """
        self.path = Path(path)
        self.site = site
        self._on_error = on_error
        self.group_seconds = group_seconds
        # When the open group transaction began (time.monotonic), or None.
        self._group_since: float | None = None
        # Puts under way: a put made inside another never commits.
        self._puts_open = 0
        # Reads this store can answer itself: no other process writes the file while it is
        # open (the state lock). Both are emptied whenever a read or write fails.
        self._captures: dict[str, CaptureState | None] = {}
        self._block_articles: dict[str, int] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CrawlStateError(
                f"cannot create the folder of state file {self.path}: {exc.strerror}"
            ) from exc
        self._lock: StateLock | None = StateLock(self.path)
        try:
            self._db: sqlite3.Connection | None = self._open(fsync, check_seconds)
        except BaseException:
            self._release_lock()
            raise

    @property
    def sites(self) -> list[str]:
        """Sites that have opened this file, in the order they first did."""
        row = self._fetchone("SELECT value FROM meta WHERE key = 'sites'", ())
        return list(json.loads(row[0])) if row else []

    def get_capture(self, url: str) -> CaptureState | None:
        try:
            return self._captures[url]
        except KeyError:
            pass
        row = self._fetchone(f"{_SELECT_CAPTURES} WHERE url = ?", (url,))
        capture = None if row is None else self._loaded(_capture, row)
        self._cache_capture(url, capture)
        return capture

    def put_capture(self, state: CaptureState) -> None:
        row = _row(state, _CAPTURE_COLUMNS)
        self._write(_PUT_CAPTURE, row)
        # As a read gives it back (times in UTC).
        self._cache_capture(state.url, _capture(row))

    def get_article(self, canonical_url: str) -> ArticleState | None:
        key = surt_key(canonical_url)
        row = self._fetchone(f"{_SELECT_ARTICLES} WHERE key = ?", (key,))
        return None if row is None else self._loaded(_article, row)

    def find_article(self, url: str) -> ArticleState | None:
        key = surt_key(url)
        row = self._fetchone(
            f"{_SELECT_ARTICLES} WHERE key = ?1 OR url_key = ?1 ORDER BY key != ?1 LIMIT 1",
            (key,),
        )
        return None if row is None else self._loaded(_article, row)

    def put_article(self, state: ArticleState) -> None:
        self._write(_PUT_ARTICLE, (state.key, surt_key(state.url), *_row(state, _ARTICLE_COLUMNS)))

    def put_articles(self, states: Iterable[ArticleState]) -> None:
        """All of ``states`` in one transaction (one commit instead of one each)."""
        rows = [(s.key, surt_key(s.url), *_row(s, _ARTICLE_COLUMNS)) for s in states]
        if rows:
            self._in_transaction(_PUT_ARTICLE, rows)

    def get_basis(self, key: str) -> ExtractionBasis | None:
        row = self._fetchone(
            "SELECT fingerprint, learned, pages FROM article_basis WHERE key = ?", (key,)
        )
        if row is None:
            return None
        pages = tuple((str(url), str(record)) for url, record in json.loads(row[2]))
        return ExtractionBasis(key, row[0], row[1], pages)

    def put_bases(self, bases: Iterable[ExtractionBasis]) -> None:
        rows = [
            (b.key, b.fingerprint, b.learned, json.dumps([list(page) for page in b.pages]))
            for b in bases
        ]
        if rows:
            self._in_transaction(
                "INSERT OR REPLACE INTO article_basis (key, fingerprint, learned, pages)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )

    def put_version(self, state: ArticleState, pending: PendingItem) -> None:
        article = (state.key, surt_key(state.url), *_row(state, _ARTICLE_COLUMNS))
        row = (pending.canonical_url, pending.version, pending.kind, pending.target, pending.line)

        def write(db: sqlite3.Connection) -> None:
            db.execute(_PUT_ARTICLE, article)
            db.execute(_PUT_PENDING, row)

        self._transaction(write)

    def pending_items(self) -> list[PendingItem]:
        rows = self._fetchall(
            "SELECT canonical_url, version, kind, target, line FROM pending_items ORDER BY seq", ()
        )
        return [PendingItem(*row) for row in rows]

    def clear_pending(self, keys: Iterable[tuple[str, int]]) -> None:
        self._in_transaction(
            "DELETE FROM pending_items WHERE canonical_url = ? AND version = ?", list(keys)
        )

    def move_pending(self, keys: Iterable[tuple[str, int]], target: str) -> None:
        self._in_transaction(
            "UPDATE pending_items SET target = ? WHERE canonical_url = ? AND version = ?",
            [(target, *key) for key in keys],
        )

    def due_articles(
        self, site: str, now: datetime, limit: int | None = None
    ) -> list[ArticleState]:
        rows = self._fetchall(
            f"{_SELECT_ARTICLES} WHERE site = ? AND status = 'live' AND next_visit IS NOT NULL"
            " AND next_visit <= ? ORDER BY next_visit, key LIMIT ?",
            (site, _store_time(now), -1 if limit is None else limit),
        )
        return [self._loaded(_article, row) for row in rows]

    def articles(self, site: str | None = None) -> Iterator[ArticleState]:
        where = "" if site is None else "site = ? AND "
        # Page by key so no cursor stays open while the caller writes between items.
        query = f"{_SELECT_ARTICLES} WHERE {where}key > ? ORDER BY key LIMIT {_PAGE}"
        last = ""
        while rows := self._fetchall(query, (last,) if site is None else (site, last)):
            yield from (self._loaded(_article, row) for row in rows)
            last = rows[-1][0]

    def captures(self) -> Iterator[CaptureState]:
        query = f"{_SELECT_CAPTURES} WHERE url > ? ORDER BY url LIMIT {_PAGE}"
        last = ""
        while rows := self._fetchall(query, (last,)):
            yield from (self._loaded(_capture, row) for row in rows)
            last = rows[-1][0]

    def put_run(self, run: RunRecord) -> None:
        stats = {key: value for key, value in run.stats.items() if _is_number(value)}
        self._write(
            "INSERT OR REPLACE INTO runs (run_id, site, started_at, finished_at, outcome, stats)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                run.run_id,
                run.site,
                _store_time(run.started_at),
                _store_time(run.finished_at),
                run.outcome,
                json.dumps(stats, sort_keys=True),
            ),
        )

    def runs(self, site: str | None = None, limit: int | None = None) -> list[RunRecord]:
        where = "" if site is None else "WHERE site = ? "
        params: tuple[Any, ...] = () if site is None else (site,)
        rows = self._fetchall(
            "SELECT run_id, site, started_at, finished_at, outcome, stats FROM runs "
            f"{where}ORDER BY finished_at DESC, run_id DESC LIMIT ?",
            (*params, -1 if limit is None else limit),
        )
        return [self._loaded(_run, row) for row in rows]

    def record_blocks(
        self, site: str, article_key: str, digests: Iterable[str], seen_at: datetime
    ) -> None:
        found = {digest for digest in digests if digest}
        if any(len(digest.split()) != 1 for digest in found):
            raise ValueError(f"block digests of {article_key} must be words without spaces")
        when = _store_time(seen_at)
        # The site's article count after this call, once it is committed.
        totals: list[int] = []

        def write(db: sqlite3.Connection) -> None:
            # An article not counted before (the common case) takes one statement to tell.
            inserted = db.execute(
                "INSERT INTO article_blocks (key, site, digests) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (article_key, site, " ".join(sorted(found))),
            ).rowcount
            if inserted:
                new = found
                db.execute(_COUNT_SITE_ARTICLE, (site,))
                total = self._block_articles.get(site)
                total = self._site_articles(db, site) if total is None else total + 1
            else:
                row = db.execute(
                    "SELECT digests FROM article_blocks WHERE key = ?", (article_key,)
                ).fetchone()
                known = set(str(row[0]).split())
                new = found - known
                if not new:
                    return
                total = self._block_articles.get(site) or self._site_articles(db, site)
                db.execute(
                    "INSERT OR REPLACE INTO article_blocks (key, site, digests) VALUES (?, ?, ?)",
                    (article_key, site, " ".join(sorted(known | new))),
                )
            db.executemany(
                _COUNT_BLOCK, [(site, digest, total - 1, when, when) for digest in sorted(new)]
            )
            totals.append(total)

        self._transaction(write)
        if totals:
            self._block_articles[site] = totals[0]

    @staticmethod
    def _site_articles(db: sqlite3.Connection, site: str) -> int:
        (total,) = db.execute("SELECT articles FROM block_sites WHERE site = ?", (site,)).fetchone()
        return int(total)

    def learned_blocks(self, site: str, min_articles: int, min_share: float) -> frozenset[str]:
        rows = self._fetchall(
            "SELECT b.digest FROM blocks AS b JOIN block_sites AS s ON s.site = b.site"
            " WHERE b.site = ?1 AND b.articles >= ?2 AND b.articles >= ?3 * (s.articles - b.since)",
            (site, max(1, min_articles), min_share),
        )
        return frozenset(str(row[0]) for row in rows)

    def commit(self) -> None:
        db = self._db
        self._group_since = None
        if db is None or not db.in_transaction:
            return
        try:
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def close(self) -> None:
        if self._db is not None:
            try:
                self.commit()
            finally:
                db, self._db = self._db, None
                try:
                    db.close()
                finally:
                    self._release_lock()

    def _in_transaction(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._transaction(lambda db: db.executemany(statement, rows))

    def _write(self, sql: str, params: Sequence[Any]) -> None:
        """One statement that writes: committed at once, or with its group.

        A statement applies whole or not at all by itself: no savepoint around it.
        """
        if self.group_seconds > 0:
            self._group()
        self._execute(sql, params)

    def _transaction(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Run ``work`` in one write transaction: all of it is committed, or none."""
        if self.group_seconds > 0:
            self._grouped(work)
            return
        db = self._conn
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                work(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def _grouped(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Run ``work`` whole or not at all (a savepoint) in the open group transaction."""
        db = self._group()
        try:
            db.execute("SAVEPOINT put")
            self._puts_open += 1
            try:
                work(db)
            except BaseException:
                db.execute("ROLLBACK TO put")
                db.execute("RELEASE put")
                raise
            finally:
                self._puts_open -= 1
            db.execute("RELEASE put")
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def _group(self) -> sqlite3.Connection:
        """The connection, in the open group transaction: begun, or committed when it is
        older than ``group_seconds`` and a new one begun."""
        db = self._conn
        now = time.monotonic()
        since = self._group_since
        # Only between puts: a commit inside one would split it.
        if self._puts_open == 0 and since is not None and now - since >= self.group_seconds:
            self.commit()
        if not db.in_transaction:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failure(_describe(self.path, exc)) from exc
            self._group_since = now
        return db

    def _cache_capture(self, url: str, capture: CaptureState | None) -> None:
        captures = self._captures
        captures.pop(url, None)
        if len(captures) >= _CACHED_CAPTURES:
            del captures[next(iter(captures))]
        captures[url] = capture

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise CrawlStateError(f"state file {self.path} was already closed")
        return self._db

    def _execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def _fetchone(self, sql: str, params: Sequence[Any]) -> Any:
        try:
            return self._conn.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def _fetchall(self, sql: str, params: Sequence[Any]) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failure(_describe(self.path, exc)) from exc

    def _loaded(self, make: Callable[[Sequence[Any]], T], row: Sequence[Any]) -> T:
        """A state object from ``row``; a row SQLite found sound but that is not is damage."""
        try:
            return make(row)
        except (ValueError, TypeError) as exc:
            raise self._failure(
                f"state file {self.path} holds a damaged row ({exc}); {_REBUILD.format(self.path)}"
            ) from exc

    def _failure(self, message: str) -> CrawlStateError:
        # What the file holds is no longer known for sure (a transaction may be rolled back).
        self._captures.clear()
        self._block_articles.clear()
        error = CrawlStateError(message)
        if self._on_error is not None:
            self._on_error(error)
        return error

    def _open(self, fsync: bool, check_seconds: float | None) -> sqlite3.Connection:
        # Autocommit: every statement is its own transaction, committed when it returns.
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise CrawlStateError(_describe(self.path, exc)) from exc
        try:
            if check_seconds is not None:
                self._quick_check(db, check_seconds)
            # Nothing is written before the version check: a newer file stays as it is.
            version = self._schema_version(db)
            if version is None:
                created = {
                    "created_at": _store_time(datetime.now(UTC)),
                    "created_by": f"kabarsip {_version()}",
                }
                _apply(db, _SCHEMA, SCHEMA_VERSION, created)
            elif version > SCHEMA_VERSION:
                raise CrawlStateError(
                    f"state file {self.path} has schema version {version}, newer than version "
                    f"{SCHEMA_VERSION} that this Kabarsip ({_version()}) knows; upgrade "
                    "Kabarsip or set STATE_PATH to another file"
                )
            else:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    _apply(db, _MIGRATIONS[step], step)
            if db.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise CrawlStateError(f"state file {self.path} cannot be put in WAL mode")
            db.execute(f"PRAGMA synchronous = {'FULL' if fsync else 'NORMAL'}")
            self._record_site(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise CrawlStateError(_describe(self.path, exc)) from exc
        except BaseException:
            db.close()
            raise
        return db

    def _quick_check(self, db: sqlite3.Connection, seconds: float) -> None:
        """SQLite's ``quick_check`` (page structure, no index cross-check), for ``seconds``.

        A file too large to check in time is used unchecked, with a warning.
        """
        deadline = time.monotonic() + seconds
        db.set_progress_handler(lambda: time.monotonic() > deadline, _CHECK_STEPS)
        try:
            problems = [
                line
                for row in db.execute("PRAGMA quick_check(3)")
                for line in str(row[0]).splitlines()
                if line and not line.startswith("*** ")
            ]
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc):
                raise
            logger.warning(
                "state file %s: integrity check stopped after %.0f s, file used unchecked",
                self.path,
                seconds,
            )
            return
        finally:
            db.set_progress_handler(None, 0)
        if problems != ["ok"]:
            raise CrawlStateError(
                f"state file {self.path} is damaged ({'; '.join(problems)[:160]}); "
                f"{_REBUILD.format(self.path)}"
            )

    def _schema_version(self, db: sqlite3.Connection) -> int | None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return None
        row = None
        if "meta" in tables:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise CrawlStateError(
                f"{self.path} is an SQLite database but not a Kabarsip state file (no schema "
                "version in a meta table); set STATE_PATH to another file"
            )
        return int(row[0])

    def _record_site(self, db: sqlite3.Connection) -> None:
        if self.site is None:
            return
        row = db.execute("SELECT value FROM meta WHERE key = 'sites'").fetchone()
        sites: list[str] = json.loads(row[0]) if row else []
        if self.site not in sites:
            if sites:
                logger.info("state file %s now shared by %s and %s", self.path, sites, self.site)
            _set_meta(db, "sites", json.dumps([*sites, self.site]))

    def _release_lock(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.release()


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def _apply(
    db: sqlite3.Connection,
    statements: Sequence[str],
    version: int,
    meta: Mapping[str, str] | None = None,
) -> None:
    """Run ``statements`` and set the schema version in one transaction: all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            db.execute(statement)
        for key, value in {**(meta or {}), "schema_version": str(version)}.items():
            _set_meta(db, key, value)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _describe(path: Path, error: sqlite3.Error) -> str:
    extended = getattr(error, "sqlite_errorcode", None)
    code = None if extended is None else extended & 0xFF
    if code == sqlite3.SQLITE_NOTADB:
        return (
            f"{path} is not a Kabarsip state file (not an SQLite database); move it away or "
            "set STATE_PATH to another file"
        )
    # Kabarsip writes only UTF-8 text: a value that is not is damage SQLite's checks let pass.
    if code == sqlite3.SQLITE_CORRUPT or "Could not decode to UTF-8" in str(error):
        return f"state file {path} is damaged ({error}); {_REBUILD.format(path)}"
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return f"state file {path} could not be written ({error}); free space in {path.parent}"
    return f"cannot use state file {path}: {error}"


def _store_time(moment: datetime) -> str:
    """Fixed-width UTC text, so that SQL compares times as strings correctly."""
    if moment.tzinfo is None:
        raise ValueError(f"state times need a time zone, got naive {moment.isoformat()}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _row(state: CaptureState | ArticleState, columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_stored(column, getattr(state, column)) for column in columns)


def _stored(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return _store_time(value)
    if column in _JSON_COLUMNS:
        return json.dumps(dict(value), sort_keys=True, ensure_ascii=False)
    return value


def _loaded(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    return {column: _read(column, value) for column, value in zip(columns, row, strict=True)}


def _read(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _TIME_COLUMNS:
        return datetime.fromisoformat(value)
    if column in _JSON_COLUMNS:
        return json.loads(value)
    return value


def _capture(row: Sequence[Any]) -> CaptureState:
    return CaptureState(**_loaded(_CAPTURE_COLUMNS, row))


def _article(row: Sequence[Any]) -> ArticleState:
    return ArticleState(**_loaded(_ARTICLE_COLUMNS, row[1:]))


def _run(row: Sequence[Any]) -> RunRecord:
    run_id, site, started_at, finished_at, outcome, stats = row
    figures = json.loads(stats)
    if not isinstance(figures, dict) or not all(_is_number(v) for v in figures.values()):
        raise ValueError(f"run {run_id!r} has stats that are not numbers by name")
    return RunRecord(
        run_id=run_id,
        site=site,
        started_at=datetime.fromisoformat(started_at),
        finished_at=datetime.fromisoformat(finished_at),
        outcome=outcome,
        stats=figures,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _version() -> str:
    try:
        return metadata.version("kabarsip")
    except metadata.PackageNotFoundError:
        return "unknown version"
