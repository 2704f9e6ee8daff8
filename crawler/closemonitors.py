"""Spidermon's close monitors, run without Spidermon's extension module when nothing else needs it.

Spidermon's extension module imports its expression monitors and with them jsonschema: a
tenth of a second or more of CPU, for a crawl that runs its monitors only when it closes
(``SPIDERMON_SPIDER_CLOSE_MONITORS``).  :class:`CloseMonitors` builds those suites at start, as
Spidermon does (a bad setting still stops the crawl before it fetches anything), and runs them
on ``spider_closed`` as Spidermon's extension runs its close suites: each through Spidermon's
runner, with the same data (stats, crawler, spider, ...).  Any setting that runs monitors
earlier or counts items (open, engine-stop, periodic and expression monitors,
``SPIDERMON_ADD_FIELD_COVERAGE``) gets Spidermon's extension itself, built at start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from spidermon import MonitorSuite

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

#: Settings that make Spidermon act before the spider closes.
EARLY_LISTS = (
    "SPIDERMON_SPIDER_OPEN_MONITORS",
    "SPIDERMON_ENGINE_STOP_MONITORS",
    "SPIDERMON_SPIDER_OPEN_EXPRESSION_MONITORS",
    "SPIDERMON_SPIDER_CLOSE_EXPRESSION_MONITORS",
    "SPIDERMON_ENGINE_STOP_EXPRESSION_MONITORS",
)


class CloseMonitors:
    """Runs ``SPIDERMON_SPIDER_CLOSE_MONITORS`` through Spidermon when the spider closes."""

    def __init__(self, crawler: Crawler, suites: list[MonitorSuite]) -> None:
        self.crawler = crawler
        self.suites = suites

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        settings = crawler.settings
        if not settings.getbool("SPIDERMON_ENABLED"):
            raise NotConfigured
        if (
            any(settings.getlist(name) for name in EARLY_LISTS)
            or settings.getdict("SPIDERMON_PERIODIC_MONITORS")
            or settings.getbool("SPIDERMON_ADD_FIELD_COVERAGE")
        ):
            from spidermon.contrib.scrapy.extensions import Spidermon

            return Spidermon.from_crawler(crawler)
        suites = [
            _suite(path, crawler) for path in settings.getlist("SPIDERMON_SPIDER_CLOSE_MONITORS")
        ]
        extension = cls(crawler, suites)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider) -> None:
        from spidermon.contrib.scrapy.runners import SpiderMonitorRunner
        from spidermon.contrib.utils.spider import get_spider_name
        from spidermon.utils.zyte import Client

        assert self.crawler.stats is not None
        client = Client(self.crawler.settings)
        # What Spidermon's extension hands its suites (``Spidermon._generate_data_for_spider``).
        data = {
            "stats": self.crawler.stats.get_stats(),
            "stats_history": getattr(spider, "stats_history", []),
            "crawler": self.crawler,
            "spider": spider,
            "sc_spider_name": get_spider_name(spider),
            "job": client.job if client.available else None,
        }
        for suite in self.suites:
            SpiderMonitorRunner(spider=spider).run(suite, **data)


def _suite(path: str, crawler: Crawler) -> MonitorSuite:
    """The monitor suite at ``path``, built for ``crawler`` as Spidermon builds it."""
    suite_class = load_object(path)
    if not (isinstance(suite_class, type) and issubclass(suite_class, MonitorSuite)):
        raise TypeError(f"SPIDERMON_SPIDER_CLOSE_MONITORS: {path} is not a MonitorSuite")
    return suite_class(crawler=crawler)
