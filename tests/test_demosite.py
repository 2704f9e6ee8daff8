"""The demo news site: deterministic editions, and a real HTTP/1.1 server over loopback."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from crawler.demosite.__main__ import main
from crawler.demosite.generator import GENERATING_NAME, generate_site
from crawler.demosite.manifest import ORIGIN_TOKEN, ArticleTruth, SiteManifest
from crawler.demosite.server import DemoServer, LoopbackServer, accepts_gzip
from crawler.demosite.stories import edition_time
from crawler.demosite.templates import REDESIGN_EDITION
from crawler.sites import load_site
from tests.conftest import require_corpus

SITE = load_site("demo")
SELECTORS = SITE.layouts[-1].selectors
NEXT_PAGE = SITE.multipage.next if SITE.multipage and SITE.multipage.next else "a.next-page"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@contextmanager
def connection(server: LoopbackServer) -> Iterator[http.client.HTTPConnection]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        yield conn
    finally:
        conn.close()


def fetch(
    server: LoopbackServer, target: str, method: str = "GET", **headers: str
) -> tuple[http.client.HTTPResponse, bytes]:
    with connection(server) as conn:
        conn.request(method, target, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        return response, response.read()


def target_of(url: str) -> str:
    """The request target (path and query) of an absolute URL."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def site_file(manifest: SiteManifest, target: str) -> bytes:
    assert manifest.directory is not None
    return (manifest.directory / manifest.routes[target].file).read_bytes()


def paragraphs(page: Selector, css: str = SELECTORS["paragraphs"]) -> list[str]:
    texts = [p.xpath("string(.)").get() or "" for p in page.css(css)]
    return [t for t in texts if not any(rule.search(t) for rule in SITE.boilerplate)]


def article_page(server: LoopbackServer, target: str) -> Selector:
    return Selector(text=server.served_body(target).decode("utf-8"))


def news_article(page: Selector) -> dict[str, object]:
    for script in page.css("script[type='application/ld+json']::text").getall():
        data = json.loads(script)
        if data.get("@type") == "NewsArticle":
            return dict(data)
    raise AssertionError("no NewsArticle JSON-LD")


def first_multipage(manifest: SiteManifest) -> ArticleTruth:
    return next(a for a in manifest.live() if a.pages >= 3)


# --- generation ---------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_sites(demo_site: SiteManifest, tmp_path: Path) -> None:
    again = generate_site(tmp_path / "again", articles=240, edition=1)
    assert demo_site.directory is not None and again.directory is not None
    assert files_of(again.directory) == files_of(demo_site.directory)


def test_another_seed_gives_other_text(tmp_path: Path) -> None:
    one = generate_site(tmp_path / "one", articles=20, seed=1)
    two = generate_site(tmp_path / "two", articles=20, seed=2)
    assert [a.paragraphs for a in one.articles] != [a.paragraphs for a in two.articles]


def test_refuses_to_overwrite_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="refusing"):
        generate_site(tmp_path, articles=20)


def test_a_generation_killed_half_way_is_replaced_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "site"
    command = [sys.executable, "-m", "crawler.demosite", "generate", str(out), "--articles"]
    writing = subprocess.Popen([*command, "5000"])
    try:
        deadline = time.monotonic() + 60
        while not any((out / "site").glob("*/read/*/*/index.html")):
            assert writing.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        writing.kill()
        writing.wait()
    assert not (out / "manifest.json").exists()
    manifest = generate_site(out, articles=20)
    assert SiteManifest.load(out) == manifest
    assert not (out / GENERATING_NAME).exists()


def test_manifest_round_trips_through_json(demo_site: SiteManifest) -> None:
    assert demo_site.directory is not None
    assert SiteManifest.load(demo_site.directory) == demo_site


def test_article_pages_weigh_like_real_news_pages(demo_site: SiteManifest) -> None:
    sizes = [len(site_file(demo_site, path)) for a in demo_site.articles for path in a.page_paths]
    assert min(sizes) >= 40_000 and max(sizes) <= 80_000


