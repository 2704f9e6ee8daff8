"""A probe loaded into test crawls (``-s EXTENSIONS=...``): how long the event loop was held.

``probe/max_loop_gap_ms``: the longest time a 20 ms timer waited past its due time, i.e. the
longest the reactor could not run anything else; ``probe/max_rss_kb``: the crawl process's
peak resident memory (``VmHWM``: ``getrusage`` would count the forking test process too, its
peak survives ``execve``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from twisted.internet import task

INTERVAL = 0.02


class LoopGapProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.last = time.monotonic()
        self.worst = 0.0
        self.loop = task.LoopingCall(self.tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        probe = cls(crawler)
        crawler.signals.connect(probe.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        return probe

    def tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self.last - INTERVAL)
        self.last = now

    def spider_opened(self, spider: Spider) -> None:
        self.last = time.monotonic()
        self.loop.start(INTERVAL, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("probe/max_loop_gap_ms", round(self.worst * 1000))
        stats.set_value("probe/max_rss_kb", peak_rss_kb())


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
