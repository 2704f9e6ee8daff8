"""``scrapy report [--state PATH] [--warc-dir DIR] [--site NAME] [-o OUT.html]``: crawl report.

One self-contained HTML file (plotly.js inline: it opens offline) with the articles per day,
the versions per article, the WARC bytes and what deduplication saved, field coverage and
errors over the recorded runs, and a summary table.  A missing state or WARC folder and
damaged WARC files are said in the report; only a state file in use or damaged stops it
(exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.state import DEFAULT_STATE_PATH, CrawlStateError
from crawler.commands.state import DEFAULT_WARC_DIR

# The report's figures and drawing load only when this command runs: Scrapy builds every
# command at each start, the crawl's too.


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--state PATH] [--warc-dir DIR] [--site NAME] [-o OUT.html]"

    def short_desc(self) -> str:
        return "Write an HTML report of the crawl state and the WARC files"

    def long_desc(self) -> str:
        from crawler.report.build import REPORT_NAME

        return (
            "Write one self-contained HTML file (it opens offline) with plots of the articles "
            "per day per site, the versions per article, the WARC bytes by record type and "
            "what deduplication saved, field coverage and errors by kind over the recorded "
            "runs, and a summary table. Reads the state file (default: the STATE_PATH "
            "setting) and the WARC folder (default: the WARC_DIR setting); writes -o OUT.html "
            f"(default: {REPORT_NAME} beside the state file)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        from crawler.report.build import REPORT_NAME

        super().add_options(parser)
        parser.add_argument("--state", metavar="PATH", help="state file (default: STATE_PATH)")
        parser.add_argument("--warc-dir", metavar="DIR", help="WARC folder (default: WARC_DIR)")
        parser.add_argument("--site", metavar="NAME", help="report on this site only")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help=f"HTML file to write (default: {REPORT_NAME})"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.report.build import REPORT_NAME, build_report, write_report

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        state_path = Path(opts.state or self.settings.get("STATE_PATH") or DEFAULT_STATE_PATH)
        warc_dir = Path(opts.warc_dir or self.settings.get("WARC_DIR") or DEFAULT_WARC_DIR)
        output = Path(opts.output) if opts.output else state_path.parent / REPORT_NAME
        try:
            report = build_report(state_path, warc_dir, opts.site)
        except CrawlStateError as exc:
            raise UsageError(str(exc), print_help=False) from None
        try:
            write_report(report, output)
        except OSError as exc:
            message = f"cannot write {output}: {exc.strerror or exc}"
            raise UsageError(message, print_help=False) from None
        print(f"report written to {output}")
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
