"""Jobs for the extraction pool's tests: importable by name, as a worker process needs them."""

from __future__ import annotations

import multiprocessing
import os
import time


def in_worker() -> bool:
    return multiprocessing.parent_process() is not None


def where(value: int) -> tuple[int, bool]:
    """``value`` doubled, and whether a worker process computed it."""
    return value * 2, in_worker()


def die_in_worker(value: int) -> tuple[int, bool]:
    """Kills the worker process that runs it; in the crawl process, answers as ``where``."""
    if in_worker():
        os._exit(3)
    return where(value)


def hang_in_worker(value: int) -> tuple[int, bool]:
    """Never answers in a worker process (well past any test's timeout)."""
    if in_worker():
        time.sleep(600)
    return where(value)


def slow(value: int) -> tuple[int, bool]:
    time.sleep(0.05)
    return where(value)


def echo(data: bytes) -> bytes:
    """``data`` back, reversed: a job and an answer as large as one likes."""
    return data[::-1]


def fail(message: str) -> None:
    raise ValueError(message)


def unsendable() -> object:
    """An outcome that cannot be pickled back to the crawl process."""
    return lambda: None
