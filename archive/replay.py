"""Replay crawls: every request is answered from the archive instead of the network.

Settings:

- ``REPLAY_FROM`` [unset]: WARC files, WACZ packages, CDXJ indexes or folders of them (a list,
  or one path).  Setting it turns replay on.
- ``REPLAY_AT`` [unset]: replay the archive as it was at this time (ISO 8601 or 14 digits):
  each URL's latest capture at or before it, else its earliest one after it; unset, the
  latest capture of each URL.

In replay the crawl archives nothing and keeps no state (it would only copy the archive into
itself), unless ``STATE_PATH`` is given on the command line.  A revisit is served with its own
HTTP head (a 304's: with the original's) and the payload of the response it names; a URL never
captured is a 404.  Items point at the record they were read from, as in the live crawl.
"""

from __future__ import annotations

import gzip
import logging
import zipfile
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from warcio.archiveiterator import ArchiveIterator

from archive.capture import META_KEY
from archive.records import digest
from archive.replayindex import ArchiveIndex, Capture, Location, ReplaySourceError
from archive.replayindex import brief as _brief
from archive.warc import SERVER_NOT_MODIFIED

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

HANDLER = "archive.replay.ReplayDownloadHandler"
#: Response flag of every replayed response; ``replay_missing`` for a URL never captured.
REPLAYED_FLAG = "replayed"
MISSING_FLAG = "replay_missing"


class ReplayRecordError(Exception):
    """A capture could not be read back; the message names file, offset and why."""


