"""A crawl meets bad input: each problem is a logged, counted skip; the crawl goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.demosite.server import directory_resources, static_server
from tests.crawling import run_crawl

ARTICLE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{title}</title></head><body>{h1}
<p class="date">Diterbitkan 03 Feb 2022, 08:03 WIB</p><p class="byline">oleh Demo.com</p>
<div class="body"><p>Paragraf pertama berita ini cukup panjang untuk dianggap isi.</p>
<p>Paragraf kedua menutup berita.</p></div></body></html>"""

SITE = """
name = "broken"
domains = ["127.0.0.1"]
sitemaps = ["http://127.0.0.1:8000/sitemap.xml", "http://127.0.0.1:8000/sitemap-news.xml"]
feeds = ["http://127.0.0.1:8000/rss.xml"]
article_pattern = "/read/"

[selectors]
title = "h1::text"
body = "div.body p"
"""


def build_site(root: Path, origin: str) -> None:
    (root / "read").mkdir(parents=True)
    # A sitemap URL that serves an HTML error page instead of XML.
    (root / "sitemap.xml").write_text("<html><body>Maintenance</body></html>", encoding="utf-8")
    (root / "sitemap-news.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{origin}/read/good.html</loc></url>"
        f"<url><loc>{origin}/read/untitled.html</loc></url>"
        f"<url><loc>{origin}/read/missing.html</loc></url></urlset>",
        encoding="utf-8",
    )
    # A feed URL answering with an API error instead of XML.
    (root / "rss.xml").write_text('{"error": "rate limited"}', encoding="utf-8")
    (root / "read" / "good.html").write_text(
        ARTICLE.format(title="Berita baik", h1="<h1>Berita baik</h1>"), encoding="utf-8"
    )
    # An article page with no title anywhere.
    (root / "read" / "untitled.html").write_text(ARTICLE.format(title="", h1=""), encoding="utf-8")


@pytest.mark.slow
def test_bad_sitemap_feed_and_untitled_article_are_counted_skips(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    site_file = tmp_path / "broken.toml"
    site_file.write_text(SITE, encoding="utf-8")
    with static_server(root) as server:
        # Sitemap entries are absolute URLs: written once the server's port is known.
        build_site(root, server.origin)
        server.set_resources(directory_resources(root))
        result = run_crawl(tmp_path / "out", str(site_file), server.origin)
    assert result.returncode == 0, result.log
    assert "Traceback" not in result.log
    stats = result.stats
    assert stats["finish_reason"] == "finished"
    assert stats["discovery/errors/sitemap"] == 1
    assert stats["discovery/errors/feed"] == 1
    assert stats["items/dropped/no_title"] == 1
    assert stats.get("errors/HttpError", 0) == 1  # missing.html: 404, logged
    assert "sitemap.xml" in result.log and "no_title" not in json.dumps(result.items)
    titles = [item["title"] for item in result.items]
    assert titles == ["Berita baik"]
