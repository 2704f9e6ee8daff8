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


def item_site(crawler: Crawler, url: str) -> SiteConfig | None:
    """The site file of the page at ``url``: per URL when the spider reads several sites."""
    spider = crawler.spider
    site_for = getattr(spider, "site_for", None)
    site = site_for(url) if site_for is not None else getattr(spider, "site", None)
    return site if isinstance(site, SiteConfig) else None
