"""RedirectGuardMiddleware: Scrapy's redirects, with loops and long chains said out loud.

A redirect to the URL itself, a loop back to a URL earlier in the chain, and a chain longer
than ``REDIRECT_MAX_TIMES`` are dropped with a warning naming the chain and counted
(``redirect/self``, ``redirect/loop``, ``redirect/max_reached``). The target of each redirect
is scheduled as a new request, so :class:`~crawler.middlewares.scope.ScopeMiddleware` checks it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares import Refused

if TYPE_CHECKING:
    from typing import NoReturn

    from scrapy import Spider
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RedirectGuardMiddleware(RedirectMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            location = (response.headers.get("Location") or b"").decode("latin-1")
            self._drop(
                "redirect/max_reached",
                f"more than REDIRECT_MAX_TIMES={self.max_redirect_times} redirects",
                [*chain, location],
            )
        if isinstance(result, Request):
            if result.url == request.url:
                self._drop("redirect/self", "redirects to itself", [*chain, result.url])
            if result.url in chain:
                self._drop("redirect/loop", "redirect loop", [*chain, result.url])
        return result

    def _drop(self, stat: str, why: str, chain: list[str]) -> NoReturn:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(stat)
        logger.warning("Dropped %s (%s): %s", chain[0], why, " -> ".join(chain))
        raise Refused(f"{why}: {chain[0]}")
