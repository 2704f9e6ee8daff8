"""Clear a ``JOBDIR`` once its run has finished, so the next scheduled run starts afresh.

Scrapy's ``JOBDIR`` keeps the pending queue, the fingerprints of requests already made
(``requests.seen``) and the spider's state, so a stopped run resumes where it stopped.  After
a run that *finished*, keeping them would make the next run of the same job filter out every
discovery page as already seen and fetch nothing.  Runs that stopped for any other reason
(Ctrl-C, SIGTERM, a close-spider limit) keep their JOBDIR and resume.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: What Scrapy keeps in a JOBDIR: scheduler queue, dupefilter, SpiderState extension.
JOB_FILES = ("requests.queue", "requests.seen", "spider.state")


class FinishedJobCleanup:
    """Removes the queue, seen-requests and spider-state files of a finished job."""

    def __init__(self, jobdir: Path) -> None:
        self.jobdir = jobdir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        jobdir = settings.get("JOBDIR")
        if not jobdir or not settings.getbool("JOBDIR_CLEAR_WHEN_FINISHED", True):
            raise NotConfigured  # nothing to clear: no message, no warning
        extension = cls(Path(jobdir))
        # Connected after Scrapy's SpiderState, which writes spider.state on this signal.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason != "finished":
            logger.info("Run stopped (%s); JOBDIR %s kept to resume it", reason, self.jobdir)
            return
        for name in JOB_FILES:
            path = self.jobdir / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
        logger.info("Run finished; JOBDIR %s cleared for the next run", self.jobdir)
