"""Every site file on its real corpus pages, served over loopback and extracted as a crawl does.

Each page of ``../shared/corpus/pages`` is fetched over HTTP from a loopback server, extracted
with its site's file (``seeds/<site>.toml``) and run through the item steps
(``crawler.processing.process_page``). Every page must pick the layout written for its template
and yield a title, a published date with its +07:00 offset, the credited authors and a body
free of built-in boilerplate; rows of ``dev.jsonl`` must match their ground truth on every
scored field. A selector that stops matching its template fails here.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite.server import LoopbackServer, static_server
from crawler.discovery import links_from_page, parse_feed
from crawler.evaluation import compare_row
from crawler.extraction import choose_layout
from crawler.items import Article
from crawler.processing import page_response, process_page
from crawler.sites import load_site
from pipelines.clean import BOILERPLATE, CREDIT_LINE, SIGN_OFF, WIDGET_HEADINGS
from tests.corpus import source_urls

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

# The template each page was saved from, and who its byline credits (short facts read off the
# pages; an empty list: the page credits only an editor, or no one).
PAGES: dict[str, tuple[str, list[str]]] = {
    "antara-01.html": ("content-news-2015", ["Nur Imansyah"]),
    "antara-02.html": ("content-news-2015", ["Budisantoso Budiman", "Agus S"]),
    "antara-03.html": ("content-news-2015", ["Desca Lidya Natalia"]),
    "beritasatu-01.html": ("story-2020", ["Arnold H Sianturi"]),
    "detik-01.html": ("jdl-2015", ["Fino Yurio Kristo"]),
    "detik-02.html": ("jdl-2015", ["Bagus Kurniawan"]),
    "detik-03.html": ("jdl-2015", ["Michael Agustinus"]),
    "jakartapost-01.html": ("story-2015", ["Agence France-Presse"]),
    "kapanlagi-01.html": ("revb-2015", []),
    "kompas-01.html": ("kcm-read-2015", ["Masriadi"]),
    "kompas-02.html": ("kcm-read-2015", ["Nabilla Tashandra"]),
    "kompas-03.html": ("kcm-read-2015", []),
    "kompas-04.html": ("kcm-read-content-2015", ["Ferril Dennys"]),
    "kompas-05.html": ("kcm-read-content-2015", ["Anju Christian"]),
    "kompas-06.html": ("baca-content-2016", ["Aditya Maulana"]),
    "liputan6-01.html": ("read-page-2016", ["Corry Anestia"]),
    "liputan6-02.html": ("read-page-2016", ["Ratnaning Asih"]),
    "liputan6-03.html": ("entry-2015", ["Silvanus Alvin"]),
    "liputan6-04.html": ("article-header-2019", ["Liputan6.com"]),
    "liputan6-05.html": ("article-header-2019", ["Tommy Kurnia"]),
    "liputan6-06.html": ("article-header-2019", ["Giovani Dio Prasasti"]),
    "liputan6-07.html": ("article-header-2019", ["Novita Ayuningtyas"]),
    "liputan6-08.html": ("article-header-2019", ["Afifah Cinthia Pasha"]),
    "mediaindonesia-01.html": ("post-header-2025", ["Andhika Prasetyo"]),
    "mediaindonesia-02.html": ("post-header-2025", ["Media Indonesia"]),
    "mediaindonesia-03.html": ("post-header-2025", ["Naufal Zuhdi"]),
    "merdeka-01.html": ("mdk-body-2015", ["Ramadhian Fadillah"]),
    "okezone-01.html": ("titles-2015", ["Dewi Kania"]),
    "okezone-02.html": ("title-detail-2017", ["Vania Ika Aldida"]),
    "okezone-03.html": ("titles-2015", ["Fakhrizal Fakhri"]),
    "okezone-04.html": ("namerep-2019", ["Natasha Oktalia"]),
    "republika-01.html": ("wp-conten-2016", []),
    "republika-02.html": ("ihram-2017", []),
    "suara-01.html": ("kanal-detail-2015", ["Laban Laisila"]),
    "tempo-01.html": ("artikel-2015", ["DINI TEJA"]),
    "tempo-02.html": ("p-artikel-2017", ["AMMY HETHARIA"]),
    "tempo-03.html": ("tubuh-berita-2015", ["ANTARA"]),
    "tribunnews-01.html": ("txt-article-2015", ["Glery Lazuardi"]),
    "tribunnews-02.html": ("txt-article-2015", []),
    "viva-01.html": ("article-detail-2015", ["Maya Sofia"]),
    "viva-02.html": ("article-detail-2015", ["Adrianus Mandey"]),
}
# Words that must never survive in a body: widget labels, promo lines, page separators.
LEFTOVERS = re.compile(
    r"\b(?:Baca [Jj]uga|BACA JUGA|Simak [Jj]uga|Lihat [Jj]uga|ADVERTISEMENT|Scroll to continue"
    r"|Berita Terkait|Read also|Halaman selanjutnya|\d+ dari \d+ halaman|COPYRIGHT)\b"
)


def site_of(name: str) -> str:
    return name.rsplit("-", 1)[0]


def dev_rows(corpus: Path) -> dict[str, dict[str, Any]]:
    lines = (corpus / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return {row["file"]: row for row in rows}


def dev_files() -> list[str]:
    """Names of the dev cases; without the corpus there are none and ``corpus_dir`` says why."""
    if not (CORPUS / "dev.jsonl").is_file():
        return []
    return sorted(dev_rows(CORPUS))


@pytest.fixture(scope="module")
def server(corpus_dir: Path) -> Iterator[LoopbackServer]:
    """The corpus pages on a loopback HTTP server (any free port)."""
    with static_server(corpus_dir / "pages") as running:
        yield running


def fetch(server: LoopbackServer, name: str) -> tuple[bytes, dict[str, str]]:
    """The page's bytes and Content-Type as served (its Date is today's, not the capture's)."""
    with urllib.request.urlopen(server.url(f"/{name}"), timeout=10) as response:
        body = response.read()
        return body, {"Content-Type": response.headers.get("Content-Type", "text/html")}


