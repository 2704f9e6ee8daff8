"""``scrapy state rebuild [WARC_DIR_OR_FILE ...] [--state PATH] [--force]``: state from WARCs.

With ``KABARSIP_REDIS_URL`` set (and no ``--state``) the Redis state is rebuilt instead, in
place: its namespace is emptied (``--force``) and written again.

The WARC files are the source of truth and the state file only an index of them, so a lost,
damaged or stale state file can be made again.  The new file is built next to the target
(``PATH.rebuild-tmp``) and renamed over it only once complete; the target's lock is held
throughout, so no crawl uses the state while it is replaced.  A damaged WARC file costs only
what follows the damage; the summary names each problem with file and offset.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.crawlstate import describe_state, state_from_settings
from archive.state import DEFAULT_STATE_PATH, CrawlStateError
from archive.state_sqlite import SqliteCrawlState
from archive.statelock import StateLock
from crawler.paths import SITE_NAME, UnsafePathError
from crawler.sites import load_site

if TYPE_CHECKING:
    from archive.rebuild import RebuildReport

DEFAULT_WARC_DIR = "data/warc"
TMP_SUFFIX = ".rebuild-tmp"
#: Problems listed in the summary; all of them were logged as they came.
SUMMARY_PROBLEMS = 50
#: Files SQLite keeps next to a database; stale ones must not meet another database.
_SIDE_FILES = ("-wal", "-shm", "-journal")


def site_schedule(site: str) -> tuple[timedelta, ...]:
    """The revisit schedule of ``seeds/<site>.toml``; ``SiteConfigError`` when unknown.

    ``site`` comes from the archive: it names a file in ``seeds/``, never a path elsewhere.
    """
    if not SITE_NAME.fullmatch(site):
        raise UnsafePathError(f"{site!r} is no site name and may lead outside seeds/: refused")
    return load_site(site).revisit


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "rebuild [WARC_DIR_OR_FILE ...] [--state PATH] [--force]"

    def short_desc(self) -> str:
        return "Rebuild the crawl state file from the WARC files"

    def long_desc(self) -> str:
        return (
            "Read the WARC files (directories: their *.warc.gz and *.warc files; default the "
            "WARC_DIR setting) in file name order and write a new state file (default the "
            "STATE_PATH setting) holding what the crawls that wrote them knew: the last capture "
            "of every URL and the current version of every article. An existing state file is "
            "replaced only with --force."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--state", metavar="PATH", help="state file to write (default: STATE_PATH)"
        )
        parser.add_argument(
            "--force", action="store_true", help="replace the state file if it exists"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != "rebuild":
            raise UsageError("give the action: scrapy state rebuild [WARC_DIR_OR_FILE ...]")
        assert self.settings is not None
        paths = [Path(arg) for arg in args[1:]] or [
            Path(self.settings.get("WARC_DIR") or DEFAULT_WARC_DIR)
        ]
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise UsageError(
                f"no such WARC file or directory: {', '.join(missing)}", print_help=False
            )
        if self.settings.get("KABARSIP_REDIS_URL") and not opts.state:
            self._rebuild_redis(paths, opts.force)
            return
        target = Path(opts.state or self.settings.get("STATE_PATH") or DEFAULT_STATE_PATH)
        if target.exists() and not opts.force:
            raise UsageError(
                f"state file {target} exists; give --force to replace it, or --state with "
                "another path",
                print_help=False,
            )
        with _holding(target), _warnings_to_stderr():
            report = self._rebuild(paths, target)
        print(summary(report, target))
        if report.records == 0:
            print(
                f"error: no WARC record could be read from {', '.join(map(str, paths))}; "
                f"{target} was left as it was",
                file=sys.stderr,
            )
            self.exitcode = 1

    def _rebuild_redis(self, paths: list[Path], force: bool) -> None:
        """Rebuild the Redis state in place: its namespace emptied first (``--force``).

        Unlike a file, it cannot be swapped in whole: run no crawl of it meanwhile.
        """
        from archive.rebuild import rebuild_state
        from archive.state_redis import RedisCrawlState  # the optional extra, here in use

        assert self.settings is not None
        where = describe_state(self.settings)
        try:
            store = state_from_settings(self.settings)
        except CrawlStateError as exc:
            raise UsageError(str(exc), print_help=False) from None
        with store, _warnings_to_stderr():
            if not isinstance(store, RedisCrawlState):  # pragma: no cover - settings say Redis
                raise UsageError(f"{where} is not a Redis state", print_help=False)
            if not store.is_empty():
                if not force:
                    raise UsageError(
                        f"{where} holds a state; give --force to replace it", print_help=False
                    )
                store.clear()
            report = rebuild_state(paths, store, site_schedule)
        print(summary(report, where))
        if report.records == 0:
            print(
                f"error: no WARC record could be read from {', '.join(map(str, paths))}",
                file=sys.stderr,
            )
            self.exitcode = 1

    def _rebuild(self, paths: list[Path], target: Path) -> RebuildReport:
        """Build into the side file, then put it in place when anything could be read."""
        # Here, not at the top: Scrapy imports every command to start any of them.
        from archive.rebuild import rebuild_state

        tmp = target.with_name(target.name + TMP_SUFFIX)
        _remove(tmp)
        try:
            store = SqliteCrawlState(tmp)
        except CrawlStateError as exc:
            raise UsageError(str(exc), print_help=False) from None
        try:
            with store:
                report = rebuild_state(paths, store, site_schedule)
            if report.records:
                _install(tmp, target)
        finally:
            _remove(tmp)
        return report


def summary(report: RebuildReport, target: Path | str) -> str:
    """What a rebuild read and wrote, problems first-come with file and offset."""
    files = f"{report.files}"
    if report.damaged_files:
        files += f" ({report.damaged_files} damaged)"
    lines = [
        f"WARC files read:  {files}",
        f"records read:     {report.records}",
        f"captures:         {report.captures}",
        f"articles:         {report.articles_live + report.articles_gone} "
        f"({report.articles_live} live, {report.articles_gone} gone)",
        f"decisions:        {report.decisions}",
        f"skipped records:  {report.skipped_records}",
        f"damaged records:  {report.damaged_records}",
    ]
    if report.skipped_files:
        lines.append(f"skipped files:    {', '.join(report.skipped_files)}")
    if report.unknown_sites:
        lines.append(
            f"unknown sites:    {', '.join(report.unknown_sites)} (default revisit schedule)"
        )
    if report.problems:
        lines.append("problems:")
        lines.extend(f"  {problem}" for problem in report.problems[:SUMMARY_PROBLEMS])
        if len(report.problems) > SUMMARY_PROBLEMS:
            lines.append(f"  ... and {len(report.problems) - SUMMARY_PROBLEMS} more")
    if report.records:
        lines.append(f"state written to {target}")
    return "\n".join(lines)


@contextmanager
def _holding(target: Path) -> Iterator[None]:
    """Hold the target's state lock, as a crawl does, so none starts on the old file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = StateLock(target)
    except OSError as exc:
        raise UsageError(f"cannot create the folder of {target}: {exc}", print_help=False) from None
    except CrawlStateError as exc:
        raise UsageError(str(exc), print_help=False) from None
    try:
        yield
    finally:
        lock.release()


def _install(tmp: Path, target: Path) -> None:
    """Rename the finished ``tmp`` over ``target``; the caller holds the target's lock."""
    # One self-contained file: its WAL folded in, so nothing of it stays behind.
    with closing(sqlite3.connect(tmp)) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    _fsync(tmp)
    for suffix in _SIDE_FILES:
        # The old file's WAL would otherwise be replayed into the new one.
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)
    _fsync(target.parent, directory=True)


def _remove(tmp: Path) -> None:
    for suffix in ("", *_SIDE_FILES, ".lock"):
        tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Show the rebuild's warnings as they come, whatever Scrapy's logging settings."""
    logger = logging.getLogger("archive.rebuild")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