class ReplayAddon:
    """Switches the crawl to replay when ``REPLAY_FROM`` is set (listed in ``ADDONS``)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REPLAY_FROM"):
            return
        # Above the project's settings, below the command line: -s still wins.
        priority = SETTINGS_PRIORITIES["spider"]
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), "http": HANDLER, "https": HANDLER}
        settings.set("DOWNLOAD_HANDLERS", handlers, priority=priority)
        off = ["WARC_ENABLED", "CONDITIONAL_GET_ENABLED", "AUTOTHROTTLE_ENABLED"]
        if settings.getpriority("STATE_PATH") != SETTINGS_PRIORITIES["cmdline"]:
            off.append("STATE_ENABLED")
        for name in off:
            settings.set(name, False, priority=priority)
        logger.info("Replay from %s: %s off", settings.get("REPLAY_FROM"), ", ".join(off))


@dataclass(frozen=True, slots=True)
class ArchivedRecord:
    """A ``response`` or ``revisit`` record read back: WARC fields, HTTP head, payload."""

    kind: str
    record_id: str | None
    date: str | None
    """``WARC-Date`` as written (a CDXJ index keeps whole seconds only)."""
    profile: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    status: int | None
    headers: list[tuple[bytes, bytes]]
    body: bytes
    """As stored (content coding kept), or decoded when read with ``decoded=True``."""


class CaptureReader:
    """Reads records at their :class:`Location`, keeping WACZ packages open until closed."""

    def __init__(self) -> None:
        self._files = ExitStack()
        self._packages: dict[Path, zipfile.ZipFile] = {}

    def read(self, location: Location, *, decoded: bool = False) -> ArchivedRecord:
        """The record at ``location``; a response's payload digest must match."""
        try:
            with self._open(location) as stream:
                stream.seek(location.offset)
                record = next(iter(ArchiveIterator(stream)), None)
                if record is None:
                    raise ReplayRecordError(f"{location}: no record there")
                raw = record.raw_stream.read()
                head = record.http_headers
                warc = record.rec_headers
                # Decoded again from the stored bytes: content_stream() would consume raw_stream.
                body = _decoded(raw, head) if decoded else raw
        except ReplayRecordError:
            raise
        except Exception as exc:  # warcio and zlib raise many kinds on damaged input
            raise ReplayRecordError(f"{location}: unreadable record ({_brief(exc)})") from exc
        expected = warc.get_header("WARC-Payload-Digest")
        if record.rec_type == "response" and expected and digest(raw) != expected:
            raise ReplayRecordError(
                f"{location}: payload digest {digest(raw)} is not {expected} (truncated or damaged)"
            )
        status = None
        headers: list[tuple[bytes, bytes]] = []
        if head is not None and head.get_statuscode():
            status = int(head.get_statuscode())
            headers = [
                (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
                for name, value in head.headers
            ]
        return ArchivedRecord(
            kind=record.rec_type,
            record_id=warc.get_header("WARC-Record-ID"),
            date=warc.get_header("WARC-Date"),
            profile=warc.get_header("WARC-Profile"),
            refers_to_uri=warc.get_header("WARC-Refers-To-Target-URI"),
            refers_to_date=warc.get_header("WARC-Refers-To-Date"),
            status=status,
            headers=headers,
            body=body,
        )

    def close(self) -> None:
        self._files.close()
        self._packages.clear()

    def _open(self, location: Location) -> IO[bytes]:
        if location.member is None:
            return location.path.open("rb")
        package = self._packages.get(location.path)
        if package is None:
            package = self._files.enter_context(zipfile.ZipFile(location.path))
            self._packages[location.path] = package
        return package.open(location.member)


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers http(s) requests with the archived capture of their URL as of ``REPLAY_AT``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        sources = [Path(p) for p in settings.getlist("REPLAY_FROM")]
        self.at = parse_replay_at(settings.get("REPLAY_AT"))
        try:
            self.index = ArchiveIndex.load(sources)
        except ReplaySourceError as exc:
            raise ValueError(f"REPLAY_FROM: {exc}") from exc
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.stats.set_value("replay/captures", self.index.captures)
        self.stats.set_value("replay/damaged_files", len(self.index.problems))
        self.reader = CaptureReader()
        logger.info(
            "Replaying %d captures from %s%s",
            self.index.captures,
            ", ".join(map(str, sources)),
            f" as of {self.at.isoformat()}" if self.at else " (latest captures)",
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        for capture in self.index.nearest(request.url, self.at):
            try:
                return self._response(request, capture)
            except ReplayRecordError as exc:
                logger.warning("%s; trying another capture of %s", exc, request.url)
                self.stats.inc_value("replay/damaged_records")
        self.stats.inc_value("replay/missing")
        return Response(request.url, status=404, request=request, flags=[MISSING_FLAG])

    async def close(self) -> None:
        self.reader.close()

    def _response(self, request: Request, capture: Capture) -> Response:
        record = self.reader.read(capture.location)
        status, headers, body = record.status, record.headers, record.body
        kind = "response"
        if capture.kind == "revisit":
            original = self.index.original(
                record.refers_to_uri or capture.url,
                _date(record.refers_to_date) or capture.date,
                capture.payload_digest,
            )
            if original is None:
                raise ReplayRecordError(f"{capture.location}: the capture it revisits is missing")
            payload = self.reader.read(original.location)
            body = payload.body
            kind = "revisit"
            # A 304 (or a revisit without a head) is answered as the page it confirmed.
            if record.profile == SERVER_NOT_MODIFIED or status in (None, 304):
                status, headers, kind = payload.status, payload.headers, "not_modified"
        if status is None:
            raise ReplayRecordError(f"{capture.location}: no HTTP status line")
        request.meta[META_KEY] = {
            "warc_file": capture.location.warc_file,
            "warc_offset": capture.location.offset,
            "warc_record_id": record.record_id,
            "warc_date": (_date(record.date) or capture.date).isoformat(),
            "warc_type": kind,
        }
        self.stats.inc_value(f"replay/served/{kind}")
        response_headers = Headers(headers)
        cls = responsetypes.from_args(headers=response_headers, url=request.url, body=body)
        return cls(
            url=request.url,
            status=status,
            headers=response_headers,
            body=body,
            request=request,
            flags=[REPLAYED_FLAG],
        )


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


def _decoded(body: bytes, head: Any) -> bytes:
    """``body`` without its HTTP content coding (gzip, deflate, br), as a browser reads it."""
    coding = (head.get_header("Content-Encoding") or "").strip().lower() if head else ""
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if coding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body
