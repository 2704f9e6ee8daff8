"""The item steps already run elsewhere: the re-extraction workers ran them on each item."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: The spider attribute naming, per item (by ``id``), why the steps dropped it.
STEP_DROPS = "step_drops"  # crawler.spiders.archive.ArchiveSpider.step_drops


class PresteppedPipeline:
    """Stands where :class:`pipelines.steppipeline.StepsPipeline` stands and drops the items
    the steps dropped in a worker process (``scrapy reextract``), with the same message."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        drops: dict[int, str] | None = getattr(self.crawler.spider, STEP_DROPS, None)
        why = drops.pop(id(item), None) if drops is not None else None
        if why is not None:
            raise DropItem(why)
        return item
