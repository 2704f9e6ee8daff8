"""The package outside the repository: the cores load without Scrapy, the site files are found
where the wheel puts them, and ``kabarsip`` and the ``scrapy.commands`` entry points work from
any folder."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.project import ENVVAR

from crawler.cli import Warc
from crawler.demo import PROJECT_DIR
from crawler.sites import SEEDS_DIR, seeds_dir

FORBIDDEN = ("scrapy", "twisted")


def _core_modules() -> list[str]:
    """The pure modules, as the import contract lists them (one list for both checks)."""
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (cores,) = [c for c in contracts if c["id"] == "cores-without-scrapy"]
    assert set(cores["forbidden_modules"]) == set(FORBIDDEN)
    return list(cores["source_modules"])


def _loaded_by(*modules: str) -> list[str]:
    """The scrapy and twisted modules a fresh interpreter holds after importing ``modules``."""
    probe = (
        f"import json, sys; import {', '.join(modules)}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return list(json.loads(result.stdout))


def test_the_date_parser_loads_no_scrapy_or_twisted() -> None:
    assert _loaded_by("pipelines.dates") == []


# The import contract sees the imports the project writes; this sees what really loads, also
# through a package's __init__ or a dependency that imports Scrapy itself (itemadapter does).
def test_the_core_modules_load_no_scrapy_or_twisted() -> None:
    cores = _core_modules()
    if _loaded_by(*cores):
        # One interpreter per module, only now, to name the culprits.
        leaks = {module: _loaded_by(module)[:3] for module in cores}
        pytest.fail(f"cores that load Scrapy or Twisted: { {m: s for m, s in leaks.items() if s} }")


def test_the_wheel_lists_every_package_of_the_source_tree() -> None:
    """A package missing from ``[tool.setuptools] packages`` is missing from the wheel."""
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(PROJECT_DIR).parts)
        for top in ("crawler", "pipelines", "archive")
        for init in (PROJECT_DIR / top).rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)


def test_site_files_are_found_inside_the_installed_package(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "crawler"
    (package / "seeds").mkdir(parents=True)
    assert seeds_dir(package) == package / "seeds"


def test_site_files_are_found_beside_the_package_in_a_checkout() -> None:
    assert SEEDS_DIR == PROJECT_DIR / "seeds"
    assert (SEEDS_DIR / "demo.toml").is_file()


def _other_project(folder: Path) -> Path:
    """A folder holding another Scrapy project's scrapy.cfg, which must not take over."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scrapy.cfg").write_text("[settings]\ndefault = otherproject.settings\n")
    return folder


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_kabarsip_crawl_knows_the_sites_in_any_folder(tmp_path: Path) -> None:
    folder = _other_project(tmp_path / "elsewhere")
    result = _run(
        [sys.executable, "-m", "crawler.cli", "crawl", "news", "-a", "site=nosuchsite"], folder
    )
    assert result.returncode == 2, result.stderr
    assert "known sites: " in result.stderr
    assert "demo" in result.stderr.split("known sites: ")[1]


def test_scrapy_lists_the_kabarsip_commands_outside_any_project(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "scrapy"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no active project" in result.stdout
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"evaluate", "extract", "reextract", "state", "warc"} <= listed


def test_an_entry_point_command_takes_kabarsip_settings_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENVVAR, raising=False)
    command = Warc()
    command.settings = Settings()
    command.add_options(argparse.ArgumentParser())
    assert command.settings["BOT_NAME"] == "kabarsip"
    assert command.settings["COMMANDS_MODULE"] == "crawler.commands"


def test_an_entry_point_command_keeps_the_settings_of_the_project_it_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_other_project(tmp_path))
    monkeypatch.delenv(ENVVAR, raising=False)
    command = Warc()
    command.settings = Settings({"BOT_NAME": "otherbot"})
    command.add_options(argparse.ArgumentParser())
    assert command.settings["BOT_NAME"] == "otherbot"


@pytest.mark.slow
def test_kabarsip_demo_then_warc_verify_from_another_projects_folder(tmp_path: Path) -> None:
    folder = _other_project(tmp_path / "elsewhere")
    demo = _run([sys.executable, "-m", "crawler.cli", "demo", "--articles", "12"], folder)
    assert demo.returncode == 0, demo.stderr
    assert "12 articles (0 dropped)" in demo.stdout
    warc_dir = folder / "data" / "demo" / "warc"
    assert list(warc_dir.glob("*.warc.gz"))
    verify = _run([sys.executable, "-m", "crawler.cli", "warc", "verify", str(warc_dir)], folder)
    assert verify.returncode == 0, verify.stderr
    assert "all files are sound" in verify.stdout
