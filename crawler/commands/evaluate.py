"""``scrapy evaluate ANSWERS.jsonl PAGES_DIR``: extraction scored against ground truth.

Prints the per-field table (``crawler.evaluation``) per site and overall; ``-v`` adds each
failing page with what was expected and what was got. The exit status is 0 whatever the scores,
unless ``--min SCORE`` is given and an overall field is below it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.extract import item_steps

if TYPE_CHECKING:
    from crawler.processing import Processed

# Extraction and its scoring load only when this command runs: Scrapy builds every command at
# each start, the crawl's too.


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "ANSWERS.jsonl PAGES_DIR [--site NAME] [--generic] [--json OUT] [--min SCORE] [-v]"

    def short_desc(self) -> str:
        return "Score extraction of saved pages against ground-truth answers"

    def long_desc(self) -> str:
        from crawler.evaluation import FIELDS

        return (
            "Extract each page named in ANSWERS.jsonl from PAGES_DIR (with seeds/<site>.toml, "
            "else the site file for its URL, else generic rules) and score title, published, "
            "updated, authors, first and last body sentence and boilerplate, per site and "
            "overall. Fields: " + ", ".join(FIELDS) + "."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", metavar="NAME", help="score only the rows of this site")
        parser.add_argument(
            "--generic",
            action="store_true",
            help="switch site files off: score the generic extraction layer alone",
        )
        parser.add_argument("--json", metavar="OUT", help="also write the full report as JSON")
        parser.add_argument(
            "--min",
            metavar="SCORE",
            type=float,
            help="exit 1 when any overall field scores below SCORE percent",
        )
        parser.add_argument(
            "-v", "--verbose", action="store_true", help="list failing pages and fields"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.evaluation import (
            evaluate,
            format_failures,
            format_table,
            load_answers,
            site_for_row,
        )
        from crawler.processing import process_page

        if len(args) != 2:
            raise UsageError("give ANSWERS.jsonl and PAGES_DIR")
        answers, pages_dir = Path(args[0]), Path(args[1])
        if not answers.is_file():
            raise UsageError(f"answers file {answers} does not exist", print_help=False)
        if not pages_dir.is_dir():
            raise UsageError(f"pages directory {pages_dir} does not exist", print_help=False)
        try:
            rows = load_answers(answers)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from None
        if opts.site:
            rows = [row for row in rows if row.get("site") == opts.site]
            if not rows:
                raise UsageError(f"{answers} has no rows of site {opts.site!r}", print_help=False)
        assert self.settings is not None
        steps = item_steps(self.settings)

        def extract(body: bytes, row: Mapping[str, Any]) -> Processed:
            site = site_for_row(row, generic=opts.generic)
            return process_page(body, str(row["url"]), site, steps=steps)

        report = evaluate(rows, pages_dir, extract)
        for row in report.rows:
            if row.error:
                print(f"{row.file}: {row.error}", file=sys.stderr)
        print(format_table(report))
        if opts.verbose:
            print()
            print(format_failures(report))
        if opts.json:
            text = json.dumps(report.to_json(), ensure_ascii=False, indent=2)
            Path(opts.json).write_text(text + "\n", encoding="utf-8")
        if opts.min is not None:
            low = {n: p for n, p in report.percent().items() if p < opts.min}
            if low:
                below = ", ".join(f"{name} {percent:.1f}%" for name, percent in low.items())
                print(f"below {opts.min:g}%: {below}", file=sys.stderr)
                self.exitcode = 1
