"""The state's rules: how captures and articles change with each fetch and version decision.

Pure functions of the previous state and what was fetched or decided; no I/O, no Scrapy.  The
live crawl applies them as it archives (:mod:`archive.capture`, :mod:`archive.gone`,
:mod:`pipelines.versions`) and ``scrapy state rebuild`` folds them over the WARC records
(:mod:`archive.rebuild`), so a rebuilt state is the state the crawl kept.

A fetch is one of three kinds, as its WARC record says: ``response`` (a full capture),
``revisit`` (identical payload) or ``not_modified`` (a 304 confirming the last capture).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from archive.decisions import Decision
from archive.schedule import next_visit, published_moment
from archive.state import ArticleState, CaptureState

__all__ = [
    "GONE_STATUSES",
    "Fetch",
    "FetchKind",
    "article_after_fetch",
    "capture_after_fetch",
    "confirms_version",
    "gone",
    "seen_again",
    "version_state",
]

#: Statuses that say an article's page was removed.
GONE_STATUSES = frozenset({404, 410})

FetchKind = Literal["response", "revisit", "not_modified"]


@dataclass(frozen=True, slots=True)
class Fetch:
    """One archived fetch of a URL: its record and the HTTP head it holds."""

    kind: FetchKind
    url: str
    fetched_at: datetime
    """The record's ``WARC-Date``."""
    status: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    warc_file: str
    warc_offset: int
    warc_record_id: str
    payload_digest: str | None


def capture_after_fetch(fetch: Fetch, previous: CaptureState | None) -> CaptureState | None:
    """The capture state of ``fetch.url`` after ``fetch``; None when a revisit has no original.

    A full response is the new capture later revisits refer to; a revisit moves the fetch
    time and validators on; a 304 moves only the fetch time on.
    """
    if fetch.kind == "response":
        return CaptureState(
            url=fetch.url,
            fetched_at=fetch.fetched_at,
            status=fetch.status,
            etag=fetch.etag,
            last_modified=fetch.last_modified,
            payload_digest=fetch.payload_digest or None,
            warc_file=fetch.warc_file,
            warc_offset=fetch.warc_offset,
            warc_record_id=fetch.warc_record_id,
            warc_date=fetch.fetched_at,
            content_type=fetch.content_type,
        )
    if previous is None:
        return None
    if fetch.kind == "not_modified":
        return dataclasses.replace(previous, fetched_at=fetch.fetched_at)
    return dataclasses.replace(
        previous, fetched_at=fetch.fetched_at, etag=fetch.etag, last_modified=fetch.last_modified
    )


def article_after_fetch(
    article: ArticleState, status: int, when: datetime, schedule: Sequence[timedelta]
) -> ArticleState | None:
    """A known article's state after its page answered ``status`` at ``when``; None: unchanged.

    200 (a 304 counts as the 200 it confirms): still there, seen again; 404 and 410: gone.
    A fetch no later than the last one seen changes nothing.
    """
    if when <= article.last_seen:
        return None
    if status in (200, 304):
        return seen_again(article, when, schedule)
    if status in GONE_STATUSES:
        return gone(article, when)
    return None


def confirms_version(article: ArticleState | None, capture: CaptureState | None) -> bool:
    """Whether the last full capture of a URL holds nothing the article's state does not know.

    True when the article's current version was extracted from that capture, or when the
    article, fetched as that URL, was seen with the same content at or after it was captured:
    extracting that payload again can only give the same fingerprint.
    """
    if article is None or capture is None or capture.status != 200:
        return False
    if capture.warc_record_id == article.warc_record_id:
        return True
    return capture.url == article.url and capture.warc_date <= article.last_seen


def seen_again(
    article: ArticleState, when: datetime, schedule: Sequence[timedelta]
) -> ArticleState:
    """The article's state after its page was fetched at ``when`` with the same content."""
    return dataclasses.replace(
        article,
        last_seen=when,
        status="live",
        gone_at=None,
        next_visit=next_visit(
            published_moment(article.published), when, schedule, first_seen=article.first_seen
        ),
    )


def gone(article: ArticleState, when: datetime) -> ArticleState:
    """The article's state once its page is removed: not revisited, gone since it first was."""
    since = article.gone_at if article.status == "gone" and article.gone_at else when
    return dataclasses.replace(article, status="gone", gone_at=since, next_visit=None)


def version_state(
    decision: Decision, previous: ArticleState | None, schedule: Sequence[timedelta]
) -> ArticleState:
    """The article's state once ``decision`` made a new version of it."""
    first_seen = previous.first_seen if previous is not None else decision.captured_at
    return ArticleState(
        canonical_url=decision.canonical_url,
        url=decision.url,
        site=decision.site,
        fingerprint=decision.fingerprint,
        version=decision.version,
        published=decision.published,
        updated=decision.updated,
        first_seen=first_seen,
        last_seen=decision.captured_at,
        last_changed=decision.captured_at,
        next_visit=next_visit(
            published_moment(decision.published),
            decision.captured_at,
            schedule,
            first_seen=first_seen,
        ),
        warc_file=decision.warc_file,
        warc_offset=decision.warc_offset,
        warc_record_id=decision.warc_record_id,
        field_digests=dict(decision.field_digests),
    )
