"""Downloader middleware that records every HTTP exchange into the crawl's WARC files.

Settings (documented in ``crawler/settings.py``): ``WARC_DEDUP``, ``WARC_DEDUP_DETAIL``; the
files themselves belong to :class:`archive.warcfiles.WarcFiles` (``WARC_ENABLED``,
``WARC_DIR``...).  With crawl state, an unchanged payload becomes a ``revisit`` record
(identical-payload-digest) and a 304 a ``server-not-modified`` revisit, each naming the last
full capture of its URL.
"""

from __future__ import annotations

import logging
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Self
from urllib.parse import urldefrag

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.web.client import URI
from twisted.web.http import RESPONSES
from twisted.web.http_headers import Headers as TxHeaders

from archive.crawlstate import crawl_state
from archive.metakeys import CONDITIONAL_META_KEY, META_KEY, UNREADABLE_META_KEY
from archive.rawhead import raw_head_received
from archive.reader import ArchivedRecordError, read_response
from archive.records import digest
from archive.repair import final_path
from archive.state import CaptureState, CrawlState
from archive.transitions import Fetch, FetchKind, capture_after_fetch
from archive.warc import (
    CapturedRequest,
    CapturedResponse,
    RecordLocation,
    WarcWriteError,
    WarcWriter,
)
from archive.warcfiles import WarcFiles, warc_files

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

#: What writing a fetch gave: its kind, where its record is, and why the capture a revisit
#: would have named could not be read back (None: it could, or none was needed).
Written = tuple[FetchKind, RecordLocation, str | None]

logger = logging.getLogger(__name__)

#: Response flags Scrapy sets on a body it did not fully receive, as ``WARC-Truncated`` values.
_TRUNCATED_FLAGS = {"dataloss": "disconnect", "download_stopped": "unspecified"}
DEDUP_DETAILS = ("compact", "full")
#: First field of the ``metadata`` record written for a fetch that got no response.
FAILURE_FIELD = "kabarsip-fetch-error"
MAX_ERROR_MESSAGE = 1000
MAX_CAUSES = 3


