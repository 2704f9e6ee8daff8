"""A worker process the event loop hands jobs to over two pipes, with no thread in between.

:class:`concurrent.futures.ProcessPoolExecutor` moves each job through two threads of the
calling process (its manager and its queue feeder) and wakes them through a pipe: beside a
busy event loop those threads and the loop take turns at the GIL, which cost the loop
milliseconds a job and left the worker waiting for work most of the time.  Here the event
loop itself writes each job to the worker's pipe and reads its answer when the answer's pipe
is readable (``loop.add_reader``), so nothing in the crawl process competes for the GIL:

- a job is the pickle of ``(function, args)``, an answer the pickle of its outcome, each
  framed as :class:`multiprocessing.connection.Connection` frames them (a 4-byte length);
- the pipes are widened (``F_SETPIPE_SZ``, up to 1 MiB) so that the jobs in flight fit in the
  pipe: the worker finds its next job there the moment it is done with one, whenever the loop
  gets around to anything; bytes the pipe cannot take wait for ``loop.add_writer``;
- the worker answers in the order it got the jobs, so their futures wait in a queue;
- the worker is scheduled as a batch job (``SCHED_BATCH``): woken by a job while no core is
  free, it does not take the CPU from the event loop that wrote the job;
- a worker that ends (its answers' pipe is closed) fails its jobs in flight with
  :class:`WorkerLost`; stopping one reaps its process before :meth:`JobWorker.stop` returns.

In the worker, SIGINT is ignored (the crawl process decides how to stop) and the process ends
when the crawl process does: its jobs' pipe reaches its end, or (during a job) a thread that
watches the parent process sees it go.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from importlib import import_module
from multiprocessing import parent_process
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from multiprocessing.context import SpawnContext
    from multiprocessing.process import BaseProcess

logger = logging.getLogger(__name__)

#: Bytes a pipe is widened to, at most (Linux's default ceiling for an unprivileged process).
PIPE_SIZE = 1 << 20
#: Bytes read from the answers' pipe at once (more wait for the next turn of the loop); under
#: malloc's mmap threshold, so that a read maps no fresh pages.
READ_SIZE = 1 << 16

_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


class WorkerLost(Exception):
    """The worker ended before it answered the job: ``crashed`` unless it was stopped."""

    def __init__(self, crashed: bool) -> None:
        super().__init__("the worker died" if crashed else "the worker was stopped")
        self.crashed = crashed


class RemoteTraceback(Exception):
    """Where a job failed in the worker (the ``__cause__`` of the exception raised here)."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


