"""``scrapy crawl``, checking a ``-a site=`` site file before the crawl starts.

An invalid site file is a user error: it gets one clear line naming the file and key, not a
traceback from inside the spider's constructor.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.extraction import check_selectors
from crawler.sites import SiteConfigError, load_site


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        site = opts.spargs.get("site")
        if site:
            try:
                check_selectors(load_site(site))
            except SiteConfigError as exc:
                raise UsageError(str(exc), print_help=False) from exc
        super().run(args, opts)
