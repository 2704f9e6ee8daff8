"""Downloader middlewares that keep a crawl in scope and polite, and the DNS resolver they use."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class Refused(IgnoreRequest):
    """A request dropped on purpose; the component that refused it has logged and counted it."""
