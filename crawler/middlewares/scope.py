"""ScopeMiddleware: every request stays on the site's domains and off internal networks.

It takes the place of Scrapy's ``OffsiteMiddleware`` (50, before robots.txt is read) but lets no
request through for being ``dont_filter`` (discovery pages, and the redirects and retries of any
request, are re-scheduled through the whole chain and checked again). A host written as an IP
address is checked here; a host name is checked after DNS resolution by
:class:`~crawler.middlewares.resolver.ScopedResolver`, which tells this middleware, so later
requests to a host left without an allowed address are refused at once.

Each refusal is logged once per host (naming the site file or setting that would allow it),
counted in ``scope/refused/offsite`` or ``scope/refused/private``, and raises
:class:`~crawler.middlewares.Refused`: nothing is sent, so nothing is archived.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.utils.httpobj import urlparse_cached

from crawler.middlewares import Refused
from crawler.middlewares.addresses import ALLOW_SETTING, AddressPolicy, parse_address
from crawler.middlewares.resolver import ScopedResolver
from crawler.outcome import CrawlFailure, ExitCode
from crawler.spidermiddlewares.assets import ASSET_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Hosts whose verdicts are remembered; past it they are worked out afresh.
MAX_REMEMBERED_HOSTS = 10_000


class ScopeMiddleware(OffsiteMiddleware):
    def __init__(self, stats: StatsCollector, policy: AddressPolicy, check_addresses: bool):
        super().__init__(stats)
        self.policy = policy
        # A replay connects to nothing: only the domains matter then.
        self.check_addresses = check_addresses
        # Host names whose every resolved address was refused.
        self.refused_hosts: set[str] = set()
        self.warned: set[tuple[str, str]] = set()
        self.resolver: ScopedResolver | None = None
        # Per host: why its address is refused (a host written as an IP address), or None.
        # The policy and the host's address are fixed for the run; the few hosts of a site
        # are asked about for each of its requests.
        self._address_refusals: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        try:
            policy = AddressPolicy.from_settings(crawler.settings)
        except ValueError as exc:
            raise CrawlFailure(ExitCode.USAGE, str(exc)) from exc
        middleware = cls(crawler.stats, policy, not crawler.settings.get("REPLAY_FROM"))
        middleware.crawler = crawler
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        super().spider_opened(spider)
        if not self.check_addresses:
            return
        from twisted.internet import reactor

        resolver = getattr(reactor, "nameResolver", None)
        if isinstance(resolver, ScopedResolver):
            self.resolver = resolver
            resolver.observers.append(self.resolver_refused)
        else:
            logger.warning(
                "TWISTED_DNS_RESOLVER is not %s: host names are not checked against %s "
                "after DNS resolution",
                f"{ScopedResolver.__module__}.{ScopedResolver.__name__}",
                ALLOW_SETTING,
            )

    def spider_closed(self, spider: Spider) -> None:
        if self.resolver is not None and self.resolver_refused in self.resolver.observers:
            self.resolver.observers.remove(self.resolver_refused)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        assert self.crawler.spider is not None
        host = (urlparse_cached(request).hostname or "").lower()
        if not self.should_follow(request, self.crawler.spider):
            self._refuse_offsite(request, host)
        if not self.check_addresses:
            return
        if host in self.refused_hosts:
            self.stats.inc_value("scope/refused/private")
            raise Refused(f"{host} has no address outside refused networks")
        reason = self._address_refusal(host)
        if reason is not None:
            self.stats.inc_value("scope/refused/private")
            self._warn_private(host, [(host, reason)])
            raise Refused(f"{host} is a {reason} address")

    def _address_refusal(self, host: str) -> str | None:
        """Why ``host``, written as an IP address, is refused; None for a name or an allowed one."""
        try:
            return self._address_refusals[host]
        except KeyError:
            pass
        address = parse_address(host)
        reason = self.policy.refusal(address) if address is not None else None
        if len(self._address_refusals) >= MAX_REMEMBERED_HOSTS:
            self._address_refusals.clear()
        self._address_refusals[host] = reason
        return reason

    def should_follow(self, request: Request, spider: Spider) -> bool:
        site = getattr(spider, "site", None)
        if site is None:
            return super().should_follow(request, spider)
        parts = urlparse_cached(request)
        host = parts.hostname or ""
        # An article's pictures (and the robots.txt that rules them) may be on asset hosts.
        if request.meta.get(ASSET_META) or parts.path == "/robots.txt":
            return bool(site.allows_asset(host))
        return bool(site.allows(host))

    def resolver_refused(self, host: str, refused: list[tuple[str, str]], usable: bool) -> None:
        """The resolver dropped addresses of ``host``; ``usable``: some were left."""
        host = host.lower()
        self.stats.inc_value("scope/refused/private")
        if not usable:
            self.refused_hosts.add(host)
        self._warn_private(host, refused)

    def _refuse_offsite(self, request: Request, host: str) -> None:
        self.stats.inc_value("scope/refused/offsite")
        if (host, "offsite") not in self.warned:
            self.warned.add((host, "offsite"))
            site = getattr(self.crawler.spider, "site", None)
            where = (
                f"'domains' (or, for pictures, 'asset_domains') of {site.path}"
                if site is not None
                else "allowed_domains"
            )
            logger.warning(
                "Refused off-site request to %r (not in %s; add it there to crawl it): %s",
                host,
                where,
                request,
            )
        raise Refused(f"{host!r} is off site")

    def _warn_private(self, host: str, refused: list[tuple[str, str]]) -> None:
        if (host, "private") in self.warned:
            return
        self.warned.add((host, "private"))
        addresses = ", ".join(f"{address} ({reason})" for address, reason in refused)
        example = ",".join(_single(address) for address, _ in refused)
        logger.warning(
            "Refused host %r at %s: not a public address; allow it with -s %s=%s (allowed now: %s)",
            host,
            addresses,
            ALLOW_SETTING,
            example,
            self.policy.describe(),
        )


def _single(address: str) -> str:
    """``address`` as a one-address network, as ``SCOPE_ALLOW_NETWORKS`` takes it."""
    parsed = parse_address(address)
    if parsed is None:
        return address
    return f"{parsed}/{parsed.max_prefixlen}"
