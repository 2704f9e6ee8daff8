"""``scrapy demo`` (``kabarsip demo``): the offline demo crawl, as ``make demo`` runs it."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--out DIR] [--articles N] [--edition 1|2] [--fresh]"

    def short_desc(self) -> str:
        return "Serve a generated news site on 127.0.0.1, crawl it and summarise the run"

    # The demo (its site generator, server and report) loads only when this command runs:
    # Scrapy builds every command at each start, the crawl's too.
    def long_desc(self) -> str:
        from crawler import demo

        return f"{demo.DESCRIPTION} {demo.EPILOG}"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        from crawler import demo

        super().add_options(parser)
        demo.add_arguments(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler import demo

        demo.run(opts)
