"""CrawlState: what earlier crawls fetched and which article versions they found.

Two kinds of record:

- :class:`CaptureState`, one per URL exactly as fetched: HTTP validators for conditional GET
  and the payload digest and WARC location of the last full response, which a revisit record
  refers to.
- :class:`ArticleState`, one per article, keyed by :func:`surt_key` of its canonical URL:
  content fingerprint and version, and when to visit it again.

The WARC files are the source of truth; this is an index of them that a crawl consults.  A
WARC record is flushed before its state is put, so a crash can cost a duplicate capture, never
a lost one.  :class:`archive.state_sqlite.SqliteCrawlState` is the default backend;
:class:`archive.state_redis.RedisCrawlState` is shared by several worker processes.

Per site, the store also counts the text blocks (body paragraphs, date and byline texts) seen
on the site's distinct articles, as opaque digests: a block repeated on many of them is learned
boilerplate (:mod:`pipelines.learned`).  An article counts once per block, however often it is
fetched or changes: the store remembers which blocks each article was counted for.

A new article version is put together with a :class:`PendingItem`, its item not yet durably
written (the outbox): the item output clears it once the item is fsynced, and the next run
writes whatever a crash left pending, so every version is emitted exactly once.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self
from urllib.parse import urlsplit

from surt import GoogleURLCanonicalizer, IAURLCanonicalizer, surt

from archive.tracking import strip_tracking
from archive.warc import RecordLocation

if TYPE_CHECKING:
    from surt.handyurl import handyurl

DEFAULT_STATE_PATH = Path("data/state.sqlite")

ArticleStatus = Literal["live", "gone"]


class CrawlStateError(Exception):
    """The state store cannot be used as it is; the message names the file and the remedy."""


class CrawlStateLockedError(CrawlStateError):
    """Another crawl holds the state store."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(
            f"state file {path} is in use by another crawl ({holder}); run crawls of the same "
            "state one at a time or give each its own STATE_PATH"
        )
        self.path = path
        self.pid = pid


@dataclass(frozen=True, slots=True)
class CaptureState:
    """The last fetch of one URL (the exact string fetched) and its last full capture.

    ``fetched_at``, ``status`` and the validators describe the latest fetch, revisits
    included; ``payload_digest``, ``warc_*`` and ``warc_date`` describe the last full
    response record, the one later revisits refer to (``WARC-Refers-To-*``).
    """

    url: str
    fetched_at: datetime
    status: int
    etag: str | None
    last_modified: str | None
    payload_digest: str | None
    """``sha1:BASE32`` of the body as served, as in ``WARC-Payload-Digest``."""
    warc_file: str
    warc_offset: int
    warc_record_id: str
    warc_date: datetime
    """``WARC-Date`` of the full response record, for ``WARC-Refers-To-Date``."""
    content_type: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.url, fetched_at=self.fetched_at, warc_date=self.warc_date)

    @classmethod
    def from_record(
        cls,
        url: str,
        location: RecordLocation,
        *,
        fetched_at: datetime,
        status: int,
        etag: str | None = None,
        last_modified: str | None = None,
        content_type: str | None = None,
    ) -> CaptureState:
        """State for a full response just written at ``location`` (its WARC-Date is the fetch)."""
        return cls(
            url=url,
            fetched_at=fetched_at,
            status=status,
            etag=etag,
            last_modified=last_modified,
            payload_digest=location.payload_digest or None,
            warc_file=location.warc_file,
            warc_offset=location.offset,
            warc_record_id=location.record_id,
            warc_date=fetched_at,
            content_type=content_type,
        )


