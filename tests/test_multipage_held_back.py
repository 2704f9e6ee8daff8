"""A multi-page article whose later page fails is held back, and the next run emits it whole."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer, Resource, resource_key
from tests.crawling import run_crawl

pytestmark = pytest.mark.slow


class FlakyPageServer(DemoServer):
    """The demo site, where each target in ``fail_once`` answers 404 the first time only."""

    def __init__(self, site_dir: Path, fail_once: set[str]) -> None:
        super().__init__(site_dir)
        self.fail_once = set(fail_once)
        self.failed: list[str] = []
        self._flaky_lock = threading.Lock()

    def resolve(self, target: str) -> Resource | None:
        key = resource_key(target)
        with self._flaky_lock:
            if key in self.fail_once:
                self.fail_once.discard(key)
                self.failed.append(key)
                return None
        return super().resolve(target)


def test_an_article_whose_page_2_failed_is_held_back_then_emitted_whole(
    tmp_path: Path, small_site: SiteManifest
) -> None:
    assert small_site.directory is not None
    story = next(article for article in small_site.live() if article.pages >= 2)
    with FlakyPageServer(small_site.directory, {story.page_path(2)}) as server:
        url = story.url(server.origin)
        first = run_crawl(tmp_path, "demo", server.origin)
        assert server.failed == [story.page_path(2)]
        assert first.returncode == 0, first.log[-3000:]
        assert first.stats["articles/held_back/page_failed"] == 1
        assert f"Held back {url}: its page {story.url(server.origin, 2)}" in first.log
        assert url not in {item["url"] for item in first.items}
        assert len(first.items) == len(small_site.live()) - 1

        second = run_crawl(tmp_path, "demo", server.origin)
    assert second.returncode == 0, second.log[-3000:]
    assert second.stats["versions/new"] == 1
    urls = [item["url"] for item in second.items]  # both runs' item files
    assert len(urls) == len(set(urls)) == len(small_site.live())
    (item,) = (item for item in second.items if item["url"] == url)
    assert item["pages"] == story.pages and item["version"] == 1
    assert story.paragraphs[-1] in item["body"]
