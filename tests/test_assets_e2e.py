"""The demo site's article pictures, archived, re-crawled, and replayed in pywb and ReplayWeb.page.

Run 1 crawls the 30-article demo site with pictures archived (the default); run 2 crawls it
again with every article due and extracted again, so every picture is asked for again; a
third crawl, into a folder of its own, archives no pictures (``ARCHIVE_ASSETS=none``), for the
cost of the pictures in bytes.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from archive.pack import pack
from archive.warc import SERVER_NOT_MODIFIED
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer, static_server
from tests.browser import require_chromium, require_replaywebpage
from tests.crawling import CrawlResult, run_crawl
from tests.pywb_harness import running_pywb
from tests.test_dedup_e2e import Record, read_records

pytestmark = pytest.mark.slow

AGAIN = {"REVISIT_ALL_DUE": "True", "RECRAWL_EXTRACT_UNCHANGED": "True"}
#: How long ReplayWeb.page may take to show the article's lead picture.
REPLAY_TIMEOUT_MS = 60_000


@dataclass
class Run:
    result: CrawlResult
    files: list[Path]
    records: list[Record]

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)

    def records_of(self, urls: set[str]) -> Iterator[Record]:
        """The captures (responses and revisits) of ``urls``."""
        return (r for r in self.records if r.uri in urls and r.type in ("response", "revisit"))


@dataclass
class AssetRuns:
    site: SiteManifest
    origin: str
    first: Run
    again: Run
    without: Run

    def pictures(self) -> set[str]:
        return {image.url(self.origin) for a in self.site.live() for image in a.images}


def crawl(out: Path, origin: str, settings: dict[str, str]) -> Run:
    before = set((out / "warc").glob("*.warc.gz"))
    result = run_crawl(out, "demo", origin, settings)
    assert result.returncode == 0, result.log[-5000:]
    files = sorted(set((out / "warc").glob("*.warc.gz")) - before)
    return Run(result, files, [record for path in files for record in read_records(path)])


@pytest.fixture(scope="module")
def runs(
    small_site: SiteManifest, small_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AssetRuns]:
    out = tmp_path_factory.mktemp("assets-e2e")
    first = crawl(out / "images", small_server.origin, {})
    again = crawl(out / "images", small_server.origin, AGAIN)
    without = crawl(out / "none", small_server.origin, {"ARCHIVE_ASSETS": "none"})
    yield AssetRuns(small_site, small_server.origin, first, again, without)


def test_the_first_crawl_archives_every_article_picture_once(runs: AssetRuns) -> None:
    pictures = runs.pictures()
    captures = list(runs.first.records_of(pictures))
    assert {r.uri for r in captures} == pictures
    assert len(captures) == len(pictures)
    assert {(r.type, r.status) for r in captures} == {("response", 200)}
    assert all(r.payload.startswith(b"\x89PNG") for r in captures)
    stats = runs.first.result.stats
    assert stats["assets/archived"] == stats["assets/requested"] == len(pictures)
    assert "Traceback" not in runs.first.result.log


def test_items_keep_each_picture_s_record_beside_its_url_and_caption(runs: AssetRuns) -> None:
    by_place = {(r.file, r.offset): r for r in runs.first.records}
    truths = {a.url(runs.origin): a for a in runs.site.live()}
    items = runs.first.result.items
    assert len(items) == len(truths)
    for item in items:
        truth = truths[item["canonical_url"]]
        expected = [(image.url(runs.origin), image.caption) for image in truth.images]
        assert [(i["url"], i["caption"]) for i in item["images"]] == expected
        for image in item["images"]:
            record = by_place[(image["warc"]["warc_file"], image["warc"]["warc_offset"])]
            assert (record.uri, record.record_id) == (image["url"], image["warc"]["warc_record_id"])


def test_a_second_crawl_adds_only_304_revisits_for_the_pictures(runs: AssetRuns) -> None:
    pictures = runs.pictures()
    captures = list(runs.again.records_of(pictures))
    assert {r.uri for r in captures} == pictures
    assert {(r.type, r.profile) for r in captures} == {("revisit", SERVER_NOT_MODIFIED)}
    stats = runs.again.result.stats
    assert stats["assets/not_modified"] == len(pictures)
    assert "assets/archived" not in stats


def test_an_unchanged_recrawl_costs_at_most_3_percent_of_the_first_crawl_s_bytes(
    runs: AssetRuns,
) -> None:
    assert runs.again.bytes <= 0.03 * runs.first.bytes, (runs.again.bytes, runs.first.bytes)
    # The pictures are most of the first crawl's bytes; a crawl without them has none.
    assert list(runs.without.records_of(runs.pictures())) == []
    assert runs.without.bytes < 0.5 * runs.first.bytes
    assert "assets/requested" not in runs.without.result.stats


def test_pywb_replays_an_article_and_its_pictures(
    runs: AssetRuns, tmp_path_factory: pytest.TempPathFactory
) -> None:
    article = next(a for a in runs.site.live() if len(a.images) > 1)
    page = next(runs.first.records_of({article.url(runs.origin)}))
    files = runs.first.files + runs.again.files
    with running_pywb(files, tmp_path_factory.mktemp("pywb-assets")) as pywb:
        replay = pywb.replay(page.uri, page.timestamp14, decoded=True)
        assert replay.status == 200
        assert article.title.encode() in replay.body
        for image in article.images:
            original = next(runs.first.records_of({image.url(runs.origin)}))
            shown = pywb.replay(original.uri, page.timestamp14)
            assert shown.status == 200, original.uri
            assert shown.body == original.payload


def test_the_wacz_lists_articles_by_headline_and_replaywebpage_shows_the_lead_picture(
    runs: AssetRuns, tmp_path: Path
) -> None:
    chromium = require_chromium()
    replaywebpage = require_replaywebpage()
    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    wacz = site / "demo.wacz"
    packed = pack(runs.first.files + runs.again.files, wacz, title="Demo")
    pages = wacz_pages(wacz)
    titles = {a.url(runs.origin): a.title for a in runs.site.live()}
    assert packed.pages == len(pages) == len(titles)
    assert {page["url"]: page["title"] for page in pages} == titles
    assert all(page["ts"].endswith("Z") for page in pages)

    article = next(a for a in runs.site.live() if a.pages == 1)
    lead = article.images[0].url(runs.origin)
    (site / "ui.js").write_bytes((replaywebpage / "ui.js").read_bytes())
    (site / "replay" / "sw.js").write_bytes((replaywebpage / "sw.js").read_bytes())
    (site / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="ui.js"></script>'
        '</head><body><replay-web-page style="display:block;height:700px" source="demo.wacz" '
        f'url="{article.url(runs.origin)}" embed="replayonly"></replay-web-page></body></html>',
        encoding="utf-8",
    )
    types = {".js": "application/javascript", ".wacz": "application/wacz+zip"}
    with static_server(site, types) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # Offline: nothing but the loopback server is reached.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(server.origin)
                    else route.abort()
                ),
            )
            page.goto(f"{server.origin}/index.html")
            width = lead_picture_width(page, lead)
        finally:
            browser.close()
    assert width > 0


def lead_picture_width(page: Page, lead: str) -> int:
    """The ``naturalWidth`` of the picture ``lead`` in the replayed article, once loaded.

    ReplayWeb.page shows the article in a frame of its own (``.../mp_/URL``); the picture is
    scrolled into view, since the page loads its figures lazily.
    """
    script = (
        "lead => { const img = Array.from(document.images).find(i => i.src.endsWith(lead)); "
        "if (!img) return 0; img.scrollIntoView(); return img.complete ? img.naturalWidth : 0; }"
    )
    path = "/" + lead.split("/", 3)[3]
    for _ in range(REPLAY_TIMEOUT_MS // 500):
        for frame in page.frames:
            if "mp_/" not in frame.url:
                continue
            try:
                width = int(frame.evaluate(script, path))
            except PlaywrightError:  # the frame navigated away while asked: ask again
                continue
            if width > 0:
                return width
        page.wait_for_timeout(500)
    return 0


def wacz_pages(wacz: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(wacz) as archive:
        lines = archive.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines[1:] if line.strip()]
