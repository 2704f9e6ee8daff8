"""Fewer garbage collector passes while the spider runs, all undone when it closes."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.addon import KabarsipAddon
from crawler.collector import YOUNG_THRESHOLD, CollectorTuning


class Node:
    """An object in a reference cycle: only the garbage collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _extension() -> CollectorTuning:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    extension = CollectorTuning.from_crawler(crawler)
    assert isinstance(extension, CollectorTuning)
    return extension


def test_start_up_objects_are_frozen_and_passes_rarer_while_the_spider_runs() -> None:
    extension = _extension()
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    try:
        extension.spider_opened()
        # Everything alive when the spider opened: modules, classes, the crawler...
        assert gc.get_freeze_count() > 1000
        assert gc.get_threshold() == (max(before[0], YOUNG_THRESHOLD), *before[1:])
    finally:
        extension.spider_closed()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_cycle_left_before_the_spider_opened_is_collected_once_it_closes() -> None:
    extension = _extension()
    node = Node()
    alive = weakref.ref(node)
    try:
        extension.spider_opened()
        del node
        gc.collect()
        assert alive() is not None  # frozen: the passes skip it
    finally:
        extension.spider_closed()
    gc.collect()
    assert alive() is None


def test_a_cycle_made_while_the_spider_runs_is_collected() -> None:
    extension = _extension()
    try:
        extension.spider_opened()
        alive = weakref.ref(Node())
        gc.collect()
        assert alive() is None
    finally:
        extension.spider_closed()


def test_switched_off() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}, "GC_TUNING_ENABLED": False})
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(crawler)
