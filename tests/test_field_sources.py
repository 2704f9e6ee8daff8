"""``field_sources``: which source decided each field, from extraction through the item steps
to the JSON Lines line and the Parquet row."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from itemadapter import ItemAdapter
from scrapy.exporters import JsonLinesItemExporter

from crawler.extraction import extract_article, merge_pages
from crawler.items import SOURCE_LABELS, Article
from crawler.parquet import ParquetItemExporter, item_rows
from crawler.processing import generic_site, page_response, process_page
from crawler.sites import SiteConfig, parse_site
from pipelines.authors import fill_authors
from pipelines.dates import dates_step
from pipelines.steps import StepStats

URL = "https://kabar.example.id/berita/read/77/jembatan-baru-dibuka"


def html(head: str = "", body: str = "") -> bytes:
    return f'<html lang="id"><head>{head}</head><body>{body}</body></html>'.encode()


def jsonld(**fields: Any) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


TEXT = "".join(
    f"<p>Paragraf {n} tentang jembatan baru yang dibuka untuk warga kota pagi ini.</p>"
    for n in range(1, 5)
)


def generic(page: bytes, url: str = URL) -> Article:
    return process_page(page, url, generic_site(url)).item


def with_layout(selectors: dict[str, str]) -> SiteConfig:
    return parse_site(
        {
            "name": "kabar",
            "domains": ["kabar.example.id"],
            "article_pattern": r"/read/\d+/",
            "start_urls": ["https://kabar.example.id/"],
            "selectors": selectors,
        },
        Path("/seeds/kabar.toml"),
    )


def test_site_file_selectors_are_recorded_as_selector() -> None:
    page = html(
        jsonld(headline="Judul Metadata", datePublished="2024-03-05T08:00:00+07:00"),
        '<h2 class="judul">Jembatan Baru Dibuka</h2><span class="tgl">5 Maret 2024 08:00 WIB</span>'
        f'<span class="nama">Rina Wulandari</span><div class="isi">{TEXT}</div>',
    )
    site = with_layout(
        {"title": "h2.judul", "published": "span.tgl", "authors": "span.nama", "body": "div.isi p"}
    )
    article = process_page(page, URL, site).item
    assert article.title == "Jembatan Baru Dibuka"
    assert article.field_sources["title"] == "selector"
    assert article.field_sources["published"] == "selector"
    assert article.field_sources["authors"] == "selector"
    assert article.field_sources["body"] == "selector"


def test_generic_sources_name_the_source_that_won_each_field() -> None:
    page = html(
        jsonld(
            headline="Jembatan Baru Dibuka",
            datePublished="2024-03-05T08:00:00+07:00",
            dateModified="2024-03-05T10:15:00+07:00",
        )
        + '<meta property="og:title" content="Jembatan Baru Dibuka | Kabar Contoh">'
        + '<meta name="author" content="Rina Wulandari">',
        f"<h1>Jembatan Baru Dibuka</h1><article>{TEXT}</article>",
    )
    article = generic(page)
    assert article.title == "Jembatan Baru Dibuka"
    assert article.authors == ["Rina Wulandari"]
    sources = article.field_sources
    assert sources["title"] == "h1"
    assert sources["published"] == "jsonld"
    assert sources["updated"] == "jsonld"
    assert sources["authors"] == "meta"
    assert set(sources.values()) <= set(SOURCE_LABELS)


def test_a_field_without_a_value_has_no_source() -> None:
    article = generic(html("", f"<h1>Jembatan Baru Dibuka</h1>{TEXT}"))
    assert article.updated is None and "updated" not in article.field_sources
    assert not article.authors and "authors" not in article.field_sources


def test_the_dates_step_records_the_sitemap_when_the_page_gives_no_date() -> None:
    item = ItemAdapter(
        Article(
            url=URL,
            site="kabar",
            published_raw="bukan tanggal",
            sitemap_published_raw="2024-03-05T08:00:00+07:00",
            field_sources={"published": "byline"},
        )
    )
    dates_step(item, None, StepStats())
    assert item["published"] == "2024-03-05T08:00:00+07:00"
    assert item["field_sources"]["published"] == "sitemap"


def test_the_authors_step_drops_the_source_of_an_editor_only_credit() -> None:
    item = ItemAdapter(
        Article(
            url=URL,
            site="kabar",
            authors_raw=["Editor: Dodi Pranata", "Dodi Pranata"],
            field_sources={"authors": "jsonld"},
        )
    )
    fill_authors(item)
    assert item["authors"] == []
    assert "authors" not in item["field_sources"]


def test_a_dateline_taken_from_the_body_is_recorded_as_body() -> None:
    text = "<p>BANDUNG, Kabar Contoh - Jembatan baru dibuka untuk warga kota pagi ini.</p>" + TEXT
    article = generic(html(jsonld(headline="Jembatan Baru Dibuka"), f"<article>{text}</article>"))
    assert article.dateline
    assert article.field_sources["dateline"] == "body"


def test_merged_pages_keep_the_source_of_the_page_that_gave_a_field() -> None:
    first = Article(url=URL, site="kabar", title="Judul", field_sources={"title": "h1"})
    second = Article(
        url=URL + "?page=2",
        site="kabar",
        published_raw="2024-03-05T08:00:00+07:00",
        field_sources={"published": "jsonld"},
    )
    merged = merge_pages(first, [second])
    assert merged.field_sources == {"title": "h1", "published": "jsonld"}


def test_extraction_alone_records_sources_too() -> None:
    page = html(jsonld(headline="Jembatan Baru Dibuka"), TEXT)
    article = extract_article(page_response(page, URL), generic_site(URL))
    assert article.field_sources["title"] == "jsonld"


def test_json_lines_and_parquet_carry_field_sources(tmp_path: Path) -> None:
    article = generic(
        html(jsonld(headline="Jembatan Baru Dibuka"), f"<h1>Jembatan Baru Dibuka</h1>{TEXT}")
    )
    buffer = io.BytesIO()
    exporter = JsonLinesItemExporter(buffer)
    exporter.export_item(article)
    line = json.loads(buffer.getvalue())
    assert line["field_sources"] == article.field_sources
    path = tmp_path / "rows.parquet"
    with path.open("wb") as file:
        parquet = ParquetItemExporter(file)
        parquet.start_exporting()
        parquet.export_item(article)
        parquet.finish_exporting()
    (row,) = item_rows(pq.read_table(path))
    assert row["field_sources"] == article.field_sources == {**line["field_sources"]}


def test_a_time_element_marked_pubdate_is_recorded_as_time() -> None:
    article = generic(
        html(
            jsonld(headline="Jembatan Baru Dibuka"),
            '<time pubdate datetime="2024-03-05T08:00:00+07:00">Selasa pagi</time>' + TEXT,
        )
    )
    assert article.published == "2024-03-05T08:00:00+07:00"
    assert article.field_sources["published"] == "time"


DATED_URL = "https://kabar.example.id/2024/03/05/jembatan-baru-dibuka"


def test_the_day_a_url_names_is_the_last_resort_for_published() -> None:
    story = "Jembatan baru dibuka untuk warga kota pagi ini.\n\nWarga menyambutnya."
    article = generic(
        html(jsonld(headline="Jembatan Baru Dibuka", articleBody=story), TEXT), DATED_URL
    )
    assert article.published == "2024-03-05T00:00:00+07:00"
    assert article.field_sources["published"] == "url"


def test_a_sitemap_date_beats_the_day_a_url_names() -> None:
    page = html(jsonld(headline="Jembatan Baru Dibuka"), TEXT)
    article = extract_article(page_response(page, DATED_URL), generic_site(DATED_URL))
    article.sitemap_published_raw = "2024-03-05T08:10:00+07:00"
    item = ItemAdapter(article)
    dates_step(item, None, StepStats())
    assert item["published"] == "2024-03-05T08:10:00+07:00"
    assert item["field_sources"]["published"] == "sitemap"
