"""``scrapy demo`` (``kabarsip demo``): the offline demo crawl, as ``make demo`` runs it."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand

from crawler import demo


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--out DIR] [--articles N] [--edition 1|2] [--fresh]"

    def short_desc(self) -> str:
        return "Serve a generated news site on 127.0.0.1, crawl it and summarise the run"

    def long_desc(self) -> str:
        return f"{demo.DESCRIPTION} {demo.EPILOG}"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        demo.add_arguments(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        demo.run(opts)
