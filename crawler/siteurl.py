"""A site given by its URL (``-a site=https://host/``): a ``SiteConfig`` built on the fly.

Name from the host, domains the host's registrable domain (its subdomains are in scope),
time zone Asia/Jakarta for ``.id`` hosts or as given, language "id" unless given. There is no
``article_pattern``: the spider tells articles by URL shape and page kind
(:mod:`crawler.urlshape`, :mod:`crawler.pagekind`).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tldextract import TLDExtract

from crawler.paths import SITE_NAME
from crawler.sites import SiteConfig, SiteConfigError, load_site, site_path

#: The time zone of ``.id`` hosts; any other host needs ``-a timezone=`` to get one but UTC.
INDONESIA = "Asia/Jakarta"
DEFAULT_LANGUAGE = "id"
# The suffix list shipped with tldextract: no download, ever.
_SUFFIXES = TLDExtract(suffix_list_urls=(), cache_dir=None)
_URL_LIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/.*)?$", re.IGNORECASE)


class SiteUrlError(SiteConfigError):
    """``-a site=`` is a URL Kabarsip cannot crawl (no scheme, not http(s), no host...)."""


def is_site_url(argument: str) -> bool:
    """Whether ``-a site=`` names a URL rather than a site file (``https://``, ``host.tld/``)."""
    if "://" in argument or argument.lower().startswith(("http:", "https:")):
        return True
    return not argument.endswith(".toml") and bool(_URL_LIKE.match(argument))


def check_site_url(url: str) -> str:
    """``url`` as the home page to crawl (``scheme://host[:port]/path``); SiteUrlError if bad."""
    if "://" not in url:
        raise SiteUrlError(f"{url!r} has no scheme: give the site as https://{url.lstrip('/')}")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise SiteUrlError(f"{url!r} is not a URL: {exc}") from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise SiteUrlError(f"{url!r}: only http and https sites are crawled")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise SiteUrlError(f"{url!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise SiteUrlError(f"{url!r} carries credentials: give the site without them")
    path = parts.path or "/"
    if not path.startswith("/") or any(s in {"..", "."} for s in path.split("/")):
        raise SiteUrlError(f"{url!r}: the path {path!r} leads outside the host")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def registrable_domain(host: str) -> str:
    """The domain a host belongs to (``news.example.co.id`` -> ``example.co.id``).

    An IP address, a name without a public suffix (``localhost``) or a bare suffix is itself.
    """
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return host
    parts = _SUFFIXES(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def site_name(host: str) -> str:
    """A site name (items files, state) from a host: ``www.`` dropped, other characters '-'."""
    name = re.sub(r"[^a-z0-9._-]+", "-", host.lower().removeprefix("www.")).strip("-._")
    name = name[:64].rstrip("-._") or "site"
    return name if SITE_NAME.fullmatch(name) else f"site-{name}"[:64]


def default_timezone(host: str) -> str:
    return INDONESIA if host.lower().rstrip(".").endswith(".id") else "UTC"


def site_from_url(url: str, timezone: str | None = None, language: str | None = None) -> SiteConfig:
    """The site of ``url``: its home page as the one start URL; SiteUrlError when unusable."""
    home = check_site_url(url)
    host = urlsplit(home).hostname or ""
    zone = timezone or default_timezone(host)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SiteUrlError(f"-a timezone={zone!r}: unknown time zone") from exc
    return SiteConfig(
        name=site_name(host),
        path=Path(f"<site from {home}>"),
        domains=(registrable_domain(host),),
        # Never used: articles are told by URL shape and page kind.
        article_pattern=re.compile(r"(?!)"),
        timezone=zone,
        language=language or DEFAULT_LANGUAGE,
        start_urls=(home,),
    )


def _site_file_exists(site: str) -> bool:
    if "://" in site:
        return False
    try:
        site_path(site)
    except SiteConfigError:
        return False
    return True


def names_url(site: str) -> bool:
    """Whether ``-a site=`` is a site's URL (no site file of that name or path exists)."""
    return is_site_url(site) and not _site_file_exists(site)


def site_for_argument(
    site: str, timezone: str | None = None, language: str | None = None
) -> SiteConfig:
    """``-a site=``: a URL gives :func:`site_from_url`, anything else a site file.

    A site file whose name looks like a host (``seeds/my.site.toml``) still wins.
    """
    if names_url(site):
        return site_from_url(site, timezone, language)
    return load_site(site)
