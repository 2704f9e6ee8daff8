"""Clean, authors and validate stages, their pure functions and their Scrapy glue."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.items import Article, Credit, Image
from pipelines.authors import (
    authors_of,
    authors_step,
    collect_credits,
    fill_authors,
    normalise_authors,
    parse_credits,
    split_byline,
)
from pipelines.clean import (
    clean_body,
    clean_item,
    clean_step,
    split_dateline,
    strip_sign_offs,
    take_credits,
)
from pipelines.fingerprint import fingerprint
from pipelines.steppipeline import StepsPipeline
from pipelines.validate import drop_reason, validate_step
from tests.test_dates import StepRunner, crawler_for

STORY = [
    "Liputan6.com, Jakarta - Banjir merendam 30 RT di Jakarta Timur.",
    "Baca Juga",
    "Warga mengungsi ke masjid terdekat.",
    "ADVERTISEMENT",
    "Scroll to continue with content",
    "BACA JUGA: Banjir Rob Landa Pesisir Utara",
    "Simak juga: Video Banjir Jakarta",
    "Lihat juga: Foto-foto Banjir",
    "Untuk mengetahui kebenaran informasi yang beredar, silakan WhatsApp ke nomor Cek Fakta "
    "0811 9787 670.",
    "Jangan sampai ketinggalan berita terkini, langganan newsletter kami sekarang!",
    "Petugas masih memompa air dari permukiman. (Mvi/Ali)",
]


# --- clean -----------------------------------------------------------------------------------


def test_built_in_boilerplate_leaves_and_dateline_moves() -> None:
    result = clean_body(STORY)
    assert result.paragraphs == [
        "Banjir merendam 30 RT di Jakarta Timur.",
        "Warga mengungsi ke masjid terdekat.",
        "Petugas masih memompa air dari permukiman.",
    ]
    assert result.dateline == "Liputan6.com, Jakarta"
    assert result.removed == 8


def test_site_patterns_add_to_the_built_in_ones() -> None:
    site = (re.compile(r"^Rate artikel ini$"), re.compile(r"^\d+ dari \d+ halaman$"))
    paragraphs = ["Isi berita.", "2 dari 3 halaman", "Rate artikel ini"]
    assert clean_body(paragraphs, site).paragraphs == ["Isi berita."]
    assert clean_body(["Isi berita.", "Rate artikel ini"]).paragraphs == [
        "Isi berita.",
        "Rate artikel ini",
    ]


def test_closing_widget_heading_takes_its_link_titles() -> None:
    paragraphs = [
        "Isi berita pertama.",
        "Isi berita kedua.",
        "Rekomendasi",
        "Harga Cabai Naik Jelang Ramadan",
        "Timnas Menang Tipis",
    ]
    assert clean_body(paragraphs).paragraphs == ["Isi berita pertama.", "Isi berita kedua."]


def test_widget_heading_inside_the_story_goes_alone() -> None:
    paragraphs = ["Isi berita.", "POPULER", "Lanjutan cerita yang panjang dan lengkap.", "Akhir."]
    assert clean_body(paragraphs).paragraphs == [
        "Isi berita.",
        "Lanjutan cerita yang panjang dan lengkap.",
        "Akhir.",
    ]
    assert clean_body(["Isi.", "Lanjutkan Membaca ↓"]).paragraphs == ["Isi."]
    assert clean_body(["Isi.", "Berita Terkini"]).paragraphs == ["Isi."]


def test_credit_lines_and_sign_offs_leave_the_body() -> None:
    paragraphs = ["Isi berita.", "Reporter: Afifah Cinthia Pasha", "Editor: Iskandar", "(Cas/Isk)"]
    assert clean_body(paragraphs).paragraphs == ["Isi berita."]


def test_credit_lines_join_the_bylines() -> None:
    paragraphs = ["Isi berita.", "Penulis", ": Ferril Dennys", "Editor : Aloysius Gonsaga AE"]
    assert take_credits(paragraphs) == (
        ["Isi berita."],
        ["Penulis: Ferril Dennys", "Editor : Aloysius Gonsaga AE"],
    )
    result = clean_body(
        ["Laporan Wartawan Tribunnews.com, Glery Lazuardi", "Isi.", "Sumber: Antara"]
    )
    assert result.paragraphs == ["Isi."]
    assert result.credits == ["Laporan Wartawan Tribunnews.com, Glery Lazuardi", "Sumber: Antara"]
    interview = ["Reporter: Apa rencana Anda setelah ini?", "Saya akan istirahat dulu."]
    assert take_credits(interview) == (interview, [])


@pytest.mark.parametrize(
    ("last", "text"),
    [
        ("Tiga dari 59 orang sudah dikarantina. (ren)", "Tiga dari 59 orang sudah dikarantina."),
        ("Harga naik tajam. (H-4)", "Harga naik tajam."),
        ("Tutup Jonan. (mca/hns)", "Tutup Jonan."),
        ("Ia kembali ke AS. [ian]", "Ia kembali ke AS."),
    ],
)
def test_closing_initials_and_codes_go(last: str, text: str) -> None:
    assert strip_sign_offs(["Awal.", last]) == (["Awal.", text], [])


def test_closing_names_are_credits_and_bylines_repeated_at_the_end_go() -> None:
    paragraphs = ["Awal.", "Jenazah ditemukan di Denpasar. (Luh Wayanti)"]
    assert strip_sign_offs(paragraphs) == (
        ["Awal.", "Jenazah ditemukan di Denpasar."],
        ["(Luh Wayanti)"],
    )
    assert strip_sign_offs(["Awal.", "Akhir.", "DINI TEJA"], ["DINI TEJA"]) == (
        ["Awal.", "Akhir."],
        ["DINI TEJA"],
    )
    assert strip_sign_offs(["Awal.", "Akhir. DINI TEJA"], ["DINI TEJA"]) == (
        ["Awal.", "Akhir."],
        ["DINI TEJA"],
    )
    assert strip_sign_offs(["Awal.", "(FHM)"]) == (["Awal."], [])
    assert strip_sign_offs(["Awal.", "Akhir bagian satu. (Bersambung)"]) == (
        ["Awal.", "Akhir bagian satu."],
        [],
    )
    # A parenthesis inside the sentence is text.
    assert strip_sign_offs(["Kata Ahok (Gubernur DKI)"]) == (["Kata Ahok (Gubernur DKI)"], [])


def test_clean_item_adds_credits_from_the_text_to_the_bylines() -> None:
    article = Article(
        url="u",
        site="s",
        authors_raw=["DINI TEJA"],
        paragraphs=["TEMPO.CO, Jakarta - Isi berita.", "Akhir berita.", "DINI TEJA", "Editor: Ani"],
    )
    clean_item(ItemAdapter(article))
    assert article.paragraphs == ["Isi berita.", "Akhir berita."]
    assert article.authors_raw == ["DINI TEJA", "Editor: Ani"]


@pytest.mark.parametrize(
    "paragraph",
    [
        "Read also:",
        "Cek berita dan artikel yg lain di Google News dan ikuti WhatsApp channel kami",
        "Halaman selanjutnya",
        "Ikuti perkembangan berita ini dalam topik:",
        "— The GRAMMYs (@TheGRAMMYs) February 16, 2016",
        "Taylor Swift memberikan standing ovation untuk Joey Alexander. Foto: Grammy",
        "Foto: Michael Agustinus/detikFinance",
    ],
)
def test_built_in_promo_caption_and_embed_lines_leave(paragraph: str) -> None:
    assert clean_body(["Isi berita.", paragraph, "Akhir berita."]).paragraphs == [
        "Isi berita.",
        "Akhir berita.",
    ]


def test_a_dateline_set_as_its_own_paragraph_moves_out() -> None:
    result = clean_body(["Jakarta -", "Galaxy S6 Edge adalah jagoan Samsung.", "Akhir."])
    assert result.dateline == "Jakarta"
    assert result.paragraphs == ["Galaxy S6 Edge adalah jagoan Samsung.", "Akhir."]
    # A short first paragraph ending in a dash that is not a dateline stays.
    kept = clean_body(["harga naik -", "Lanjutan."]).paragraphs
    assert kept == ["harga naik -", "Lanjutan."]


def test_picture_captions_leave_the_body() -> None:
    paragraphs = ["Isi berita.", "Warga mengungsi. (Foto: Dok)", "Lanjutan."]
    result = clean_body(paragraphs, captions=["Warga mengungsi. (Foto: Dok)"])
    assert result.paragraphs == ["Isi berita.", "Lanjutan."]


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("Liputan6.com, Jakarta - Indonesia memasuki fase.", "Liputan6.com, Jakarta", "Indonesia"),
        ("Demo.com, Jakarta - Harga cabai naik.", "Demo.com, Jakarta", "Harga"),
        ("Jakarta - Galaxy S6 Edge adalah jagoan.", "Jakarta", "Galaxy"),
        ("JAKARTA, KOMPAS.com - Menteri Yuddy mengancam.", "JAKARTA, KOMPAS.com", "Menteri"),
        ("KUTA, KOMPAS.com \u2014 Penyerang anyar Persib.", "KUTA, KOMPAS.com", "Penyerang"),
        ("TEMPO.CO, Jakarta - Organisasi Kesehatan Dunia.", "TEMPO.CO, Jakarta", "Organisasi"),
        ("VIVA.co.id - Otoritas Thailand.", "VIVA.co.id", "Otoritas"),
        ("JAKARTA \u2013 Mau membangun usaha?", "JAKARTA", "Mau"),
        ("REPUBLIKA.CO.ID, JAKARTA -- Aktris Marcella.", "REPUBLIKA.CO.ID, JAKARTA", "Aktris"),
        ("Jakarta, KompasOtomotif \u2013 Tahun depan.", "Jakarta, KompasOtomotif", "Tahun"),
        ("Liputan6.com, Washington D.C - Presiden AS.", "Liputan6.com, Washington D.C", "Presiden"),
        ("TRIBUNSOLO.COM, JAKARTA --Hingga kini.", "TRIBUNSOLO.COM, JAKARTA", "Hingga"),
        (
            "Bandarlampung, Lampung (ANTARA News) - Petugas Polda.",
            "Bandarlampung, Lampung (ANTARA News)",
            "Petugas",
        ),
    ],
)
def test_datelines(paragraph: str, dateline: str, rest: str) -> None:
    found, after = split_dateline(paragraph)
    assert found == dateline
    assert after.startswith(rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Pada hari pertama puasa, agenda Wakil Presiden tetap segudang.",
        "Harga 2-3 kali lipat - kata pedagang.",
        "Ahok menyebut rencana itu - yang belum final - akan diumumkan.",
    ],
)
def test_ordinary_first_paragraphs_have_no_dateline(paragraph: str) -> None:
    assert split_dateline(paragraph) == (None, paragraph)


def test_marked_up_dateline_without_a_dash_is_cut() -> None:
    paragraph = "Liputan6.com, Jakarta London Love Story, film kedua dari Screenplay."
    assert split_dateline(paragraph, "Liputan6.com, Jakarta") == (
        "Liputan6.com, Jakarta",
        "London Love Story, film kedua dari Screenplay.",
    )
    # A marked-up lead-in that is not where the paragraph starts is not a dateline.
    assert split_dateline("Kata Jakarta Utara.", "Jakarta") == (None, "Kata Jakarta Utara.")
    assert split_dateline("Jakartanya banjir.", "Jakarta") == (None, "Jakartanya banjir.")


def test_clean_item_recomputes_body_and_word_count() -> None:
    article = Article(
        url="https://example.co.id/read/1/a",
        site="example",
        paragraphs=list(STORY),
        body="\n\n".join(STORY),
        dateline="Liputan6.com, Jakarta -",
        images=[Image("https://cdn/a.jpg", "Warga mengungsi ke masjid terdekat.")],
    )
    removed = clean_item(ItemAdapter(article))
    assert article.paragraphs == [
        "Banjir merendam 30 RT di Jakarta Timur.",
        "Petugas masih memompa air dari permukiman.",
    ]
    assert article.body == "\n\n".join(article.paragraphs)
    assert article.word_count == 13
    assert article.dateline == "Liputan6.com, Jakarta"
    assert removed == 9


def test_clean_pipeline_uses_site_patterns_and_counts() -> None:
    crawler = crawler_for("Asia/Jakarta")
    item = Article(url="https://example.co.id/read/1/a", site="example", paragraphs=list(STORY))
    assert StepRunner(crawler, clean_step).process_item(item) is item
    assert crawler.stats.get_value("clean/paragraphs_removed") == 8
    assert crawler.stats.get_value("clean/datelines") == 1
    assert item.body is not None and item.body.startswith("Banjir merendam")


def test_clean_pipeline_accepts_dict_items() -> None:
    crawler = crawler_for(None)
    item = {"url": "https://example.co.id/read/1/a", "paragraphs": ["Isi.", "Baca Juga"]}
    StepRunner(crawler, clean_step).process_item(item)
    assert item["paragraphs"] == ["Isi."]
    assert item["body"] == "Isi."


# --- authors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Oleh Tommy Kurnia", ["Tommy Kurnia"]),
        ("oleh Rina Wulandari dan Budi Santoso", ["Rina Wulandari", "Budi Santoso"]),
        ("Oleh : Maya Sofia", ["Maya Sofia"]),
        ("Penulis: Nabilla Tashandra", ["Nabilla Tashandra"]),
        ("Reporter: Ani, Budi & Citra", ["Ani", "Budi", "Citra"]),
        ("Editor: Iskandar", ["Iskandar"]),
        ("By Agence France-Presse", ["Agence France-Presse"]),
        ("Budisantoso Budiman dan Agus S", ["Budisantoso Budiman", "Agus S"]),
        ("Liputan6.com", ["Liputan6.com"]),
        ("Oleh Demo.com", ["Demo.com"]),
        ("Corry Anestia (Cas/Isk)", ["Corry Anestia"]),
        ("DINI TEJA", ["DINI TEJA"]),
        ("Dandi Ramadhan", ["Dandi Ramadhan"]),
        ("Oleh", []),
    ],
)
def test_split_byline(byline: str, names: list[str]) -> None:
    assert split_byline(byline) == names


def test_authors_are_deduplicated_ignoring_case() -> None:
    bylines = ["Oleh Tommy Kurnia", "TOMMY KURNIA", "Tommy Kurnia dan Rina Wulandari"]
    assert normalise_authors(bylines) == ["Tommy Kurnia", "Rina Wulandari"]


@pytest.mark.parametrize(
    ("byline", "credits"),
    [
        ("Penulis: Nabilla Tashandra", [("Nabilla Tashandra", "person", "author")]),
        ("Reporter : Ramadhian Fadillah", [("Ramadhian Fadillah", "person", "reporter")]),
        ("Pewarta: Nur Imansyah", [("Nur Imansyah", "person", "reporter")]),
        ("Editor : Ervan Hardoko", [("Ervan Hardoko", "person", "editor")]),
        ("Red: Yudha Manggala P Putra", [("Yudha Manggala P Putra", "person", "editor")]),
        ("Redaktur : Agus Yulianto", [("Agus Yulianto", "person", "editor")]),
        ("Sumber:BeritaSatu.com", [("BeritaSatu.com", "organization", "source")]),
        (
            "Fino Yurio Kristo - detikinet",
            [("Fino Yurio Kristo", "person", "author"), ("detikinet", "organization", "author")],
        ),
        (
            "Laporan Wartawan Tribunnews.com, Glery Lazuardi",
            [
                ("Glery Lazuardi", "person", "reporter"),
                ("Tribunnews.com", "organization", "reporter"),
            ],
        ),
        ("Penulis : Kontributor Lhokseumawe, Masriadi", [("Masriadi", "person", "contributor")]),
        ("Oleh : Arnold H Sianturi / FMB", [("Arnold H Sianturi", "person", "author")]),
        ("Natasha Oktalia, Jurnalis", [("Natasha Oktalia", "person", "author")]),
        ("Liputan6.com", [("Liputan6.com", "organization", "author")]),
        ("Agence France-Presse", [("Agence France-Presse", "organization", "author")]),
        ("(Luh Wayanti)", [("Luh Wayanti", "person", "contributor")]),
        (
            "Penulis: Glery Lazuardi | Editor: Willy Widianto",
            [("Glery Lazuardi", "person", "author"), ("Willy Widianto", "person", "editor")],
        ),
        ("FHM", []),
    ],
)
def test_credits_keep_role_and_kind(byline: str, credits: list[tuple[str, str, str]]) -> None:
    assert parse_credits(byline) == [Credit(*credit) for credit in credits]


def test_site_organisations_make_a_name_an_organisation() -> None:
    outlet = [re.compile(r"detik\w*", re.IGNORECASE)]
    assert parse_credits("detikNews", outlet) == [Credit("detikNews", "organization", "author")]
    assert parse_credits("detikNews") == [Credit("detikNews", "person", "author")]


def test_a_page_that_credits_only_an_editor_has_no_author() -> None:
    assert normalise_authors(["Editor: Hanang Yuwono", "Sumber: Tribunnews.com"]) == []
    assert normalise_authors(["Red: Yudha Manggala P Putra"]) == []


def test_a_name_credited_as_editor_is_not_made_an_author_by_metadata() -> None:
    # JSON-LD often names the editor as `author`; the page's own "Editor:" line says otherwise.
    assert normalise_authors(["Hanang Yuwono", "Editor: Hanang Yuwono"]) == []
    assert normalise_authors(["Penulis: Andi", "Editor: Andi"]) == ["Andi"]


def test_people_are_the_authors_before_organisations_and_contributors() -> None:
    assert normalise_authors(["Fino Yurio Kristo - detikinet"]) == ["Fino Yurio Kristo"]
    assert normalise_authors(["Liputan6.com"]) == ["Liputan6.com"]
    assert normalise_authors(["Laban Laisila", "(Luh Wayanti)"]) == ["Laban Laisila"]
    assert normalise_authors(["(Luh Wayanti)"]) == ["Luh Wayanti"]
    assert authors_of([Credit("Budi", "person", "photographer")]) == []


def test_fill_authors_sets_credits_and_keeps_given_ones() -> None:
    article = Article(
        url="u",
        site="s",
        authors_raw=["Penulis: Nabilla Tashandra", "Editor: Bayu Galih"],
        credits=[Credit("Kompas.com", "organization", "source")],
    )
    assert fill_authors(ItemAdapter(article))
    assert article.authors == ["Nabilla Tashandra"]
    assert article.credits == [
        Credit("Kompas.com", "organization", "source"),
        Credit("Nabilla Tashandra", "person", "author"),
        Credit("Bayu Galih", "person", "editor"),
    ]


def test_collect_credits_prefers_the_stated_role() -> None:
    credits = collect_credits(["Andhika", "Editor : Andhika", "Andhika Prasetyo"])
    assert credits == [
        Credit("Andhika", "person", "editor"),
        Credit("Andhika Prasetyo", "person", "author"),
    ]


def test_authors_pipeline_fills_only_empty_authors_and_counts() -> None:
    crawler = crawler_for(None)
    pipeline = StepRunner(crawler, authors_step)
    raw = Article(url="u", site="s", authors_raw=["Oleh Ani dan Budi"])
    given = Article(url="u", site="s", authors=["Redaksi"], authors_raw=["Oleh A"])
    nobody = Article(url="u", site="s")
    for item in (raw, given, nobody):
        pipeline.process_item(item)
    assert raw.authors == ["Ani", "Budi"]
    assert given.authors == ["Redaksi"]
    assert nobody.authors == []
    assert crawler.stats.get_value("authors/filled") == 1
    assert crawler.stats.get_value("authors/missing") == 1


# --- validate and fingerprint ----------------------------------------------------------------

GOOD = Article(
    url="https://example.co.id/read/1/banjir",
    site="example",
    title="Banjir Jakarta",
    body="Banjir merendam 30 RT.\n\nWarga mengungsi.",
    authors=["Rina Wulandari", "Budi Santoso"],
    published="2022-02-03T08:03:00+07:00",
    updated="2022-02-03T09:15:00+07:00",
)


def test_fingerprint_is_sha256_hex_and_ignores_presentation() -> None:
    digest = fingerprint(GOOD)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    same = replace(
        GOOD,
        title="  Banjir   Jakarta ",
        body="Banjir merendam 30 RT.\nWarga mengungsi.",
        authors=["budi santoso", "Rina Wulandari"],
        url="https://example.co.id/read/1/banjir?utm_source=x",
        images=[Image("https://cdn/a.jpg")],
        fetched_at="2022-02-04T00:00:00+00:00",
    )
    assert fingerprint(same) == digest
    assert fingerprint(ItemAdapter(GOOD).asdict()) == digest


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Banjir Jakarta Surut"},
        {"body": "Banjir merendam 31 RT.\n\nWarga mengungsi."},
        {"authors": ["Rina Wulandari"]},
        {"published": "2022-02-03T08:04:00+07:00"},
        {"updated": None},
    ],
)
def test_fingerprint_changes_with_the_content(change: dict[str, object]) -> None:
    assert fingerprint(replace(GOOD, **change)) != fingerprint(GOOD)  # type: ignore[arg-type]


def test_fingerprint_keeps_field_boundaries() -> None:
    a = replace(GOOD, title="Banjir", body="Jakarta hari ini")
    b = replace(GOOD, title="Banjir Jakarta", body="hari ini")
    assert fingerprint(a) != fingerprint(b)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": None}, "no_title"),
        ({"title": "   "}, "no_title"),
        ({"body": None}, "no_body"),
        ({"body": ""}, "no_body"),
    ],
)
def test_drop_reasons(change: dict[str, object], reason: str) -> None:
    assert drop_reason(ItemAdapter(replace(GOOD, **change))) == reason  # type: ignore[arg-type]
    assert drop_reason(ItemAdapter(GOOD)) is None


def test_validate_pipeline_drops_with_reason_and_url_and_counts() -> None:
    crawler = crawler_for(None)
    pipeline = StepsPipeline(crawler, [validate_step])
    with pytest.raises(DropItem, match=r"no_body: https://example\.co\.id/read/1/banjir"):
        pipeline.process_item(replace(GOOD, body="  "))
    with pytest.raises(DropItem, match="no_title"):
        pipeline.process_item(replace(GOOD, title=None))
    kept = pipeline.process_item(replace(GOOD))
    assert kept.content_hash == fingerprint(GOOD)
    assert crawler.stats.get_value("items/dropped/no_body") == 1
    assert crawler.stats.get_value("items/dropped/no_title") == 1
    assert crawler.stats.get_value("items/valid") == 1


def test_sign_off_initials_with_digits_leave_the_body() -> None:
    paragraphs, _ = strip_sign_offs(["Rapat dilanjutkan pekan depan di Jakarta. (mcr8/jpnn)"])
    assert paragraphs == ["Rapat dilanjutkan pekan depan di Jakarta."]
