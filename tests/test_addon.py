"""The Kabarsip add-on: every default and component, so components repeat no default."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from scrapy import Spider
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from archive.warcfiles import WarcFiles, warc_files
from crawler import settings as documented
from crawler.addon import REMOTE_CONTROL, KabarsipAddon

ROOT = Path(__file__).resolve().parent.parent
SETTING_GETTERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict"}


def test_the_addon_gives_a_crawl_every_documented_default() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}})
    settings = crawler.settings
    for name in ("WARC_DIR", "WARC_MAX_SIZE", "STATE_PATH", "STATE_CHECK_SECONDS", "ITEMS_PATH"):
        assert settings[name] == getattr(documented, name), name
    assert settings.getdict("EXTENSIONS") == documented.EXTENSIONS
    assert settings.getdict("SPIDER_MIDDLEWARES") == documented.SPIDER_MIDDLEWARES
    assert settings.getpriority("WARC_DIR") == 15  # "addon": below a project's settings
    files = warc_files(crawler)
    assert isinstance(files, WarcFiles)
    assert files.directory == Path("data/warc")


def test_settings_given_by_the_project_win_over_the_addon(tmp_path: Path) -> None:
    crawler = get_crawler(
        Spider,
        {
            "ADDONS": {KabarsipAddon: 0},
            "WARC_DIR": str(tmp_path),
            "EXTENSIONS": {"archive.warcfiles.WarcFiles": 100},
        },
    )
    files = warc_files(crawler)
    assert files is not None and files.directory == tmp_path
    assert crawler.settings.getdict("EXTENSIONS") == {"archive.warcfiles.WarcFiles": 100}


def test_the_addon_lets_replay_switch_capture_off() -> None:
    crawler = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}, "REPLAY_FROM": "data/warc"})
    assert not crawler.settings.getbool("WARC_ENABLED")
    assert warc_files(crawler) is None


def test_archive_components_read_settings_without_defaults_of_their_own() -> None:
    """The add-on owns the defaults: ``settings.getint("X", 5)`` would be a second copy."""
    paths = [*sorted((ROOT / "archive").glob("*.py")), ROOT / "pipelines/versions.py"]
    repeated = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SETTING_GETTERS
                and isinstance(node.func.value, ast.Attribute | ast.Name)
                and "settings" in ast.unparse(node.func.value)
                and (len(node.args) > 1 or node.keywords)
            ):
                repeated.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert repeated == []


def test_a_redis_url_switches_scheduler_and_dupefilter_to_redis() -> None:
    url = "redis://127.0.0.1:6390/3"
    settings = get_crawler(
        Spider, {"ADDONS": {KabarsipAddon: 0}, "KABARSIP_REDIS_URL": url}
    ).settings
    assert settings["SCHEDULER"] == "crawler.redisqueue.SharedScheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert (settings["REDIS_URL"], settings.getbool("SCHEDULER_PERSIST")) == (url, True)
    local = get_crawler(Spider, {"ADDONS": {KabarsipAddon: 0}, "KABARSIP_REDIS_URL": ""})
    assert not local.settings["SCHEDULER"].startswith("crawler.redisqueue")


def test_the_remote_control_extension_loads_only_when_asked_for() -> None:
    """Off, Scrapy's remote control would still import aiohttp at each start."""
    code = (
        "import sys\n"
        "from scrapy import Spider\n"
        "from scrapy.utils.test import get_crawler\n"
        "from crawler.addon import KabarsipAddon\n"
        "get_crawler(Spider, {'ADDONS': {KabarsipAddon: 0}})\n"
        "print(sorted(m for m in ('scrapy.extensions.remote_control', 'aiohttp')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
    on = get_crawler(
        Spider, {"ADDONS": {KabarsipAddon: 0}, "REMOTE_CONTROL_ENABLED": True}
    ).settings
    assert REMOTE_CONTROL in build_component_list(on.getwithbase("EXTENSIONS"))
