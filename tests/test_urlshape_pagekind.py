"""URL shapes (which links look like articles, a pattern for them) and page kinds."""

from __future__ import annotations

import json
import re

import pytest

from crawler.discovery import feed_links, nav_links
from crawler.pagekind import page_kind
from crawler.urlshape import (
    UrlShapes,
    article_pattern,
    looks_like_article,
    section_links,
    signature,
)

ARTICLES = [
    "https://www.contoh.co.id/news/read/4900101/harga-cabai-rawit-naik-lagi",
    "https://nasional.contoh.com/read/2016/02/16/14382361/Banjir-Rob-Di-Pesisir",
    "https://finance.contoh.com/d-3486105/rapat-direksi-dimulai-pagi",
    "https://www.contoh.co/read/1245678/harga-tiket-pesawat-turun",
    "https://www.contoh.id/berita/2024/05/01/kabar-baru-dari-pelabuhan.html",
    "https://www.contoh.id/olahraga/tim-nasional-menang-tipis-di-laga-tandang",
]
NOT_ARTICLES = [
    "https://www.contoh.co.id/",
    "https://www.contoh.co.id/bisnis/",
    "https://www.contoh.co.id/tag/liga-inggris",
    "https://www.contoh.co.id/tag/pemilihan-umum-kepala-daerah-serentak",
    "https://www.contoh.co.id/author/budi-santoso-wibowo-putra",
    "https://www.contoh.co.id/indeks?page=2",
    "https://www.contoh.co.id/news/ekonomi",
    "https://www.contoh.co.id/2024/05",
]


@pytest.mark.parametrize("url", ARTICLES)
def test_article_urls_look_like_articles(url: str) -> None:
    assert looks_like_article(url)


@pytest.mark.parametrize("url", NOT_ARTICLES)
def test_listing_urls_do_not(url: str) -> None:
    assert not looks_like_article(url)


def test_shapes_vouched_by_sitemaps_admit_short_ids_and_slugs() -> None:
    shapes = UrlShapes()
    short = "https://www.contoh.id/berita/7001/kabar-pagi"
    assert signature(short) == ("word", "num", "word")
    assert not looks_like_article(short) and not shapes.is_article(short)
    # Links that do not look like articles themselves vouch for nothing.
    shapes.learn("https://www.contoh.id/berita/7002/kabar")
    shapes.learn("https://www.contoh.id/berita/7003/cuaca")
    assert not shapes.is_article(short)
    # Two of the same shape that do (a 5-digit id) vouch for it; one is not enough.
    shapes.learn("https://www.contoh.id/berita/12345/kabar")
    assert not shapes.is_article(short)
    shapes.learn("https://www.contoh.id/berita/12346/cuaca")
    assert shapes.is_article(short)
    assert not shapes.is_article("https://www.contoh.id/tag/7001/banjir")


def test_pattern_matches_its_samples_and_their_siblings_not_listings() -> None:
    samples = [
        "http://127.0.0.1:8000/news/read/4900101/harga-cabai-naik",
        "http://127.0.0.1:8000/bola/read/4900102/tim-menang-tipis",
    ]
    pattern = re.compile(article_pattern(samples, "127.0.0.1"))
    assert all(pattern.search(url) for url in samples)
    assert pattern.search("http://127.0.0.1:9999/tekno/read/77/ponsel-baru-dirilis")
    for url in (
        "http://127.0.0.1:8000/news/",
        "http://127.0.0.1:8000/tag/harga-cabai",
        "http://127.0.0.1:8000/news/read/4900101/harga-cabai-naik/komentar",
        "http://elsewhere.test/news/read/4900101/harga-cabai-naik",
    ):
        assert not pattern.search(url), url


def test_pattern_of_one_dated_sample_keeps_dates_and_subdomains() -> None:
    sample = "https://nasional.contoh.com/read/2016/02/16/14382361/Banjir-Rob-Di-Pesisir"
    pattern = re.compile(article_pattern([sample], "contoh.com"))
    assert pattern.search(sample)
    assert pattern.search("https://bola.contoh.com/read/2019/11/01/1/Gol-Di-Menit-Akhir")
    assert not pattern.search("https://bola.contoh.com/read/2019/11/Gol")


