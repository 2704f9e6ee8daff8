"""Item pipelines: the item steps (clean ► dates ► authors ► validate), learned boilerplate,
versions, the output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.sites import SiteConfig

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def spider_site(crawler: Crawler) -> SiteConfig | None:
    """The running spider's site file, or None outside a site-driven crawl."""
    site = getattr(crawler.spider, "site", None)
    return site if isinstance(site, SiteConfig) else None