@dataclass(frozen=True, slots=True)
class ArticleState:
    """The current version of one article and when to look at it again."""

    canonical_url: str
    url: str
    """The URL fetched for the current version (may differ from the canonical one)."""
    site: str
    fingerprint: str
    """Content hash of the extracted article; a change makes a new version."""
    version: int
    published: str | None
    updated: str | None
    """``published``/``updated`` as the article item has them (ISO 8601, page's offset)."""
    first_seen: datetime
    last_seen: datetime
    last_changed: datetime
    next_visit: datetime | None
    """``None``: not to be revisited (gone, or no schedule)."""
    warc_file: str
    warc_offset: int
    warc_record_id: str
    """Where the capture the current version was extracted from is."""
    status: ArticleStatus = "live"
    gone_at: datetime | None = None
    field_digests: Mapping[str, str] = field(default_factory=dict)
    """Digest per fingerprinted field, so that the next version can name what changed."""

    def __post_init__(self) -> None:
        _require_aware(
            self.canonical_url,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            last_changed=self.last_changed,
            next_visit=self.next_visit,
            gone_at=self.gone_at,
        )
        if self.status not in ("live", "gone"):
            raise ValueError(f"article status must be 'live' or 'gone', got {self.status!r}")

    @property
    def key(self) -> str:
        """The article's key: :func:`surt_key` of its canonical URL."""
        return surt_key(self.canonical_url)


@dataclass(frozen=True, slots=True)
class ExtractionBasis:
    """What an article's current fingerprint was extracted from, beyond its first page.

    A page fetched again unchanged gives the same fingerprint only when the learned boilerplate
    taken out of it is the same (``learned``: a digest of the site's learned blocks then, empty
    when none) and, for an article of several pages, when none of its later pages changed
    (``pages``: URL and capture record ID of each later page, in order).  Valid only while the
    article's fingerprint is ``fingerprint``.
    """

    key: str
    """The article's key (:func:`surt_key` of its canonical URL)."""
    fingerprint: str
    learned: str
    pages: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PendingItem:
    """An article version's item, decided but not yet durably written to the item output."""

    canonical_url: str
    """The article's key as the item has it: ``canonical_url``, else ``url``."""
    version: int
    kind: str
    """``emit_reason``: "new" or "updated"."""
    target: str
    """The item file it was being written to."""
    line: str
    """The item's JSON line, without its newline."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.canonical_url, self.version)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One finished crawl run of a site: its close reason and final figures.

    ``stats`` holds the run's numeric Scrapy stats (``coverage/...`` figures included), so
    monitors compare a run with the site's earlier ones and reports plot them over runs.
    """

    run_id: str
    site: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    """The close reason: ``finished``, or why the run ended early."""
    stats: Mapping[str, float]


