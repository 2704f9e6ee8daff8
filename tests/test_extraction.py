"""Extraction: selector/JSON-LD/meta precedence, layouts, canonical URLs, pages, the demo site."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date
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
from crawler.sites import SEEDS_DIR, SiteConfig, SiteConfigError, load_site, parse_site
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
    # The shown date agrees with JSON-LD to the minute, so JSON-LD's value (seconds) is kept.
    assert article.published_raw == "2022-02-03T08:03:00+07:00"
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
    for path in sorted(SEEDS_DIR.glob("*.toml")):
        check_selectors(load_site(path.stem))


# --- body text: exclusions, related links, sub-headings, credits ------------------------------


def test_body_exclude_leaves_boxes_inside_the_body_out() -> None:
    site = make_site(selectors={"body": "div.isi", "body_exclude": "div.isi div.terkait, figure"})
    body = (
        '<div class="isi"><p>Satu.</p><div class="terkait"><h4>Berita Terkait</h4>'
        '<p>Judul lain</p></div><figure><img src="/a.jpg"><figcaption>Foto</figcaption></figure>'
        "<p>Dua.</p></div>"
    )
    assert extract_article(page(body=body), site).paragraphs == ["Satu.", "Dua."]


def test_related_article_link_lines_leave_the_body() -> None:
    site = make_site(selectors={"body": "div.isi"})
    body = (
        '<div class="isi"><p>Teks dengan <a href="/x">tautan</a> di tengah kalimat.</p>'
        '<p><strong>\u2022 <a href="/1">Judul berita lain yang ditautkan</a></strong></p>'
        '<p><a href="/2">Satu</a><br><a href="/3">Dua judul</a><br><a href="/4">Tiga</a></p>'
        "<p>Akhir.</p></div>"
    )
    assert extract_article(page(body=body), site).paragraphs == [
        "Teks dengan tautan di tengah kalimat.",
        "Akhir.",
    ]


def test_a_bold_line_inside_a_paragraph_is_a_sub_heading_of_its_own() -> None:
    site = make_site(selectors={"body": "div.isi"})
    body = (
        '<div class="isi"><p>Pembuka.<br><br><strong>Kurang Motivasi</strong><br>Isi bagian.'
        "<br><br><b>Jakarta</b> - bukan judul.</p></div>"
    )
    assert extract_article(page(body=body), site).paragraphs == [
        "Pembuka.",
        "Kurang Motivasi",
        "Isi bagian.",
        "Jakarta - bukan judul.",
    ]


def test_editors_are_credited_as_editors() -> None:
    site = make_site(selectors={"authors": "span.oleh", "editors": "span.editor"})
    body = '<span class="oleh">Budi</span><span class="editor">Ani</span>'
    assert extract_article(page(body=body), site).authors_raw == ["Budi", "Editor: Ani"]


def test_xpath_functions_select_part_of_a_text() -> None:
    site = make_site(selectors={"authors": "substring-before(//div[@class='byline'], ',')"})
    body = '<div class="byline">Agence France-Presse, CHARLESTON | World</div>'
    assert extract_article(page(body=body), site).authors_raw == ["Agence France-Presse"]


# --- layouts by capture date -----------------------------------------------------------------

DATED = {
    "layouts": [
        {"name": "lama", "valid_until": date(2016, 12, 31), "selectors": {"title": "h2"}},
        {"name": "baru", "valid_from": "2017-01-01", "selectors": {"title": "h1"}},
    ]
}
DATED_BODY = "<h1>Judul baru</h1><h2>Judul lama</h2>"


def test_layouts_are_chosen_by_the_capture_date() -> None:
    site = make_site(**DATED)
    assert extract_article(page(body=DATED_BODY), site, date(2015, 6, 1)).title == "Judul lama"
    assert extract_article(page(body=DATED_BODY), site, date(2020, 6, 1)).title == "Judul baru"
    # Unknown capture date: every layout is in the running, the first wins.
    assert extract_article(page(body=DATED_BODY), site).title == "Judul lama"


def test_the_http_date_of_a_replayed_capture_picks_its_layout() -> None:
    html = f"<html><body>{DATED_BODY}</body></html>".encode()
    headers = {"Date": "Tue, 16 Feb 2016 02:10:56 GMT"}
    old = HtmlResponse(url=URL, body=html, encoding="utf-8", headers=headers)
    assert extract_article(old, make_site(**DATED)).title == "Judul lama"
    headers = {"Date": "Mon, 20 Dec 2021 02:10:56 GMT"}
    new = HtmlResponse(url=URL, body=html, encoding="utf-8", headers=headers)
    assert extract_article(new, make_site(**DATED)).title == "Judul baru"


def test_layout_dates_and_site_flags_are_validated() -> None:
    site = make_site(z_is_local=True, authors={"organisations": ["detik\\w*"]})
    assert site.z_is_local
    assert site.organisations[0].fullmatch("detikNews")
    with pytest.raises(SiteConfigError, match=r"layouts\[0\]\.valid_from"):
        make_site(layouts=[{"valid_from": "kemarin", "selectors": {"title": "h1"}}])
    with pytest.raises(SiteConfigError, match="earlier than valid_from"):
        make_site(layouts=[{"valid_from": "2020-01-01", "valid_until": "2019-01-01"}])
    with pytest.raises(SiteConfigError, match=r"authors\.editors"):
        make_site(authors={"editors": ["x"]})


# --- dates: which source wins ----------------------------------------------------------------


def dated_page(shown: str, *metas: tuple[str, str], updated: str = "") -> HtmlResponse:
    head = "".join(f'<meta property="{key}" content="{value}">' for key, value in metas)
    body = f'<time class="tgl">{shown}</time><span class="upd">{updated}</span>'
    return page(head, body)


DATE_SELECTORS = {"published": "time.tgl", "updated": "span.upd"}


def dates_of(response: HtmlResponse, **site: Any) -> tuple[str | None, str | None]:
    article = extract_article(response, make_site(selectors=DATE_SELECTORS, **site))
    return article.published_raw, article.updated_raw


def test_metadata_agreeing_with_the_shown_date_gives_its_seconds() -> None:
    utc = dated_page("16 Feb 2016 at 09:10 WIB", ("article:published_time", "2016-02-16T02:10:56Z"))
    assert dates_of(utc)[0] == "2016-02-16T02:10:56Z"


def test_a_wrong_zone_on_the_right_wall_time_is_repaired() -> None:
    wrong_z = dated_page("Kamis, 05/11/2015 10:08 WIB", ("pubdate", "2015-11-05 T10:08:58Z"))
    assert dates_of(wrong_z)[0] == "2015-11-05 T10:08:58+07:00"
    dashed = dated_page("Selasa 16 Jun 2015, 14:05 WIB", ("pubdate", "2015-06-16T14-05-11Z"))
    assert dates_of(dashed, z_is_local=True)[0] == "2015-06-16T14:05:11"


def test_the_shown_date_wins_over_disagreeing_metadata() -> None:
    response = dated_page(
        "20/1/2026 18:30", ("article:published_time", "2026-01-20T18:33:13+07:00")
    )
    assert dates_of(response)[0] == "20/1/2026 18:30"


def test_without_a_shown_date_metadata_with_an_offset_wins() -> None:
    head = '<meta property="article:published_time" content="2017-02-17 13:30:08">' + jsonld(
        {"@type": "NewsArticle", "datePublished": "2017-02-17T13:30:08+07:00"}
    )
    assert extract_article(page(head), make_site()).published_raw == "2017-02-17T13:30:08+07:00"


def test_a_modified_date_before_publication_is_no_update() -> None:
    early = dated_page(
        "Kamis 09 Juli 2020 07:26 WIB",
        ("article:published_time", "2020-07-09T07:26:05+07:00"),
        ("article:modified_time", "2020-07-08T20:33:05+07:00"),
    )
    assert dates_of(early) == ("2020-07-09T07:26:05+07:00", None)
    later = dated_page(
        "Kamis 09 Juli 2020 07:26 WIB",
        ("article:published_time", "2020-07-09T07:26:05+07:00"),
        ("article:modified_time", "2020-07-09T09:00:00+07:00"),
    )
    assert dates_of(later)[1] == "2020-07-09T09:00:00+07:00"


def test_a_shown_update_wins_over_metadata() -> None:
    response = dated_page(
        "23 Jan 2021, 13:30 WIB",
        ("article:modified_time", "2021-01-23T13:11:14+07:00"),
        updated="Diperbarui 23 Jan 2021, 13:30 WIB",
    )
    assert dates_of(response)[1] == "Diperbarui 23 Jan 2021, 13:30 WIB"


# --- titles and the readable-text fallback ---------------------------------------------------


def test_a_metadata_title_loses_the_site_name() -> None:
    head = '<meta property="og:title" content="Jamaah Haji Ikuti Pemeriksaan | example.co.id">'
    assert extract_article(page(head), make_site()).title == "Jamaah Haji Ikuti Pemeriksaan"
    head = '<meta property="og:title" content="Harga 2 - 3 kali lipat">'
    assert extract_article(page(head), make_site()).title == "Harga 2 - 3 kali lipat"


def test_a_page_without_body_markup_gets_its_text_from_the_readable_fallback() -> None:
    pytest.importorskip("trafilatura")
    story = "".join(
        f"<p>Kalimat nomor {n} dari berita banjir yang merendam kampung di Jakarta Timur.</p>"
        for n in range(1, 9)
    )
    body = f"<nav><a href='/'>Beranda</a></nav><article><h1>Banjir Jakarta</h1>{story}</article>"
    article = extract_article(page(body=body), make_site())
    assert article.paragraphs[0].startswith("Kalimat nomor 1")
    assert article.paragraphs[-1].startswith("Kalimat nomor 8")
    assert "Beranda" not in (article.body or "")


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
