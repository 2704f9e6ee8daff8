"""Extraction: selector/JSON-LD/meta precedence, layouts, canonical URLs, pages, the demo site."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from crawler.demosite.manifest import ArticleTruth
from crawler.demosite.server import DemoServer
from crawler.extraction import (
    canonical_url,
    check_selectors,
    choose_layout,
    extract_article,
    merge_pages,
    normalise_url,
)
from crawler.items import Article, Image
from crawler.sites import SiteConfig, SiteConfigError, load_site, parse_site
from pipelines.authors import fill_authors
from pipelines.clean import clean_item
from pipelines.dates import fill_dates

URL = "https://www.example.co.id/news/read/101/banjir-jakarta"


def make_site(**extra: Any) -> SiteConfig:
    data: dict[str, Any] = {
        "name": "example",
        "domains": ["example.co.id"],
        "sitemaps": ["https://www.example.co.id/sitemap.xml"],
        "article_pattern": r"/read/\d+/",
        **extra,
    }
    return parse_site(data, Path("/seeds/example.toml"))


def page(head: str = "", body: str = "", url: str = URL, lang: str = "id") -> HtmlResponse:
    html = f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")


def jsonld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


NEWS_ARTICLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Judul dari JSON-LD",
    "description": "Ringkasan dari JSON-LD",
    "author": [{"@type": "Person", "name": "Rina Wulandari"}],
    "datePublished": "2022-02-03T08:03:00+07:00",
    "dateModified": "2022-02-03T09:15:00+07:00",
    "articleSection": "News",
    "keywords": "banjir, jakarta",
    "image": {"@type": "ImageObject", "url": "https://cdn.example.co.id/a.jpg"},
}
META = (
    '<meta property="og:title" content="Judul dari OpenGraph">'
    '<meta property="og:description" content="Ringkasan dari OpenGraph">'
    '<meta name="author" content="Redaksi Example">'
    '<meta property="article:published_time" content="2022-02-03T07:00:00+07:00">'
    '<meta property="article:modified_time" content="2022-02-03T07:30:00+07:00">'
    '<meta property="article:section" content="Metro">'
    '<meta property="og:image" content="https://cdn.example.co.id/og.jpg">'
)
BODY = (
    '<h1 class="judul">Judul dari halaman</h1>'
    '<span class="byline">Oleh Budi Santoso</span>'
    '<time class="tgl">Kamis, 03 Feb 2022, 08:03 WIB</time>'
    '<div class="isi"><p><b>Example.co.id, Jakarta -</b> Banjir merendam 30 RT.</p>'
    "<p>Warga mengungsi ke masjid.</p></div>"
)
SELECTORS = {
    "title": "h1.judul",
    "authors": "span.byline",
    "published": "time.tgl",
    "body": "div.isi > p",
}


def test_site_selectors_win_over_jsonld_and_meta() -> None:
    article = extract_article(
        page(jsonld(NEWS_ARTICLE) + META, BODY), make_site(selectors=SELECTORS)
    )
    assert article.title == "Judul dari halaman"
    assert article.authors_raw == ["Oleh Budi Santoso"]
    assert article.published_raw == "Kamis, 03 Feb 2022, 08:03 WIB"
    assert article.paragraphs == [
        "Example.co.id, Jakarta - Banjir merendam 30 RT.",
        "Warga mengungsi ke masjid.",
    ]
    assert article.body == "\n\n".join(article.paragraphs)
    assert article.word_count == 11


def test_jsonld_fills_what_the_selectors_do_not_give_and_wins_over_meta() -> None:
    article = extract_article(
        page(jsonld(NEWS_ARTICLE) + META, BODY), make_site(selectors=SELECTORS)
    )
    assert article.description == "Ringkasan dari JSON-LD"
    assert article.updated_raw == "2022-02-03T09:15:00+07:00"
    assert article.section == "News"
    assert article.tags == ["banjir", "jakarta"]
    assert article.images == [Image(url="https://cdn.example.co.id/a.jpg")]


def test_meta_is_the_last_resort() -> None:
    article = extract_article(page(META), make_site())
    assert article.title == "Judul dari OpenGraph"
    assert article.description == "Ringkasan dari OpenGraph"
    assert article.authors_raw == ["Redaksi Example"]
    assert article.published_raw == "2022-02-03T07:00:00+07:00"
    assert article.updated_raw == "2022-02-03T07:30:00+07:00"
    assert article.section == "Metro"
    assert article.images == [Image(url="https://cdn.example.co.id/og.jpg")]


def test_microdata_values_are_read_when_no_meta_gives_them() -> None:
    body = (
        '<h1 itemprop="headline">Judul mikrodata</h1>'
        '<time itemprop="datePublished" datetime="2016-02-16 09:10:56">16 Feb 2016</time>'
        '<div itemprop="articleBody"><p>Satu.</p><p>Dua.</p></div>'
    )
    article = extract_article(page(body=body), make_site())
    assert article.title == "Judul mikrodata"
    assert article.published_raw == "2016-02-16 09:10:56"
    assert article.paragraphs == ["Satu.", "Dua."]


def test_jsonld_article_is_found_inside_graph_and_lists() -> None:
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, NEWS_ARTICLE]}
    in_list = [{"@type": "BreadcrumbList"}, {**NEWS_ARTICLE, "@type": "ReportageNewsArticle"}]
    for data in (graph, in_list):
        article = extract_article(page(jsonld(data)), make_site())
        assert article.title == "Judul dari JSON-LD"
        assert article.authors_raw == ["Rina Wulandari"]


def test_broken_jsonld_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    with caplog.at_level(logging.WARNING):
        article = extract_article(page(broken + META), make_site())
    assert article.title == "Judul dari OpenGraph"
    assert any("JSON-LD" in r.message and URL in r.message for r in caplog.records)


def test_jsonld_with_raw_newlines_and_trailing_commas_is_repaired() -> None:
    text = '{"@type": "NewsArticle", "headline": "Baris\nbaru", "author": {"name": "A"},}'
    block = f'<script type="application/ld+json">{text}</script>'
    article = extract_article(page(block), make_site())
    assert article.title == "Baris baru"
    assert article.authors_raw == ["A"]


def test_layout_is_chosen_by_its_match_selector() -> None:
    site = make_site(
        layouts=[
            {"name": "lama", "match": "div.lama", "selectors": {"title": "div.lama h2"}},
            {"name": "baru", "match": "article.baru", "selectors": {"title": "article h1"}},
        ],
        selectors={"title": "h3"},
    )
    old = page(body='<div class="lama"><h2>Versi lama</h2></div><h3>bawaan</h3>')
    new = page(body='<article class="baru"><h1>Versi baru</h1></article><h3>bawaan</h3>')
    other = page(body="<h3>Tata letak bawaan</h3>")
    assert extract_article(old, site).title == "Versi lama"
    assert extract_article(new, site).title == "Versi baru"
    assert extract_article(other, site).title == "Tata letak bawaan"
    layout = choose_layout(other.selector, site)
    assert layout is not None and layout.name == "default"


def test_xpath_and_css_selectors_with_text_and_attribute_results() -> None:
    site = make_site(
        selectors={
            "title": "//h1/text()",
            "published": "time::attr(datetime)",
            "tags": "(//ul[@class='tags']//a)",
        }
    )
    body = (
        "<h1>Judul <em>miring</em> sekali</h1><time datetime='2022-02-03T08:03:00+07:00'>x</time>"
        "<ul class='tags'><li><a>Banjir</a></li><li><a>banjir</a></li><li><a>Jakarta</a></li></ul>"
    )
    article = extract_article(page(body=body), site)
    assert article.title == "Judul sekali"
    assert article.published_raw == "2022-02-03T08:03:00+07:00"
    assert article.tags == ["Banjir", "Jakarta"]


def test_text_of_elements_joins_inline_markup() -> None:
    site = make_site(selectors={"title": "h1"})
    article = extract_article(page(body="<h1>Judul <em>miring</em>\n sekali</h1>"), site)
    assert article.title == "Judul miring sekali"


def test_double_line_breaks_split_paragraphs_and_scripts_are_skipped() -> None:
    site = make_site(selectors={"body": "div.isi"})
    body = (
        '<div class="isi"><p>Satu.<br><br>Dua&nbsp;dan\ntiga.<br>Masih dua.</p>'
        "<script>var iklan = 1;</script><div>Empat.</div><!-- komentar -->Lima.</div>"
    )
    article = extract_article(page(body=body), site)
    assert article.paragraphs == ["Satu.", "Dua dan tiga. Masih dua.", "Empat.", "Lima."]


def test_figures_give_picture_and_caption() -> None:
    site = make_site(selectors={"images": "figure", "body": "p"})
    body = (
        '<figure><img src="/blank.png" data-src="/img/banjir.jpg">'
        "<figcaption>Warga mengungsi. (Foto: Dok)</figcaption></figure>"
        '<figure><img src="https://cdn.example.co.id/b.jpg"></figure>'
        "<p>Teks.</p>"
    )
    article = extract_article(page(body=body), site)
    assert article.images == [
        Image("https://www.example.co.id/img/banjir.jpg", "Warga mengungsi. (Foto: Dok)"),
        Image("https://cdn.example.co.id/b.jpg", None),
    ]


def test_captions_pair_with_image_addresses_and_leave_the_body() -> None:
    site = make_site(
        selectors={
            "images": "div.foto img::attr(src)",
            "captions": "div.foto span.ket",
            "body": "div.isi > *",
        }
    )
    body = (
        '<div class="isi"><p>Teks satu.</p>'
        '<div class="foto"><img src="/a.jpg"><span class="ket">Keterangan A</span></div>'
        "<p>Teks dua.</p></div>"
    )
    article = extract_article(page(body=body), site)
    assert article.images == [Image("https://www.example.co.id/a.jpg", "Keterangan A")]
    assert article.paragraphs == ["Teks satu.", "Teks dua."]


def test_language_from_html_lang_else_the_site() -> None:
    assert extract_article(page(lang="id-ID"), make_site()).language == "id-ID"
    html = b"<html><head></head><body></body></html>"
    response = HtmlResponse(url=URL, body=html, encoding="utf-8")
    assert extract_article(response, make_site(language="jv")).language == "jv"


def test_invalid_selector_names_file_layout_and_field() -> None:
    site = make_site(selectors={"title": "h1[["})
    with pytest.raises(SiteConfigError, match=r"example\.toml.*default.*title"):
        extract_article(page(body="<h1>x</h1>"), site)
    with pytest.raises(SiteConfigError, match="title"):
        check_selectors(site)


def test_shipped_site_selectors_compile() -> None:
    for name in ("liputan6", "demo"):
        check_selectors(load_site(name))


# --- canonical URL ---------------------------------------------------------------------------


def test_canonical_link_on_own_domain_is_the_key() -> None:
    head = '<link rel="canonical" href="https://m.example.co.id/news/read/101/banjir-jakarta">'
    article = extract_article(page(head, url=URL + "?utm_source=feed"), make_site())
    assert article.canonical_url == "https://m.example.co.id/news/read/101/banjir-jakarta"
    assert article.url == URL + "?utm_source=feed"


def test_og_url_is_used_when_there_is_no_canonical_link() -> None:
    head = '<meta property="og:url" content="/news/read/101/banjir-jakarta?page=1#top">'
    article = extract_article(page(head), make_site())
    assert article.canonical_url == "https://www.example.co.id/news/read/101/banjir-jakarta?page=1"


@pytest.mark.parametrize(
    "candidate",
    [
        "https://other-site.com/news/read/101/banjir-jakarta",
        "http://https/www.example.co.id/news/read/101/banjir-jakarta",
        "javascript:void(0)",
        "ftp://www.example.co.id/x",
        "https://www.example.co.id:notaport/x",
        "https://www.example.co.id/with space",
        "",
    ],
)
def test_invalid_or_foreign_canonical_falls_back_to_the_fetched_url(candidate: str) -> None:
    fetched = "https://www.example.co.id/news/read/101/banjir?utm_medium=rss&b=2&a=1&fbclid=X#c"
    assert canonical_url([candidate], fetched, make_site()) == (
        "https://www.example.co.id/news/read/101/banjir?a=1&b=2"
    )


def test_tracking_parameters_leave_the_page_canonical_too() -> None:
    candidate = "https://www.example.co.id/read/1/x?id=7&utm_campaign=rss"
    assert canonical_url([candidate], URL, make_site()) == "https://www.example.co.id/read/1/x?id=7"


def test_normalise_url_sorts_query_and_drops_tracking_and_fragment() -> None:
    assert normalise_url("HTTPS://WWW.Example.co.id/a?z=1&utm_source=x&a=2#f") == (
        "https://www.example.co.id/a?a=2&z=1"
    )


# --- multi-page articles ---------------------------------------------------------------------


def test_merge_pages_joins_paragraphs_and_pictures_in_order() -> None:
    first = Article(
        url=URL,
        site="example",
        title="Judul",
        paragraphs=["Satu.", "Dua."],
        images=[Image("https://cdn/a.jpg", "A")],
        tags=["banjir"],
        authors_raw=["Oleh Budi"],
    )
    second = Article(
        url=URL + "?page=2",
        site="example",
        title="Judul",
        paragraphs=["Tiga."],
        images=[Image("https://cdn/a.jpg", "A"), Image("https://cdn/b.jpg", "B")],
        tags=["Banjir", "jakarta"],
    )
    third = Article(url=URL + "?page=3", site="example", paragraphs=["Empat kata di sini."])
    merged = merge_pages(first, [second, third])
    assert merged.paragraphs == ["Satu.", "Dua.", "Tiga.", "Empat kata di sini."]
    assert merged.body == "Satu.\n\nDua.\n\nTiga.\n\nEmpat kata di sini."
    assert merged.word_count == 7
    assert merged.images == [Image("https://cdn/a.jpg", "A"), Image("https://cdn/b.jpg", "B")]
    assert merged.tags == ["banjir", "jakarta"]
    assert merged.pages == 3
    assert merged.url == URL
    assert first.pages == 1 and first.paragraphs == ["Satu.", "Dua."]


# --- the generated demo site -----------------------------------------------------------------


def extract_demo_article(server: DemoServer, truth: ArticleTruth) -> Article:
    site = load_site("demo")
    pages = []
    for target in truth.page_paths:
        url = server.origin + target
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
        pages.append(extract_article(HtmlResponse(url=url, body=body), site))
    article = merge_pages(pages[0], pages[1:])
    item = ItemAdapter(article)
    clean_item(item, site.boilerplate)
    fill_dates(item, site.timezone)
    fill_authors(item)
    return article


def test_demo_articles_match_the_generator_manifest(demo_server: DemoServer) -> None:
    for truth in demo_server.manifest.live():
        article = extract_demo_article(demo_server, truth)
        origin = demo_server.origin
        assert article.title == truth.title, truth.path
        assert article.description == truth.description, truth.path
        assert article.canonical_url == truth.url(origin), truth.path
        assert article.published == truth.published, truth.path
        assert article.updated == truth.updated, truth.path
        assert article.authors == truth.authors, truth.path
        assert article.dateline == truth.dateline, truth.path
        assert article.paragraphs == truth.text_after_dateline, truth.path
        assert article.section == truth.section, truth.path
        assert article.tags == truth.tags, truth.path
        assert article.pages == truth.pages, truth.path
        assert [(i.url, i.caption) for i in article.images] == [
            (i.url(origin), i.caption) for i in truth.images
        ], truth.path
