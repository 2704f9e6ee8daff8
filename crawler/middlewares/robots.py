"""RobotsRulesMiddleware: Scrapy's robots.txt handling, reading failures as RFC 9309 says.

- 5xx (and 429), once its retries are spent: the server cannot say what is allowed, so the
  whole host is disallowed for the rest of the run (``robotstxt/unreachable``);
- 4xx, or a redirect left unresolved: no robots.txt, everything allowed
  (``robotstxt/unavailable``);
- a 2xx body that is HTML or binary (an error page served as 200) holds no rules: everything
  allowed, logged and counted (``robotstxt/unparsable``); rules labelled ``text/html`` are
  still rules.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def unparsable(body: bytes) -> bool:
    """Whether a 2xx robots.txt body is a web page or binary data rather than rules.

    Decided by the body alone: some servers send good rules labelled ``text/html``.
    """
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or b"\x00" in head


class RobotsRulesMiddleware(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        body = b""
        if response.status >= 500 or response.status == 429:
            self._stats.inc_value("robotstxt/unreachable")
            logger.warning(
                "robots.txt of %s answered %d: nothing on that host is fetched this run "
                "(RFC 9309: an unreachable robots.txt disallows everything)",
                netloc,
                response.status,
            )
            body = DISALLOW_ALL
        elif response.status >= 300:
            self._stats.inc_value("robotstxt/unavailable")
        elif unparsable(response.body):
            self._stats.inc_value("robotstxt/unparsable")
            logger.warning(
                "robots.txt of %s is not robots rules (%s): read as none, everything allowed",
                netloc,
                (response.headers.get("Content-Type") or b"no type").decode("latin-1"),
            )
        else:
            body = response.body
        await super()._parse_robots(response.replace(body=body), netloc, request)
