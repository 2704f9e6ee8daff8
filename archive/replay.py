"""Replay crawls: every request is answered from the archive instead of the network.

Settings:

- ``REPLAY_FROM`` [unset]: WARC files, WACZ packages, CDXJ indexes or folders of them (a list,
  or one path).  Setting it turns replay on.
- ``REPLAY_INDEX`` [unset]: the SQLite file the index of the archive is kept in and reused
  from (a file of the archive changed since is indexed again); unset, a temporary file
  removed when the crawl ends.
- ``REPLAY_AT`` [unset]: replay the archive as it was at this time (ISO 8601 or 14 digits):
  each URL's latest capture at or before it, else its earliest one after it; unset, the
  latest capture of each URL.  A request whose meta holds ``replay_at`` (an aware datetime)
  is answered by the capture of its URL from that time on instead, and the requests its
  response leads to inherit it (:class:`ReplayTimeMiddleware`): an article's later pages as
  the same crawl fetched them.

In replay the crawl archives nothing (it would only copy the archive into itself).  Its state
is a temporary file, removed when the crawl ends, so that items are numbered in versions as a
live crawl numbers them; ``-s STATE_PATH=...`` on the command line keeps it instead (replays
of successive crawls into one state number versions as those crawls did).  A revisit is
served with its own HTTP head (a 304's: with the original's) and the payload of the response
it names; a URL never captured is a 404.  Items point at the response record holding their
payload (a revisit's original), as the live crawl's items do.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from archive.metakeys import META_KEY
from archive.reader import ArchivedRecordError, CaptureReader
from archive.replayindex import ArchiveIndex, Capture, ReplaySourceError
from archive.responses import archived_response
from archive.warc import SERVER_NOT_MODIFIED

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipelines.steps import Stats

logger = logging.getLogger(__name__)

HANDLER = "archive.replay.ReplayDownloadHandler"
#: Response flag of every replayed response; ``replay_missing`` for a URL never captured.
REPLAYED_FLAG = "replayed"
MISSING_FLAG = "replay_missing"
#: Request meta: answer from the captures of this time on (an aware datetime).
REPLAY_AT_META = "replay_at"
TIME_MIDDLEWARE = "archive.replay.ReplayTimeMiddleware"
CLEANUP_EXTENSION = "archive.replay.TemporaryStateCleanup"


class ReplayAddon:
    """Switches the crawl to replay when ``REPLAY_FROM`` is set (listed in ``ADDONS``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REPLAY_FROM"):
            return
        # Above the project's settings, below the command line: -s still wins.
        priority = SETTINGS_PRIORITIES["spider"]
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), "http": HANDLER, "https": HANDLER}
        settings.set("DOWNLOAD_HANDLERS", handlers, priority=priority)
        middlewares = {**settings.getdict("SPIDER_MIDDLEWARES"), TIME_MIDDLEWARE: 0}
        settings.set("SPIDER_MIDDLEWARES", middlewares, priority=priority)
        off = ["WARC_ENABLED", "CONDITIONAL_GET_ENABLED", "AUTOTHROTTLE_ENABLED"]
        for name in off:
            settings.set(name, False, priority=priority)
        if settings.getpriority("STATE_PATH") != SETTINGS_PRIORITIES["cmdline"]:
            folder = tempfile.mkdtemp(prefix="kabarsip-replay-")
            settings.set("STATE_PATH", str(Path(folder) / "state.sqlite"), priority=priority)
            extensions = {**settings.getdict("EXTENSIONS"), CLEANUP_EXTENSION: 0}
            settings.set("EXTENSIONS", extensions, priority=priority)
        logger.info("Replay from %s: %s off", settings.get("REPLAY_FROM"), ", ".join(off))


