"""Pure parsers for discovery documents: sitemaps, robots.txt, RSS/Atom feeds, section pages.

Nothing here fetches or schedules; the spider hands bodies in and gets plain dataclasses back.
Dates stay raw strings (``pipelines.dates`` parses them). XML is parsed without entity
expansion, DTD loading or network access, in lxml's recover mode because real feeds are messy.
"""

from __future__ import annotations

from crawler.discovery.caps import DiscoveryCaps
from crawler.discovery.feeds import FeedEntry, iter_feed, parse_feed
from crawler.discovery.pages import feed_links, links_from_page, nav_links, next_page_link
from crawler.discovery.sitemaps import (
    Sitemap,
    SitemapEntry,
    iter_sitemap,
    parse_sitemap,
    sitemap_urls_from_robots,
)
from crawler.discovery.xml import DEFAULT_MAX_SIZE, DiscoveryError, DiscoveryTooLarge

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DiscoveryCaps",
    "DiscoveryError",
    "DiscoveryTooLarge",
    "FeedEntry",
    "Sitemap",
    "SitemapEntry",
    "feed_links",
    "iter_feed",
    "iter_sitemap",
    "links_from_page",
    "nav_links",
    "next_page_link",
    "parse_feed",
    "parse_sitemap",
    "sitemap_urls_from_robots",
]
