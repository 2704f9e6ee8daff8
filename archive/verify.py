"""Check WARC files whole: framing, digests of every record, files that are no WARC files.

The checks are those of :mod:`archive.scan`, which ``scrapy state rebuild`` relies on too.
Every file is read once, record by record, in constant memory per record.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from archive.scan import FoundFiles, Problem, ScannedRecord, scan_file

#: Called with each sound record (and its file) as it is read.
Visit = Callable[[Path, ScannedRecord], None]


@dataclass(slots=True)
class VerifyReport:
    """What was checked and what was found wrong."""

    files: int = 0
    records: int = 0
    """Whole records read."""
    bytes: int = 0
    """Size of the files checked."""
    problems: list[Problem] = field(default_factory=list)
    """Damage, in the order found: a record with a bad digest, or where a file stops."""
    damaged_files: list[str] = field(default_factory=list)
    leftovers: list[Problem] = field(default_factory=list)
    """``.open`` files no writer holds: left by a crash, not yet repaired."""
    being_written: list[str] = field(default_factory=list)
    """``.open`` files a running crawl holds."""

    @property
    def clean(self) -> bool:
        return not self.problems and not self.leftovers


def files_to_check(found: FoundFiles) -> list[Path]:
    """WARC files and any other file given by name (checked whatever its name)."""
    return sorted([*found.warc, *found.other], key=lambda path: (path.name, str(path)))


def verify_files(
    found: FoundFiles,
    *,
    keep: Collection[str] = (),
    visit: Visit | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Check every file of ``found`` to its end; ``.open`` files are only looked at.

    ``keep`` and ``visit``: records of these types are passed to ``visit`` with their HTTP
    head or block (see :func:`archive.scan.scan_file`).  ``on_problem`` hears of each
    problem as it is found, ``progress`` of the bytes read so far, file by file.
    """
    report = VerifyReport()

    def problem(found_problem: Problem) -> None:
        report.problems.append(found_problem)
        if found_problem.path not in report.damaged_files:
            report.damaged_files.append(found_problem.path)
        if on_problem is not None:
            on_problem(found_problem)

    for path in found.open:
        if _held_by_writer(path):
            report.being_written.append(str(path))
            continue
        leftover = Problem(
            str(path),
            None,
            "unfinished WARC file left by a crash; scrapy warc repair (or the next crawl into "
            "this directory) cuts it back to its last whole record",
        )
        report.leftovers.append(leftover)
        if on_problem is not None:
            on_problem(leftover)
    for path in found.not_files:
        problem(Problem(str(path), None, "named like a WARC file but not a regular file"))
    for path in files_to_check(found):
        report.files += 1
        size = _size(path)
        report.bytes += size
        position = 0
        for item in scan_file(path, keep=keep):
            if isinstance(item, Problem):
                problem(item)
                end = size
            else:
                report.records += 1
                if item.damage:
                    problem(Problem(str(path), item.offset, item.damage))
                elif visit is not None and item.kind in keep:
                    visit(path, item)
                end = item.offset + item.length
            if progress is not None and end > position:
                progress(end - position)
            position = max(position, end)
        if progress is not None and size > position:
            progress(size - position)  # the blank lines after an uncompressed file's last record
    return report


def _held_by_writer(path: Path) -> bool:
    """Whether a live :class:`archive.warc.WarcWriter` holds ``path`` (its ``flock``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of the lock at once
    return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