def test_first_edition_has_the_expected_mix(demo_site: SiteManifest) -> None:
    articles = demo_site.articles
    assert len(articles) == 240 and {a.status for a in articles} == {"new"}
    multipage = [a for a in articles if a.pages > 1]
    assert 15 <= len(multipage) <= 35 and {a.pages for a in multipage} <= {2, 3, 4}
    authors = [a.authors for a in articles]
    assert ["Demo.com"] in authors and any(len(names) == 2 for names in authors)
    assert all(a.paragraphs[0].startswith(f"{a.dateline} - ") for a in articles)
    assert all(a.published <= a.updated <= a.last_modified for a in articles)
    assert all(a.published.endswith("+07:00") for a in articles)


def test_second_edition_changes_what_its_manifest_says(demo_site_v2: SiteManifest) -> None:
    counts = {s: len(demo_site_v2.by_status(s)) for s in ("updated", "widget", "new", "removed")}
    assert counts == {"updated": 24, "widget": 24, "new": 12, "removed": 1}
    assert len(demo_site_v2.by_status("unchanged")) == 240 - 49


def test_unchanged_articles_are_byte_identical_between_editions(
    demo_site: SiteManifest, demo_site_v2: SiteManifest
) -> None:
    for article in demo_site_v2.by_status("unchanged"):
        assert article == replace(demo_site.article(article.path), status="unchanged")
        for path in article.page_paths:
            assert site_file(demo_site_v2, path) == site_file(demo_site, path)


def test_widget_only_articles_change_bytes_but_not_text(
    demo_site: SiteManifest, demo_site_v2: SiteManifest
) -> None:
    for article in demo_site_v2.by_status("widget"):
        before = demo_site.article(article.path)
        assert article.paragraphs == before.paragraphs and article.updated == before.updated
        assert article.last_modified > before.last_modified
        old, new = site_file(demo_site, article.path), site_file(demo_site_v2, article.path)
        assert old != new
        assert paragraphs(Selector(text=old.decode())) == paragraphs(Selector(text=new.decode()))


def test_the_redesigned_edition_breaks_the_site_files_selectors(tmp_path: Path) -> None:
    site = generate_site(tmp_path / "site", articles=10, edition=REDESIGN_EDITION)
    assert site.live()
    for article in site.live():
        html = site_file(site, article.path).decode()
        page = Selector(text=html)
        for name in ("title", "authors", "published", "updated", "paragraphs"):
            assert page.css(SELECTORS[name]).get() is None, name
        assert "<time" not in html and "datePublished" not in html
        assert "article:published_time" not in html
        # The story is still there: its headline, byline names and text, in the new markup.
        assert page.css("h1::text").get() == article.title
        assert all(name in html for name in article.authors)
        end = article.page_starts[1] if article.pages > 1 else len(article.paragraphs)
        assert paragraphs(page, "div.story-body__text > p") == article.paragraphs[:end]
        # Every page changed with the redesign: a conditional request gets the new one.
        modified = parsedate_to_datetime(site.routes[article.path].last_modified)
        assert modified > edition_time(REDESIGN_EDITION - 1)


def test_updated_articles_get_new_text_and_a_later_date(
    demo_site: SiteManifest, demo_site_v2: SiteManifest
) -> None:
    for article in demo_site_v2.by_status("updated"):
        before = demo_site.article(article.path)
        assert article.paragraphs[: len(before.paragraphs)] != before.paragraphs or len(
            article.paragraphs
        ) > len(before.paragraphs)
        assert demo_site.now < article.updated < demo_site_v2.now
        assert article.title == before.title and article.published == before.published


def test_removed_article_leaves_every_listing(demo_site_v2: SiteManifest) -> None:
    (removed,) = demo_site_v2.by_status("removed")
    assert removed.path not in demo_site_v2.routes
    for target in ("/sitemaps/news.xml", "/rss.xml", "/", removed.section_path):
        if target in demo_site_v2.routes:
            assert removed.path.encode() not in site_file(demo_site_v2, target)