class WarcCaptureMiddleware:
    """Write a request and a response record for every response that came off the network.

    A fetch that failed without a response (timeout, reset, oversize...) becomes its request
    record and a warc-fields ``metadata`` record naming the error (:func:`failure_fields`),
    counted as ``warc/records/failure``; such records are never captures.

    Meant for priority 950 in ``DOWNLOADER_MIDDLEWARES``: it then sees the request exactly as
    sent and the response before decompression, redirects and retries are handled.  Where the
    record landed is put in ``request.meta["warc"]`` (``warc_file``, ``warc_offset``,
    ``warc_record_id``, ``warc_date``, ``warc_type``: response, revisit or not_modified); a
    redirect copies meta, so the last capture wins.  With crawl state, unchanged payloads and
    304s become revisits of the last full capture, and the state learns each fetch after its
    records are written.
    """

    def __init__(self, crawler: Crawler, files: WarcFiles) -> None:
        settings = crawler.settings
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.files = files
        self.directory = files.directory
        self.dedup = settings.getbool("WARC_DEDUP")
        self.detail: str = settings["WARC_DEDUP_DETAIL"]
        if self.detail not in DEDUP_DETAILS:
            raise ValueError(f"WARC_DEDUP_DETAIL must be compact or full, got {self.detail!r}")
        self.state: CrawlState | None = None
        self._missing_files: set[str] = set()
        # Requests handed to the download handler, with the head of their response as
        # received once the handler sent it: a response to any other request came from a
        # cache or a short-circuiting middleware, not from the network.
        self._on_wire: weakref.WeakKeyDictionary[Request, bytes | None] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        files = warc_files(crawler)
        if files is None:
            raise NotConfigured  # archiving off (WARC_ENABLED): no message, no warning
        middleware = cls(crawler, files)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.raw_head_received, signal=raw_head_received)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.state = crawl_state(self.crawler)
        if self.state is None and self.dedup:
            logger.info("No crawl state: every fetch is archived in full")

    @property
    def writer(self) -> WarcWriter | None:
        return self.files.writer

    def process_request(self, request: Request) -> None:
        if urlparse_cached(request).scheme in ("http", "https"):
            self._on_wire[request] = None

    def raw_head_received(self, request: Request, head: bytes) -> None:
        """Keep the head of ``request``'s response as received (:mod:`archive.rawhead`)."""
        if request in self._on_wire:
            self._on_wire[request] = head

    def process_response(
        self, request: Request, response: Response
    ) -> Response | Deferred[Response]:
        if request not in self._on_wire:
            self.stats.inc_value("warc/skipped/not_fetched")
            return response
        head = self._on_wire.pop(request)
        if self.writer is None:
            self.stats.inc_value("warc/skipped/closed")
            return response
        if head is None:
            # Another download handler (HTTP/2...): the head is rebuilt from Scrapy's Headers.
            self.stats.inc_value("warc/headers/rebuilt")
        url = urldefrag(request.url)[0]
        captured = received_response(response, head)
        previous = self._previous(url)
        writer = self.writer

        def write() -> Written:
            return self._write(writer, url, request, captured, previous)

        if self.files.threaded(len(captured.body)):
            # A large page is compressed off the event loop; the response waits for its record.
            return self.files.in_thread(write).addCallbacks(
                self._archived,
                self._thread_failed,
                callbackArgs=(request, response, url, captured, previous),
                errbackArgs=(request,),
            )
        try:
            with self.files.timed():
                written = write()
        except WarcWriteError as exc:
            self._not_archived(request, exc)
        return self._archived(written, request, response, url, captured, previous)

    def _archived(
        self,
        written: Written,
        request: Request,
        response: Response,
        url: str,
        captured: CapturedResponse,
        previous: CaptureState | None,
    ) -> Response:
        """Say where the response was archived, in its meta and the state; count it."""
        kind, location, unreadable = written
        self._count(kind, previous, unreadable)
        request.meta[META_KEY] = {
            "warc_file": location.warc_file,
            "warc_offset": location.offset,
            "warc_record_id": location.record_id,
            "warc_date": captured.fetched_at.isoformat(),
            "warc_type": kind,
        }
        if self.state is not None:
            capture = capture_after_fetch(archived_fetch(kind, url, captured, location), previous)
            if capture is not None:
                self.state.put_capture(capture)
        self.files.written()
        return response

    def _thread_failed(self, failure: Failure, request: Request) -> NoReturn:
        failure.trap(WarcWriteError)
        assert failure.value is not None
        self._not_archived(request, failure.value)

    def _not_archived(self, request: Request, error: BaseException) -> NoReturn:
        assert isinstance(error, WarcWriteError)
        self.files.write_failed(error)
        raise IgnoreRequest(f"not archived, so not processed: {request.url}") from error

    def _count(
        self, kind: FetchKind, previous: CaptureState | None, unreadable: str | None
    ) -> None:
        full = self.detail == "full"
        if unreadable is not None and previous is not None:
            logger.warning(
                "Cannot refer to the archived capture of %s (%s)", previous.url, unreadable
            )
            self.stats.inc_value("state/fallback/unreadable")
        if kind == "not_modified":
            self.stats.inc_value("warc/records/not_modified")
            self._count_extras(full, metadata=full)
        elif kind == "revisit":
            self.stats.inc_value("warc/records/revisit")
            self._count_extras(full, metadata=False)
        else:
            self.stats.inc_value("warc/records/request")
            self.stats.inc_value("warc/records/response")

    def _previous(self, url: str) -> CaptureState | None:
        """The last full capture of ``url`` that a revisit may refer to, if any."""
        if self.state is None or not self.dedup:
            return None
        previous = self.state.get_capture(url)
        if previous is None or not previous.payload_digest:
            return None
        if self._archived_path(previous.warc_file) is None:
            # Refer only to what is there: without the original a revisit replays nothing.
            if previous.warc_file not in self._missing_files:
                self._missing_files.add(previous.warc_file)
                logger.warning(
                    "State refers to %s, which is not in %s; storing full captures again",
                    previous.warc_file,
                    self.directory,
                )
            self.stats.inc_value("state/fallback/warc_missing")
            return None
        return previous

    def _write(
        self,
        writer: WarcWriter,
        url: str,
        request: Request,
        captured: CapturedResponse,
        previous: CaptureState | None,
    ) -> Written:
        """Write the fetch's records; touches no stats or state, so it may run in a thread."""
        full = self.detail == "full"
        # A 304 confirms the capture only when its validators were that capture's own.
        conditional = request.meta.get(CONDITIONAL_META_KEY) == url
        if (
            previous is not None
            and previous.payload_digest
            and captured.status == 304
            and conditional
        ):
            location = writer.write_not_modified(
                url,
                wire_request(request) if full else None,
                captured,
                refers_to_target_uri=previous.url,
                refers_to_date=previous.warc_date,
                payload_digest=previous.payload_digest,
                refers_to=previous.warc_record_id,
                keep_headers=full,
            )
            return "not_modified", location, None
        unreadable = None
        # Hashed once: the record of a changed payload carries the digest compared here.
        payload_digest = None
        if (
            previous is not None
            and captured.status == previous.status
            and captured.truncated is None
            and (payload_digest := digest(captured.body)) == previous.payload_digest
            and request.meta.get(UNREADABLE_META_KEY) != url
        ):
            unreadable = self._read_back_error(previous)
            if unreadable is None:
                location = writer.write_revisit(
                    url,
                    captured,
                    refers_to_target_uri=previous.url,
                    refers_to_date=previous.warc_date,
                    payload_digest=previous.payload_digest,
                    refers_to=previous.warc_record_id,
                    request=wire_request(request) if full else None,
                )
                return "revisit", location, None
        location = writer.write_exchange(
            url, wire_request(request), captured, payload_digest=payload_digest
        )
        return "response", location, unreadable

    def _archived_path(self, warc_file: str) -> Path | None:
        """Where the WARC file that state names ``warc_file`` is, if anywhere.

        State names files by their final name; the file this crawl is writing still has its
        ``.open`` name (a URL fetched again in the same run: a retry, a redirect back).
        """
        path = self.directory / warc_file
        if path.is_file():
            return path
        current = self.writer.path if self.writer is not None else None
        if current is not None and final_path(current).name == warc_file:
            return current
        return None

    def _read_back_error(self, previous: CaptureState) -> str | None:
        """Why the capture a revisit would name cannot be read back (digest and all), if so."""
        path = self._archived_path(previous.warc_file) or self.directory / previous.warc_file
        try:
            read_response(
                path,
                previous.warc_offset,
                payload_digest=previous.payload_digest,
            )
        except ArchivedRecordError as exc:
            return str(exc)
        return None

    def _count_extras(self, request: bool, *, metadata: bool) -> None:
        if request:
            self.stats.inc_value("warc/records/request")
        if metadata:
            self.stats.inc_value("warc/records/metadata")

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Archive a fetch that failed with no response: what was sent, and what went wrong."""
        if request not in self._on_wire:
            return
        del self._on_wire[request]
        if self.writer is None or isinstance(exception, IgnoreRequest):
            # Refused before it went out (robots, scope...): there is nothing the server said.
            self.stats.inc_value("warc/skipped/exception")
            return
        url = urldefrag(request.url)[0]
        try:
            with self.files.timed():
                self.writer.write_failure(
                    url, wire_request(request), failure_fields(exception), date=datetime.now(UTC)
                )
        except WarcWriteError as exc:
            self.files.write_failed(exc)
            return
        self.stats.inc_value("warc/records/request")
        self.stats.inc_value("warc/records/failure")
        self.files.written()


def archived_fetch(
    kind: FetchKind, url: str, captured: CapturedResponse, location: RecordLocation
) -> Fetch:
    """What the state's rules need of a fetch just archived at ``location``."""
    return Fetch(
        kind=kind,
        url=url,
        fetched_at=captured.fetched_at,
        status=captured.status,
        etag=_header(captured, b"ETag"),
        last_modified=_header(captured, b"Last-Modified"),
        content_type=_header(captured, b"Content-Type"),
        warc_file=location.warc_file,
        warc_offset=location.offset,
        warc_record_id=location.record_id,
        payload_digest=location.payload_digest or None,
    )


