"""The extraction pool: worker processes beside the crawl, bounded, surviving crashes and hangs.

The pool is driven on its own with small jobs (``tests.pool_jobs``), then a crawl of the
generated demo site is run with and without workers: the items must be the same.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archive.state_sqlite import SqliteCrawlState
from crawler.demo import PROJECT_DIR
from crawler.demosite.server import DemoServer
from crawler.extraction import merge_pages
from crawler.extraction.assets import own_assets
from crawler.extractpool import (
    MAX_CRASHES_IN_ROW,
    ExtractionPool,
    SteppedItems,
    WorkerTimeout,
    worker_count,
)
from crawler.items import Article
from crawler.pagework import Finish, PageData, StepsOutcome, extract_page, item_steps
from crawler.settings import ITEM_STEPS
from crawler.sites import load_site
from pipelines.steppipeline import StepsPipeline
from pipelines.steps import load_steps
from tests import pool_jobs
from tests.crawling import run_crawl
from tests.states import SITE, article_state


@pytest.fixture
def stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


@pytest.fixture
def pool(stats: MemoryStatsCollector) -> Iterator[ExtractionPool]:
    # The first job waits for its worker's start: seconds on a busy machine.
    pool = ExtractionPool(stats, workers=1, timeout=30, queue=2)
    yield pool
    pool.close()


def test_jobs_run_in_a_worker_process(pool: ExtractionPool, stats: MemoryStatsCollector) -> None:
    async def both() -> list[tuple[int, bool]]:
        return list(
            await asyncio.gather(pool.run(pool_jobs.where, 2), pool.run(pool_jobs.where, 5))
        )

    assert asyncio.run(both()) == [(4, True), (10, True)]
    assert stats.get_value("extraction/pool/jobs") == 2


def test_a_dead_worker_is_replaced_and_its_job_done_in_process(
    pool: ExtractionPool, stats: MemoryStatsCollector
) -> None:
    async def run() -> tuple[tuple[int, bool], tuple[int, bool]]:
        lost = await pool.run(pool_jobs.die_in_worker, 3)
        return lost, await pool.run(pool_jobs.where, 4)

    lost, after = asyncio.run(run())
    assert lost == (6, False)
    assert after == (8, True)
    assert stats.get_value("extraction/pool/crashes") == 1
    assert stats.get_value("extraction/pool/in_process") == 1


def test_workers_that_keep_dying_are_given_up(
    pool: ExtractionPool, stats: MemoryStatsCollector
) -> None:
    async def run() -> list[tuple[int, bool]]:
        return [await pool.run(pool_jobs.die_in_worker, n) for n in range(MAX_CRASHES_IN_ROW + 2)]

    # Each death is answered in-process; past the limit no worker is started again.
    results = asyncio.run(run())
    assert results == [(2 * n, False) for n in range(MAX_CRASHES_IN_ROW + 2)]
    assert stats.get_value("extraction/pool/crashes") == MAX_CRASHES_IN_ROW
    assert stats.get_value("extraction/pool/in_process") == MAX_CRASHES_IN_ROW + 2
    assert not pool._workers


def test_a_hung_worker_times_out_and_the_pool_goes_on(stats: MemoryStatsCollector) -> None:
    # Long enough for a new worker to start on a busy machine, the job after the hung one.
    pool = ExtractionPool(stats, workers=1, timeout=15, queue=2)

    async def run() -> tuple[int, bool]:
        with pytest.raises(WorkerTimeout):
            await pool.run(pool_jobs.hang_in_worker, 1)
        return await pool.run(pool_jobs.where, 7)

    started = time.monotonic()
    try:
        assert asyncio.run(run()) == (14, True)
    finally:
        pool.close()
    # The 600 s sleep was not waited for, neither by the job nor by close().
    assert time.monotonic() - started < 60
    assert stats.get_value("extraction/pool/timeouts") == 1


class CountingPool(ExtractionPool):
    """Counts the jobs handed to the workers and not yet answered."""

    pending = 0
    most = 0

    def _hand_over(self, job: Any, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        self.pending += 1
        self.most = max(self.most, self.pending)
        future = super()._hand_over(job, args)
        future.add_done_callback(self._answered)
        return future

    def _answered(self, future: asyncio.Future[Any]) -> None:
        self.pending -= 1


def test_jobs_in_flight_are_bounded(stats: MemoryStatsCollector) -> None:
    pool = CountingPool(stats, workers=1, timeout=30, queue=2)

    async def many() -> list[tuple[int, bool]]:
        return list(await asyncio.gather(*(pool.run(pool_jobs.slow, n) for n in range(12))))

    try:
        results = asyncio.run(many())
    finally:
        pool.close()
    assert results == [(2 * n, True) for n in range(12)]
    assert pool.most == 2


def test_closing_stops_the_workers_and_records_cpu(
    pool: ExtractionPool, stats: MemoryStatsCollector
) -> None:
    asyncio.run(pool.run(pool_jobs.where, 1))
    processes = [worker.process for worker in pool._workers]
    pool.close()
    assert processes and not any(process.is_alive() for process in processes)
    assert stats.get_value("process/cpu_seconds/workers") > 0
    assert stats.get_value("process/cpu_seconds/crawl") > 0


@pytest.mark.parametrize(("value", "count"), [(0, 0), ("0", 0), (3, 3), ("2", 2), (-1, 0)])
def test_worker_count_setting(value: object, count: int) -> None:
    assert worker_count(value) == count


def test_auto_worker_count_leaves_a_core_to_the_crawl() -> None:
    assert 0 <= worker_count("auto") <= 4


def test_a_worker_count_that_is_no_number_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="EXTRACT_WORKERS"):
        worker_count("many")


# --- workers started late on a re-crawl ----------------------------------------------------


class SiteSpider:
    site_name = SITE


def where_all(pool: ExtractionPool, jobs: int) -> list[bool]:
    """Whether each of ``jobs`` jobs, run one after the other, ran in a worker."""

    async def run() -> list[bool]:
        return [(await pool.run(pool_jobs.where, n))[1] for n in range(jobs)]

    return asyncio.run(run())


@pytest.mark.parametrize("known", [False, True])
def test_a_recrawl_starts_its_workers_only_when_enough_pages_need_them(
    stats: MemoryStatsCollector, tmp_path: Path, known: bool
) -> None:
    with SqliteCrawlState(tmp_path / "state.sqlite", site=SITE) as state:
        if known:
            state.put_article(article_state(1))
        state.commit()
        pool = ExtractionPool(stats, workers=1, timeout=30, queue=2, after=3, state=lambda: state)
        try:
            pool.start(SiteSpider())
            # A first crawl starts its workers when the spider opens; a re-crawl does not,
            # so one with nothing (or little) to extract never pays for their start.
            assert bool(pool._workers) is not known
            ran_in_worker = where_all(pool, 4)
        finally:
            pool.close()
    if known:
        # The jobs before the third ran here; the third started the worker.
        assert ran_in_worker == [False, False, True, True]
        assert stats.get_value("extraction/pool/before_start") == 2
        assert stats.get_value("extraction/pool/jobs") == 2
    else:
        assert ran_in_worker == [True] * 4
        assert stats.get_value("extraction/pool/before_start") is None
    assert stats.get_value("process/cpu_seconds/workers") > 0


def test_workers_start_when_the_spider_opens_when_asked_to(
    stats: MemoryStatsCollector, tmp_path: Path
) -> None:
    with SqliteCrawlState(tmp_path / "state.sqlite", site=SITE) as state:
        state.put_article(article_state(1))
        pool = ExtractionPool(stats, workers=1, timeout=30, queue=2, after=0, state=lambda: state)
        try:
            pool.start(SiteSpider())
            assert pool._workers
        finally:
            pool.close()


# --- a crawl with and without workers ------------------------------------------------------

#: What differs between two crawls of the same pages: when, and where in the archive.
PER_RUN = ("fetched_at", "warc_file", "warc_offset", "warc_record_id")


def comparable(items: list[dict[str, Any]]) -> dict[str, str]:
    """Each item as JSON without what differs per run (its pictures' records too), by URL."""
    return {
        item["url"]: json.dumps(
            {
                **{k: v for k, v in item.items() if k not in PER_RUN},
                "images": [{**i, "warc": bool(i.get("warc"))} for i in item.get("images") or []],
            },
            sort_keys=True,
        )
        for item in items
    }


#: Stats the item steps keep.
STEP_STATS = ("clean/", "dates/", "authors/", "items/")


def step_counts(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k.startswith(STEP_STATS)}


@pytest.mark.slow
def test_items_are_the_same_with_and_without_workers(
    small_server: DemoServer, tmp_path: Path
) -> None:
    runs = {
        workers: run_crawl(
            tmp_path / f"workers-{workers}",
            "demo",
            small_server.origin,
            {"EXTRACT_WORKERS": str(workers)},
        )
        for workers in (0, 1)
    }
    for result in runs.values():
        assert result.returncode == 0, result.log[-3000:]
    in_process, pooled = runs[0], runs[1]
    assert "extraction/pool/jobs" not in in_process.stats
    # Every page went through the worker, and every item with it: the steps ran in the job
    # of the article's last page, so no item was handed over again.
    dropped = sum(v for k, v in pooled.stats.items() if k.startswith("items/dropped/"))
    assert pooled.stats["extraction/pool/stepped"] == pooled.stats["item_scraped_count"] + dropped
    assert pooled.stats["extraction/pool/jobs"] == pooled.stats["articles/extracted_pages"]
    assert any(item["pages"] > 1 for item in pooled.items)
    # The steps counted the same, wherever they ran.
    assert step_counts(pooled.stats) == step_counts(in_process.stats)
    assert in_process.items and comparable(pooled.items) == comparable(in_process.items)
    assert pooled.stats.get("items/valid") == in_process.stats.get("items/valid")


# A crawl process in miniature: its pool runs one job, it says its workers, then waits.
POOL_OWNER = """
import asyncio, sys
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from crawler.extractpool import ExtractionPool
from tests import pool_jobs

pool = ExtractionPool(MemoryStatsCollector(get_crawler()), workers=2, timeout=30, queue=1)
asyncio.run(pool.run(pool_jobs.where, 1))
print(*(worker.process.pid for worker in pool._workers), flush=True)
sys.stdin.readline()
"""


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return status != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_end_when_the_crawl_process_is_killed() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", POOL_OWNER],
        cwd=PROJECT_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert workers and all(alive(pid) for pid in workers)
    finally:
        owner.kill()
        owner.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


# --- one hand-over per article -----------------------------------------------------------

ARTICLE_PAGE = b"""<html><head><title>Harbour bridge opens to walkers</title>
<meta property="article:published_time" content="2026-03-02T08:15:00+07:00"></head>
<body><article><h1>Harbour bridge opens to walkers</h1>
<p class="byline">By Rina Kusuma</p>
<p>The new footbridge over the harbour opened on Monday morning after two years of work.</p>
<p>Several hundred people crossed it in the first hour, many of them on their way to work.</p>
<p>The city says the bridge will stay open at night from next month.</p>
</article></body></html>"""


def article_response(url: str = "http://127.0.0.1/news/2026/03/02/harbour-bridge") -> Any:
    return HtmlResponse(url, body=ARTICLE_PAGE, encoding="utf-8")


def test_a_finished_page_comes_back_as_the_item_the_steps_pipeline_would_make() -> None:
    site = load_site("demo")
    steps = load_steps(ITEM_STEPS)
    fields = {"sitemap_title": "Bridge opens", "fetched_at": "2026-03-02T09:00:00+00:00"}
    page = extract_page(PageData.of(article_response()), site, None, Finish(fields, steps))
    assert page.stepped is not None and page.stepped.item is page.article

    # The way it went before: extraction, the fields set by the crawl, then the steps.
    plain = extract_page(article_response(), site, None)
    assert plain.stepped is None
    for name, value in fields.items():
        setattr(plain.article, name, value)
    outcome = item_steps(plain.article, site, steps)
    assert page.article == outcome.item and page.article.content_hash
    assert page.stepped.counts == outcome.counts and page.stepped.dropped == outcome.dropped


def test_a_last_page_comes_back_merged_with_the_earlier_ones_and_stepped() -> None:
    site = load_site("demo")
    steps = load_steps(ITEM_STEPS)
    first = extract_page(article_response(), site, None).article
    later = HtmlResponse(
        "http://127.0.0.1/news/2026/03/02/harbour-bridge?page=2",
        body=ARTICLE_PAGE.replace(b"footbridge", b"walkway"),
        encoding="utf-8",
    )
    page = extract_page(PageData.of(later), site, None, Finish({}, steps, (first,)))
    assert page.stepped is not None

    merged = merge_pages(first, [extract_page(later, site, None).article])
    assert page.article == item_steps(merged, site, steps).item
    assert "walkway" in (page.article.body or "") and "footbridge" in (page.article.body or "")


def test_a_page_with_a_next_page_is_not_stepped() -> None:
    site = load_site("demo")
    paged = ARTICLE_PAGE.replace(
        b"</article>", b'<a class="next" href="?page=2">Next</a></article>'
    )
    response = HtmlResponse("http://127.0.0.1/news/a", body=paged, encoding="utf-8")
    page = extract_page(response, site, "a.next", Finish({}, load_steps(ITEM_STEPS)))
    assert page.next_url == "http://127.0.0.1/news/a?page=2"
    assert page.stepped is None and page.article.content_hash is None


@pytest.mark.parametrize("finish", [False, True])
def test_a_page_comes_back_with_the_files_it_names_when_asked(finish: bool) -> None:
    site = load_site("demo")
    head = (
        b'<head><meta property="og:image" content="/img/lead.jpg#top">'
        b'<link rel="stylesheet" href="/css/site.css"><script src="/js/app.js"></script>'
    )
    body = ARTICLE_PAGE.replace(b"<head>", head)
    url = "http://127.0.0.1/news/b"
    done = Finish({}, load_steps(ITEM_STEPS)) if finish else None
    for mode in ("none", "images", "all"):
        response = HtmlResponse(url, body=body, encoding="utf-8")
        page = extract_page(PageData.of(response), site, None, done, mode)
        # What the crawl process would read from its own parse of the page.
        expected = own_assets(response.selector, url, mode) if mode != "none" else None
        assert page.assets == (tuple(expected) if expected is not None else None)
    assert page.assets == (
        "http://127.0.0.1/img/lead.jpg",
        "http://127.0.0.1/css/site.css",
        "http://127.0.0.1/js/app.js",
    )


def test_stepped_items_are_taken_once_and_only_by_their_item() -> None:
    kept = SteppedItems()
    item = Article(url="http://127.0.0.1/a", site="demo")
    kept.note(StepsOutcome(item, Counter({"items/valid": 1}), None))
    assert kept.take(Article(url="http://127.0.0.1/a", site="demo")) is None
    outcome = kept.take(item)
    assert outcome is not None and outcome.item is item and outcome.counts["items/valid"] == 1
    assert kept.take(item) is None


def test_an_item_lost_on_its_way_leaves_nothing_behind() -> None:
    kept = SteppedItems()
    kept.note(StepsOutcome(Article(url="http://127.0.0.1/a", site="demo"), Counter(), None))
    gc.collect()
    assert len(kept) == 0


class PooledCrawler:
    """What the steps pipeline reads of a crawl that has an extraction pool."""

    def __init__(self, pool: ExtractionPool) -> None:
        self.pool = pool
        self.stats = pool.stats
        self.settings = Settings({"ITEM_PIPELINES": {"pipelines.steppipeline.StepsPipeline": 1}})
        self.spider = None

    def get_extension(self, cls: type) -> Any:
        return self.pool


def test_the_steps_pipeline_passes_a_stepped_item_with_its_counts_and_drop() -> None:
    stats = MemoryStatsCollector(get_crawler())
    pool = ExtractionPool(stats, workers=1, timeout=5, queue=1)
    pipeline = StepsPipeline(PooledCrawler(pool), load_steps(ITEM_STEPS))  # type: ignore[arg-type]
    pipeline.open_spider()
    assert pool.item_steps is pipeline.steps

    kept = Article(url="http://127.0.0.1/kept", site="demo")
    pool.stepped.note(StepsOutcome(kept, Counter({"items/valid": 1, "dates/parsed": 2}), None))
    assert pipeline.process_item(kept) is kept
    dropped = Article(url="http://127.0.0.1/dropped", site="demo")
    pool.stepped.note(
        StepsOutcome(dropped, Counter({"items/dropped/no_body": 1}), ("no_body", "empty"))
    )
    with pytest.raises(DropItem, match=re.escape("no_body: http://127.0.0.1/dropped: empty")):
        pipeline.process_item(dropped)
    assert stats.get_value("items/valid") == 1
    assert stats.get_value("dates/parsed") == 2
    assert stats.get_value("items/dropped/no_body") == 1


def test_the_steps_run_with_extraction_only_when_no_pipeline_comes_before() -> None:
    pool = ExtractionPool(MemoryStatsCollector(get_crawler()), workers=1, timeout=5, queue=1)
    crawler = PooledCrawler(pool)
    crawler.settings = Settings(
        {
            "ITEM_PIPELINES": {
                "pipelines.learned.LearnedBoilerplatePipeline": 100,
                "pipelines.steppipeline.StepsPipeline": 300,
            }
        }
    )
    StepsPipeline(crawler, load_steps(ITEM_STEPS)).open_spider()  # type: ignore[arg-type]
    assert pool.item_steps is None
