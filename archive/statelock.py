"""The state file's lock: one process at a time uses a state file, crawl or rebuild.

A side file ``NAME.lock`` holds an exclusive ``flock`` and the holder's pid while the state
is in use; the kernel drops the lock when the process dies, so a killed crawl never leaves a
stale lock.  ``flock`` is not reliable on network file systems: keep the state on a local disk.
The lock file itself stays: another process may already wait on it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from archive.state import CrawlStateError, CrawlStateLockedError

LOCK_SUFFIX = ".lock"


class StateLock:
    """The exclusive lock of state file ``path``, taken on creation; raises if held elsewhere.

    :class:`CrawlStateLockedError` names the holder's pid; :class:`CrawlStateError` when the
    lock file cannot be created.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise CrawlStateError(f"cannot create lock file {lock_path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise CrawlStateLockedError(self.path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Let another process have the state; calling it again does nothing."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
