"""Whether a folder can take WARC files: checked before a crawl fetches anything.

Permission bits alone do not tell (root ignores them), so the check creates and removes a
probe file; a read-only mount then fails as it would for the first record.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

_PROBE_NAME = ".kabarsip-probe-{pid}"


class UnusableWarcDirError(Exception):
    """``WARC_DIR`` is no writable folder; the message names it and what to do."""


def check_warc_dir(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory`` when missing and prove a file can be made in it; return it.

    Raises :class:`UnusableWarcDirError` for a regular file, a symbolic link to nothing (an
    archive disk that is not mounted), a path under a regular file, a read-only or otherwise
    unwritable folder.
    """
    path = Path(directory)
    if path.is_symlink() and not path.exists():
        raise UnusableWarcDirError(
            f"WARC_DIR {path} is a symbolic link to {os.readlink(path)}, which does not exist "
            "(archive disk not mounted?); mount it or set WARC_DIR to a folder",
        )
    if path.exists() and not path.is_dir():
        raise UnusableWarcDirError(
            f"WARC_DIR {path} is a file, not a folder; move it away or set WARC_DIR to a folder",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnusableWarcDirError(
            f"WARC_DIR {path} cannot be created ({exc.strerror}); {_advice(exc)}"
        ) from exc
    probe = path / _PROBE_NAME.format(pid=os.getpid())
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise UnusableWarcDirError(
            f"WARC_DIR {path} is not writable ({exc.strerror}); {_advice(exc)}"
        ) from exc
    return path


def _advice(error: OSError) -> str:
    if error.errno == errno.EROFS:
        return "it is on a read-only file system: remount it read-write or set WARC_DIR elsewhere"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free space there or set WARC_DIR elsewhere"
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a part of the path is a file: set WARC_DIR to a folder"
    return "make it writable for this user or set WARC_DIR elsewhere"
