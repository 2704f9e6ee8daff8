"""Article versions in process: items through the item pipelines against a real SQLite state.

The items are the spider's own, extracted from a demo article page; the pipelines, the state
file and the WARC decision records are the crawl's (``tests.inprocess``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from warcio.archiveiterator import ArchiveIterator

from archive.crawlstate import crawl_state
from crawler.demosite.manifest import SiteManifest
from crawler.items import Article
from tests.inprocess import (
    DEMO_ORIGIN,
    InProcessCrawl,
    demo_response,
    open_crawl,
    single_page_article,
)


def extracted(crawl: InProcessCrawl, site: SiteManifest) -> Article:
    """A single-page demo article as the spider yields it."""
    request = Request(
        single_page_article(site).url(DEMO_ORIGIN), callback=crawl.spider.parse_article
    )
    (article,) = crawl.scrape(demo_response(site, request))
    assert isinstance(article, Article)
    return article


def decision_records(warc_dir: Path) -> list[bytes]:
    blocks = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata":
                    block = record.content_stream().read()
                    if block.startswith(b"kabarsip-version:"):
                        blocks.append(block)
    return blocks


def test_first_sight_of_an_article_is_version_1(tmp_path: Path, small_site: SiteManifest) -> None:
    with open_crawl(tmp_path) as crawl:
        item = crawl.process_item(extracted(crawl, small_site))
        assert (item.version, item.emit_reason) == (1, "new")
        assert item.content_hash
        state = crawl_state(crawl.crawler)
        assert state is not None
        known = state.get_article(item.canonical_url or item.url)
        assert known is not None and (known.version, known.fingerprint) == (1, item.content_hash)
        assert crawl.stats["versions/new"] == 1
        assert crawl.stats["warc/records/metadata"] == 1
    (block,) = decision_records(tmp_path / "warc")
    assert b"kabarsip-version: new" in block and b"version: 1" in block


def test_same_content_again_is_dropped_and_only_moves_last_seen(
    tmp_path: Path, small_site: SiteManifest
) -> None:
    with open_crawl(tmp_path) as crawl:
        first = crawl.process_item(extracted(crawl, small_site))
        state = crawl_state(crawl.crawler)
        assert state is not None
        before = state.get_article(first.canonical_url or first.url)
        assert before is not None

        later = dataclasses.replace(
            extracted(crawl, small_site), fetched_at="2030-01-01T00:00:00+00:00"
        )
        with pytest.raises(DropItem, match="unchanged"):
            crawl.process_item(later)
        after = state.get_article(first.canonical_url or first.url)
        assert after is not None
        assert (after.version, after.fingerprint) == (1, before.fingerprint)
        assert after.last_seen.year == 2030 and after.last_changed == before.last_changed
        assert crawl.stats["versions/unchanged"] == 1
    assert len(decision_records(tmp_path / "warc")) == 1


def test_changed_content_in_a_later_run_is_the_next_version(
    tmp_path: Path, small_site: SiteManifest
) -> None:
    with open_crawl(tmp_path) as crawl:
        first = crawl.process_item(extracted(crawl, small_site))
    with open_crawl(tmp_path) as crawl:
        changed = extracted(crawl, small_site)
        changed.title = f"{changed.title} (diperbarui)"
        item = crawl.process_item(changed)
        assert (item.version, item.emit_reason) == (2, "updated")
        assert item.previous_content_hash == first.content_hash
        assert item.changed_fields == ["title"]
        assert crawl.stats["versions/updated"] == 1
    blocks = decision_records(tmp_path / "warc")
    assert [b"kabarsip-version: updated" in block for block in blocks] == [False, True]
    assert b"changed-fields: title" in blocks[1]
