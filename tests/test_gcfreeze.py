"""The crawl process's start-up objects are out of the garbage collector's passes while it runs."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.addon import KabarsipAddon
from crawler.gcfreeze import FreezeStartupObjects


class Node:
    """An object in a reference cycle: only the garbage collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_objects_are_frozen_while_the_spider_runs_and_handed_back_when_it_closes() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    extension = FreezeStartupObjects.from_crawler(crawler)
    assert gc.get_freeze_count() == 0
    try:
        extension.spider_opened()
        # Everything alive when the spider opened: modules, classes, the crawler...
        assert gc.get_freeze_count() > 1000
        extension.spider_closed()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_a_cycle_left_before_the_spider_opened_is_collected_once_it_closes() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    extension = FreezeStartupObjects.from_crawler(crawler)
    node = Node()
    alive = weakref.ref(node)
    try:
        extension.spider_opened()
        del node
        gc.collect()
        assert alive() is not None  # frozen: the passes skip it
        extension.spider_closed()
    finally:
        gc.unfreeze()
    gc.collect()
    assert alive() is None


def test_a_cycle_made_while_the_spider_runs_is_collected() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    extension = FreezeStartupObjects.from_crawler(crawler)
    try:
        extension.spider_opened()
        alive = weakref.ref(Node())
        gc.collect()
        assert alive() is None
    finally:
        extension.spider_closed()


def test_switched_off() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}, "GC_FREEZE_ENABLED": False})
    with pytest.raises(NotConfigured):
        FreezeStartupObjects.from_crawler(crawler)