def test_pattern_of_mixed_depths_is_an_alternation() -> None:
    samples = [
        "https://contoh.id/read/123456/judul-satu-dua",
        "https://contoh.id/kanal/berita/2024-05-01/judul-tiga-empat",
        "https://contoh.id/kanal/berita/2024-05-02/judul-lima-enam",
    ]
    pattern = re.compile(article_pattern(samples, "contoh.id"))
    assert all(pattern.search(url) for url in samples)
    assert not pattern.search("https://contoh.id/kanal/berita/")


def test_article_pattern_needs_a_path() -> None:
    with pytest.raises(ValueError, match="no article URL"):
        article_pattern(["https://contoh.id/"], "contoh.id")


def test_sections_are_short_in_scope_paths_menu_first() -> None:
    html = """<html><body><header><nav>
      <a href="/news/">News</a><a href="/bisnis/">Bisnis</a><a href="/tag/banjir">#banjir</a>
      <a href="https://lain.test/news/">Lain</a><a href="https://bola.contoh.id/">Bola</a>
      <a href="/sitemap.xml">Peta</a><a href="/">Home</a>
    </nav></header><main><a href="/news/read/1234567/judul-berita-hari-ini">x</a>
      <a href="/tekno/">Tekno</a><a href="/tekno/?page=2">2</a></main></body></html>"""
    links = nav_links(html, "https://www.contoh.id/")
    assert links.index("https://www.contoh.id/bisnis/") < links.index(
        "https://www.contoh.id/tekno/"
    )

    def in_scope(host: str) -> bool:
        return host.endswith("contoh.id")

    assert section_links(links, "https://www.contoh.id/", in_scope, 12) == [
        "https://www.contoh.id/news/",
        "https://www.contoh.id/bisnis/",
        "https://www.contoh.id/tekno/",
    ]
    assert section_links(links, "https://www.contoh.id/", in_scope, 1) == [
        "https://www.contoh.id/news/"
    ]


def test_feed_links_are_the_announced_rss_and_atom() -> None:
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
      <link rel="alternate" hreflang="en" href="/en/">
      <link rel="stylesheet" type="text/css" href="/a.css"></head></html>"""
    assert feed_links(html, "https://contoh.id/berita/") == [
        "https://contoh.id/rss.xml",
        "https://contoh.id/berita/atom.xml",
    ]


# --- page kinds -----------------------------------------------------------------------------

PARAGRAPH = (
    "Warga kota berkumpul di alun-alun sejak pagi untuk melihat pawai budaya tahunan bersama."
)


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_json_ld_news_article_is_an_article() -> None:
    block = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "X"})
    kind = page_kind(_page(f'<script type="application/ld+json">{block}</script>'))
    assert kind.article and "JSON-LD" in kind.reason


def test_og_type_article_is_an_article() -> None:
    assert page_kind(_page('<meta property="og:type" content="article">')).article


def test_a_headline_over_paragraphs_is_an_article() -> None:
    body = "<h1>Pawai</h1><div>" + f"<p>{PARAGRAPH}</p>" * 4 + "</div>"
    assert page_kind(_page(body=body)).article


def test_teasers_one_per_item_are_a_listing() -> None:
    items = "".join(
        f"<li><h2><a href='/a{n}'>Judul</a></h2><p>{PARAGRAPH}</p></li>" for n in range(9)
    )
    kind = page_kind(
        _page('<meta property="og:type" content="website">', f"<h1>Kanal</h1><ul>{items}</ul>")
    )
    assert not kind.article


def test_linked_paragraphs_and_no_headline_are_not_articles() -> None:
    linked = f"<div>{f'<p><a href=/x>{PARAGRAPH}</a></p>' * 5}</div>"
    assert not page_kind(_page(body=f"<h1>Menu</h1>{linked}")).article
    assert not page_kind(_page(body=f"<div>{f'<p>{PARAGRAPH}</p>' * 5}</div>")).article
