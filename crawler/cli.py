"""``kabarsip``: Scrapy's command line with Kabarsip's settings, from any folder.

``scrapy crawl`` needs a Scrapy project (a ``scrapy.cfg`` or ``SCRAPY_SETTINGS_MODULE``);
``kabarsip crawl news -a site=demo``, ``kabarsip warc verify DIR`` or ``kabarsip demo`` work
wherever the package is installed, also beside another project's ``scrapy.cfg``.

The classes below are the entry points of the ``scrapy.commands`` group: Scrapy loads them in
every folder, so outside a project they take Kabarsip's settings themselves.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# Before the commands: its deprecated class aliases call inspect.stack(), whose cost grows
# with the depth of the import stack and the number of modules loaded (python/cpython#92041).
# Reached through the commands' imports it took 0.2 CPU seconds of every start.
import scrapy.core.downloader.contextfactory  # noqa: F401  # isort: skip
from scrapy.cmdline import execute
from scrapy.commands import ScrapyCommand
from scrapy.settings import Settings
from scrapy.utils.project import ENVVAR, inside_project

from crawler.commands import evaluate, extract, reextract, report, site, state, warc

SETTINGS_MODULE = "crawler.settings"


def kabarsip_settings() -> Settings:
    """Kabarsip's settings at project priority, as inside the repository."""
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    return settings


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``kabarsip COMMAND ...`` (``kabarsip`` alone lists the commands); exits."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Set for the commands that ask whether they run in a project and for the crawls the demo
    # starts in a child process; a scrapy.cfg in the current folder must not win over it.
    os.environ[ENVVAR] = SETTINGS_MODULE
    execute(["kabarsip", *args], settings=kabarsip_settings())


class _KabarsipSettings(ScrapyCommand):
    """Takes Kabarsip's settings when Scrapy runs the command outside any project."""

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        if self.settings is not None and not inside_project():
            self.settings.setmodule(SETTINGS_MODULE, priority="project")
        super().add_options(parser)


class Evaluate(_KabarsipSettings, evaluate.Command):
    """``scrapy evaluate``, from any folder."""


class Extract(_KabarsipSettings, extract.Command):
    """``scrapy extract``, from any folder."""


class Reextract(_KabarsipSettings, reextract.Command):
    """``scrapy reextract``, from any folder."""


class Report(_KabarsipSettings, report.Command):
    """``scrapy report``, from any folder."""


class Site(_KabarsipSettings, site.Command):
    """``scrapy site``, from any folder."""


class State(_KabarsipSettings, state.Command):
    """``scrapy state``, from any folder."""


class Warc(_KabarsipSettings, warc.Command):
    """``scrapy warc``, from any folder."""


if __name__ == "__main__":
    main()
