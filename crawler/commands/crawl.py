"""``scrapy crawl``, checking the ``-a site=`` site file and the state file before it starts.

An invalid site file, or a state file that another crawl holds, that a newer Kabarsip wrote or
that is no state file at all, is a user error: one clear line (exit 2), not a traceback, and
nothing fetched or written.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from archive.state import CrawlStateError
from archive.state_sqlite import SqliteCrawlState
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
        settings = self.settings
        if settings is not None and _uses_state(settings):
            try:
                # Opened and closed again: the crawl's own store opens it for good.
                SqliteCrawlState(settings.get("STATE_PATH")).close()
            except CrawlStateError as exc:
                raise UsageError(str(exc), print_help=False) from exc
        super().run(args, opts)


def _uses_state(settings: BaseSettings) -> bool:
    """Whether the crawl opens its state file (a replay does only when told where it is)."""
    if not settings.getbool("STATE_ENABLED", True):
        return False
    replay = bool(settings.get("REPLAY_FROM"))
    return not replay or settings.getpriority("STATE_PATH") == SETTINGS_PRIORITIES["cmdline"]
