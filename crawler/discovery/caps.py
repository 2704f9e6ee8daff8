"""Discovery caps: a limit that stops discovery short warns once per site and is counted.

A capped crawl misses articles without failing, so each cap, when hit, logs one warning per
site naming the setting that raises it, and counts every hit in the stats as
``discovery/capped/<setting in lower case>`` (the run summary lists them).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

CAPPED_PREFIX = "discovery/capped/"


class Stats(Protocol):
    """What is needed of a stats collector (Scrapy's ``StatsCollector`` has it)."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def capped_key(setting: str) -> str:
    """The stats key counting hits of the cap that ``setting`` raises."""
    return CAPPED_PREFIX + setting.lower()


class DiscoveryCaps:
    """Reports the discovery caps one site's crawl hits."""

    def __init__(
        self, site: str, stats: Stats, logger: logging.Logger | logging.LoggerAdapter[Any]
    ) -> None:
        self.site = site
        self.stats = stats
        self.logger = logger
        self.warned: set[str] = set()

    def hit(self, setting: str, limit: int, missed: str) -> None:
        """The cap of ``setting`` (``limit``) stopped discovery; ``missed``: what went unread."""
        self.stats.inc_value(capped_key(setting))
        if setting in self.warned:
            return
        self.warned.add(setting)
        self.logger.warning(
            "Discovery capped on site %s: %s = %d reached, %s not read (articles may be "
            "missed); raise %s to read further. Hits are counted in %s",
            self.site,
            setting,
            limit,
            missed,
            setting,
            capped_key(setting),
        )
