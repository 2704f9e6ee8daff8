"""The crawl process's start-up objects, left out of the garbage collector's passes while it runs.

When the spider opens, the crawl process holds about a hundred thousand objects that live as
long as it does: modules, classes, functions, settings, components.  Every pass of Python's
cyclic garbage collector over its oldest generation walks them all again, tens of
milliseconds a pass, though none of them can be garbage.  :class:`FreezeStartupObjects` calls
:func:`gc.freeze` when the spider opens: they move to a permanent generation the passes skip.
When the spider closes, :func:`gc.unfreeze` hands them back, so a process that runs one crawl
after another (the tests, a ``CrawlerProcess`` with several spiders) collects what a crawl
left behind as before.  Reference counting frees objects as always; only a reference cycle
that had become garbage before the spider opened waits until it closes.

Setting: ``GC_FREEZE_ENABLED``.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class FreezeStartupObjects:
    """``gc.freeze()`` when the spider opens, ``gc.unfreeze()`` when it closes."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GC_FREEZE_ENABLED"):
            raise NotConfigured
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        gc.freeze()

    def spider_closed(self) -> None:
        gc.unfreeze()
