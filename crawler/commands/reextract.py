"""``scrapy reextract PATH... -o items.jsonl``: items again from the archive, one per version.

A crawl over the archive (:class:`crawler.spiders.archive.ArchiveSpider` with ``REPLAY_FROM``
set to the paths given): every archived article response goes through extraction, the item
steps and the versions stage, numbered against a temporary state, into the feed ``-o`` names.
Records that cannot be read are reported by file and offset and skipped.

With learned boilerplate on (``LEARNED_BOILERPLATE_ENABLED``), a first pass over the archive
runs extraction and the item steps only, so the temporary state learns each site's repeated
blocks from all of it (:mod:`pipelines.learned`); the second pass, which writes the items, then
takes them out of every item, the first ones included. ``--no-learn-first`` reads the archive
once, learning as it goes: items read before a block was learned keep it.

Pages are extracted in worker processes, one per CPU (``REEXTRACT_WORKERS``; see
:mod:`crawler.reextract_pool`), each page once: the first pass keeps its outcomes in a
temporary file that the second reads back.  ``-s REEXTRACT_WORKERS=0`` extracts in the crawl's
own process, a request per capture, both passes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.misc import load_object

from archive.replayindex import ReplaySourceError, archive_files
from crawler.outcome import EXIT_CODE_STAT, FAILURE_STAT, ExitCode
from crawler.reextract_pool import worker_count
from crawler.sites import SiteConfigError, load_site
from crawler.spidermiddlewares.assets import PageAssetsMiddleware
from crawler.spiders.archive import FAILED_REASON
from pipelines.coverage import CoveragePipeline
from pipelines.learned import LearnedBoilerplatePipeline
from pipelines.output import ItemOutputPipeline
from pipelines.versions import VersionsPipeline

_FORMATS = ("jsonlines", "json", "parquet")
_SUFFIXES = {".jsonl": "jsonlines", ".jl": "jsonlines", ".json": "json", ".parquet": "parquet"}
_PROBLEMS_SHOWN = 50
_NOT_LEARNING = (CoveragePipeline, VersionsPipeline, ItemOutputPipeline)
_FEEDS = "scrapy.extensions.feedexport.FeedExporter"
_LEARNING = "pipelines.learned.LearningPipeline"
_APPLYING = "pipelines.learned.LearnedOnlyPipeline"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "PATH... -o FILE [--site NAME] [--format FORMAT]"

    def short_desc(self) -> str:
        return "Re-extract every archived article (one item per version) from WARC files"

    def long_desc(self) -> str:
        return (
            "Crawl the archive instead of the network: every archived article response in the "
            "WARC files and folders given goes through extraction, the item steps and the "
            "versions stage, in capture order, and one item per article version is written. "
            "The site file is --site, else the one whose domains hold each URL's host."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="where the items go")
        parser.add_argument("--format", choices=_FORMATS, help="output format (default: by suffix)")
        parser.add_argument("--site", metavar="NAME", help="site file for every page")
        parser.add_argument(
            "--learn-first",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="read the archive once to learn repeated blocks before extracting (default: on)",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show a progress bar (default: when stderr is a terminal)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if not args:
            raise UsageError("give the WARC files or folders to re-extract")
        if not opts.output:
            raise UsageError("give the output file with -o FILE", print_help=False)
        output = Path(opts.output)
        kind = opts.format or _SUFFIXES.get(output.suffix)
        if kind is None:
            raise UsageError(
                f"cannot tell the format of {output}: use .jsonl, .json or .parquet, or --format",
                print_help=False,
            )
        try:
            list(archive_files(Path(p) for p in args))
        except ReplaySourceError as exc:
            raise UsageError(str(exc), print_help=False) from None
        assert self.settings is not None
        try:
            worker_count(self.settings)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from None
        self.state_dir = tempfile.TemporaryDirectory(prefix="kabarsip-reextract-")
        if self.settings.getpriority("LOG_LEVEL") != SETTINGS_PRIORITIES["cmdline"]:
            # Warnings and the summary only, unless -L or --loglevel says otherwise.
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        feed: dict[str, Any] = {"format": kind, "overwrite": True}
        if not self.settings.get("REPLAY_INDEX"):
            # Kept for the run: the second pass reads the index the first one built.
            index = str(Path(self.state_dir.name) / "replay-index.sqlite")
            self.settings.set("REPLAY_INDEX", index, priority="cmdline")
        self.settings.setdict(
            {
                "REPLAY_FROM": list(args),
                # A state of its own, so versions are numbered as the live crawl numbers them.
                "STATE_PATH": str(Path(self.state_dir.name) / "state.sqlite"),
                "ITEMS_PATH": "",
                "FEEDS": {str(output): feed},
                "STATS_FILE": "",
            },
            priority="cmdline",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if opts.site:
            try:
                load_site(opts.site)
            except SiteConfigError as exc:
                raise UsageError(str(exc), print_help=False) from None
        progress = sys.stderr.isatty() if opts.progress is None else opts.progress
        assert self.crawler_process is not None and self.settings is not None
        learn_first = opts.learn_first and self.settings.getbool("LEARNED_BOILERPLATE_ENABLED")
        crawler = self._writer() if learn_first else self.crawler_process.create_crawler("archive")
        spider_args = {"progress": "1" if progress else ""}
        if opts.site:
            spider_args["site"] = opts.site
        reported = [crawler]
        try:
            if learn_first:
                process = self.crawler_process
                learner = self._learner()
                # With worker processes the second pass reads what the first extracted.
                spill = str(Path(self.state_dir.name) / "first-pass.pickle")
                first_args, second_args = dict(spider_args), dict(spider_args)
                if worker_count(self.settings):
                    first_args["spill_to"] = second_args["spill_from"] = spill

                def extract() -> None:
                    if _finish_reason(learner) == FAILED_REASON:
                        reported[0] = learner  # its workers failed: nothing to read on from
                        return
                    process.crawl(crawler, **second_args)

                # Either kind of crawler process waits for a crawl started before its last ends.
                learner.signals.connect(extract, signal=signals.engine_stopped)
                process.crawl(learner, **first_args)
            else:
                self.crawler_process.crawl(crawler, **spider_args)
            self.crawler_process.start()
        finally:
            self.state_dir.cleanup()
        self._report(reported[0], len(args), Path(opts.output))

    def _writer(self) -> Crawler:
        """The pass after the learning one: the whole crawl, whose learned boilerplate takes
        the blocks out and counts none (the learning pass counted every item)."""
        assert self.settings is not None and self.crawler_process is not None
        settings = self.settings.copy()
        steps = settings.getdict("ITEM_PIPELINES")
        for path, order in list(steps.items()):
            if order is not None and load_object(path) is LearnedBoilerplatePipeline:
                steps.update({path: None, _APPLYING: order})
        settings.set("ITEM_PIPELINES", steps, priority="cmdline")
        return Crawler(self.crawler_process.spider_loader.load("archive"), settings)

    def _learner(self) -> Crawler:
        """The learning pass: the same crawl of the archive up to learned boilerplate: no
        coverage figures (this crawl's are not reported), versions, outputs or pictures."""
        assert self.settings is not None and self.crawler_process is not None
        settings = self.settings.copy()
        # Switched off rather than left out: the defaults, set later, would add them back.
        steps = {
            path: None if load_object(path) in _NOT_LEARNING else order
            for path, order in settings.getdict("ITEM_PIPELINES").items()
        }
        for path, order in list(steps.items()):
            if order is not None and load_object(path) is LearnedBoilerplatePipeline:
                # Counting the blocks is all this pass is for: nothing is taken out here.
                steps.update({path: None, _LEARNING: order})
        # Pictures only get their place in the archive on the items written: not fetched here.
        middlewares = {
            path: None if load_object(path) is PageAssetsMiddleware else order
            for path, order in settings.getdict("SPIDER_MIDDLEWARES").items()
        }
        settings.setdict(
            {
                "ITEM_PIPELINES": steps,
                "SPIDER_MIDDLEWARES": middlewares,
                "FEEDS": {},
                "EXTENSIONS": {**settings.getdict("EXTENSIONS"), _FEEDS: None},
            },
            priority="cmdline",
        )
        return Crawler(self.crawler_process.spider_loader.load("archive"), settings)

    def _report(self, crawler: Crawler, sources: int, output: Path) -> None:
        assert crawler.stats is not None
        stats = crawler.stats.get_stats()
        read = int(stats.get("archive/article_responses", 0))
        code = int(stats.get(EXIT_CODE_STAT, 0) or 0)
        if code and not (code == ExitCode.FETCH and read == 0):  # no article: nothing to read
            print(f"kabarsip: reextract failed: {stats.get(FAILURE_STAT, '')}", file=sys.stderr)
            self.exitcode = code
        elif self.crawler_process is not None and self.crawler_process.bootstrap_failed:
            self.exitcode = int(ExitCode.ERROR)
        dropped = ", ".join(
            f"{n} {name.removeprefix('items/dropped/')}"
            for name, n in sorted(stats.items())
            if name.startswith("items/dropped/")
        )
        print(
            f"{stats.get('item_scraped_count', 0)} items "
            f"({read} article responses read, "
            f"{stats.get('versions/unchanged', 0)} unchanged, dropped: {dropped or 'none'}) "
            f"from {sources} sources into {output}",
            file=sys.stderr,
        )
        problems = list(getattr(crawler.spider, "problems", []))
        for problem in problems[:_PROBLEMS_SHOWN]:
            print(f"  skipped {problem}", file=sys.stderr)
        if len(problems) > _PROBLEMS_SHOWN:
            print(f"  ... and {len(problems) - _PROBLEMS_SHOWN} more", file=sys.stderr)


def _finish_reason(crawler: Crawler) -> str | None:
    return crawler.stats.get_value("finish_reason") if crawler.stats is not None else None
