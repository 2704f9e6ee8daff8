"""Conditional GET: ask with the validators of the last capture, answer a 304 from the archive.

Settings: ``CONDITIONAL_GET_ENABLED``.  Needs crawl state (``STATE_ENABLED``) and WARC files.

Meant for priority 900, just below :class:`archive.capture.WarcCaptureMiddleware` (950): the
capture middleware then records the request with its validators and the 304 as received, and
this middleware turns the 304 into the archived 200 it confirms, so spiders and pipelines see
the page as on any other day.  The archived page is read (and its digest checked) before the
validators are sent: a capture that is gone or damaged is fetched in full instead, so no
revisit ever names it.

Article pages are the exception (requests marked with :data:`archive.unchanged.LAZY_META`,
when unchanged pages are skipped): their archived record is only checked whole before
(:func:`archive.intact.check_payload`: framing and payload digest, no parsing), and read as a
page once a 304 needs it.  A 304 confirming what the state knows of an article
(:meth:`archive.unchanged.UnchangedArticles.unread`) becomes an empty 200 flagged ``unread``,
and the page is never read; any other 304 reads it then, and a capture that cannot be read at
that point after all is fetched again in full (``conditional/refetched``).
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import urldefrag

from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response

from archive.crawlstate import crawl_state
from archive.intact import check_payload
from archive.metakeys import CONDITIONAL_META_KEY, UNREADABLE_META_KEY
from archive.reader import ArchivedRecord, ArchivedRecordError, read_response
from archive.responses import archived_response
from archive.state import CaptureState
from archive.unchanged import LAZY_META, UNREAD_FLAG, unchanged_articles

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: ``request.meta`` key: the URL whose validators this middleware put on the request.
META_KEY = CONDITIONAL_META_KEY
#: ``request.meta`` key that turns conditional GET off for one request.
DONT_META_KEY = "dont_conditional"
#: Flag of a response rebuilt from the archive after a 304.
NOT_MODIFIED_FLAG = "not_modified"
_VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


class ConditionalGetMiddleware:
    """Adds ``If-None-Match``/``If-Modified-Since`` for URLs with an archived 200."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.directory = Path(crawler.settings["WARC_DIR"])
        # The archived page each conditional request would confirm: read before sending it,
        # or (article pages) the capture to read once a 304 needs it.
        self._archived: weakref.WeakKeyDictionary[Request, ArchivedRecord | CaptureState] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("CONDITIONAL_GET_ENABLED"):
            raise NotConfigured  # switched off: no message, no warning
        if not (settings.getbool("STATE_ENABLED") and settings.getbool("WARC_ENABLED")):
            raise NotConfigured  # nothing to compare with
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        url = urldefrag(request.url)[0]
        ours = request.meta.get(META_KEY)
        if ours is not None:
            # Redirects and retries copy headers: validators of another URL must not go along.
            for name in _VALIDATORS:
                request.headers.pop(name, None)
            del request.meta[META_KEY]
        elif any(name in request.headers for name in _VALIDATORS):
            return  # set by the spider itself
        if request.method != "GET" or request.meta.get(DONT_META_KEY):
            return
        state = crawl_state(self.crawler)
        previous = state.get_capture(url) if state is not None else None
        if previous is None or previous.status != 200 or not previous.payload_digest:
            return
        if not (previous.etag or previous.last_modified):
            return
        if not (self.directory / previous.warc_file).is_file():
            return  # the capture middleware logs and counts the missing file
        lazy = request.meta.get(LAZY_META) and unchanged_articles(self.crawler) is not None
        try:
            if lazy:
                # Checked whole, read as a page only once a 304 needs it.
                check_payload(
                    self.directory / previous.warc_file,
                    previous.warc_offset,
                    previous.payload_digest,
                )
                self._archived[request] = previous
            else:
                self._archived[request] = self._read(previous)
        except ArchivedRecordError as exc:
            logger.warning(
                "Cannot use the archived capture of %s (%s); fetching it in full", url, exc
            )
            self.stats.inc_value("state/fallback/unreadable")
            request.meta[UNREADABLE_META_KEY] = url
            return
        if previous.etag:
            request.headers[b"If-None-Match"] = previous.etag
        if previous.last_modified:
            request.headers[b"If-Modified-Since"] = previous.last_modified
        request.meta[META_KEY] = url
        self.stats.inc_value("conditional/sent")

    def process_response(self, request: Request, response: Response) -> Request | Response:
        url = request.meta.get(META_KEY)
        archived = self._archived.pop(request, None)
        if response.status != 304 or url is None:
            return response
        self.stats.inc_value("conditional/not_modified")
        if archived is None:
            # Only a request this middleware did not see could get here (a replaced one).
            logger.warning("304 for %s without its archived page; fetching it in full", url)
            return self._refetch(request)
        if isinstance(archived, CaptureState):
            unread = self._unread(request, response)
            if unread is not None:
                return unread
            try:
                archived = self._read(archived)
            except ArchivedRecordError as exc:
                logger.warning(
                    "Cannot read the archived capture of %s (%s); fetching it in full", url, exc
                )
                self.stats.inc_value("state/fallback/unreadable")
                return self._refetch(request)
        assert archived.status is not None  # read_response returns HTTP responses only
        return archived_response(
            response.url,
            archived.status,
            archived.headers,
            archived.body,
            flags=[*response.flags, NOT_MODIFIED_FLAG],
            request=request,
            certificate=response.certificate,
            ip_address=response.ip_address,
            protocol=response.protocol,
        )

    def _read(self, capture: CaptureState) -> ArchivedRecord:
        return read_response(
            self.directory / capture.warc_file,
            capture.warc_offset,
            payload_digest=capture.payload_digest,
        )

    def _refetch(self, request: Request) -> Request:
        self.stats.inc_value("conditional/refetched")
        retry = request.replace(dont_filter=True)
        retry.meta[DONT_META_KEY] = True
        return retry

    def _unread(self, request: Request, response: Response) -> Response | None:
        """An empty 200 for a 304 that confirms what the state knows of an article, if it does."""
        unchanged = unchanged_articles(self.crawler)
        if unchanged is None or not unchanged.unread(request, response):
            return None
        return HtmlResponse(
            response.url,
            status=200,
            body=b"",
            encoding="utf-8",
            flags=[*response.flags, NOT_MODIFIED_FLAG, UNREAD_FLAG],
            request=request,
            certificate=response.certificate,
            ip_address=response.ip_address,
            protocol=response.protocol,
        )