def _header(response: CapturedResponse, name: bytes) -> str | None:
    wanted = name.lower()
    for key, value in response.headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def failure_fields(exception: BaseException) -> list[tuple[str, str]]:
    """The ``metadata`` fields of a failed fetch: the error's class and message, and causes.

    Scrapy wraps the network's errors in its own (``DownloadTimeoutError``...), and Twisted
    the reasons of a failed response: the causes are what tell a reset from a cut body.
    """
    fields = [(FAILURE_FIELD, _qualified_name(exception))]
    fields.append(("error-message", _message(exception)))
    causes: list[BaseException] = []
    cause = exception.__cause__ or exception.__context__
    while cause is not None and len(causes) < MAX_CAUSES:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in causes:
        reasons = getattr(cause, "reasons", None)
        found = [getattr(reason, "value", reason) for reason in reasons or ()]
        # A wrapper of reasons says nothing of its own beyond its class.
        own = _qualified_name(cause) if found else f"{_qualified_name(cause)}: {_message(cause)}"
        fields.append(("error-cause", own))
        fields.extend(
            ("error-cause", f"{_qualified_name(error)}: {_message(error)}")
            for error in found[:MAX_CAUSES]
        )
    return fields


def _message(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:MAX_ERROR_MESSAGE]


def _qualified_name(error: object) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


