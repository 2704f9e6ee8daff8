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

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from archive.capture import META_KEY
from archive.reader import ArchivedRecordError, CaptureReader
from archive.replayindex import ArchiveIndex, Capture, ReplaySourceError
from archive.responses import archived_response
from archive.warc import SERVER_NOT_MODIFIED

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

HANDLER = "archive.replay.ReplayDownloadHandler"
#: Response flag of every replayed response; ``replay_missing`` for a URL never captured.
REPLAYED_FLAG = "replayed"
MISSING_FLAG = "replay_missing"


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
            except ArchivedRecordError as exc:
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
                raise ArchivedRecordError(f"{capture.location}: the capture it revisits is missing")
            payload = self.reader.read(original.location)
            body = payload.body
            kind = "revisit"
            # A 304 (or a revisit without a head) is answered as the page it confirmed.
            if record.profile == SERVER_NOT_MODIFIED or status in (None, 304):
                status, headers, kind = payload.status, payload.headers, "not_modified"
        if status is None:
            raise ArchivedRecordError(f"{capture.location}: no HTTP status line")
        request.meta[META_KEY] = {
            "warc_file": capture.location.warc_file,
            "warc_offset": capture.location.offset,
            "warc_record_id": record.record_id,
            "warc_date": (_date(record.date) or capture.date).isoformat(),
            "warc_type": kind,
        }
        self.stats.inc_value(f"replay/served/{kind}")
        return archived_response(
            request.url, status, headers, body, request=request, flags=[REPLAYED_FLAG]
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
