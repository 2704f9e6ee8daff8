"""RetryAfterMiddleware: Scrapy's retries, waiting as long as a 429 or 503 asks.

A ``Retry-After`` (delay in seconds or an HTTP date) holds back every request to that download
slot (host) until the time has passed, then the request is retried as usual, within
``RETRY_TIMES``. A wait longer than ``RETRY_AFTER_MAX`` gives the request up at once: logged,
counted (``retry/retry_after/too_long``), and its response handed on as an error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from crawler.middlewares import Refused

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})
# Waits are slept in steps this long, so a crawl that is stopped does not wait them out.
_STEP = 1.0


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 10.2.3), None if unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX")
        # Download slot (host) -> monotonic time before which nothing is sent to it.
        self.held_until: dict[str, float] = {}

    async def process_request(self, request: Request) -> None:
        if not self.held_until:
            return  # nothing held back: no slot key to work out
        until = self.held_until.get(self._slot(request), 0.0)
        engine = self.crawler.engine
        while (left := until - monotonic()) > 0:
            if engine is None or not engine.running:
                raise Refused("the crawl is stopping")
            await sleep(min(left, _STEP))

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        wait = self._asked_wait(request, response)
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        assert stats is not None
        slot = self._slot(request)
        if wait > self.max_wait:
            stats.inc_value("retry/retry_after/too_long")
            logger.warning(
                "Gave up %s: %d asks to wait %.0f s (Retry-After), more than RETRY_AFTER_MAX=%.0f",
                request,
                response.status,
                wait,
                self.max_wait,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.held_until[slot] = max(self.held_until.get(slot, 0.0), monotonic() + wait)
        stats.inc_value("retry/retry_after/waited")
        logger.info(
            "Holding back %s for %.1f s (Retry-After on %d) before retrying %s",
            slot,
            wait,
            response.status,
            request,
        )
        return retry

    def _asked_wait(self, request: Request, response: Response) -> float | None:
        if (
            response.status not in RETRY_AFTER_STATUSES
            or response.status not in self.retry_http_codes
            or request.meta.get("dont_retry", False)
        ):
            return None
        header = response.headers.get("Retry-After")
        if not header:
            return None
        return retry_after_seconds(header.decode("latin-1"), datetime.now(UTC))

    def _slot(self, request: Request) -> str:
        engine = self.crawler.engine
        assert engine is not None
        return engine.downloader.get_slot_key(request)