class CrawlState(ABC):
    """Store of capture and article state; one crawl at a time uses a store.

    Every put is durable against a crash of the process before it returns.  Datetimes go in
    aware and come out aware in UTC.
    """

    @abstractmethod
    def get_capture(self, url: str) -> CaptureState | None:
        """The state of ``url`` exactly as fetched, if it was fetched before."""

    @abstractmethod
    def put_capture(self, state: CaptureState) -> None:
        """Record ``state``, replacing any earlier state of its URL."""

    @abstractmethod
    def get_article(self, canonical_url: str) -> ArticleState | None:
        """The article whose canonical URL has the same :func:`surt_key`, if known."""

    @abstractmethod
    def find_article(self, url: str) -> ArticleState | None:
        """The article fetched as, or canonically named, ``url`` (compared by key)."""

    @abstractmethod
    def put_article(self, state: ArticleState) -> None:
        """Record ``state``, replacing any earlier state of its key."""

    def put_articles(self, states: Iterable[ArticleState]) -> None:
        """Record each of ``states`` as :meth:`put_article` does; a backend may batch them."""
        for state in states:
            self.put_article(state)

    def get_basis(self, key: str) -> ExtractionBasis | None:
        """The extraction basis of the article ``key``, if recorded (a backend may keep none)."""
        return None

    def put_bases(self, bases: Iterable[ExtractionBasis]) -> None:
        """Record these extraction bases, replacing earlier ones of their keys.

        A backend that keeps none ignores them: its re-crawls extract more pages.
        """
        return None

    @abstractmethod
    def put_version(self, state: ArticleState, pending: PendingItem) -> None:
        """Record a new version and its pending item together: both or neither."""

    @abstractmethod
    def pending_items(self) -> list[PendingItem]:
        """Items of versions put but not yet cleared, in the order they were put."""

    @abstractmethod
    def clear_pending(self, keys: Iterable[tuple[str, int]]) -> None:
        """Forget the pending items of these ``(canonical_url, version)``: they are written."""

    @abstractmethod
    def move_pending(self, keys: Iterable[tuple[str, int]], target: str) -> None:
        """These pending items are now being written to the item file ``target``."""

    @abstractmethod
    def due_articles(
        self, site: str, now: datetime, limit: int | None = None
    ) -> list[ArticleState]:
        """Live articles of ``site`` whose ``next_visit`` is at or before ``now``, oldest first."""

    @abstractmethod
    def articles(self, site: str | None = None) -> Iterator[ArticleState]:
        """Every article, or those of ``site``, in key order."""

    @abstractmethod
    def captures(self) -> Iterator[CaptureState]:
        """Every capture state, in URL order."""

    @abstractmethod
    def put_run(self, run: RunRecord) -> None:
        """Record a finished run, replacing an earlier record of its ``run_id``."""

    @abstractmethod
    def runs(self, site: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Recorded runs, or those of ``site``, newest first; at most ``limit`` of them."""

    @abstractmethod
    def record_blocks(
        self, site: str, article_key: str, digests: Iterable[str], seen_at: datetime
    ) -> None:
        """Count the block ``digests`` found on the article ``article_key`` of ``site``.

        A block already counted for this article is not counted again; an article not seen
        before adds one to the site's articles.  One transaction: all of it, or none.
        """

    @abstractmethod
    def learned_blocks(self, site: str, min_articles: int, min_share: float) -> frozenset[str]:
        """The digests of ``site`` counted on at least ``min_articles`` articles, and on at
        least ``min_share`` of the site's articles counted since the block was first seen."""

    # Not abstract: only a store that groups its writes has anything to do.
    def commit(self) -> None:  # noqa: B027
        """Make the writes so far durable now; a store that commits every write does nothing."""

    @abstractmethod
    def close(self) -> None:
        """Release the store; calling it again does nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# Kept for the URLs seen last: an item's URL is keyed several times on its way (learned
# blocks, versions, the state's records), and SURT is slow.
@lru_cache(maxsize=4096)
def surt_key(url: str) -> str:
    """The SURT of ``url`` as a state key: ``id,co,example)/berita/1?page=2``.

    Variants of one address get one key: the scheme is left out (``http`` and ``https`` are
    one page), so are a leading ``www``/``www2`` label, a default port, user info, the fragment,
    tracking parameters (``utm_*``, ``fbclid``, ...), session ids, an empty query and a trailing
    slash; the host is lowercased and IDNA-encoded, the query sorted.  Unlike the lowercased
    SURTs of CDX indexes, path and query keep their case: some sites put case-sensitive ids
    there, and merging two articles would be worse than splitting one.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"cannot key {url!r}: only http(s) URLs with a host have a state key")
    return str(
        surt(
            strip_tracking(url.strip()),
            canonicalizer=_canonicalize,
            path_lowercase=False,
            query_lowercase=False,
        )
    )


# Four decimal numbers 0-255 without leading zeros: an IPv4 host already written as it is read.
_CANONICAL_IPV4 = re.compile(
    rb"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    rb"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
)
# Stands in for such a host while surt canonicalizes the URL (any name it keeps as it is).
_STAND_IN = b"ipv4"


def _canonicalize(url: handyurl, **options: object) -> handyurl:
    """surt's default canonicalization, without a resolver call for a canonical IPv4 host.

    surt reads an IPv4 host through ``gethostbyname_ex`` (about 0.2 ms, for every new URL of
    a host such as 127.0.0.1), which gives a canonical dotted quad back unchanged.
    """
    host = url.host
    if host and _CANONICAL_IPV4.fullmatch(host):
        url.host = _STAND_IN
        url = GoogleURLCanonicalizer.canonicalize(url, **options)
        url.host = host
    else:
        url = GoogleURLCanonicalizer.canonicalize(url, **options)
    return IAURLCanonicalizer.canonicalize(url, **options)


def _require_aware(url: str, **moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{name} of {url} needs a time zone, got naive {moment.isoformat()}")