@pytest.fixture(scope="module")
def articles(server: LoopbackServer, corpus_dir: Path) -> Callable[[str], Article]:
    """``articles(file)``: the page fetched, extracted and through the pipelines' steps."""
    urls = source_urls(corpus_dir)
    done: dict[str, Article] = {}

    def article(name: str) -> Article:
        if name not in done:
            body, headers = fetch(server, name)
            processed = process_page(body, urls[name], load_site(site_of(name)), headers=headers)
            assert processed.dropped is None, (name, processed.dropped)
            done[name] = processed.item
        return done[name]

    return article


def test_every_corpus_page_has_its_site_file_and_expectations(corpus_dir: Path) -> None:
    pages = {path.name for path in (corpus_dir / "pages").glob("*.html")}
    assert pages == set(PAGES)
    assert set(dev_rows(corpus_dir)) <= pages
    for site in {site_of(name) for name in pages}:
        load_site(site)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_article_pattern_takes_the_page_url(name: str, corpus_dir: Path) -> None:
    url = source_urls(corpus_dir)[name]
    assert load_site(site_of(name)).is_article(url), url


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_picks_the_layout_of_its_template(name: str, server: LoopbackServer) -> None:
    body, headers = fetch(server, name)
    response = page_response(body, "https://example.invalid/", headers)
    layout = choose_layout(response.selector, load_site(site_of(name)))
    assert layout is not None and layout.name == PAGES[name][0]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_gives_a_clean_dated_credited_article(
    name: str, articles: Callable[[str], Article]
) -> None:
    article = articles(name)
    assert article.title and len(article.title) > 10
    assert article.published and article.published.endswith("+07:00"), article.published
    assert article.authors == PAGES[name][1]
    assert article.word_count and article.word_count > 80
    for paragraph in article.paragraphs:
        assert not any(p.search(paragraph) for p in BOILERPLATE), paragraph
        assert not WIDGET_HEADINGS.match(paragraph), paragraph
        assert not CREDIT_LINE.match(paragraph), paragraph
    assert not LEFTOVERS.search(article.body or ""), LEFTOVERS.search(article.body or "")
    assert not SIGN_OFF.search(article.paragraphs[-1]), article.paragraphs[-1]
    assert article.language


@pytest.mark.parametrize("name", dev_files())
def test_dev_row_matches_its_ground_truth(
    name: str, corpus_dir: Path, articles: Callable[[str], Article]
) -> None:
    row = dev_rows(corpus_dir)[name]
    failed = {
        field: (result.expected, result.got)
        for field, result in compare_row(row, articles(name)).items()
        if not result.ok
    }
    assert not failed, failed


def corpus_files(folder: str, suffix: str) -> list[str]:
    directory = CORPUS / folder
    return sorted(p.name for p in directory.glob(f"*{suffix}")) if directory.is_dir() else []


@pytest.mark.parametrize("name", corpus_files("feeds", ".xml"))
def test_every_feed_item_is_an_article_of_its_site(name: str, corpus_dir: Path) -> None:
    site = load_site(name.split("-", 1)[0])
    entries = parse_feed((corpus_dir / "feeds" / name).read_bytes(), "https://example.invalid/")
    assert entries
    missed = [
        e.link for e in entries if not any(u and site.is_article(u) for u in (e.link, e.guid))
    ]
    assert not missed, missed


@pytest.fixture(scope="module")
def feeds_server(corpus_dir: Path) -> Iterator[LoopbackServer]:
    """The corpus feeds and index pages on a loopback HTTP server."""
    with static_server(corpus_dir / "feeds") as running:
        yield running


@pytest.mark.parametrize("name", corpus_files("feeds", ".html"))
def test_index_pages_list_articles_of_their_site(name: str, feeds_server: LoopbackServer) -> None:
    site = load_site(name.split("-", 1)[0])
    body, headers = fetch(feeds_server, name)
    response = page_response(body, f"https://www.{site.domains[0]}/", headers)
    links = [
        u for u in links_from_page(response, response.url, site.section_links) if site.is_article(u)
    ]
    assert len(links) >= 5, links
