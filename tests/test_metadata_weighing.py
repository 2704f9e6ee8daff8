"""The generic layer weighs a page's sources for title, dates and authors: one test per kind of
fault seen on pages of sites without a site file (pages written here, in the sites' manner)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crawler.extraction.datesources import DateSources, choose_dates, repair_metadata
from crawler.extraction.titles import choose_title
from crawler.items import Article
from crawler.processing import generic_site, process_page
from pipelines.authors import parse_credits

URL = "https://warta.example.id/musik/read/4121/band-lokal-rilis-album-kedua"
TITLE = "Band Lokal Rilis Album Kedua Setelah Lima Tahun"
TEXT = "".join(
    f"<p>Kalimat {n} berita tentang band lokal yang merilis album kedua mereka pekan ini.</p>"
    for n in range(1, 6)
)


def jsonld(**fields: Any) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def meta(name: str, content: str) -> str:
    return f'<meta property="{name}" content="{content}">'


def generic(head: str, body: str, url: str = URL) -> Article:
    page = f'<html lang="id"><head>{head}</head><body>{body}</body></html>'.encode()
    return process_page(page, url, generic_site(url)).item


# --- dates -----------------------------------------------------------------------------------


def test_a_sign_flipped_offset_is_read_as_the_sites_zone() -> None:
    assert repair_metadata("2024-05-02T14:20:00-07:00", tz="Asia/Jakarta") == (
        "2024-05-02T14:20:00+07:00"
    )
    assert repair_metadata("2024-05-02T14:20:00-07:00", tz="UTC") == "2024-05-02T14:20:00-07:00"


def test_updated_metadata_with_a_flipped_sign_agrees_with_the_visible_wib_update() -> None:
    article = generic(
        jsonld(
            headline=TITLE,
            datePublished="2024-05-02T09:00:00+07:00",
            dateModified="2024-05-02T14:20:31-07:00",
        ),
        f"<h1>{TITLE}</h1>"
        '<div class="date">Kamis, 2 Mei 2024 09:00 WIB</div>'
        '<div class="date">Diperbarui Kamis, 2 Mei 2024 14:20 WIB</div>'
        f"<article>{TEXT}</article>",
    )
    assert article.updated == "2024-05-02T14:20:31+07:00"
    assert article.field_sources["updated"] == "byline"


def test_updated_metadata_with_a_flipped_sign_alone_is_repaired() -> None:
    article = generic(
        jsonld(
            headline=TITLE,
            datePublished="2024-05-02T09:00:00+07:00",
            dateModified="2024-05-02T14:20:00-07:00",
        ),
        f"<h1>{TITLE}</h1><article>{TEXT}</article>",
    )
    assert article.updated == "2024-05-02T14:20:00+07:00"


def test_a_visible_update_beats_a_json_ld_modified_time_that_says_otherwise() -> None:
    article = generic(
        jsonld(
            headline=TITLE,
            datePublished="2024-05-02T09:00:00+07:00",
            dateModified="2024-05-02T08:41:07+07:00",
        ),
        f"<h1>{TITLE}</h1>"
        '<p class="date-publish">pada 2 Mei 2024, 09:00 WIB</p>'
        '<p class="date-update">Diperbarui 2 Mei 2024, 11:45 WIB</p>'
        f"<article>{TEXT}</article>",
    )
    assert article.published == "2024-05-02T09:00:00+07:00"
    assert article.updated == "2024-05-02T11:45:00+07:00"
    assert article.field_sources["updated"] == "byline"


def test_a_shown_update_earlier_than_publication_is_not_taken() -> None:
    chosen = choose_dates(
        DateSources(
            metadata_published=[("jsonld", "2024-05-02T09:00:00+07:00")],
            guessed=["Diperbarui 1 Mei 2024, 11:45 WIB"],
        ),
        "Asia/Jakarta",
    )
    assert chosen.updated is None


def test_metadata_sources_that_agree_outweigh_the_one_that_does_not() -> None:
    chosen = choose_dates(
        DateSources(
            metadata_published=[
                ("jsonld", "2024-05-02T09:00:00Z"),
                ("meta", "2024-05-02T09:00:00+07:00"),
                ("itemprop", "2024-05-02T09:00:00+0700"),
            ]
        ),
        "Asia/Jakarta",
    )
    assert (chosen.published, chosen.published_source) == ("2024-05-02T09:00:00+07:00", "meta")


def test_day_only_metadata_keeps_the_visible_time_of_that_day() -> None:
    article = generic(
        meta("article:published_time", "2024-05-02"),
        f"<h1>{TITLE}</h1><span>Kamis, 02 Mei 2024 13:37</span><article>{TEXT}</article>",
    )
    assert article.published == "2024-05-02T13:37:00+07:00"
    assert article.field_sources["published"] == "byline"


def test_a_visible_time_of_another_day_does_not_replace_day_only_metadata() -> None:
    article = generic(
        meta("article:published_time", "2024-05-02"),
        f"<h1>{TITLE}</h1><span>Jumat, 03 Mei 2024 13:37</span><article>{TEXT}</article>",
    )
    assert article.published == "2024-05-02T00:00:00+07:00"
    assert article.field_sources["published"] == "meta"


def test_a_date_under_a_headline_set_in_h2_is_found() -> None:
    article = generic(
        meta("og:title", f"{TITLE} - Warta Contoh"),
        f"<h1>Musik</h1><div><h2>{TITLE}</h2><div>Kamis, 2 Mei 2024 | 21:04 WIB</div></div>{TEXT}",
    )
    assert article.title == TITLE
    assert article.published == "2024-05-02T21:04:00+07:00"


def test_a_headline_in_a_plain_element_leads_to_its_date_not_a_teasers() -> None:
    teasers = "".join(
        f'<li><a href="/read/{n}/">{text}</a></li><li class="date">Kamis, 2 Mei 2024 | 2{n}:10</li>'
        for n, text in enumerate([TITLE, "Berita Lain Hari Ini"])
    )
    article = generic(
        meta("og:title", TITLE),
        f"<ul>{teasers}</ul><div class='judul'>{TITLE}</div>"
        f"<div class='waktu'>Thursday, 02 May, 2024 | 07:28 WIB</div><article>{TEXT}</article>",
    )
    assert article.published == "2024-05-02T07:28:00+07:00"


def test_a_month_first_date_by_the_headline_is_found() -> None:
    article = generic(
        meta("og:title", TITLE),
        f"<h1>{TITLE}</h1><div>Kantor Berita | Thu, May 2 2024, 7:36 AM</div>{TEXT}",
    )
    assert article.published == "2024-05-02T07:36:00+07:00"


# --- title -----------------------------------------------------------------------------------


def test_the_h1_beats_an_og_title_with_a_section_prefix() -> None:
    article = generic(
        meta("og:title", f"Musik - {TITLE} | Warta Contoh") + f"<title>{TITLE} | Warta</title>",
        f"<h1>{TITLE}</h1><article>{TEXT}</article>",
    )
    assert article.title == TITLE
    assert article.field_sources["title"] == "h1"


def test_a_section_prefix_goes_when_another_source_says_the_headline_alone() -> None:
    title, source = choose_title(
        [], [("og", f"Musik - {TITLE}"), ("title_tag", f"{TITLE} | Warta")], ["warta.example.id"]
    )
    assert (title, source) == (TITLE, "og")


def test_a_section_prefix_goes_when_it_names_the_pages_section() -> None:
    title, _ = choose_title([], [("og", f"Musik - {TITLE}")], [], sections=["musik"])
    assert title == TITLE


def test_a_headline_with_its_own_dash_keeps_it() -> None:
    headline = "Tol Baru - Jalur Alternatif Mudik"
    title, _ = choose_title([], [("og", headline)], ["warta.example.id"], sections=["berita"])
    assert title == headline


def test_a_site_named_by_its_registered_domain_is_stripped() -> None:
    title, _ = choose_title([], [("og", f"{TITLE} - Warta.com Musik")], ["musik.warta.com"])
    assert title == TITLE


def test_an_h1_beats_metadata_cut_short() -> None:
    title, source = choose_title([TITLE], [("og", TITLE[:30] + "...")], ["warta.example.id"])
    assert (title, source) == (TITLE, "h1")


def test_an_h1_that_no_source_confirms_is_not_the_title() -> None:
    title, source = choose_title(["Musik"], [("og", f"{TITLE} | Warta")], ["warta.example.id"])
    assert (title, source) == (TITLE, "og")


# --- authors ---------------------------------------------------------------------------------


def test_reporter_and_editor_lines_at_the_foot_credit_the_reporter_only() -> None:
    article = generic(
        jsonld(headline=TITLE, author={"@type": "Person", "name": "Sari Lestari"}),
        f"<h1>{TITLE}</h1><article>{TEXT}<p>Reporter : Budi Santoso</p>"
        "<p>Editor: Sari Lestari</p></article>",
    )
    assert article.authors == ["Budi Santoso"]
    assert {(c.name, c.role) for c in article.credits} >= {
        ("Budi Santoso", "reporter"),
        ("Sari Lestari", "editor"),
    }
    assert article.field_sources["authors"] == "credit_line"


def test_credits_in_the_articles_footer_count_and_the_pages_footer_does_not() -> None:
    article = generic(
        jsonld(headline=TITLE),
        f"<article><h1>{TITLE}</h1>{TEXT}<footer>Penulis: Dewi Anggraini</footer></article>"
        "<footer><p>Penulis: Tim Redaksi Warta</p></footer>",
    )
    assert article.authors == ["Dewi Anggraini"]


def test_a_credit_table_under_the_text_is_read_row_by_row() -> None:
    article = generic(
        jsonld(headline=TITLE),
        f"<h1>{TITLE}</h1><article>{TEXT}</article><table><tr><td>Penulis</td>"
        "<td>: Dewi Anggraini</td></tr><tr><td>Editor</td><td>: Agus Salim</td></tr></table>",
    )
    assert article.authors == ["Dewi Anggraini"]


def test_an_editor_named_as_author_in_metadata_stays_an_editor() -> None:
    article = generic(
        jsonld(headline=TITLE, author={"@type": "Person", "name": "Agus Salim"}),
        f"<h1>{TITLE}</h1><article>{TEXT}</article><div>Editor: Agus Salim</div>",
    )
    assert article.authors == []


@pytest.mark.parametrize(
    "byline",
    [
        '<span itemprop="author">Rudi Hartono</span>',
        '<a rel="author" href="/penulis/rudi">Rudi Hartono</a>',
        '<div class="news-writer">Rudi Hartono</div>',
    ],
)
def test_bylines_in_markup_named_for_authors(byline: str) -> None:
    article = generic(jsonld(headline=TITLE), f"<h1>{TITLE}</h1>{byline}<article>{TEXT}</article>")
    assert article.authors == ["Rudi Hartono"]
    assert article.field_sources["authors"] == "byline"


def test_an_oleh_line_by_the_headline() -> None:
    article = generic(
        jsonld(headline=TITLE), f"<h1>{TITLE}</h1><p>Oleh Rudi Hartono</p><article>{TEXT}</article>"
    )
    assert article.authors == ["Rudi Hartono"]


def test_a_bold_name_closing_the_text_is_the_writer() -> None:
    article = generic(
        jsonld(headline=TITLE),
        f"<h1>{TITLE}</h1><article>{TEXT}<p>Album itu dirilis lewat label independen di kota "
        "mereka sendiri, kata sang vokalis.<br><br><strong>RUDI HARTONO</strong></p></article>",
    )
    assert article.authors == ["RUDI HARTONO"]
    assert article.field_sources["authors"] == "body_foot"
    assert "RUDI HARTONO" not in (article.body or "")


def test_a_bold_prompt_closing_the_text_is_no_writer() -> None:
    article = generic(
        jsonld(headline=TITLE),
        f"<h1>{TITLE}</h1><article>{TEXT}<p>Album itu dirilis lewat label independen di kota "
        "mereka sendiri, kata sang vokalis.<br><b>Simak Video Berikut Ini</b></p></article>",
    )
    assert article.authors == []


def test_an_outlet_slash_person_credit_splits() -> None:
    credits = parse_credits("WARTA.com/RUDI HARTONO")
    assert [(c.name, c.kind) for c in credits] == [
        ("RUDI HARTONO", "person"),
        ("WARTA.com", "organization"),
    ]


def test_a_social_handle_is_not_a_byline() -> None:
    article = generic(
        jsonld(headline=TITLE),
        f'<h1>{TITLE}</h1><span class="author">Twitter @wartacontoh</span><article>{TEXT}'
        "</article><table><tr><td>Penulis</td><td>: Dewi Anggraini</td></tr></table>",
    )
    assert article.authors == ["Dewi Anggraini"]
    assert parse_credits("Twitter @wartacontoh") == []


def test_a_web_team_credit_is_not_an_author() -> None:
    assert parse_credits("Web Design, Development") == []
    assert parse_credits("Web Design & Development - Biro TI Warta") == []


def test_the_publication_itself_credited_is_an_organisation_credit() -> None:
    (credit,) = parse_credits("oleh Warta.com")
    assert (credit.name, credit.kind, credit.role) == ("Warta.com", "organization", "author")
    article = generic(
        jsonld(headline=TITLE), f"<h1>{TITLE}</h1><p>oleh Warta.com</p><article>{TEXT}</article>"
    )
    assert article.authors == ["Warta.com"]


def test_a_date_after_a_credit_is_no_name() -> None:
    credits = parse_credits("Reporter : Budi Santoso | Jumat, 19 Jun 2015 03:40")
    assert [(c.name, c.role) for c in credits] == [("Budi Santoso", "reporter")]


def test_a_job_title_after_a_name_is_no_part_of_it() -> None:
    assert [c.name for c in parse_credits("Dewi Anggraini Jurnalis")] == ["Dewi Anggraini"]