def test_files_use_the_origin_token_for_absolute_urls(demo_site: SiteManifest) -> None:
    page = site_file(demo_site, demo_site.articles[0].path).decode()
    assert f'<link rel="canonical" href="{ORIGIN_TOKEN}{demo_site.articles[0].path}">' in page
    assert "127.0.0.1" not in page


# --- what the pages say -------------------------------------------------------------------


def test_site_file_selectors_extract_the_manifest(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    origin = demo_server.origin
    for article in demo_site.live():
        pages = [article_page(demo_server, path) for path in article.page_paths]
        first = pages[0]
        assert first.css(SELECTORS["title"]).get() == article.title
        assert first.css(SELECTORS["authors"]).getall() == article.authors
        assert first.css(SELECTORS["section"]).get() == article.section
        assert first.css(SELECTORS["tags"]).getall() == article.tags
        assert first.css(SELECTORS["canonical"]).get() == article.url(origin)
        assert first.xpath(SELECTORS["dateline"]).get() == article.dateline
        assert first.css(SELECTORS["description"]).get() == article.description
        text = [p for page in pages for p in paragraphs(page)]
        assert text == article.paragraphs
        images = [src for page in pages for src in page.css(SELECTORS["images"]).getall()]
        captions = [c for page in pages for c in page.css(SELECTORS["captions"]).getall()]
        assert images == [i.url(origin) for i in article.images]
        assert captions == [i.caption for i in article.images]


def test_visible_dates_are_indonesian_wib_text(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    article = demo_site.articles[0]
    page = article_page(demo_server, article.path)
    published = page.css(SELECTORS["published"]).get()
    updated = page.css(SELECTORS["updated"]).get()
    when = datetime.fromisoformat(article.updated)
    assert published is not None and published.startswith("Diterbitkan ")
    assert updated == f"diperbarui {when:%d} {MONTHS[when.month - 1]} {when:%Y, %H:%M} WIB"
    assert page.css("a.read-page--header--author__name::text").get() == article.authors[0]


def test_json_ld_matches_the_manifest(demo_server: DemoServer, demo_site: SiteManifest) -> None:
    for article in demo_site.live():
        data = news_article(article_page(demo_server, article.path))
        assert data["headline"] == article.title
        assert data["datePublished"] == article.published
        assert data["dateModified"] == article.updated
        assert data["articleSection"] == article.section
        assert data["keywords"] == article.tags
        assert data["url"] == article.url(demo_server.origin)
        authors = data["author"]
        assert isinstance(authors, list)
        assert [a["name"] for a in authors] == article.authors
        kinds = {a["name"]: a["@type"] for a in authors}
        assert kinds.get("Demo.com", "Organization") == "Organization"


def test_promo_line_and_baca_juga_sit_inside_the_body(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    page = article_page(demo_server, demo_site.articles[-1].path)
    body = page.css(SELECTORS["body"])
    assert "Cek Fakta Demo.com 0811-9787-670." in body.xpath("string(.)").get("")
    assert body.css(".baca-juga__header::text").get() == "Baca Juga"
    assert page.css("section.popular h2::text").get() == "POPULER"


# --- the server over HTTP -----------------------------------------------------------------


def test_article_is_served_as_utf8_html_with_the_real_origin(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    article = demo_site.articles[0]
    response, body = fetch(demo_server, article.path)
    assert response.status == 200 and response.version == 11
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Content-Encoding") is None
    assert body == demo_server.served_body(article.path)
    assert f'href="{article.url(demo_server.origin)}"'.encode() in body
    assert ORIGIN_TOKEN.encode() not in body


def test_no_served_body_keeps_the_origin_token(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    for target in demo_site.routes:
        assert ORIGIN_TOKEN.encode() not in demo_server.served_body(target)
    sitemap = gzip.decompress(demo_server.served_body("/sitemaps/showbiz.xml.gz"))
    assert demo_server.origin.encode() in sitemap and ORIGIN_TOKEN.encode() not in sitemap


def test_gzip_is_sent_when_accepted_and_decodes_to_the_page(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    path = demo_site.articles[1].path
    response, raw = fetch(demo_server, path, Accept_Encoding="gzip, deflate, br")
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert raw == demo_server.served_body(path, gzip=True)
    assert gzip.decompress(raw) == demo_server.served_body(path)
    assert int(response.getheader("Content-Length", "0")) == len(raw)


def test_gzip_refused_with_q_zero() -> None:
    assert accepts_gzip("gzip;q=1.0, identity") and accepts_gzip("*")
    assert (
        not accepts_gzip("gzip;q=0, identity") and not accepts_gzip("br") and not accepts_gzip(None)
    )


def test_etag_differs_per_representation_and_if_none_match_gives_304(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    path = demo_site.articles[2].path
    plain, _ = fetch(demo_server, path)
    packed, _ = fetch(demo_server, path, Accept_Encoding="gzip")
    etag = plain.getheader("ETag", "")
    assert etag.startswith('"') and etag != packed.getheader("ETag")
    response, body = fetch(demo_server, path, If_None_Match=etag)
    assert response.status == 304 and body == b""
    assert response.getheader("ETag") == etag
    response, _ = fetch(demo_server, path, If_None_Match=f'"other", W/{etag}')
    assert response.status == 304
    response, _ = fetch(demo_server, path, If_None_Match='"other"')
    assert response.status == 200


def test_last_modified_and_if_modified_since(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    article = demo_site.articles[3]
    response, _ = fetch(demo_server, article.path)
    last_modified = response.getheader("Last-Modified", "")
    assert parsedate_to_datetime(last_modified) == datetime.fromisoformat(article.last_modified)
    assert fetch(demo_server, article.path, If_Modified_Since=last_modified)[0].status == 304
    earlier = format_datetime(parsedate_to_datetime(last_modified).replace(year=2021), usegmt=True)
    assert fetch(demo_server, article.path, If_Modified_Since=earlier)[0].status == 200
    # If-None-Match decides when both are sent (RFC 9110): a stale ETag means 200.
    stale = fetch(demo_server, article.path, If_None_Match='"old"', If_Modified_Since=last_modified)
    assert stale[0].status == 200


def test_unknown_pages_are_404(demo_server: DemoServer, demo_site: SiteManifest) -> None:
    assert fetch(demo_server, "/news/read/1/nothing-here")[0].status == 404
    assert fetch(demo_server, f"{demo_site.articles[0].path}?page=9")[0].status == 404
    assert fetch(demo_server, "/news/?page=99")[0].status == 404


def test_head_sends_headers_only(demo_server: DemoServer, demo_site: SiteManifest) -> None:
    path = demo_site.articles[0].path
    response, body = fetch(demo_server, path, method="HEAD")
    assert response.status == 200 and body == b""
    assert int(response.getheader("Content-Length", "0")) == len(demo_server.served_body(path))


def test_tracking_parameters_are_ignored(demo_server: DemoServer, demo_site: SiteManifest) -> None:
    path = demo_site.articles[0].path
    response, body = fetch(demo_server, f"{path}?utm_source=rss&page=1")
    assert response.status == 200 and body == demo_server.served_body(path)


def test_keep_alive_serves_several_requests_on_one_connection(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    with connection(demo_server) as conn:
        for article in demo_site.articles[:3]:
            conn.request("GET", article.path)
            response = conn.getresponse()
            assert response.status == 200 and response.read() == demo_server.served_body(
                article.path
            )


def test_request_log_records_method_target_status_and_headers(demo_server: DemoServer) -> None:
    fetch(demo_server, "/robots.txt?probe=log", User_Agent="Kabarsip-test")
    entry = next(r for r in reversed(demo_server.requests) if r.target == "/robots.txt?probe=log")
    assert (entry.method, entry.status) == ("GET", 200)
    assert entry.headers["User-Agent"] == "Kabarsip-test"
    assert entry.response_headers["Content-Type"] == "text/plain; charset=utf-8"


# --- discovery pages ----------------------------------------------------------------------


def test_robots_allows_all_and_names_the_sitemap(demo_server: DemoServer) -> None:
    response, body = fetch(demo_server, "/robots.txt")
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
    text = body.decode()
    assert "User-agent: *\nAllow: /" in text and "Disallow" not in text
    assert f"Sitemap: {demo_server.origin}/sitemap.xml" in text


def test_sitemaps_list_every_article_with_news_dates(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    response, body = fetch(demo_server, "/sitemap.xml", Accept_Encoding="gzip")
    assert response.getheader("Content-Type") == "application/xml; charset=utf-8"
    index = Selector(text=gzip.decompress(body).decode(), type="xml")
    locs = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SITEMAP_NS).getall()
    assert len(locs) == 5 and f"{demo_server.origin}/sitemaps/showbiz.xml.gz" in locs
    found: dict[str, tuple[str, str, str]] = {}
    for loc in locs:
        response, body = fetch(demo_server, urlsplit(loc).path, Accept_Encoding="gzip")
        if loc.endswith(".gz"):
            assert response.getheader("Content-Type") == "application/x-gzip"
            assert response.getheader("Content-Encoding") is None
        else:
            assert response.getheader("Content-Encoding") == "gzip"
        sitemap = Selector(text=gzip.decompress(body).decode(), type="xml")
        for url in sitemap.xpath("//sm:url", namespaces=SITEMAP_NS):
            found[url.xpath("sm:loc/text()", namespaces=SITEMAP_NS).get("")] = (
                url.xpath(".//news:publication_date/text()", namespaces=SITEMAP_NS).get(""),
                url.xpath(".//news:title/text()", namespaces=SITEMAP_NS).get(""),
                url.xpath("sm:lastmod/text()", namespaces=SITEMAP_NS).get(""),
            )
    assert found == {
        a.url(demo_server.origin): (a.published, a.title, a.updated) for a in demo_site.live()
    }


def test_rss_feed_lists_the_latest_fifty(demo_server: DemoServer, demo_site: SiteManifest) -> None:
    response, body = fetch(demo_server, "/rss.xml")
    assert response.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    feed = Selector(text=body.decode(), type="xml")
    links = feed.xpath("//item/link/text()").getall()
    newest = sorted(demo_site.live(), key=lambda a: a.published, reverse=True)[:50]
    assert links == [a.url(demo_server.origin) for a in newest]
    first_date = parsedate_to_datetime(feed.xpath("//item/pubDate/text()").get(""))
    assert first_date == datetime.fromisoformat(newest[0].published)


def test_section_pages_paginate_through_every_article(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    target: str | None = "/news/"
    seen: list[str] = []
    pages = 0
    while target:
        response, body = fetch(demo_server, target)
        assert response.status == 200
        page = Selector(text=body.decode())
        links = page.css(SITE.section_links or "").getall()
        assert 0 < len(links) <= 20
        seen.extend(links)
        pages += 1
        following = page.css(SITE.section_next or "").get()
        assert page.css("link[rel=next]::attr(href)").get() == following
        target = target_of(following) if following else None
    news = [a.url(demo_server.origin) for a in demo_site.live() if a.section_path == "/news/"]
    assert pages == 3 and sorted(seen) == sorted(news) and len(seen) == len(set(seen))
    assert all(SITE.is_article(url) for url in seen)


def test_multipage_article_pages_link_each_other(
    demo_server: DemoServer, demo_site: SiteManifest
) -> None:
    article = first_multipage(demo_site)
    url: str | None = article.url(demo_server.origin)
    visited: list[str] = []
    text: list[str] = []
    while url:
        response, body = fetch(demo_server, target_of(url))
        assert response.status == 200
        page = Selector(text=body.decode())
        numbered = page.css("a.paging__link::attr(href)").getall()
        assert numbered == [article.url(demo_server.origin, n) for n in range(1, article.pages + 1)]
        assert page.css(SELECTORS["canonical"]).get() == article.url(demo_server.origin)
        visited.append(url)
        text.extend(paragraphs(page))
        url = page.css(NEXT_PAGE).get()
    assert visited == [article.url(demo_server.origin, n) for n in range(1, article.pages + 1)]
    assert text == article.paragraphs
    assert not SITE.is_article(visited[1]) and SITE.is_article(visited[0])


# --- editions on one origin -------------------------------------------------------------------


def test_switching_edition_keeps_the_origin(
    demo_site: SiteManifest, demo_site_v2: SiteManifest
) -> None:
    assert demo_site.directory is not None and demo_site_v2.directory is not None
    (removed,) = demo_site_v2.by_status("removed")
    unchanged = demo_site_v2.by_status("unchanged")[0]
    updated = demo_site_v2.by_status("updated")[0]
    new = demo_site_v2.by_status("new")[0]
    with DemoServer(demo_site.directory) as server:
        origin = server.origin
        before = {a.path: fetch(server, a.path)[0] for a in (removed, unchanged, updated)}
        assert fetch(server, new.path)[0].status == 404
        server.switch(demo_site_v2.directory)
        assert server.origin == origin and server.manifest.edition == 2
        assert fetch(server, removed.path)[0].status == 404
        assert fetch(server, new.path)[0].status == 200
        etag = before[unchanged.path].getheader("ETag", "")
        assert fetch(server, unchanged.path, If_None_Match=etag)[0].status == 304
        stale = before[updated.path].getheader("ETag", "")
        response, body = fetch(server, updated.path, If_None_Match=stale)
        assert response.status == 200 and body == server.served_body(updated.path)


# --- command line and static files ------------------------------------------------------------


def test_cli_generates_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(tmp_path / "site"), "--articles", "20", "--edition", "2"]) == 0
    assert "edition 2" in capsys.readouterr().out
    assert SiteManifest.load(tmp_path / "site").edition == 2


@pytest.mark.slow
def test_cli_serves_in_a_subprocess_and_prints_the_origin(demo_site: SiteManifest) -> None:
    command = [sys.executable, "-m", "crawler.demosite", "serve", str(demo_site.directory)]
    process = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert process.stdout is not None
        origin = process.stdout.readline().strip()
        host, port = urlsplit(origin).hostname, urlsplit(origin).port
        assert host == "127.0.0.1" and port
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/robots.txt")
        response = conn.getresponse()
        assert (
            response.status == 200 and f"Sitemap: {origin}/sitemap.xml" in response.read().decode()
        )
        conn.close()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_static_server_serves_a_directory(
    tmp_path: Path, serve_static: Callable[..., LoopbackServer]
) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "index.html").write_text("<p>home</p>")
    (tmp_path / "feeds" / "rss.xml").write_bytes(b"\n<?xml version='1.0'?><rss/>")
    server = serve_static(tmp_path, {".html": "text/html; charset=utf-8"})
    response, body = fetch(server, "/")
    assert (
        body == b"<p>home</p>" and response.getheader("Content-Type") == "text/html; charset=utf-8"
    )
    response, body = fetch(server, "/feeds/rss.xml", Accept_Encoding="gzip")
    assert response.getheader("Content-Type") == "application/xml"
    assert gzip.decompress(body) == b"\n<?xml version='1.0'?><rss/>"
    assert fetch(server, "/missing.html")[0].status == 404


@pytest.mark.corpus
def test_static_server_serves_corpus_pages_byte_for_byte(
    corpus_dir: Path, serve_static: Callable[..., LoopbackServer]
) -> None:
    server = serve_static(corpus_dir / "pages")
    page = sorted((corpus_dir / "pages").glob("*.html"))[0]
    response, body = fetch(server, f"/{page.name}")
    assert response.status == 200 and body == page.read_bytes()
    assert response.getheader("Content-Type") == "text/html"


def test_missing_corpus_skips_locally_and_fails_on_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="corpus not found"):
        require_corpus(tmp_path / "missing")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="corpus not found"):
        require_corpus(tmp_path / "missing")
    assert require_corpus(tmp_path) == tmp_path
