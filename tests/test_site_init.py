"""``scrapy site init URL PAGE...``: a starter site file drafted from saved article pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.demosite.manifest import ArticleTruth, SiteManifest
from crawler.demosite.server import DemoServer
from crawler.paths import inside
from crawler.siteinit import SiteInitError, analyse_page, draft_site, page_url
from crawler.sites import SEEDS_DIR, load_site
from tests.corpus import source_urls
from tests.crawling import run_crawl, run_scrapy

SECTIONS = ("news", "bisnis", "tekno", "bola", "showbiz")


@dataclass
class Saved:
    server: DemoServer
    manifest: SiteManifest
    files: list[Path]

    @property
    def home(self) -> str:
        return f"{self.server.origin}/"

    def live_urls(self) -> list[str]:
        return [truth.url(self.server.origin) for truth in self.manifest.live()]


def _one_per_section(manifest: SiteManifest, count: int) -> list[ArticleTruth]:
    chosen: dict[str, ArticleTruth] = {}
    for truth in manifest.live():
        chosen.setdefault(truth.path.split("/")[1], truth)
    return list(chosen.values())[:count]


@pytest.fixture(scope="module")
def saved(small_site: SiteManifest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Saved]:
    """Three article pages of the demo site saved as served (canonical links included)."""
    assert small_site.directory is not None
    folder = tmp_path_factory.mktemp("saved-pages")
    with DemoServer(small_site.directory) as server:
        files = []
        for n, truth in enumerate(_one_per_section(small_site, 3)):
            path = folder / f"page-{n}.html"
            path.write_bytes(server.served_body(truth.path))
            files.append(path)
        yield Saved(server, small_site, files)


@pytest.mark.slow
def test_init_writes_a_site_file_that_loads_matches_and_crawls(
    saved: Saved, tmp_path: Path
) -> None:
    out = tmp_path / "drafted.toml"
    result = run_scrapy("site", "init", saved.home, *saved.files, "-o", out)
    assert result.returncode == 0, result.stderr[-3000:]
    for file in saved.files:
        assert str(file) in result.stdout
    assert result.stdout.count("NOT FOUND") == 0, result.stdout
    assert result.stdout.count("  title ") == len(saved.files)
    site = load_site(str(out))
    assert site.domains == ("127.0.0.1",)
    assert site.timezone == "Asia/Jakarta"
    # Learned from three pages, the pattern takes every article of the site and no listing.
    assert all(site.is_article(url) for url in saved.live_urls())
    origin = saved.server.origin
    listings = [f"{origin}/", f"{origin}/tag/harga-cabai", f"{origin}/author/gita-nugroho"]
    listings += [f"{origin}/{section}/" for section in SECTIONS]
    assert not [url for url in listings if site.is_article(url)]
    assert set(site.sections) == {f"{origin}/{section}/" for section in SECTIONS}
    crawled = run_crawl(tmp_path / "crawl", str(out), origin)
    assert crawled.returncode == 0, crawled.log[-3000:]
    assert {item["url"] for item in crawled.items} == set(saved.live_urls())


@pytest.mark.slow
def test_init_keeps_an_existing_file_unless_forced(saved: Saved, tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("# mine\n", encoding="utf-8")
    refused = run_scrapy("site", "init", saved.home, saved.files[0], "-o", out)
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "# mine\n"
    forced = run_scrapy("site", "init", saved.home, saved.files[0], "-o", out, "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert load_site(str(out)).is_article(saved.live_urls()[0])


def test_a_given_name_is_made_a_file_name_inside_the_seeds(saved: Saved) -> None:
    body = saved.files[0].read_bytes()
    page = analyse_page(body, "page.html", page_url(body, "page.html", None))
    draft = draft_site(saved.home, [page], name="../../Etc/Passwd")
    assert draft.site.name == "etc-passwd"
    assert inside(SEEDS_DIR, f"{draft.site.name}.toml").parent == SEEDS_DIR.resolve()


def test_a_saved_section_page_is_reported_and_not_learned(saved: Saved) -> None:
    pages = []
    for body in [f.read_bytes() for f in saved.files[:2]] + [saved.server.served_body("/news/")]:
        pages.append(analyse_page(body, "page.html", page_url(body, "page.html", None)))
    assert [p.kind.article for p in pages] == [True, True, False]
    draft = draft_site(saved.home, pages)
    assert not draft.site.is_article(pages[2].url)
    assert all(draft.site.is_article(url) for url in saved.live_urls())
    assert draft.pages_missed == []


def test_a_page_without_an_address_needs_url(tmp_path: Path) -> None:
    body = b"<html><head><title>x</title></head><body><h1>x</h1></body></html>"
    with pytest.raises(SiteInitError, match="--url"):
        page_url(body, "bare.html", None)
    assert page_url(body, "bare.html", "https://contoh.id/a/1") == "https://contoh.id/a/1"


def test_pages_of_another_domain_are_refused(saved: Saved) -> None:
    body = saved.files[0].read_bytes()
    page = analyse_page(body, "page.html", "https://contoh.id/news/read/1234567/judul-berita-ini")
    with pytest.raises(SiteInitError, match="outside"):
        draft_site(saved.home, [page])


@pytest.mark.corpus
def test_init_reports_fields_on_corpus_pages(corpus_dir: Path) -> None:
    """Real pages of several sites: each site's draft loads and takes its own pages."""
    by_site: dict[str, list[tuple[Path, str]]] = {}
    for name, url in source_urls(corpus_dir).items():
        path = corpus_dir / "pages" / name
        if path.is_file():
            by_site.setdefault(re.sub(r"-\d+\.html$", "", name), []).append((path, url))
    drafted = 0
    for pages in by_site.values():
        reports = [analyse_page(path.read_bytes(), path.name, url) for path, url in pages]
        home = f"https://{urlsplit(pages[0][1]).hostname}/"
        draft = draft_site(home, reports)
        assert draft.pages_missed == [], draft.site.article_pattern.pattern
        for report in reports:
            assert "title" in report.found, report.file
            assert set(report.found) | set(report.missing) == {
                "title",
                "published",
                "updated",
                "authors",
                "body",
            }
        drafted += 1
    assert drafted >= 5
