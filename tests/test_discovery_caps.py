"""Discovery caps warn once per site and count in the stats and run summary: none is silent."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response

from crawler.demo import PROJECT_DIR
from crawler.demosite.generator import PER_PAGE, generate_site
from crawler.demosite.server import DemoServer
from crawler.discovery import DiscoveryCaps
from crawler.runsummary import RunCounts, format_summary, summarise
from crawler.spiders.news import SECTION_META
from tests.crawling import run_crawl
from tests.inprocess import DEMO_ORIGIN, open_crawl

SECTION = f"{DEMO_ORIGIN}/news/"


def section_page(
    number: int, story_ids: range, last: bool = False, section: str = SECTION
) -> HtmlResponse:
    """Page ``number`` of ``section`` listing ``story_ids``, a next link unless ``last``."""
    links = "".join(
        f'<li><a class="articles--iridescent-list__link" href="/news/read/{i}/kabar-ke-{i}">'
        f"Kabar ke-{i}</a></li>"
        for i in story_ids
    )
    following = "" if last else f'<a class="next" href="?page={number + 1}">Berikutnya</a>'
    url = section if number == 1 else f"{section}?page={number}"
    body = f"<html><body><ul>{links}</ul>{following}</body></html>"
    request = Request(url, meta={"depth_in_section": number, SECTION_META: section})
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def next_pages(requests: list[Request]) -> list[str]:
    return [r.url for r in requests if "/read/" not in r.url]


def test_a_capped_section_warns_once_and_counts_each_hit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with open_crawl(tmp_path, origin=DEMO_ORIGIN, SECTION_MAX_PAGES=2) as crawl:
        spider = crawl.spider
        first = list(spider.parse_section(section_page(1, range(1, 21))))
        assert next_pages(first) == [f"{SECTION}?page=2"]
        with caplog.at_level(logging.WARNING):
            second = list(spider.parse_section(section_page(2, range(21, 41))))
            # Another section hitting the same cap: counted, not warned again.
            other = list(spider.parse_section(section_page(2, range(41, 61))))
        assert next_pages(second) == next_pages(other) == []
        assert len([r for r in second if "/read/" in r.url]) == 20
        assert crawl.stats["discovery/capped/section_max_pages"] == 2
    warnings = [r.getMessage() for r in caplog.records if "SECTION_MAX_PAGES" in r.getMessage()]
    assert len(warnings) == 1
    assert "raise SECTION_MAX_PAGES" in warnings[0] and "demo" in warnings[0]


def test_paging_stops_at_a_page_without_new_article_links(tmp_path: Path) -> None:
    with open_crawl(tmp_path, origin=DEMO_ORIGIN) as crawl:
        spider = crawl.spider
        assert next_pages(list(spider.parse_section(section_page(1, range(1, 21))))) == [
            f"{SECTION}?page=2"
        ]
        # A listing that repeats its last page forever, as some CMSs do past the end.
        repeated = list(spider.parse_section(section_page(2, range(1, 21))))
        assert next_pages(repeated) == []
        assert crawl.stats["discovery/section/no_new_links"] == 1
        # Another section listing the same articles pages on: each section counts its own.
        bisnis = f"{DEMO_ORIGIN}/bisnis/"
        other = list(spider.parse_section(section_page(2, range(1, 21), section=bisnis)))
        assert next_pages(other) == [f"{bisnis}?page=3"]
        assert "discovery/capped/section_max_pages" not in crawl.stats


def test_caps_warn_once_per_setting_and_site(caplog: pytest.LogCaptureFixture) -> None:
    stats: dict[str, int] = {}

    class Stats:
        def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
            stats[key] = stats.get(key, start) + count

    caps = DiscoveryCaps("contoh", Stats(), logging.getLogger("caps-test"))
    with caplog.at_level(logging.WARNING, logger="caps-test"):
        for _ in range(3):
            caps.hit("SITE_URL_MAX_SITEMAPS", 20, "sitemap https://contoh.id/s.xml")
        caps.hit("SITE_URL_MAX_SECTIONS", 12, "sections after https://contoh.id/a/")
    assert stats == {
        "discovery/capped/site_url_max_sitemaps": 3,
        "discovery/capped/site_url_max_sections": 1,
    }
    warned = [m for m in caplog.messages if "raise SITE_URL_MAX_SITEMAPS" in m]
    assert len(warned) == 1 and "on site contoh: SITE_URL_MAX_SITEMAPS = 20" in warned[0]
    assert len(caplog.messages) == 2


def test_the_run_summary_lists_the_caps_hit() -> None:
    counts = summarise({"versions/new": 4, "discovery/capped/section_max_pages": 5})
    assert counts.capped == (("section_max_pages", 5),)
    assert format_summary(counts).endswith(
        "; discovery capped (articles may be missed, raise the setting): SECTION_MAX_PAGES x5"
    )
    assert "capped" not in format_summary(RunCounts(new=4))


def sections_only(tmp_path: Path) -> Path:
    """The demo site file with section pages as its only discovery."""
    text = (PROJECT_DIR / "seeds" / "demo.toml").read_text(encoding="utf-8")
    for key in ("sitemaps", "feeds", "start_urls"):
        text = re.sub(rf"^{key} = \[.*?\]", f"{key} = []", text, flags=re.M | re.S)
    path = tmp_path / "demo-sections.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_section_longer_than_the_cap_is_reported_and_found_whole_with_the_cap_raised(
    tmp_path: Path,
) -> None:
    articles = 5 * PER_PAGE * 3  # three listing pages in each of the five sections
    manifest = generate_site(tmp_path / "site", articles=articles)
    site = sections_only(tmp_path)
    with DemoServer(tmp_path / "site") as server:
        capped = run_crawl(
            tmp_path / "capped", str(site), server.origin, {"SECTION_MAX_PAGES": "2"}
        )
        whole = run_crawl(tmp_path / "whole", str(site), server.origin)
        expected = {article.url(server.origin) for article in manifest.live()}
    assert capped.returncode == 0 and whole.returncode == 0
    assert capped.stats["discovery/capped/section_max_pages"] == 5
    assert (
        len(re.findall(r"WARNING: Discovery capped on site demo: SECTION_MAX_PAGES", capped.log))
        == 1
    )
    assert (
        "discovery capped (articles may be missed, raise the setting): SECTION_MAX_PAGES x5"
        in capped.log
    )
    assert len({item["url"] for item in capped.items}) == 5 * PER_PAGE * 2
    assert {item["url"] for item in whole.items} == expected
    assert not any(key.startswith("discovery/capped/") for key in whole.stats)


def test_a_sitemap_inflating_past_its_size_limit_names_the_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    urls = "".join(f"<url><loc>{DEMO_ORIGIN}/news/read/{i}/kabar</loc></url>" for i in range(400))
    xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    body = gzip.compress(xml.encode(), mtime=0)
    limits = {"sitemap": 4096, "feed": 4096, "robots": 4096, "section": 4096, "article": 4096}
    url = f"{DEMO_ORIGIN}/sitemap.xml.gz"
    with open_crawl(tmp_path, origin=DEMO_ORIGIN, DOWNLOAD_MAXSIZE_BY_KIND=limits) as crawl:
        response = Response(url, body=body, request=Request(url))

        async def read() -> list[object]:
            return [request async for request in crawl.spider.parse_sitemap(response)]

        with caplog.at_level(logging.WARNING):
            assert asyncio.run(read()) == []
        assert crawl.stats["discovery/capped/download_maxsize_by_kind"] == 1
        assert crawl.stats["discovery/errors/sitemap"] == 1
    assert any("raise DOWNLOAD_MAXSIZE_BY_KIND" in message for message in caplog.messages)
