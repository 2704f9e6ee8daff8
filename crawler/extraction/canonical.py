"""The article's one key: the page's own canonical URL, or the fetched URL normalised."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from w3lib.url import canonicalize_url

from archive.tracking import strip_tracking
from crawler.extraction.pageindex import page_index
from crawler.sites import SiteConfig


def normalise_url(url: str) -> str:
    """The fetched URL as a key: w3lib-canonical (sorted query, no fragment), no tracking."""
    return canonicalize_url(strip_tracking(url))


def page_candidates(root: Selector) -> list[str]:
    """What the page declares as its own address: ``rel=canonical``, then ``og:url``."""
    index = page_index(root)
    return [*index.canonical_links, *index.og_urls]


# re's \s is str.isspace(): any whitespace inside makes no URL.
_WHITESPACE = re.compile(r"\s")


def valid_own_url(candidate: str, fetched_url: str, site: SiteConfig) -> str | None:
    """``candidate`` resolved against the page when it is an http(s) URL on the site's domains."""
    candidate = candidate.strip()
    if not candidate or _WHITESPACE.search(candidate):
        return None
    try:
        resolved = urljoin(fetched_url, candidate)
        parts = urlsplit(resolved)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not site.allows(parts.hostname):
        return None
    return strip_tracking(resolved)


def canonical_url(candidates: Iterable[str | None], fetched_url: str, site: SiteConfig) -> str:
    """The first valid own-domain candidate, else the fetched URL normalised."""
    for candidate in candidates:
        if candidate:
            url = valid_own_url(candidate, fetched_url, site)
            if url:
                return url
    return normalise_url(fetched_url)
