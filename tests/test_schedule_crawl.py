"""The revisit schedule in a crawl: known articles are fetched when due and skipped otherwise."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.state_sqlite import SqliteCrawlState
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from crawler.sites import load_site
from tests.crawling import run_crawl

pytestmark = pytest.mark.slow

ON_SCHEDULE = {"REVISIT_ALL_DUE": "False"}


def test_known_articles_are_skipped_until_due_and_the_due_ones_fetched(
    tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    first = run_crawl(tmp_path, "demo", small_server.origin, ON_SCHEDULE)
    assert first.returncode == 0 and len(first.items) == len(small_site.live())
    state_path = tmp_path / "state.sqlite"
    schedule = load_site("demo").revisit
    with SqliteCrawlState(state_path) as state:
        articles = list(state.articles("demo"))
        for article in articles:
            # Published in 2022, first seen now: past the schedule, so once per 30 days.
            assert article.next_visit == article.last_seen + timedelta(days=30)
            assert article.next_visit - article.last_seen > schedule[-1]
        due = sorted(articles, key=lambda a: a.key)[:5]
        for article in due:
            past = datetime.now(UTC) - timedelta(minutes=1)
            state.put_article(dataclasses.replace(article, next_visit=past))

    served = len(small_server.requests)
    second = run_crawl(tmp_path, "demo", small_server.origin, ON_SCHEDULE)
    assert second.returncode == 0
    stats = second.stats
    assert stats["schedule/due"] == len(due)
    assert stats["schedule/skipped_not_due"] == len(articles) - len(due)
    fetched = {entry.target for entry in small_server.requests[served:]}
    article_paths = {truth.path for truth in small_site.live()}
    assert fetched & article_paths == {urlpath(a.url) for a in due}
    assert stats["versions/unchanged"] == len(due)
    assert "schedule/skipped_not_due" in second.log or "skipped-not-due" in second.log
    with SqliteCrawlState(state_path) as state:
        for article in due:
            again = state.get_article(article.canonical_url)
            assert again is not None and again.last_seen > article.last_seen
            assert again.next_visit == again.last_seen + timedelta(days=30)


def urlpath(url: str) -> str:
    return urlsplit(url).path
