"""Counts field coverage into Scrapy stats: per run and per site, items and those with each field.

Runs after the item steps (every field normalised) and before versions, so it sees every article
the run extracted, whether or not a new version of it is emitted.  Keys (a report reads them):
``coverage/items``, ``coverage/published``, ``coverage/updated``, ``coverage/authors``,
``coverage/body``, ``coverage/clean`` for the run and the same under ``coverage/<site>/`` for
each site (also when the run covers one site only).  See :mod:`crawler.coverage`.

Setting ``COVERAGE_MIN_BODY_WORDS`` [50]: a body counts from this many words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.coverage import FIELDS, ITEMS, stat_key
from pipelines.clean import boilerplate_left
from pipelines.steppipeline import site_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def covered_fields(
    item: ItemAdapter, min_body_words: int, site_patterns: Iterable[re.Pattern[str]] = ()
) -> list[str]:
    """The coverage fields ``item`` has (see :data:`crawler.coverage.FIELDS`)."""
    body = str(item.get("body") or "")
    paragraphs = item.get("paragraphs") or ([body] if body else [])
    present = {
        "published": bool(item.get("published")),
        "updated": bool(item.get("updated")),
        "authors": bool(item.get("authors")),
        "body": len(body.split()) >= min_body_words,
        "clean": bool(body) and not boilerplate_left(paragraphs, site_patterns),
    }
    return [name for name, has in present.items() if has]


class CoveragePipeline:
    """Counts each item into ``coverage/...`` stats; changes nothing, drops nothing."""

    def __init__(self, crawler: Crawler, stats: StatsCollector, min_body_words: int) -> None:
        self.crawler = crawler
        self.stats = stats
        self.min_body_words = min_body_words
        # Per site: each counted name's stat keys, for the run and for the site.
        self.keys: dict[str, dict[str, tuple[str, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler, crawler.stats, crawler.settings.getint("COVERAGE_MIN_BODY_WORDS", 50))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        config = site_of(self.crawler, str(adapter.get("url") or ""))
        site = str(adapter.get("site") or (config.name if config else "") or "unknown")
        patterns = config.boilerplate if config else ()
        keys = self.keys.get(site)
        if keys is None:
            names = (ITEMS, *FIELDS)
            keys = self.keys[site] = {n: (stat_key(n), stat_key(n, site)) for n in names}
        inc = self.stats.inc_value
        for name in (ITEMS, *covered_fields(adapter, self.min_body_words, patterns)):
            run_key, site_key = keys[name]
            inc(run_key)
            inc(site_key)
        return item
