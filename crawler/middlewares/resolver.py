"""A DNS resolver that drops the addresses a crawl must not connect to.

Set as ``TWISTED_DNS_RESOLVER``: every connection the downloader opens resolves its host name
here, so the check is on the very addresses connected to, at each connection (a name that
re-resolves to an internal address, as in DNS rebinding, is caught too). A name left with no
allowed address fails to resolve; :class:`~crawler.middlewares.scope.ScopeMiddleware` is told,
logs it once per host, counts it and refuses later requests to that host.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer

from crawler.middlewares.addresses import AddressPolicy, parse_address

if TYPE_CHECKING:
    from twisted.internet.base import ReactorBase

#: Told of each resolution that refused addresses: the host name, the ``(address, why)`` pairs
#: refused, and whether any address was left to connect to.
RefusalObserver = Callable[[str, list[tuple[str, str]], bool], None]


@implementer(IHostnameResolver)
class ScopedResolver(CachingHostnameResolver):
    """Scrapy's caching IPv4/IPv6 resolver, passing on only the addresses ``policy`` allows."""

    def __init__(self, reactor: ReactorBase, cache_size: int, policy: AddressPolicy) -> None:
        super().__init__(reactor, cache_size)
        self.policy = policy
        self.observers: list[RefusalObserver] = []

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> Self:
        # Built once per process from the process settings, before any crawler exists.
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, AddressPolicy.from_settings(settings))

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        receiver: Any = _ScopedReceiver(resolutionReceiver, hostName, self)
        return super().resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )

    def refusal(self, address: str) -> str | None:
        """Why a connection to ``address`` is refused, or None when it may go ahead."""
        parsed = parse_address(address)
        return "not an IP address" if parsed is None else self.policy.refusal(parsed)

    def report(self, host: str, refused: list[tuple[str, str]], usable: bool) -> None:
        for observer in list(self.observers):
            observer(host, refused, usable)


@implementer(IResolutionReceiver)
class _ScopedReceiver:
    """Passes on to ``receiver`` the addresses ``resolver`` allows; reports the others."""

    def __init__(self, receiver: IResolutionReceiver, host: str, resolver: ScopedResolver) -> None:
        # Any: zope interfaces are not classes to mypy.
        self.receiver: Any = receiver
        self.host = host
        self.resolver = resolver
        self.refused: list[tuple[str, str]] = []
        self.usable = False

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        text = str(getattr(address, "host", ""))
        reason = self.resolver.refusal(text)
        if reason is None:
            self.usable = True
            self.receiver.addressResolved(address)
        else:
            self.refused.append((text, reason))

    def resolutionComplete(self) -> None:
        # Reported first: a host left without addresses is marked refused before its
        # request fails to connect and is retried.
        if self.refused:
            self.resolver.report(self.host, self.refused, self.usable)
        self.receiver.resolutionComplete()
