"""Scope: every request stays on the site's domains and off internal networks.

Off-site targets are a second loopback server reached as ``localhost``: a host name the site
file does not list. Were a request let through, it would resolve to 127.0.0.1 (allowed for
the demo crawl) and reach that server, so its request log tells whether scope held.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.server import DemoServer
from crawler.middlewares.addresses import AddressPolicy, address_kind, parse_address
from crawler.outcome import ExitCode
from tests.crawling import CrawlResult, run_crawl
from tests.scripted_server import Answer, ScriptedServer, page, redirect

ARTICLE = r"^https?://[^/]+/news/read/\d+/[a-z-]+$"


def warc_targets(warc_dir: Path) -> list[str]:
    targets = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if uri := record.rec_headers.get_header("WARC-Target-URI"):
                    targets.append(uri)
    return targets


def xml(body: str) -> Answer:
    return Answer(200, body.encode(), {"Content-Type": "application/xml"})


def article(title: str, next_href: str = "") -> Answer:
    link = f'<a class="next-page" href="{next_href}">Halaman selanjutnya</a>' if next_href else ""
    return page(
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>Isi berita {title} yang cukup panjang untuk dibaca.</p>{link}</body></html>"
    )


def site_routes(a: str, o: str) -> dict[str, Answer]:
    """Site ``a`` whose every kind of discovery links, or redirects, to ``o``."""
    urlset = "".join(
        f"<url><loc>{loc}</loc></url>"
        for loc in (
            f"{o}/news/read/1/urlset-entry",
            f"{a}/news/read/2/multipage",
            f"{a}/news/read/5/moved",
            f"{a}/news/read/6/next-moved",
        )
    )
    index = "".join(
        f"<sitemap><loc>{loc}</loc></sitemap>"
        for loc in (f"{o}/index-entry.xml", f"{a}/news-sitemap.xml", f"{a}/entry-moved.xml")
    )
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    return {
        "/robots.txt": Answer(
            200,
            f"User-agent: *\nAllow: /\nSitemap: {o}/robots-sitemap.xml\n"
            f"Sitemap: {a}/robots-moved.xml\n".encode(),
            {"Content-Type": "text/plain"},
        ),
        "/robots-moved.xml": redirect(f"{o}/robots-moved.xml"),
        "/sitemap.xml": xml(f"<sitemapindex {ns}>{index}</sitemapindex>"),
        "/entry-moved.xml": redirect(f"{o}/entry-moved.xml"),
        "/news-sitemap.xml": xml(f"<urlset {ns}>{urlset}</urlset>"),
        "/sitemap-moved.xml": redirect(f"{o}/sitemap-moved.xml"),
        "/rss.xml": xml(
            '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
            f"<link>{o}/news/read/3/feed-item</link></item></channel></rss>"
        ),
        "/rss-moved.xml": redirect(f"{o}/rss-moved.xml"),
        "/section/": page(
            f'<html><body><a class="story" href="{o}/news/read/4/section-link">x</a>'
            f'<a class="next" href="{o}/section/?page=2">next</a></body></html>'
        ),
        "/section-moved/": redirect(f"{o}/section-moved/"),
        "/news/read/2/multipage": article("dua", f"{o}/news/read/2/multipage?page=2"),
        "/news/read/5/moved": redirect(f"{o}/news/read/5/moved"),
        "/news/read/6/next-moved": article("enam", f"{a}/news/read/6/next-moved?page=2"),
        "/news/read/6/next-moved?page=2": redirect(f"{o}/news/read/6/next-moved?page=2"),
    }


def write_site(directory: Path, a: str, **extra: str) -> Path:
    lines = [
        'name = "scopetest"',
        'domains = ["127.0.0.1"]',
        "robots_sitemaps = true",
        f'start_urls = ["{a}/section/"]',
        f'sitemaps = ["{a}/sitemap.xml", "{a}/sitemap-moved.xml"]',
        f'feeds = ["{a}/rss.xml", "{a}/rss-moved.xml"]',
        f'sections = ["{a}/section-moved/"]',
        'section_links = "a.story::attr(href)"',
        'section_next = "a.next::attr(href)"',
        f"article_pattern = '{ARTICLE}'",
        *(f"{key} = {value}" for key, value in extra.items()),
        "[multipage]",
        'next = "a.next-page::attr(href)"',
    ]
    path = directory / "scopetest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_no_discovery_kind_or_redirect_leads_off_site(tmp_path: Path) -> None:
    with ScriptedServer() as offsite, ScriptedServer() as site:
        a, o = site.origin(), offsite.origin("localhost")
        site.routes.update(site_routes(a, o))
        result = run_crawl(tmp_path / "out", str(write_site(tmp_path, a)), a)
        fetched = site.paths()

    assert offsite.hits == []
    assert not [t for t in warc_targets(result.warc_dir) if "localhost" in t]
    # Refused once each: robots Sitemap line, sitemap index entry, urlset entry, section next,
    # multipage next, and the redirects of robots sitemap, index entry, sitemap, feed, section,
    # article and later page. Feed and section article links off site are not even requested.
    assert result.stats["scope/refused/offsite"] == 12
    assert result.log.count("Refused off-site request to 'localhost'") == 1
    # The site's own pages were crawled: the refusals did not stop the crawl.
    for path in ("/news-sitemap.xml", "/news/read/2/multipage", "/news/read/6/next-moved?page=2"):
        assert path in fetched
    assert result.returncode == 0


def refused_crawl(tmp_path: Path, host_origin: str, allow: str) -> CrawlResult:
    return run_crawl(tmp_path / "out", "demo", host_origin, {"SCOPE_ALLOW_NETWORKS": allow})


@pytest.mark.slow
def test_a_loopback_address_is_refused_unless_allowed(
    tmp_path: Path, small_server: DemoServer
) -> None:
    before = len(small_server.requests)
    result = refused_crawl(tmp_path, small_server.origin, "")

    assert len(small_server.requests) == before
    assert result.stats["scope/refused/private"] >= 1
    assert result.stats.get("downloader/response_count", 0) == 0
    assert result.items == []
    assert warc_targets(result.warc_dir) == []
    assert "Refused host '127.0.0.1' at 127.0.0.1 (loopback)" in result.log
    assert "SCOPE_ALLOW_NETWORKS=127.0.0.1/32" in result.log


@pytest.mark.slow
def test_a_host_name_resolving_to_loopback_is_refused_after_resolution(tmp_path: Path) -> None:
    """The site allows the name ``localhost``; only resolution shows where it leads."""
    with ScriptedServer({"/section/": page("<html><body>kosong</body></html>")}) as server:
        origin = server.origin("localhost")
        site = tmp_path / "named.toml"
        site.write_text(
            f'name = "named"\ndomains = ["localhost"]\nstart_urls = ["{origin}/section/"]\n'
            f"article_pattern = '{ARTICLE}'\n",
            encoding="utf-8",
        )
        refused = run_crawl(tmp_path / "refused", str(site), origin, {"SCOPE_ALLOW_NETWORKS": ""})
        refused_hits = server.paths()
        allowed = run_crawl(tmp_path / "allowed", str(site), origin)

    assert refused_hits == []
    assert refused.stats["scope/refused/private"] >= 1
    assert "scope/refused/offsite" not in refused.stats
    assert "Refused host 'localhost' at 127.0.0.1 (loopback)" in refused.log
    assert refused.log.count("Refused host 'localhost'") == 1
    # The same crawl with 127.0.0.1/32 allowed (the demo's setting) reaches the server.
    assert "/section/" in server.paths()
    assert allowed.stats.get("downloader/response_count", 0) >= 1


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a9fe:a9fe::1", "link-local"),
        ("64:ff9b::a00:1", "private"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    parsed = parse_address(address)
    assert parsed is not None
    assert address_kind(parsed) == kind


def test_allowed_networks_let_their_addresses_through_and_no_others() -> None:
    policy = AddressPolicy.from_settings(
        Settings({"SCOPE_ALLOW_NETWORKS": "127.0.0.1/32, 10.0.0.0/8"})
    )
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("10.9.9.9")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) == "loopback"
    assert policy.refusal(ipaddress.ip_address("::1")) == "loopback"
    assert AddressPolicy.from_settings(Settings({"SCOPE_ALLOW_NETWORKS": ""})).allowed == ()


@pytest.mark.slow
def test_a_malformed_allowed_network_stops_the_crawl_at_start(tmp_path: Path) -> None:
    result = run_crawl(
        tmp_path / "out", "demo", "http://127.0.0.1:9", {"SCOPE_ALLOW_NETWORKS": "10.0.0.0/33"}
    )

    assert result.returncode == ExitCode.USAGE
    assert (
        "kabarsip: crawl failed: SCOPE_ALLOW_NETWORKS: '10.0.0.0/33' is not a network" in result.log
    )
    assert "Traceback" not in result.log
