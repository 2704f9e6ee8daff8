"""The worker process the event loop drives over two pipes: order, size, failures, stopping."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Iterator

import pytest

from crawler.jobpipe import PIPE_SIZE, JobWorker, RemoteTraceback, WorkerLost
from tests import pool_jobs


@pytest.fixture
def worker() -> Iterator[JobWorker]:
    worker = JobWorker(multiprocessing.get_context("spawn"), ("tests.pool_jobs",))
    yield worker
    worker.stop(wait=5)


def test_jobs_larger_than_the_pipe_come_back_whole_and_in_order(worker: JobWorker) -> None:
    # Several times what the pipe holds, in flight at once: most of it waits for the pipe.
    jobs = [os.urandom(PIPE_SIZE + 12_345 * n) for n in range(4)]

    async def run() -> list[bytes]:
        return list(await asyncio.gather(*(worker.submit(pool_jobs.echo, job) for job in jobs)))

    assert asyncio.run(run()) == [job[::-1] for job in jobs]
    assert len(worker) == 0


def test_a_failing_job_raises_its_own_error_with_the_worker_traceback(worker: JobWorker) -> None:
    async def run() -> tuple[int, bool]:
        with pytest.raises(ValueError, match="no such page") as raised:
            await worker.submit(pool_jobs.fail, "no such page")
        assert isinstance(raised.value.__cause__, RemoteTraceback)
        assert "pool_jobs.py" in str(raised.value.__cause__)
        return await worker.submit(pool_jobs.where, 3)

    # The worker goes on after a failed job.
    assert asyncio.run(run()) == (6, True)


def test_an_outcome_that_cannot_travel_is_an_error(worker: JobWorker) -> None:
    async def run() -> None:
        await worker.submit(pool_jobs.unsendable)

    with pytest.raises(RuntimeError, match="cannot be sent back"):
        asyncio.run(run())


def test_a_dead_worker_fails_its_jobs_and_says_so(worker: JobWorker) -> None:
    lost: list[JobWorker] = []
    worker.on_lost = lost.append

    async def run() -> list[object]:
        jobs = [worker.submit(pool_jobs.die_in_worker, 1), worker.submit(pool_jobs.where, 2)]
        return list(await asyncio.gather(*jobs, return_exceptions=True))

    outcomes = asyncio.run(run())
    assert all(isinstance(outcome, WorkerLost) and outcome.crashed for outcome in outcomes)
    assert lost == [worker] and not worker.alive
    # Reaped as soon as its death was seen.
    assert worker.process.exitcode == 3


def test_stopping_a_busy_worker_reaps_it_at_once(worker: JobWorker) -> None:
    async def run() -> BaseException | None:
        hung = worker.submit(pool_jobs.hang_in_worker, 1)
        await asyncio.sleep(0.5)
        worker.stop(wait=30)
        return hung.exception()

    outcome = asyncio.run(run())
    assert isinstance(outcome, WorkerLost) and not outcome.crashed
    assert not worker.process.is_alive() and worker.process.exitcode is not None


def test_an_idle_worker_stops_by_itself_when_its_jobs_end(worker: JobWorker) -> None:
    async def run() -> tuple[int, bool]:
        return await worker.submit(pool_jobs.where, 1)

    assert asyncio.run(run()) == (2, True)
    worker.stop(wait=60)
    assert worker.process.exitcode == 0


@pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="Linux scheduling")
def test_a_worker_is_scheduled_as_a_batch_job(worker: JobWorker) -> None:
    async def run() -> tuple[int, bool]:
        return await worker.submit(pool_jobs.where, 1)

    # Once it answers it has set itself up: a job written to it does not preempt the loop.
    assert asyncio.run(run()) == (2, True)
    assert worker.process.pid is not None
    assert os.sched_getscheduler(worker.process.pid) == os.SCHED_BATCH
