"""Which network addresses a crawl may connect to: public ones, and those a setting allows.

Pure functions over :mod:`ipaddress`, used both before a request is sent (hosts written as IP
addresses) and after DNS resolution (:mod:`crawler.middlewares.resolver`), so a name that
resolves, or later re-resolves, to an internal address is refused as well.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "SCOPE_ALLOW_NETWORKS"
# Shared address space for carrier-grade NAT (RFC 6598): neither private nor global to Python.
CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Well-known NAT64 prefix (RFC 6052): the IPv4 address is in the last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(text: str) -> IPAddress | None:
    """``text`` as an IP address (``[::1]`` and zone ids accepted), or None for a host name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address (``"loopback"``...), or None if it is."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_kind(embedded)
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address in CGNAT, "shared (CGNAT)"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "non-global"),
    )
    return next((kind for refused, kind in checks if refused), None)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), as the packet would reach it."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses are allowed; others only inside ``allowed`` networks."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> AddressPolicy:
        """Read ``SCOPE_ALLOW_NETWORKS``; a bad entry raises ValueError naming it."""
        networks = []
        for entry in settings.getlist(ALLOW_SETTING):
            if not str(entry).strip():
                continue  # "-s SCOPE_ALLOW_NETWORKS=" empties the list
            try:
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"{ALLOW_SETTING}: {entry!r} is not a network such as 127.0.0.1/32 ({exc})"
                ) from exc
        return cls(tuple(networks))

    def refusal(self, address: IPAddress) -> str | None:
        """Why a connection to ``address`` is refused, or None when it may go ahead."""
        kind = address_kind(address)
        if kind is None or self.allows(address):
            return None
        return kind

    def allows(self, address: IPAddress) -> bool:
        embedded = _embedded_ipv4(address)
        candidates = (address,) if embedded is None else (address, embedded)
        return any(a in net for a in candidates for net in self.allowed if a.version == net.version)

    def describe(self) -> str:
        return ", ".join(str(n) for n in self.allowed) or "none"
