"""Spidermon's extension module is not imported, unless monitors run before the spider closes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.addon import KabarsipAddon
from crawler.closemonitors import CloseMonitors
from crawler.monitors import CoverageMonitorSuite

SUITE = "crawler.monitors.CoverageMonitorSuite"


def test_a_crawl_starts_and_closes_without_spidermons_extension_module() -> None:
    modules = "('spidermon.contrib.scrapy.extensions', 'jsonschema')"
    code = (
        "import logging, sys\n"
        "from scrapy import Spider\n"
        "from scrapy.utils.test import get_crawler\n"
        "from crawler.addon import KabarsipAddon\n"
        "from crawler.closemonitors import CloseMonitors\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "crawler = get_crawler(Spider, {'ADDONS': {KabarsipAddon: 0}})\n"
        "extension = CloseMonitors.from_crawler(crawler)\n"
        "print(type(extension).__name__, len(extension.suites))\n"
        f"print(sorted(m for m in {modules} if m in sys.modules))\n"
        "crawler.spider = Spider('probe')\n"
        "crawler.stats.open_spider()\n"
        "extension.spider_closed(crawler.spider)\n"
        f"print(sorted(m for m in {modules} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.splitlines() == ["CloseMonitors 1", "[]", "[]"]
    # The suite ran, through Spidermon's runner: its report is in the log.
    assert "CoverageMonitor" in result.stderr


def test_the_close_suites_are_built_at_start_and_run_at_close() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    extension = CloseMonitors.from_crawler(crawler)
    assert isinstance(extension, CloseMonitors)
    (suite,) = extension.suites
    assert isinstance(suite, CoverageMonitorSuite)
    ran: list[str] = []

    class Recording(CoverageMonitorSuite):
        def run(self, result: object) -> object:
            ran.append("run")
            return super().run(result)

    extension.suites = [Recording(crawler=crawler)]
    crawler.spider = Spider("probe")
    crawler.stats.open_spider()
    extension.spider_closed(crawler.spider)
    assert ran == ["run"]


@pytest.mark.parametrize(
    "setting",
    [
        {"SPIDERMON_SPIDER_OPEN_MONITORS": [SUITE]},
        {"SPIDERMON_PERIODIC_MONITORS": {SUITE: 60}},
        {"SPIDERMON_ADD_FIELD_COVERAGE": True},
    ],
)
def test_monitors_that_run_sooner_get_spidermons_extension_at_start(
    setting: dict[str, object],
) -> None:
    from spidermon.contrib.scrapy.extensions import Spidermon

    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}, **setting})
    assert isinstance(CloseMonitors.from_crawler(crawler), Spidermon)


def test_a_close_monitor_that_is_no_suite_stops_the_crawl_at_start() -> None:
    settings = {
        "ADDONS": {KabarsipAddon: 0},
        "SPIDERMON_SPIDER_CLOSE_MONITORS": ["crawler.settings"],
    }
    with pytest.raises(TypeError, match=r"crawler\.settings is not a MonitorSuite"):
        get_crawler(Spider, settings)
