"""``scrapy reextract PATH... -o items.jsonl``: items again from the archive, one per version.

Extraction and the item pipelines run over every archived article response in the WARC files
(or folders of them) given, in the order they were captured; see ``crawler.reextraction``.
Records that cannot be read are reported by file and offset and skipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.exporters import BaseItemExporter, JsonItemExporter, JsonLinesItemExporter

from archive.replayindex import ReplaySourceError
from crawler.items import Article
from crawler.parquet import ParquetItemExporter
from crawler.processing import site_for_url
from crawler.reextraction import reextract
from crawler.sites import SiteConfig, SiteConfigError, load_site

_EXPORTERS: dict[str, Callable[..., BaseItemExporter]] = {
    "jsonlines": JsonLinesItemExporter,
    "json": JsonItemExporter,
    "parquet": ParquetItemExporter,
}
_SUFFIXES = {".jsonl": "jsonlines", ".jl": "jsonlines", ".json": "json", ".parquet": "parquet"}


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "PATH... -o FILE [--site NAME] [--format FORMAT]"

    def short_desc(self) -> str:
        return "Re-extract every archived article (one item per version) from WARC files"

    def long_desc(self) -> str:
        return (
            "Run extraction and the item pipelines over every archived article response in "
            "the WARC files and folders given, without discovery or network, and write one "
            "item per article version. The site file is --site, else the one whose domains "
            "hold each URL's host."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="where the items go")
        parser.add_argument(
            "--format", choices=sorted(_EXPORTERS), help="output format (default: by suffix)"
        )
        parser.add_argument("--site", metavar="NAME", help="site file for every page")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show a progress bar (default: when stderr is a terminal)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
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
        site_for = self._site_for(opts.site)
        with output.open("wb") as stream:
            exporter = _EXPORTERS[kind](stream, **self._export_options(kind))
            exporter.start_exporting()

            def emit(article: Article) -> None:
                exporter.export_item(article)

            try:
                report = reextract(
                    [Path(p) for p in args],
                    site_for,
                    emit,
                    pipelines=dict(self._settings().getwithbase("ITEM_PIPELINES")),
                    progress=opts.progress,
                )
            except (ReplaySourceError, LookupError) as exc:
                raise UsageError(str(exc), print_help=False) from None
            finally:
                exporter.finish_exporting()
        dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.dropped.items()))
        print(
            f"{report.items} items ({report.responses} article responses read, "
            f"{report.unchanged} unchanged, dropped: {dropped or 'none'}) from "
            f"{report.files} files into {output}",
            file=sys.stderr,
        )
        for problem in report.problems[:50]:
            print(f"  skipped {problem}", file=sys.stderr)
        if len(report.problems) > 50:
            print(f"  ... and {len(report.problems) - 50} more", file=sys.stderr)

    def _site_for(self, name: str | None) -> Any:
        if name is None:
            return site_for_url
        try:
            site = load_site(name)
        except SiteConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None

        def fixed(url: str) -> SiteConfig:
            return site

        return fixed

    def _export_options(self, kind: str) -> dict[str, Any]:
        if kind == "parquet":
            return {}
        return {"encoding": "utf-8", "ensure_ascii": False}

    def _settings(self) -> Any:
        assert self.settings is not None
        return self.settings