class TemporaryStateCleanup:
    """Removes the folder of a replay's temporary state once the engine has stopped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cleanup = cls(Path(crawler.settings.get("STATE_PATH")).parent)
        crawler.signals.connect(cleanup.engine_stopped, signal=signals.engine_stopped)
        return cleanup

    def engine_stopped(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class ReplayTimeMiddleware:
    """Requests that a ``replay_at`` response leads to are answered as of its time too.

    They come before any other waiting request (priority one above their response's), so an
    article's later pages are read before the next capture is.
    """

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        at = response.meta.get(REPLAY_AT_META)
        async for value in result:
            if at is not None and isinstance(value, Request):
                value.meta.setdefault(REPLAY_AT_META, at)
                value.priority = max(value.priority, response.request.priority + 1)  # type: ignore[union-attr]
            yield value


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers http(s) requests with the archived capture of their URL as of ``REPLAY_AT``.

    Built on the first request of each scheme; the schemes share one index of the archive.
    """

    lazy = True

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        assert crawler.stats is not None
        self.replayer = Replayer(
            shared_index(crawler), crawler.stats, parse_replay_at(crawler.settings.get("REPLAY_AT"))
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        return self.replayer.response(request)

    async def close(self) -> None:
        self.replayer.close()


class Replayer:
    """Answers a request with its URL's archived capture: what the replay handler serves.

    Outside a crawl too (the worker processes of ``scrapy reextract``): ``stats`` needs only
    ``inc_value``.
    """

    def __init__(self, index: ArchiveIndex, stats: Stats, at: datetime | None = None) -> None:
        self.index = index
        self.stats = stats
        self.at = at
        self.reader = CaptureReader()

    def response(self, request: Request) -> Response:
        """The capture as of the request's ``replay_at`` (else ``at``); a 404 when none is
        readable."""
        for capture in self._captures(request):
            try:
                return self._response(request, capture)
            except ArchivedRecordError as exc:
                logger.warning("%s; trying another capture of %s", exc, request.url)
                self.stats.inc_value("replay/damaged_records")
        self.stats.inc_value("replay/missing")
        return Response(request.url, status=404, request=request, flags=[MISSING_FLAG])

    def close(self) -> None:
        self.reader.close()

    def _captures(self, request: Request) -> Iterable[Capture]:
        at = request.meta.get(REPLAY_AT_META)
        if isinstance(at, datetime):
            return self.index.following(request.url, at)
        return self.index.nearest(request.url, self.at)

    def _response(self, request: Request, capture: Capture) -> Response:
        record = self.reader.read(capture.location)
        status, headers, body = record.status, record.headers, record.body
        kind = "response"
        # The record holding the payload: the capture itself, or the response a revisit names.
        holder, held = capture, record
        if capture.kind == "revisit":
            original = self.index.original(
                record.refers_to_uri or capture.url,
                _date(record.refers_to_date) or capture.date,
                capture.payload_digest,
            )
            if original is None:
                raise ArchivedRecordError(f"{capture.location}: the capture it revisits is missing")
            payload = self.reader.read(original.location)
            body = payload.body
            kind = "revisit"
            holder, held = original, payload
            # A 304 (or a revisit without a head) is answered as the page it confirmed.
            if record.profile == SERVER_NOT_MODIFIED or status in (None, 304):
                status, headers, kind = payload.status, payload.headers, "not_modified"
        if status is None:
            raise ArchivedRecordError(f"{capture.location}: no HTTP status line")
        request.meta[META_KEY] = {
            "warc_file": holder.location.warc_file,
            "warc_offset": holder.location.offset,
            "warc_record_id": held.record_id,
            "warc_date": (_date(held.date) or holder.date).isoformat(),
            "warc_type": kind,
        }
        self.stats.inc_value(f"replay/served/{kind}")
        return archived_response(
            request.url, status, headers, body, request=request, flags=[REPLAYED_FLAG]
        )


# One index per crawl, however many schemes its handlers answer.
_INDEXES: WeakKeyDictionary[Crawler, ArchiveIndex] = WeakKeyDictionary()


def shared_index(crawler: Crawler) -> ArchiveIndex:
    """The index of ``REPLAY_FROM`` for this crawl, built on first use; ``ValueError`` when
    the sources cannot be used at all."""
    index = _INDEXES.get(crawler)
    if index is not None:
        return index
    sources = [Path(p) for p in crawler.settings.getlist("REPLAY_FROM")]
    kept = crawler.settings.get("REPLAY_INDEX")
    try:
        index = _INDEXES[crawler] = ArchiveIndex.load(sources, Path(kept) if kept else None)
    except ReplaySourceError as exc:
        raise ValueError(f"REPLAY_FROM: {exc}") from exc
    crawler.signals.connect(index.close, signal=signals.engine_stopped)
    at = parse_replay_at(crawler.settings.get("REPLAY_AT"))
    assert crawler.stats is not None
    crawler.stats.set_value("replay/captures", index.captures)
    crawler.stats.set_value("replay/damaged_files", len(index.problems))
    logger.info(
        "Replaying %d captures from %s%s",
        index.captures,
        ", ".join(map(str, sources)),
        f" as of {at.isoformat()}" if at else " (latest captures)",
    )
    return index


def parse_replay_at(value: Any) -> datetime | None:
    """``REPLAY_AT`` as an aware datetime: ISO 8601 (UTC when no offset) or 14 digits."""
    if not value:
        return None
    text = str(value).strip()
    try:
        if text.isdigit() and len(text) <= 14:
            moment = datetime.strptime(text.ljust(14, "0"), "%Y%m%d%H%M%S")
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"REPLAY_AT {value!r} is neither ISO 8601 nor a 14-digit timestamp"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_replay_at(text)
    except ValueError:
        return None