def wire_request(request: Request) -> CapturedRequest:
    """The request as Scrapy's HTTP/1.1 handler puts it on the wire.

    Mirrors ``scrapy.core.downloader.handlers.http11`` and Twisted's ``Agent``: origin-form
    target (absolute form through an HTTP proxy), ``Content-Length`` for a body or an empty
    PUT/POST, the request headers, then ``Host`` when not given.  ``Proxy-Authorization`` is
    left out: it is meant for the proxy, and credentials have no place in an archive.
    """
    url = urldefrag(request.url)[0].encode("ascii")
    uri = URI.fromBytes(url)
    through_proxy = bool(request.meta.get("proxy")) and uri.scheme == b"http"
    target = url if through_proxy else uri.originForm
    method = request.method.encode("ascii")
    lines = [b"%s %s HTTP/1.1" % (method, target)]
    if request.body:
        lines.append(b"Content-Length: %d" % len(request.body))
    elif method in (b"PUT", b"POST"):
        lines.append(b"Content-Length: 0")
    headers = TxHeaders(dict(request.headers.items()))
    headers.removeHeader(b"Proxy-Authorization")
    if not headers.hasHeader(b"Host"):
        headers.addRawHeader(b"Host", _host_value(uri))
    for name, values in headers.getAllRawHeaders():
        lines.extend(name + b": " + value for value in values)
    return CapturedRequest(head=b"\r\n".join(lines) + b"\r\n\r\n", body=request.body)


def received_response(response: Response, head: bytes | None = None) -> CapturedResponse:
    """The response as received: status, all header values, body still content-encoded.

    ``head`` is its status line and header lines as received, when the download handler
    kept them.
    """
    truncated = next(
        (reason for flag, reason in _TRUNCATED_FLAGS.items() if flag in response.flags), None
    )
    return CapturedResponse(
        status=response.status,
        reason=RESPONSES.get(response.status, b"").decode("ascii"),
        headers=[(name, value) for name, values in response.headers.items() for value in values],
        body=response.body,
        fetched_at=datetime.now(UTC),
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated=truncated,
        head=head,
    )


def _host_value(uri: URI) -> bytes:
    host = uri.host
    if b":" in host:
        host = b"[" + host + b"]"
    if (uri.scheme, uri.port) in ((b"http", 80), (b"https", 443)):
        return host
    return b"%s:%d" % (host, uri.port)
