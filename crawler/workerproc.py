"""One worker process, fed jobs and read from by the event loop itself, through two pipes.

:class:`concurrent.futures.ProcessPoolExecutor` hands each job to two threads of the calling
process (one moves it along, one pickles and writes it) and reads each answer in a third.
Beside an event loop that keeps the interpreter busy, those threads wait for the GIL on every
job, and the loop waits for them in turn (``submit`` wakes a thread up, which then holds the
GIL the loop needs back): each job costs the loop milliseconds, and the worker waits idle for
its next job.  Here the loop pickles the job and writes it to the worker's pipe when the pipe
can take it, and reads the answers when they are there; no thread is involved.

A job is ``(number, function, args)``; the answer ``(number, True, value)`` or ``(number,
False, exception)``.  Both cross in :class:`multiprocessing.connection.Connection`'s framing
(a 4-byte length, or -1 and an 8-byte one), which the worker reads and writes with its
blocking ``Connection`` and the loop with non-blocking reads and writes of the raw pipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import multiprocessing
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

#: Pipe size asked for (Linux): most jobs, a page's bytes, then go over in one write.
PIPE_SIZE = 1 << 20
_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


class WorkerDied(Exception):
    """The worker process ended (or was stopped) before answering the job."""


class Worker:
    """A worker process answering jobs in order; its answers come back as futures."""

    def __init__(self, initializer: Callable[[], None]) -> None:
        context = multiprocessing.get_context("spawn")
        jobs_out, self._jobs = context.Pipe(duplex=False)
        self._answers, answers_in = context.Pipe(duplex=False)
        for connection in (self._jobs, self._answers):
            _widen(connection.fileno())
        self.process: BaseProcess = context.Process(
            target=_serve, args=(jobs_out, answers_in, initializer), daemon=True
        )
        self.process.start()
        # The worker's ends, closed here: its death is then an end of file on the answers.
        jobs_out.close()
        answers_in.close()
        os.set_blocking(self._jobs.fileno(), False)
        os.set_blocking(self._answers.fileno(), False)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self._numbers = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsent = bytearray()
        self._unread = bytearray()
        self.alive = True

    def submit(self, job: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Hand ``job(*args)`` over; the future gets its value, its exception or WorkerDied."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self.alive:
            future.set_exception(WorkerDied("the worker has ended"))
            return future
        if self._loop is None:
            self._loop = loop
            loop.add_reader(self._answers.fileno(), self._read)
        number = next(self._numbers)
        self.pending[number] = future
        payload = pickle.dumps((number, job, args), pickle.HIGHEST_PROTOCOL)
        waiting = bool(self._unsent)
        self._unsent += _frame(payload)
        if not waiting:
            self._write()
        return future

    def _write(self) -> None:
        try:
            written = os.write(self._jobs.fileno(), self._unsent)
        except BlockingIOError:
            written = 0
        except OSError:
            self._ended()
            return
        del self._unsent[:written]
        assert self._loop is not None
        if self._unsent:
            self._loop.add_writer(self._jobs.fileno(), self._write)
        else:
            self._loop.remove_writer(self._jobs.fileno())

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._answers.fileno(), PIPE_SIZE)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self._answer_all()
                self._ended()
                return
            self._unread += chunk
        self._answer_all()

    def _answer_all(self) -> None:
        while (frame := _unframe(self._unread)) is not None:
            number, ok, value = pickle.loads(frame)
            future = self.pending.pop(number, None)
            if future is None or future.done():
                continue  # given up on (timed out)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _ended(self) -> None:
        """The worker is gone: every job it had fails with WorkerDied."""
        if not self.alive:
            return
        self.alive = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._answers.fileno())
            self._loop.remove_writer(self._jobs.fileno())
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(WorkerDied("the worker process ended"))

    def stop(self, wait: float) -> None:
        """End the worker: asked to (its pipe closed), killed if still there after ``wait`` s."""
        self._ended()
        self._jobs.close()
        self._answers.close()
        self.process.join(wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)


def _widen(fd: int) -> None:
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):  # above the system's limit: the default size
            fcntl.fcntl(fd, set_size, PIPE_SIZE)


def _frame(payload: bytes) -> bytes:
    if len(payload) < 0x7FFFFFFF:
        return _SHORT.pack(len(payload)) + payload
    return _SHORT.pack(-1) + _LONG.pack(len(payload)) + payload


def _unframe(buffer: bytearray) -> bytes | None:
    """The first whole frame of ``buffer``, taken out of it; None while it is incomplete."""
    if len(buffer) < _SHORT.size:
        return None
    (size,) = _SHORT.unpack_from(buffer)
    start = _SHORT.size
    if size == -1:
        if len(buffer) < start + _LONG.size:
            return None
        (size,) = _LONG.unpack_from(buffer, start)
        start += _LONG.size
    if len(buffer) < start + size:
        return None
    frame = bytes(buffer[start : start + size])
    del buffer[: start + size]
    return frame


def _serve(jobs: Connection, answers: Connection, initializer: Callable[[], None]) -> None:
    """The worker process: answer each job, in order, until the crawl process closes the pipe."""
    initializer()
    while True:
        try:
            number, job, args = pickle.loads(jobs.recv_bytes())
        except EOFError:
            return
        try:
            answer = (number, True, job(*args))
        except Exception as exc:  # the caller's to handle, as if it had run the job itself
            answer = (number, False, exc)
        try:
            payload = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps((number, False, RuntimeError(f"unpicklable answer: {exc!r}")))
        answers.send_bytes(payload)


def ignore_interrupts_and_end_with_parent() -> None:
    """In a worker: leave stopping to the crawl process, and end with it.

    Ctrl-C reaches the whole process group: the crawl process alone decides how to stop (it
    finishes or abandons its jobs, then stops the workers).  A crawl process killed outright
    stops nothing, and a worker waiting for its next job would wait for ever: a thread
    watches the parent and ends the worker when it is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: BaseProcess) -> None:
    parent.join()
    os._exit(1)
