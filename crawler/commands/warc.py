"""``scrapy warc index|pack|repair|verify [WARC_DIR_OR_FILE ...]``: tools for the WARC archive.

- ``index [-o FILE]``: sorted CDXJ index (cdxj-indexer) for pywb and ReplayWeb.page, to
  stdout or FILE; a damaged file is indexed up to the damage, named in a warning, and the
  exit status is 1.
- ``pack -o FILE.wacz [--title TEXT]``: a WACZ (py-wacz) that ReplayWeb.page opens, listing
  the article versions as its pages; the files are verified first and nothing is packed
  when one is damaged.
- ``repair``: cut the ``.open`` files a killed crawl left to their last whole record and
  give them their final names (what the next crawl would do), one line per file; a file a
  running crawl writes is left alone; exit status 1 when a file could not be repaired.
- ``verify``: every record's framing and digests; one line ``FILE:OFFSET: problem`` per
  problem, then a summary; exit status 1 when anything is damaged.

Paths default to the WARC_DIR setting; directories give their ``*.warc.gz`` and ``*.warc``
files (and their ``.open`` files, which are reported, never read, except by ``repair``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.naming import OPEN_SUFFIX
from archive.repair import open_files, repair_open_file
from archive.scan import FoundFiles, Problem, find_warc_files
from crawler.commands.state import DEFAULT_WARC_DIR

if TYPE_CHECKING:
    from archive.verify import VerifyReport

# Packing, verifying and the progress bar load only when an action needs them: Scrapy imports
# every command to start any of them (a crawl too).

ACTIONS = ("index", "pack", "repair", "verify")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "index|pack|repair|verify [WARC_DIR_OR_FILE ...] [-o FILE] [--title TEXT]"

    def short_desc(self) -> str:
        return "Index (CDXJ), pack (WACZ), repair or verify the WARC files"

    def long_desc(self) -> str:
        return (
            "index: write a sorted CDXJ index of the WARC files (default: the WARC_DIR "
            "setting) to stdout or -o FILE. "
            "pack: verify the WARC files, then write them as the WACZ -o FILE.wacz, with the "
            "article versions as its page list. "
            "repair: cut the .open files a killed crawl left back to their last whole record "
            "and rename them, leaving alone those a running crawl writes; exit 1 when one "
            "could not be repaired. "
            "verify: check the framing and the block and payload digests of every record; "
            "report each problem as FILE:OFFSET: problem and exit 1 when any file is damaged."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="index: CDXJ file; pack: the .wacz to write"
        )
        parser.add_argument("--title", metavar="TEXT", help="pack: the WACZ's title")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] not in ACTIONS:
            raise UsageError(
                "give the action: scrapy warc index|pack|repair|verify [WARC_DIR_OR_FILE ...]"
            )
        action, given = args[0], args[1:]
        assert self.settings is not None
        paths = [Path(arg) for arg in given] or [
            Path(self.settings.get("WARC_DIR") or DEFAULT_WARC_DIR)
        ]
        if opts.title and action != "pack":
            raise UsageError("--title is for pack only", print_help=False)
        if opts.output and action in ("verify", "repair"):
            raise UsageError(f"{action} writes no file: -o is for index and pack", print_help=False)
        if action == "pack" and not opts.output:
            raise UsageError("pack needs -o FILE.wacz", print_help=False)
        if action == "repair":
            self.exitcode = _repair(paths)
            return
        try:
            found = find_warc_files(paths)
        except FileNotFoundError as exc:
            raise UsageError(str(exc), print_help=False) from None
        if not (
            found.warc or found.other or (action == "verify" and (found.open or found.not_files))
        ):
            raise UsageError(f"no WARC files in {', '.join(map(str, paths))}", print_help=False)
        try:
            if action == "verify":
                self.exitcode = _verify(found)
            elif action == "index":
                self.exitcode = _index(_archive_files(found), opts.output)
            else:
                self.exitcode = _pack(_archive_files(found), Path(opts.output), opts.title)
        except BrokenPipeError:
            # Output piped into a reader that stopped early (`| head`): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.exitcode = 1


def _archive_files(found: FoundFiles) -> list[Path]:
    """The files to index or pack: WARC files with base names unique among them."""
    for path in found.open:
        _warn(f"skipping {path}: still being written, or left by a crash")
    for path in found.not_files:
        _warn(f"skipping {path}: named like a WARC file but not a regular file")
    if found.other:
        raise UsageError(
            f"not named like a WARC file (.warc.gz or .warc): {', '.join(map(str, found.other))}",
            print_help=False,
        )
    # Indexes and WACZ packages name a file by its base name only.
    names = Counter(path.name for path in found.warc)
    twice = sorted(name for name, count in names.items() if count > 1)
    if twice:
        raise UsageError(
            f"two files share the name {', '.join(twice)}: give one of each", print_help=False
        )
    return found.warc


def _repair(paths: list[Path]) -> int:
    """Repair the ``.open`` files of ``paths`` (folders, or ``.open`` files by name)."""
    leftovers: list[Path] = []
    for path in paths:
        if path.is_dir():
            leftovers.extend(open_files(path))
        elif path.name.endswith(OPEN_SUFFIX) and path.is_file():
            leftovers.append(path)
        elif path.exists():
            raise UsageError(f"{path}: not a folder or a .open WARC file", print_help=False)
        else:
            raise UsageError(f"no such WARC file or directory: {path}", print_help=False)
    counts: Counter[str] = Counter()
    for result in map(repair_open_file, leftovers):
        done = result.repaired
        if done is not None and done.final_path is not None:
            counts["repaired"] += 1
            print(
                f"repaired {result.path} -> {done.final_path}: kept {done.records} records "
                f"({done.kept_bytes} bytes), cut {done.cut_bytes} bytes"
            )
        elif done is not None:
            counts["removed"] += 1
            print(f"removed {result.path}: not one whole record in its {done.cut_bytes} bytes")
        elif result.left_alone is not None:
            counts["left alone"] += 1
            print(f"left alone {result.path}: {result.left_alone}")
        else:
            counts["failed"] += 1
            print(f"error: cannot repair {result.path}: {result.error}", file=sys.stderr)
    if not leftovers:
        print(f"no unfinished WARC files in {', '.join(map(str, paths))}")
    else:
        kinds = ("repaired", "removed", "left alone", "failed")
        print(", ".join(f"{counts[kind]} {kind}" for kind in kinds))
    return 1 if counts["failed"] else 0


def _verify(found: FoundFiles) -> int:
    from archive.verify import files_to_check, verify_files

    files = files_to_check(found)
    with _progress(files) as advance:
        report = verify_files(found, on_problem=_report_line, progress=advance)
    print(_verify_summary(report))
    return 0 if report.clean else 1


def _verify_summary(report: VerifyReport) -> str:
    damaged = f" ({len(report.damaged_files)} damaged)" if report.damaged_files else ""
    lines = [
        f"files checked:  {report.files}{damaged}",
        f"records:        {report.records}",
        f"bytes:          {report.bytes}",
    ]
    if report.leftovers or report.being_written:
        lines.append(
            f"open files:     {len(report.leftovers)} left by a crash, "
            f"{len(report.being_written)} being written (not checked)"
        )
    if report.clean:
        lines.append("all files are sound")
    else:
        unfinished = f" and {len(report.leftovers)} unfinished" if report.leftovers else ""
        lines.append(
            f"DAMAGED: {len(report.problems)} problems in {len(report.damaged_files)} "
            f"files{unfinished}"
        )
    return "\n".join(lines)


def _index(files: list[Path], output: str | None) -> int:
    # cdxj-indexer takes a third of a second to import.
    from archive.index import write_index

    def warn(problem: Problem) -> None:
        _warn(f"{problem}; the rest of the file is not indexed")

    if output is None:
        report = write_index(files, sys.stdout, on_problem=warn)
    else:
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with partial.open("w", encoding="utf-8") as stream:
                report = write_index(files, stream, on_problem=warn)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    damaged = f", {len(report.problems)} damaged" if report.problems else ""
    destination = f" to {output}" if output else ""
    print(
        f"indexed {report.lines} captures of {report.files} WARC files{damaged}{destination}",
        file=sys.stderr,
    )
    return 1 if report.problems else 0


def _pack(files: list[Path], output: Path, title: str | None) -> int:
    from archive.pack import PackError, pack

    if output.suffix != ".wacz":
        raise UsageError(f"{output}: a WACZ file's name ends in .wacz", print_help=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    with _progress(files) as advance:
        try:
            result = pack(files, output, title=title, on_problem=_report_line, progress=advance)
        except PackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(
        f"wrote {result.output}: {len(result.files)} WARC files, {result.report.records} "
        f"records, {result.pages} pages ({result.pages_from})"
    )
    return 0


def _report_line(problem: Problem) -> None:
    from tqdm import tqdm

    # tqdm.write keeps a progress bar below the lines.
    tqdm.write(str(problem), file=sys.stdout)


def _warn(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(f"warning: {message}", file=sys.stderr)


@contextmanager
def _progress(files: Sequence[Path]) -> Iterator[Callable[[int], None] | None]:
    """A byte progress bar on stderr when it is a terminal: a function taking byte counts."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    total = sum(path.stat().st_size for path in files if path.exists())
    with tqdm(
        total=total, desc="checking", unit="B", unit_scale=True, file=sys.stderr, leave=False
    ) as bar:
        yield bar.update
