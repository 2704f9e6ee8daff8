"""Download size limits per kind of page, as the request meta Scrapy's downloader reads.

A sitemap may legally be 50 MB while no article page should come near that: one limit for
everything either cancels legal sitemaps or lets endless pages run long. Settings:
``DOWNLOAD_MAXSIZE_BY_KIND`` and ``DOWNLOAD_WARNSIZE_BY_KIND`` (kinds ``sitemap``, ``feed``,
``robots``, ``section``, ``article``); a kind missing from them gets ``DOWNLOAD_MAXSIZE`` /
``DOWNLOAD_WARNSIZE``.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

KINDS = ("sitemap", "feed", "robots", "section", "article")


def size_limits(settings: BaseSettings) -> dict[str, dict[str, int]]:
    """``download_maxsize``/``download_warnsize`` meta for each kind of page."""
    maxsizes = settings.getdict("DOWNLOAD_MAXSIZE_BY_KIND")
    warnsizes = settings.getdict("DOWNLOAD_WARNSIZE_BY_KIND")
    default_max = settings.getint("DOWNLOAD_MAXSIZE")
    default_warn = settings.getint("DOWNLOAD_WARNSIZE")
    return {
        kind: {
            "download_maxsize": int(maxsizes.get(kind, default_max)),
            "download_warnsize": int(warnsizes.get(kind, default_warn)),
        }
        for kind in KINDS
    }
