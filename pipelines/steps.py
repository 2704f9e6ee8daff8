"""Item steps: each processing stage of an article as one pure function, listed once.

A step takes the item (an ``ItemAdapter``), the site file of its page (None outside a
site-driven crawl) and a stats counter; it changes the item in place, counts what it did, and
raises :class:`Drop` when the item is not an article.  ``ITEM_STEPS`` lists the steps with
their order, as ``ITEM_PIPELINES`` lists pipelines (``None`` switches one off); the crawl runs
them through :class:`pipelines.steppipeline.StepsPipeline`, ``scrapy extract`` and
``scrapy evaluate`` through :func:`run_steps` on a single page.  No Scrapy here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from itemadapter import ItemAdapter

    from crawler.sites import SiteConfig


class Stats(Protocol):
    """The part of Scrapy's stats collector a step uses."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


class Drop(Exception):
    """The item is not an article: ``reason`` is its short name (``no_body``), the message why."""

    def __init__(self, reason: str, why: str) -> None:
        super().__init__(f"{reason}: {why}")
        self.reason = reason
        self.why = why


Step = Callable[["ItemAdapter", "SiteConfig | None", Stats], None]


class StepStats:
    """Counts kept in memory, for steps run outside a crawl."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


def load_steps(listed: Mapping[str, int | None]) -> list[Step]:
    """The steps of an ``ITEM_STEPS`` mapping (dotted path: order) in their order.

    A path that does not name a function raises ``LookupError`` naming it.
    """
    enabled = sorted((order, path) for path, order in listed.items() if order is not None)
    return [_load(path) for _, path in enabled]


def _load(path: str) -> Step:
    module, _, name = path.rpartition(".")
    try:
        step: Any = getattr(import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise LookupError(f"ITEM_STEPS: cannot load item step {path!r}: {exc}") from None
    if not callable(step):
        raise LookupError(f"ITEM_STEPS: {path!r} is not a function")
    return step


def run_steps(
    steps: list[Step], item: ItemAdapter, site: SiteConfig | None, stats: Stats
) -> Drop | None:
    """Run ``steps`` on ``item``: None, or why it was dropped (counted ``items/dropped/...``)."""
    try:
        for step in steps:
            step(item, site, stats)
    except Drop as drop:
        stats.inc_value(f"items/dropped/{drop.reason}")
        return drop
    return None
