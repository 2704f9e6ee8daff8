"""Re-crawls pay for what changed: pages whose payload the state knows are not extracted.

The demo site is crawled three times (edition 1, edition 1 again with every article due,
edition 2 with every article due) over loopback, in two modes: as configured, and with
``RECRAWL_EXTRACT_UNCHANGED`` on, which extracts every page as crawls did before. The site of
``tests/test_learned_boilerplate.py``, whose promo line, header date and widget credit are
learned during its first crawl, is crawled once and then again in each mode, both from a copy
of the first crawl's state and archive. The two of a pair must archive the same records, emit
the same items and leave the same state; only the extraction count differs. Multi-page
articles skip when every page is unchanged; an article whose later page changed is read back
and extracted whole. The first mode writes every WARC record in the writer thread, the second
on the event loop.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.state import ArticleState
from archive.state_sqlite import SqliteCrawlState
from archive.warc import SERVER_NOT_MODIFIED
from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.demosite.server import DemoServer, LoopbackServer, Resource, resource_key
from tests.crawling import CrawlResult, run_crawl
from tests.test_dedup_e2e import Record, read_records
from tests.test_learned_boilerplate import ARTICLES as LEARNED_ARTICLES
from tests.test_learned_boilerplate import SETTINGS as LEARNING
from tests.test_learned_boilerplate import article_html, article_path, site_file, sitemap

pytestmark = pytest.mark.slow

ARTICLES = 60
ALL_DUE = {"REVISIT_ALL_DUE": "True"}
EXTRACT_ALL = {"RECRAWL_EXTRACT_UNCHANGED": "True"}
# Every record written by the writer thread in one mode, every one on the event loop in the other.
MODES = {
    "skip": {"WARC_THREAD_MIN_BYTES": "0"},
    "extract": {**EXTRACT_ALL, "WARC_THREAD_MIN_BYTES": "-1"},
}
LEARNED_MODES = {
    "skip-learned": {**LEARNING, **ALL_DUE},
    "extract-learned": {**LEARNING, **ALL_DUE, **EXTRACT_ALL},
}
PAIRS = [("skip", "extract"), ("skip-learned", "extract-learned")]


@dataclass
class Run:
    result: CrawlResult
    records: list[Record]
    items: list[dict[str, Any]]
    articles: dict[str, ArticleState]

    @property
    def stats(self) -> dict[str, Any]:
        return self.result.stats

    def record_of(self, url: str) -> Record:
        """This run's (last) record of ``url``."""
        return [r for r in self.records if r.uri == url and r.type != "request"][-1]


@dataclass
class Crawls:
    origin: str
    edition1: SiteManifest
    edition2: SiteManifest
    runs: dict[str, list[Run]]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    edition1 = generate_site(tmp_path_factory.mktemp("recrawl-e1"), ARTICLES, edition=1)
    edition2 = generate_site(tmp_path_factory.mktemp("recrawl-e2"), ARTICLES, edition=2)
    assert edition1.directory is not None and edition2.directory is not None
    runs: dict[str, list[Run]] = {}
    with DemoServer(edition1.directory) as server:
        for mode, settings in MODES.items():
            out = tmp_path_factory.mktemp(f"recrawl-{mode}")
            done = runs.setdefault(mode, [])
            for site_dir, extra in (
                (edition1.directory, settings),
                (edition1.directory, {**ALL_DUE, **settings}),
                (edition2.directory, {**ALL_DUE, **settings}),
            ):
                server.switch(site_dir)
                done.append(_crawl(out, server.origin, extra))
        runs.update(_learned_runs(tmp_path_factory))
        yield Crawls(server.origin, edition1, edition2, runs)


def _learned_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Run]]:
    """A first crawl of a site with blocks to learn, then a re-crawl of it in each mode."""
    folder = tmp_path_factory.mktemp("recrawl-learned")
    now = datetime(2026, 12, 7, tzinfo=UTC)
    runs = {}
    with LoopbackServer({}) as server:
        origin = server.origin
        resources = {
            article_path(n): Resource.make(
                article_html(origin, n).encode(), "text/html; charset=utf-8", now, True
            )
            for n in range(1, LEARNED_ARTICLES + 1)
        }
        resources["/sitemap.xml"] = Resource.make(
            sitemap(origin).encode(), "application/xml", now, True
        )
        resources["/robots.txt"] = Resource.make(b"User-agent: *\n", "text/plain", now, True)
        server.set_resources(resources)
        site = str(site_file(origin, folder))
        first = _crawl(folder / "first", origin, LEARNING, site)
        for mode, settings in LEARNED_MODES.items():
            out = folder / mode
            shutil.copytree(folder / "first", out, ignore=shutil.ignore_patterns("*.lock"))
            runs[mode] = [first, _crawl(out, origin, settings, site)]
    return runs


