"""``scrapy crawl news -a site=http://127.0.0.1:PORT/``: a site crawled with no site file.

The generated demo site is served on loopback and crawled by its URL alone (``seeds/demo.toml``
is not used): once with its robots.txt, sitemaps and a feed announced on the home page, once
with nothing but the home page and its menu. Both serve a page shaped like an article that is
not one, and link a host the crawl must not reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer, LoopbackServer, Resource, site_resources
from crawler.siteurl import SiteUrlError, names_url, registrable_domain, site_from_url
from tests.crawling import CrawlResult, run_crawl, run_scrapy

SECTIONS = ("news", "bisnis", "tekno", "bola", "showbiz")
# Shaped like an article (section, "read", id, long slug), but a list of links.
NOT_ARTICLE = "/news/read/4999999/daftar-lengkap-tautan-pilihan-redaksi-pekan-ini"
NOT_ARTICLE_HTML = (
    "<!doctype html><html lang='id'><head><title>Pilihan redaksi</title></head><body>"
    "<h1>Pilihan redaksi</h1><ul>"
    + "".join(f"<li><a href='/news/'>Tautan nomor {n}</a></li>" for n in range(12))
    + "</ul></body></html>"
)


@dataclass
class SiteRun:
    result: CrawlResult
    server: DemoServer
    elsewhere: LoopbackServer
    manifest: SiteManifest
    full: bool

    @property
    def served(self) -> list[str]:
        return [entry.target for entry in self.server.requests]

    def article_urls(self) -> set[str]:
        return {truth.url(self.server.origin) for truth in self.manifest.live()}


def _page(resource: Resource, body: str) -> Resource:
    return Resource.make(body.encode("utf-8"), resource.content_type, resource.last_modified, True)


def serve_without_site_file(server: DemoServer, elsewhere: LoopbackServer, full: bool) -> None:
    """The demo site, its home page linking another host and a non-article; ``full``: with
    robots.txt sitemaps and a feed link, else with no sitemap and no feed at all."""
    resources = site_resources(server.manifest, server.origin)
    offsite = f"http://localhost:{elsewhere.port}"
    home = resources["/"].body.decode("utf-8")
    extra = (
        f'<a href="{offsite}/news/read/4999998/berita-di-situs-lain-yang-tidak-diambil">Lain</a>'
        f'<a href="{NOT_ARTICLE}">Pilihan</a></body>'
    )
    home = home.replace("</body>", extra)
    robots = "User-agent: *\nAllow: /\n"
    if full:
        feed = '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
        home = home.replace("</head>", feed)
        robots += f"Sitemap: {server.origin}/sitemap.xml\nSitemap: {offsite}/sitemap.xml\n"
    else:
        for target in [t for t in resources if t.startswith(("/sitemap", "/rss"))]:
            del resources[target]
    resources["/"] = _page(resources["/"], home)
    resources["/robots.txt"] = _page(resources["/robots.txt"], robots)
    resources[NOT_ARTICLE] = _page(resources["/"], NOT_ARTICLE_HTML)
    server.set_resources(resources)


@pytest.fixture(scope="module", params=["full", "home-only"])
def site_run(
    request: pytest.FixtureRequest,
    small_site: SiteManifest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SiteRun]:
    assert small_site.directory is not None
    out = tmp_path_factory.mktemp(f"site-url-{request.param}")
    with DemoServer(small_site.directory) as server, LoopbackServer({}) as elsewhere:
        full = request.param == "full"
        serve_without_site_file(server, elsewhere, full)
        result = run_crawl(out, f"{server.origin}/", server.origin)
        assert result.returncode == 0, result.log[-5000:]
        yield SiteRun(result, server, elsewhere, small_site, full)


@pytest.mark.slow
def test_every_article_is_found_and_emitted_with_its_fields(site_run: SiteRun) -> None:
    items = {item["url"]: item for item in site_run.result.items}
    assert set(items) == site_run.article_urls()
    origin = site_run.server.origin
    for truth in site_run.manifest.live():
        item = items[truth.url(origin)]
        assert item["title"] == truth.title
        assert item["published"] == truth.published
        assert item["paragraphs"][0] in truth.text_after_dateline
        assert item["word_count"] > 50


@pytest.mark.slow
def test_sections_tags_and_lookalikes_are_not_emitted(site_run: SiteRun) -> None:
    paths = {item["url"].removeprefix(site_run.server.origin) for item in site_run.result.items}
    assert NOT_ARTICLE not in paths
    assert not {p for p in paths if p.startswith(("/tag/", "/author/")) or p.count("/") < 3}
    # The lookalike was fetched by its shape, then refused by its page kind.
    assert NOT_ARTICLE in site_run.served
    assert site_run.result.stats["articles/skipped/not_article"] == 1
    # Home page menu links are the sections; tag and author pages are never fetched.
    assert site_run.result.stats["discovery/site_url/sections"] == len(SECTIONS)
    assert {f"/{s}/" for s in SECTIONS} <= set(site_run.served)
    assert not [t for t in site_run.served if t.startswith(("/tag/", "/author/"))]


@pytest.mark.slow
def test_nothing_is_requested_outside_the_host(site_run: SiteRun) -> None:
    assert site_run.elsewhere.requests == []
    assert "Traceback" not in site_run.result.log


@pytest.mark.slow
def test_discovery_uses_what_the_site_offers(site_run: SiteRun) -> None:
    stats, served = site_run.result.stats, site_run.served
    if site_run.full:
        assert stats["discovery/articles/sitemap"] == len(site_run.manifest.live())
        assert "/rss.xml" in served
        assert sum(t.startswith("/sitemaps/") for t in served) == len(SECTIONS)
        # robots.txt names a sitemap on another host: refused before it is sent.
        assert stats["scope/refused/offsite"] >= 1
    else:
        assert "discovery/articles/sitemap" not in stats
        assert "/rss.xml" not in served
    assert stats["discovery/articles/section"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("site", "says"),
    [
        ("ftp://example.co.id/", "only http and https"),
        ("example.co.id/", "no scheme"),
        ("http:///berita", "no host"),
        ("http://127.0.0.1/../etc", "outside the host"),
    ],
)
def test_a_bad_site_url_is_a_usage_error(site: str, says: str) -> None:
    result = run_scrapy("crawl", "news", "-a", f"site={site}")
    assert result.returncode == 2, result.stderr[-2000:]
    assert says in result.stderr
    assert "Traceback" not in result.stderr


# --- the Site built from a URL ---------------------------------------------------------------


def test_a_site_from_its_url_covers_the_registrable_domain() -> None:
    site = site_from_url("https://news.contoh.co.id/")
    assert site.name == "news.contoh.co.id"
    assert site.domains == ("contoh.co.id",)
    assert site.allows("www.contoh.co.id") and not site.allows("contoh.com")
    assert site.timezone == "Asia/Jakarta" and site.language == "id"
    assert site.start_urls == ("https://news.contoh.co.id/",)


def test_timezone_is_jakarta_for_id_hosts_and_given_otherwise() -> None:
    assert site_from_url("http://www.example.com/").timezone == "UTC"
    assert site_from_url("http://www.example.com/", "Asia/Makassar").timezone == "Asia/Makassar"
    assert site_from_url("http://www.example.com/").name == "example.com"
    with pytest.raises(SiteUrlError, match="unknown time zone"):
        site_from_url("http://example.com/", "Mars/Olympus")


def test_registrable_domain_keeps_addresses_and_bare_names() -> None:
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert registrable_domain("localhost") == "localhost"
    assert registrable_domain("a.b.example.ac.id") == "example.ac.id"


def test_site_argument_is_a_url_only_when_no_site_file_has_that_name() -> None:
    assert names_url("https://example.co.id/")
    assert names_url("example.co.id")
    assert not names_url("demo")
    assert not names_url(str(Path("seeds") / "demo.toml"))


@pytest.mark.parametrize(
    "url",
    ["example.co.id", "mailto:redaksi@example.co.id", "https://user:pw@example.co.id/", "https://"],
)
def test_unusable_site_urls_are_refused(url: str) -> None:
    with pytest.raises(SiteUrlError):
        site_from_url(url)
