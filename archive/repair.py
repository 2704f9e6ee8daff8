"""Repair after a crash: cut leftover ``.open`` WARC files back to their last whole record."""

from __future__ import annotations

import fcntl
import logging
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.naming import OPEN_SUFFIX, WARC_SUFFIX

logger = logging.getLogger(__name__)

_SCAN_CHUNK = 1 << 20
#: A live writer writes its warcinfo right after creating a file, so only an empty file this
#: old can be a leftover.
_EMPTY_GRACE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RepairedFile:
    """A leftover ``.open`` file cut back to its last whole record."""

    open_path: str
    final_path: str | None
    """``None`` when not one whole record was left and the file was removed."""
    records: int
    kept_bytes: int
    cut_bytes: int


@dataclass(frozen=True, slots=True)
class RepairResult:
    """What became of one ``.open`` file: repaired, left alone, or not repairable."""

    path: str
    repaired: RepairedFile | None = None
    left_alone: str | None = None
    """Why it was not touched: a running writer holds it, or it was only just created."""
    error: str | None = None
    """Why it could not be repaired: its final name is taken, an I/O error..."""


def repair_open_files(directory: str | os.PathLike[str]) -> list[RepairedFile]:
    """Cut leftover ``*.warc.gz.open`` files to their last whole record and rename them.

    Files a live writer holds (its ``flock``) are skipped, and so is a file whose final name
    is already taken.  A file without a single whole record is removed.
    """
    repaired = []
    for result in map(repair_open_file, open_files(directory)):
        done = result.repaired
        if done is not None:
            repaired.append(done)
            logger.warning(
                "Repaired %s: kept %d records (%d bytes), cut %d bytes",
                result.path,
                done.records,
                done.kept_bytes,
                done.cut_bytes,
            )
        elif result.error is not None:
            logger.error("Cannot finish %s: %s", result.path, result.error)
        elif result.left_alone is not None:
            logger.info("Leaving %s alone: %s", result.path, result.left_alone)
    return repaired


def open_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The ``.open`` WARC files in ``directory``, by name; none when it is no folder."""
    root = Path(directory)
    if not root.is_dir():
        return []
    return sorted(root.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))


def repair_open_file(path: Path) -> RepairResult:
    """Cut one ``.open`` file to its last whole record and give it its final name.

    A file a running writer holds is left alone; OS errors are reported, not raised.
    """
    try:
        result = _repair(path)
    except OSError as exc:
        return RepairResult(str(path), error=exc.strerror or str(exc))
    if isinstance(result, RepairedFile):
        return RepairResult(str(path), repaired=result)
    return result


def _whole_records_end(read: Callable[[int], bytes]) -> tuple[int, int]:
    """Scan gzip members from ``read``; return (end offset of the last whole one, count)."""
    end = count = position = 0
    decompressor = zlib.decompressobj(31)
    data = b""
    while True:
        if not data:
            data = read(_SCAN_CHUNK)
            if not data:
                break
        try:
            # Output is thrown away: bound it so a well-compressed record cannot balloon.
            decompressor.decompress(data, _SCAN_CHUNK)
            while decompressor.unconsumed_tail and not decompressor.eof:
                decompressor.decompress(decompressor.unconsumed_tail, _SCAN_CHUNK)
        except zlib.error:
            break
        if decompressor.eof:
            rest = decompressor.unused_data
            position += len(data) - len(rest)
            end, count = position, count + 1
            data = rest
            decompressor = zlib.decompressobj(31)
        else:
            position += len(data)
            data = b""
    return end, count


def _repair(path: Path) -> RepairedFile | RepairResult:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return RepairResult(str(path), left_alone="finished by its writer meanwhile")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return RepairResult(str(path), left_alone="a running crawl is writing it")
        try:
            current = path.stat()
        except FileNotFoundError:
            return RepairResult(str(path), left_alone="finished by its writer meanwhile")
        if current.st_ino != os.fstat(fd).st_ino:
            # Finished and renamed while we waited; a new file took the name.
            return RepairResult(str(path), left_alone="a running crawl is writing it")
        size = current.st_size
        if size == 0 and time.time() - current.st_mtime < _EMPTY_GRACE_SECONDS:
            return RepairResult(str(path), left_alone="just created, its writer may be starting")
        final = final_path(path)
        if final.exists():
            return RepairResult(str(path), error=f"{final} already exists; move one of them aside")
        offset = 0

        def read(n: int) -> bytes:
            nonlocal offset
            chunk = os.pread(fd, n, offset)
            offset += len(chunk)
            return chunk

        kept, records = _whole_records_end(read)
        if kept < size:
            os.ftruncate(fd, kept)
            os.fsync(fd)
        if kept == 0:
            path.unlink()
            return RepairedFile(str(path), None, 0, 0, size)
        path.rename(final)
        return RepairedFile(str(path), str(final), records, kept, size - kept)
    finally:
        os.close(fd)


def final_path(open_path: Path) -> Path:
    """The name ``open_path`` takes once finished: without the ``.open`` suffix."""
    return open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