def _crawl(out: Path, origin: str, settings: dict[str, str], site: str = "demo") -> Run:
    warc_before = set((out / "warc").glob("*.warc.gz"))
    items_before = set((out / "items").glob("*.jsonl"))
    result = run_crawl(out, site, origin, settings)
    assert result.returncode == 0, result.log[-5000:]
    assert "Traceback" not in result.log
    assert result.stats.get("log_count/ERROR", 0) == 0
    records = [
        record
        for path in sorted(set((out / "warc").glob("*.warc.gz")) - warc_before)
        for record in read_records(path)
    ]
    items = [
        json.loads(line)
        for path in sorted(set((out / "items").glob("*.jsonl")) - items_before)
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    with SqliteCrawlState(out / "state.sqlite") as state:
        articles = {article.canonical_url: article for article in state.articles()}
    return Run(result, records, items, articles)


def _pages(truths: list[ArticleTruth]) -> int:
    return sum(truth.pages for truth in truths)


def _multipage(truths: list[ArticleTruth]) -> list[ArticleTruth]:
    return [truth for truth in truths if truth.pages > 1]


def test_unchanged_recrawl_extracts_nothing(crawls: Crawls) -> None:
    second = crawls.runs["skip"][1]
    live = crawls.edition1.live()
    assert _multipage(live) and len(_multipage(live)) < len(live)
    assert second.items == []
    # Multi-page articles too: every later page was found to be the capture their basis names.
    assert "articles/extracted_pages" not in second.stats
    assert second.stats["articles/unchanged/skipped_extraction"] == len(live)
    # No page was read back from the archive, nothing reached the item pipelines.
    assert second.stats["conditional/not_modified"] == second.stats["downloader/response_count"]
    assert second.stats.get("httpcompression/response_count", 0) < len(live)
    assert "item_dropped_count" not in second.stats
    assert second.stats["versions/unchanged"] == len(live)
    assert f"{len(live)} unchanged ({len(live)} not extracted again)" in second.result.log


def test_extracting_every_page_is_what_the_setting_restores(crawls: Crawls) -> None:
    second = crawls.runs["extract"][1]
    live = crawls.edition1.live()
    assert second.items == []
    assert second.stats["articles/extracted_pages"] == _pages(live)
    assert "articles/unchanged/skipped_extraction" not in second.stats
    assert second.stats["item_dropped_count"] == len(live)
    assert second.stats["versions/unchanged"] == len(live)


def _record_shape(records: list[Record]) -> list[tuple[Any, ...]]:
    return sorted(
        (r.uri, r.type, r.profile, r.status, r.refers_to_uri, r.payload_digest) for r in records
    )


def _pictures(origin: str, *editions: SiteManifest) -> set[str]:
    return {i.url(origin) for e in editions for a in e.articles for i in a.images}


def _assert_same_records(skip: Run, extract: Run, pictures: set[str]) -> None:
    """The same page records; pictures archived alike, any asked again answered 304."""
    # Extracting every page again asks the pictures of every article again, each unchanged.
    pages = [[r for r in run.records if r.uri not in pictures] for run in (skip, extract)]
    assert pages[0] and _record_shape(pages[0]) == _record_shape(pages[1])
    shown = [[r for r in run.records if r.uri in pictures] for run in (skip, extract)]
    new = [_record_shape([r for r in records if r.type == "response"]) for records in shown]
    assert new[0] == new[1]
    again = {r.profile for records in shown for r in records if r.type == "revisit"}
    assert again <= {SERVER_NOT_MODIFIED}


RUNS_OF_PAIRS = [(1, PAIRS[0]), (2, PAIRS[0]), (1, PAIRS[1])]


@pytest.mark.parametrize(("run", "pair"), RUNS_OF_PAIRS)
def test_the_same_records_are_archived_as_when_extracting(
    crawls: Crawls, run: int, pair: tuple[str, str]
) -> None:
    skip, extract = crawls.runs[pair[0]][run], crawls.runs[pair[1]][run]
    _assert_same_records(skip, extract, _pictures(crawls.origin, crawls.edition1, crawls.edition2))
    # Only the version decisions are metadata records; no unchanged article writes one.
    decisions = [r.uri for r in skip.records if r.type == "metadata"]
    assert len(decisions) == len(skip.items)


def _state_shape(run: Run, article: ArticleState, first: Run) -> tuple[Any, ...]:
    """The state of one article, with its times told by the records they came from."""
    seen_in = run.record_of(article.url) if article.status == "live" else None
    versioned_in = next(
        (r for r in (run.records + first.records) if r.record_id == article.warc_record_id),
        None,
    )
    return (
        article.version,
        article.fingerprint,
        article.status,
        seen_in is not None and _moment(seen_in.date) == article.last_seen,
        versioned_in is not None and _moment(versioned_in.date) == article.last_changed,
        article.next_visit - article.last_seen if article.next_visit else None,
        dict(article.field_digests),
    )


@pytest.mark.parametrize(("run", "pair"), RUNS_OF_PAIRS)
def test_the_state_moves_on_as_when_extracting(
    crawls: Crawls, run: int, pair: tuple[str, str]
) -> None:
    shapes = {}
    for mode in pair:
        runs = crawls.runs[mode]
        shapes[mode] = {
            url: _state_shape(runs[run], article, runs[0])
            for url, article in runs[run].articles.items()
        }
    assert shapes[pair[0]] == shapes[pair[1]]
    live = [shape for shape in shapes[pair[0]].values() if shape[2] == "live"]
    # Every live article was seen in this run, at its page's record, and is due again later.
    assert live and all(shape[3] and shape[5] > timedelta(0) for shape in live)


def test_an_updated_edition_extracts_only_changed_pages(crawls: Crawls) -> None:
    third, reference = crawls.runs["skip"][2], crawls.runs["extract"][2]
    edition = crawls.edition2
    changed = [truth for truth in edition.articles if truth.status in ("updated", "widget", "new")]
    unchanged = edition.by_status("unchanged")
    # Widget-only changes alter the bytes, so they are extracted (and found unchanged); an
    # article whose later page changed is extracted whole, its first page read back.
    assert third.stats["articles/extracted_pages"] == _pages(changed)
    assert third.stats["articles/unchanged/skipped_extraction"] == len(unchanged)
    emitted = {item["canonical_url"] for item in third.items}
    expected = {truth.url(crawls.origin) for truth in changed if truth.status != "widget"}
    assert emitted == expected and len(third.items) == len(expected)
    assert sorted(
        (item["canonical_url"], item["version"], item["content_hash"]) for item in third.items
    ) == sorted(
        (item["canonical_url"], item["version"], item["content_hash"]) for item in reference.items
    )
    assert third.stats["versions/gone"] == reference.stats["versions/gone"] == 1


#: What differs between two crawls of the same pages: when, and where they were archived.
CRAWL_FIELDS = ("fetched_at", "warc_file", "warc_offset", "warc_record_id")


def _item_shape(items: list[dict[str, Any]]) -> list[str]:
    """Items as emitted, but for the time and place of their capture (and their pictures')."""
    return sorted(
        json.dumps(
            {**item, **dict.fromkeys(CRAWL_FIELDS), "images": _placeless(item)}, sort_keys=True
        )
        for item in items
    )


def _placeless(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's pictures, each saying only whether it points at a record."""
    return [{**image, "warc": bool(image.get("warc"))} for image in item.get("images") or []]


@pytest.mark.parametrize(("run", "pair"), RUNS_OF_PAIRS)
def test_the_same_items_are_emitted_as_when_extracting(
    crawls: Crawls, run: int, pair: tuple[str, str]
) -> None:
    skip, extract = crawls.runs[pair[0]][run], crawls.runs[pair[1]][run]
    assert _item_shape(skip.items) == _item_shape(extract.items)


def test_learned_blocks_let_unchanged_pages_skip(crawls: Crawls) -> None:
    first, second = crawls.runs["skip-learned"]
    assert first.stats["boilerplate/learned/dropped"] > 0
    # Articles extracted before the site's last learned block are extracted again (and emitted
    # without it where it was theirs); the others skip, their basis naming the set in use.
    skipped = second.stats["articles/unchanged/skipped_extraction"]
    extracted = second.stats["articles/unchanged/extracted_learned"]
    assert skipped > 0 and extracted > 0 and skipped + extracted == LEARNED_ARTICLES
    assert second.stats["articles/extracted_pages"] == extracted
    assert second.items and all(item["emit_reason"] == "updated" for item in second.items)
    reference = crawls.runs["extract-learned"][1]
    assert reference.stats["articles/extracted_pages"] == LEARNED_ARTICLES


def _timed_writes(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(f"{prefix}/"))


def test_write_times_are_measured_where_the_writes_ran(crawls: Crawls) -> None:
    threaded, inline = crawls.runs["skip"][0].stats, crawls.runs["extract"][0].stats
    # One timed write per capture and per decision (warcinfo records are part of the first).
    for stats in (threaded, inline):
        records = stats["warc/records/response"] + stats["warc/records/metadata"]
        timed = _timed_writes(stats, "warc/write_ms") + _timed_writes(stats, "warc/thread/write_ms")
        assert timed == records
    # Captures went to the thread; decisions, small and made on the event loop, stay there.
    assert _timed_writes(threaded, "warc/thread/write_ms") == threaded["warc/records/response"]
    assert _timed_writes(inline, "warc/thread/write_ms") == 0
    assert threaded["warc/thread/write_ms_max"] > 0 and inline["warc/write_ms_max"] > 0


def _moment(warc_date: str) -> datetime:
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00"))


class RewritingServer(DemoServer):
    """The demo site, where each target in ``rewritten`` serves another last paragraph."""

    def __init__(self, site_dir: Path) -> None:
        super().__init__(site_dir)
        self.rewritten: dict[str, tuple[str, str]] = {}

    def resolve(self, target: str) -> Resource | None:
        resource = super().resolve(target)
        change = self.rewritten.get(resource_key(target))
        if resource is None or change is None:
            return resource
        old, new = (text.encode() for text in change)
        assert old in resource.body
        changed = resource.body.replace(old, new)
        return Resource.make(changed, resource.content_type, datetime.now(UTC), True)


def test_an_article_whose_later_page_changed_is_extracted_whole(
    tmp_path: Path, small_site: SiteManifest
) -> None:
    assert small_site.directory is not None
    story = next(article for article in small_site.live() if article.pages >= 2)
    correction = "Paragraf ini telah diperbarui redaksi setelah tulisan pertama terbit."
    runs: dict[str, Run] = {}
    with RewritingServer(small_site.directory) as server:
        url, pictures = story.url(server.origin), _pictures(server.origin, small_site)
        _crawl(tmp_path / "first", server.origin, {})
        # The last page changes; any page between it and the first stays as it was.
        server.rewritten[story.page_path(story.pages)] = (story.paragraphs[-1], correction)
        for mode, settings in MODES.items():
            shutil.copytree(
                tmp_path / "first", tmp_path / mode, ignore=shutil.ignore_patterns("*.lock")
            )
            runs[mode] = _crawl(tmp_path / mode, server.origin, {**ALL_DUE, **settings})
    skip, extract = runs["skip"], runs["extract"]
    # Page 1 answered 304 and was left unread; the last page changed: the earlier ones were
    # read back from the archive and the article extracted whole.
    assert skip.stats["articles/unchanged/page_changed"] == 1
    assert skip.stats["articles/extracted_pages"] == story.pages
    assert skip.stats["articles/unchanged/skipped_extraction"] == len(small_site.live()) - 1
    (item,) = skip.items
    assert item["url"] == url and item["version"] == 2
    assert item["pages"] == story.pages and correction in item["body"]
    assert item["changed_fields"] == ["body"]
    assert _item_shape(skip.items) == _item_shape(extract.items)
    _assert_same_records(skip, extract, pictures)
    first = Run(skip.result, [], [], {})
    assert {u: _state_shape(skip, a, first) for u, a in skip.articles.items()} == {
        u: _state_shape(extract, a, first) for u, a in extract.articles.items()
    }