class JobWorker:
    """One worker process, and the futures of the jobs it has not answered yet."""

    def __init__(
        self,
        context: SpawnContext,
        preload: tuple[str, ...] = (),
        on_lost: Callable[[JobWorker], None] | None = None,
    ) -> None:
        """Start the process; it imports the ``preload`` modules before it takes a job.

        ``on_lost``: called (on the event loop) when the worker dies before it is stopped.
        """
        self.on_lost = on_lost
        jobs_in, self._jobs = os.pipe()
        self._answers, answers_out = os.pipe()
        for end in (self._jobs, self._answers):
            _widen(end)
        child_jobs = Connection(jobs_in, writable=False)
        child_answers = Connection(answers_out, readable=False)
        self.process: BaseProcess = context.Process(
            target=serve,
            args=(child_jobs, child_answers, preload),
            name="extraction-worker",
            daemon=True,
        )
        try:
            self.process.start()
        except BaseException:
            os.close(self._jobs)
            os.close(self._answers)
            raise
        finally:
            child_jobs.close()
            child_answers.close()
        os.set_blocking(self._jobs, False)
        os.set_blocking(self._answers, False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._unsent: deque[memoryview] = deque()
        self._received = bytearray()
        self.alive = True

    def __len__(self) -> int:
        """The jobs handed over and not answered yet."""
        return len(self._waiting)

    def submit(self, job: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Hand ``job(*args)`` over; the future gets its result, its exception or WorkerLost."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self.alive:
            future.set_exception(WorkerLost(crashed=False))
            return future
        if self._loop is not loop:
            self._attach(loop)
        payload = pickle.dumps((job, args), protocol=pickle.HIGHEST_PROTOCOL)
        self._waiting.append(future)
        self._send(_header(len(payload)), payload)
        return future

    def stop(self, wait: float) -> None:
        """End the worker and reap it: jobs in flight are abandoned (WorkerLost)."""
        busy = bool(self._waiting)
        self._end(crashed=False)
        process = self.process
        if not busy:
            # Its jobs' pipe is closed: the worker ends once it has read it to the end.
            process.join(wait)
        if process.is_alive():
            process.kill()
        process.join()

    # --- on the event loop ------------------------------------------------------------------

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._answers)
            self._loop.remove_writer(self._jobs)
        self._loop = loop
        loop.add_reader(self._answers, self._read)
        if self._unsent:
            loop.add_writer(self._jobs, self._write)

    def _send(self, *parts: bytes) -> None:
        if self._unsent:
            self._unsent.extend(memoryview(part) for part in parts)
            return
        try:
            written = os.writev(self._jobs, parts)
        except BlockingIOError:
            written = 0
        except OSError:
            self._died()
            return
        for part in parts:
            if written >= len(part):
                written -= len(part)
            else:
                self._unsent.append(memoryview(part)[written:])
                written = 0
        if self._unsent:
            assert self._loop is not None
            self._loop.add_writer(self._jobs, self._write)

    def _write(self) -> None:
        """The jobs' pipe has room again: write what waits for it."""
        unsent = self._unsent
        try:
            written = os.writev(self._jobs, list(unsent)[:64])
        except BlockingIOError:
            return
        except OSError:
            self._died()
            return
        while unsent and written >= len(unsent[0]):
            written -= len(unsent.popleft())
        if written:
            unsent[0] = unsent[0][written:]
        if not unsent:
            assert self._loop is not None
            self._loop.remove_writer(self._jobs)

    def _read(self) -> None:
        """Answers (or the end of the pipe) came: settle the futures they answer."""
        try:
            data = os.read(self._answers, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died()
            return
        received = self._received
        received += data
        start = 0
        while True:
            frame = _frame(received, start)
            if frame is None:
                break
            begin, end = frame
            self._answer(received[begin:end])
            start = end
        if start:
            del received[:start]

    def _answer(self, payload: bytearray) -> None:
        future = self._waiting.popleft()
        if future.done():
            return  # given up (timed out) meanwhile
        try:
            ok, value, where = pickle.loads(payload)
        except Exception as exc:  # an answer that cannot be read here: the job's failure
            future.set_exception(exc)
            return
        if ok:
            future.set_result(value)
        else:
            value.__cause__ = RemoteTraceback(where)
            future.set_exception(value)

    def _died(self) -> None:
        if not self.alive:
            return
        self._end(crashed=True)
        if self.on_lost is not None:
            self.on_lost(self)

    def _end(self, crashed: bool) -> None:
        """Let go of the pipes and fail the jobs in flight."""
        if not self.alive:
            return
        self.alive = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._answers)
            self._loop.remove_writer(self._jobs)
        os.close(self._jobs)
        os.close(self._answers)
        self._unsent.clear()
        waiting, self._waiting = self._waiting, deque()
        for future in waiting:
            if not future.done():
                future.set_exception(WorkerLost(crashed))
        if crashed:
            # Its answers' pipe was closed: the process is gone or going.
            self.process.kill()
            self.process.join(5)


def _widen(pipe: int) -> None:
    size = PIPE_SIZE
    while size > 1 << 16:
        try:
            fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, size)
        except (OSError, AttributeError):
            size //= 2
        else:
            return


def _header(size: int) -> bytes:
    if size > 0x7FFFFFFF:
        return _SHORT.pack(-1) + _LONG.pack(size)
    return _SHORT.pack(size)


def _frame(data: bytearray, start: int) -> tuple[int, int] | None:
    """Where the payload of the frame at ``start`` lies, if ``data`` holds all of it."""
    if len(data) - start < 4:
        return None
    (size,) = _SHORT.unpack_from(data, start)
    begin = start + 4
    if size == -1:
        if len(data) - begin < 8:
            return None
        (size,) = _LONG.unpack_from(data, begin)
        begin += 8
    end = begin + size
    return (begin, end) if len(data) >= end else None


# --- in the worker ------------------------------------------------------------------------


def serve(jobs: Connection, answers: Connection, preload: tuple[str, ...]) -> None:
    """In the worker: run the jobs read from ``jobs`` and write each outcome to ``answers``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _batch()
    parent = parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    for name in preload:
        import_module(name)
    while True:
        try:
            payload = jobs.recv_bytes()
        except EOFError:
            _end_now()
        answer = _outcome(payload)
        # One write, so that the crawl process wakes once for an answer.
        _write_all(answers.fileno(), _header(len(answer)) + answer)


def _outcome(payload: bytes) -> bytes:
    try:
        job, args = pickle.loads(payload)
        outcome: tuple[bool, Any, str] = (True, job(*args), "")
    except BaseException as exc:  # the job's own failure goes back to its caller
        outcome = (False, exc, traceback.format_exc())
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # the outcome cannot travel: say why instead
        error = RuntimeError(f"the job's outcome cannot be sent back: {exc!r}")
        return pickle.dumps((False, error, traceback.format_exc()))


def _batch() -> None:
    """Schedule the worker as a batch job: a job handed over does not preempt the loop.

    Woken by a job written to its pipe, a worker that slept would otherwise take the CPU of
    the event loop that wrote it whenever no other core is free, and the loop would wait for
    the job to be done.
    """
    # Where it cannot be, the worker runs as scheduled by default.
    if hasattr(os, "sched_setscheduler"):
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _end_now() -> NoReturn:
    """Told to stop, the worker ends without tearing its interpreter down.

    It holds nothing to close, and freeing its modules and objects one by one took most of a
    second, which the closing crawl waited for.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(0)


def _end_with(parent: BaseProcess) -> None:
    parent.join()
    os._exit(1)
