"""The generic body reader: the story of a page no site file describes, and nothing else.

Each template class of news pages gets a generated page of its own (the text is ours): a
container among sidebars, comments and lists of other stories; the lines a template sets above
the lead and the widgets it sets after the end. The corpus test scores the generic layer alone
against the ground truth of ``../shared/corpus``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.evaluation import evaluate, generic_extractor, load_answers
from crawler.items import Article
from crawler.processing import generic_site, process_page
from pipelines.boilerplate_rules import BOILERPLATE_KINDS
from pipelines.clean import is_boilerplate
from tests.conftest import require_corpus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
URL = "https://kabar-contoh.example/berita/2024/03/05/petani-kopi-panen-raya"
HEADLINE = "Petani Kopi Lereng Merapi Sambut Panen Raya"

STORY = [
    "Para petani kopi di lereng Merapi menyambut panen raya tahun ini dengan hasil yang jauh "
    "lebih baik daripada musim lalu, berkat hujan yang datang tepat waktu.",
    "Ketua kelompok tani setempat, Sutrisno, mengatakan hasil panen naik hampir dua kali lipat. "
    '"Kami bersyukur, buahnya merah merata dan bijinya padat," katanya, Selasa (5/3/2024).',
    "Menurut dia, harga biji kopi di tingkat petani juga membaik karena permintaan dari kedai "
    "kopi di kota terus bertambah, terutama untuk jenis arabika.",
    "Pemerintah desa berencana membangun rumah pengeringan bersama agar mutu biji tetap terjaga "
    "ketika musim hujan datang lebih awal pada tahun depan.",
]
LAST = STORY[-1]


def paragraphs_html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


def sidebar(count: int = 8) -> str:
    """A list of other stories: link titles with their dates."""
    items = "".join(
        f'<li><a href="/berita/{n}">Kabar lain nomor {n} tentang pasar dan cuaca di kota</a>'
        f"<span>Senin, 04/03/2024 1{n % 10}:00 WIB</span></li>"
        for n in range(count)
    )
    return f'<div class="sidebar-populer"><h3>POPULER</h3><ul>{items}</ul></div>'


def page(
    article: str,
    before: str = "",
    after: str = "",
    head: str = "",
    headline: str = HEADLINE,
) -> bytes:
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{headline} - Kabar Contoh</title>
<meta property="og:title" content="{headline}">
<meta property="article:published_time" content="2024-03-05T10:00:00+07:00">
{head}</head><body>
<header><nav><a href="/">Beranda</a> <a href="/berita">Berita</a> <a href="/olahraga">Olahraga</a>
</nav></header>
<div class="wrapper">{before}
<h1>{headline}</h1>
{article}
{after}
{sidebar()}
</div>
<footer><p>Kabar Contoh adalah media daring. Alamat redaksi: Jalan Mawar 12, Yogyakarta.</p>
</footer></body></html>""".encode()


def extract(html: bytes, url: str = URL) -> Article:
    return process_page(html, url, generic_site(url)).item


def story_div(*paragraphs: str, extra: str = "") -> str:
    return f'<div class="detail-text">{paragraphs_html(list(paragraphs))}{extra}</div>'


def assert_story(article: Article, first: str = STORY[0], last: str = LAST) -> None:
    assert article.paragraphs, "no body"
    assert article.paragraphs[0] == first
    assert article.paragraphs[-1] == last


# Container choice.


def test_article_beats_a_longer_list_of_linked_stories() -> None:
    related = "".join(
        f'<p><a href="/b/{n}">Cerita lain yang panjang sekali tentang harga cabai, beras, '
        f"minyak goreng, dan gula pasir di pasar tradisional, nomor {n}</a></p>"
        for n in range(20)
    )
    html = page(story_div(*STORY), after=f'<div class="box">{related}</div>')
    assert_story(extract(html))


def test_article_beats_a_longer_comment_thread() -> None:
    comments = "".join(
        f"<p>Pembaca {n}: Saya setuju sekali, kopi dari lereng gunung memang enak, harum, "
        f"dan harganya masih terjangkau untuk kami semua di kampung, semoga lestari.</p>"
        for n in range(12)
    )
    html = page(story_div(*STORY), after=f'<div class="comments">{comments}</div>')
    assert_story(extract(html))


def test_class_words_count_as_whole_words_a_football_story_is_no_footer() -> None:
    other = [
        "Jadwal siaran langsung pekan ini, lengkap dengan jam tayang, stasiun televisi, "
        "dan daftar pertandingan yang akan disiarkan ulang."
    ] * 2
    html = page(
        f'<div class="football-detail">{paragraphs_html(STORY)}</div>'
        f'<div class="box">{paragraphs_html(other)}</div>'
    )
    assert_story(extract(html))


def test_text_block_before_the_headline_is_not_the_story() -> None:
    teaser = (
        '<div class="teaser-box">'
        + paragraphs_html(
            [
                "Kisah lain yang dipromosikan di atas judul, dengan kalimat yang cukup panjang, "
                "berkoma, dan berisi banyak kata supaya tampak seperti artikel sungguhan.",
            ]
            * 6
        )
        + "</div>"
    )
    html = page(story_div(*STORY[:3]), before=teaser)
    assert_story(extract(html), last=STORY[2])


def test_jsonld_article_body_picks_between_two_text_blocks() -> None:
    other = [
        "Tulisan lain di halaman yang sama membahas jalur pendakian, tiket masuk, dan aturan "
        "baru bagi para pendaki yang ingin bermalam di pos dua.",
    ] * 5
    body = json.dumps(
        {"@type": "NewsArticle", "headline": HEADLINE, "articleBody": " ".join(STORY)}
    )
    html = page(
        f'<div class="block">{paragraphs_html(other)}</div>'
        f'<div class="block">{paragraphs_html(STORY)}</div>',
        head=f'<script type="application/ld+json">{body}</script>',
    )
    assert_story(extract(html))


def test_story_split_into_sections_is_read_whole() -> None:
    sections = "".join(
        f'<div class="story-part"><div class="part-text">{paragraphs_html(STORY[i : i + 2])}'
        "</div></div>"
        for i in (0, 2)
    )
    html = page(f'<div class="story-parts">{sections}</div>')
    assert_story(extract(html))


def test_a_teaser_column_of_the_same_class_is_not_a_section_of_the_story() -> None:
    teaser = (
        '<div class="col"><div class="text"><p>Cerita lain tentang pasar ikan yang ramai '
        "menjelang akhir pekan di pesisir.</p></div></div>"
    )
    html = page(f'<div class="row"><div class="col">{story_div(*STORY)}</div>{teaser}</div>')
    assert_story(extract(html))


# The lead.


def test_lines_above_the_lead_go_breadcrumb_date_headline() -> None:
    top = (
        "<p>Home &gt; Berita &gt; Ekonomi</p>"
        f"<h2>{HEADLINE}</h2>"
        "<p>Selasa , 05 March 2024, 10:00 WIB</p>"
        "<p>Buah kopi merah siap petik. Dok. Kabar Contoh</p>"
    )
    lead = f"KABARCONTOH.CO.ID, SLEMAN -- {STORY[0]}"
    article = extract(page(story_div(lead, *STORY[1:], extra="").replace("<p>", top + "<p>", 1)))
    assert article.dateline == "KABARCONTOH.CO.ID, SLEMAN"
    assert_story(article)


def test_headline_and_date_repeated_above_a_lead_without_dateline_go() -> None:
    top = f"<h2>{HEADLINE}</h2><p>Selasa, 05/03/2024 10:00 WIB</p>"
    article = extract(page(f'<div class="detail-text">{top}{paragraphs_html(STORY)}</div>'))
    assert_story(article)


def test_short_lead_that_mentions_a_date_stays() -> None:
    lead = "Gunung Merapi kembali meluncurkan awan panas pada 5 Maret 2024 pukul 10.00 WIB."
    article = extract(page(story_div(lead, *STORY)))
    assert_story(article, first=lead)


def test_kicker_and_teaser_of_another_story_go() -> None:
    top = "<p>Headline</p><p>Pemerintah menunda kenaikan tarif listrik hingga akhir tahun.</p>"
    article = extract(page(f'<div class="detail-text">{top}{paragraphs_html(STORY)}</div>'))
    assert_story(article)


@pytest.mark.parametrize(
    ("lead", "dateline"),
    [
        (f"Kabarcontoh.com - {STORY[0]}", "Kabarcontoh.com"),
        (f"KABARCONTOH.CO.ID, SLEMAN -- {STORY[0]}", "KABARCONTOH.CO.ID, SLEMAN"),
        (f"SLEMAN, Kabarcontoh.com \u2013 {STORY[0]}", "SLEMAN, Kabarcontoh.com"),
    ],
)
def test_lead_keeps_its_first_sentence_and_gives_the_dateline(lead: str, dateline: str) -> None:
    article = extract(page(story_div(lead, *STORY[1:])))
    assert article.dateline == dateline
    assert_story(article)


def test_hyphenated_word_opening_a_paragraph_is_no_dateline() -> None:
    lead = "Pro-Rakyat, sebuah koperasi petani, membeli seluruh hasil panen kopi tahun ini."
    article = extract(page(story_div(lead, *STORY[1:])))
    assert article.dateline is None
    assert_story(article, first=lead)


def test_bold_lead_in_without_a_dash_is_the_dateline() -> None:
    lead = f"<p><b>Kabarcontoh.com, Sleman</b> {STORY[0]}</p>"
    article = extract(page(f'<div class="detail-text">{lead}{paragraphs_html(STORY[1:])}</div>'))
    assert article.dateline == "Kabarcontoh.com, Sleman"
    assert_story(article)


def test_dateline_set_as_a_paragraph_of_its_own() -> None:
    article = extract(page(story_div("Sleman -", *STORY)))
    assert article.dateline == "Sleman"
    assert_story(article)


# Lines inside and after the story.


@pytest.mark.parametrize(
    "line",
    [
        "Baca Selanjutnya: Harga Kopi Arabika Naik Lagi",
        "Cek Video di Bawah Ini",
        "Simak video berikut",
        "Saksikan Video Pilihan Berikut Ini:",
        "#BeritaJernih with Kabarcontoh",
        "Simak Berita Menarik Lainnya",
        "Simak Gaya Hidup Populer Lainnya",
        "Baca berita dan artikel lainnya di Google News",
    ],
)
def test_prompt_between_paragraphs_goes(line: str) -> None:
    article = extract(page(story_div(*STORY[:2], f"<strong>{line}</strong>", *STORY[2:])))
    assert line not in (article.body or "")
    assert article.paragraphs == STORY


@pytest.mark.parametrize(
    "closing",
    [
        "<p>Rekomendasi</p><p>Kopi Sleman Tembus Pasar Eropa</p><p>Festival Kopi Digelar</p>",
        "<p>POPULER</p><p>Jalan Kaliurang Macet Panjang</p>",
        "<p>Recommended by</p><p>Kabar Jaringan</p><p>Loading...</p>",
        "<p>Disclaimer : Komentar adalah tanggapan pribadi pembaca, tidak mewakili redaksi. "
        "Redaksi berhak menghapus komentar yang menyinggung suku, agama, dan ras.</p>",
        "<p>01</p><p>-</p><p>02</p><p>-</p><p>03</p>",
        "<p>01 - 02 - 03 - 04</p>",
        "<p>- Senin, 04/03/2024 09:25 WIB - Minggu, 03/03/2024 20:10 WIB - Sabtu, 02/03/2024 "
        "08:00 WIB - Jumat, 01/03/2024 11:45 WIB</p>",
        "<p>Scroll down untuk melanjutkan membaca</p><p>Infografis Panen Kopi</p>",
        "<p>Petani memetik kopi di kebun mereka (Kabarcontoh.com/Rina)</p><p>Perbesar</p>",
    ],
)
def test_widgets_after_the_story_go(closing: str) -> None:
    article = extract(page(story_div(*STORY, extra=closing)))
    assert_story(article)


@pytest.mark.parametrize(
    "caption",
    [
        "Petani menjemur biji kopi di halaman rumah (Kabarcontoh.com/Rina Wulandari)",
        "Petani menjemur biji kopi di halaman rumah, Senin (4/3/2024). (Kantor Berita Contoh/Rina)",
        "Buah kopi merah siap petik. Dok. Humas Desa",
        "Kebun kopi di lereng gunung/\u00a9Kabarcontoh.com\u00ae/Rina Wulandari",
        "Seorang petani memanen kopi (Sumber: Instagram/petanikopi)",
    ],
)
def test_picture_captions_between_paragraphs_go(caption: str) -> None:
    article = extract(page(story_div(*STORY[:2], caption, *STORY[2:])))
    assert article.paragraphs == STORY


def test_reporter_initials_are_no_picture_credit() -> None:
    article = extract(page(story_div(*STORY[:-1], f"{LAST} (rin/kbc)")))
    assert_story(article)


def test_sentence_with_several_times_is_no_list_of_dates() -> None:
    times = (
        "Acara berlangsung pukul 19.00 WIB sampai 20.30 WIB di balai desa, Kamis (7/3/2024), "
        "dan dihadiri puluhan petani dari tiga dusun."
    )
    article = extract(page(story_div(*STORY[:2], times, *STORY[2:])))
    assert times in article.paragraphs


def test_capitals_sign_off_leaves_the_text_for_the_credits() -> None:
    article = extract(page(story_div(*STORY, "RINA WULANDARI")))
    assert_story(article)
    assert "RINA WULANDARI" in article.authors_raw


def test_capitals_agency_sign_off_leaves_the_text_but_is_no_author() -> None:
    article = extract(page(story_div(*STORY, "REUTERS")))
    assert_story(article)
    assert "REUTERS" not in article.authors_raw


def test_figure_caption_and_share_bar_inside_the_container_go() -> None:
    extra = (
        "<figure><img src='/a.jpg'><figcaption>Kebun kopi di lereng gunung saat pagi hari, "
        "kabut turun perlahan.</figcaption></figure>"
    )
    share = '<div class="share-bar"><a href="#">Facebook</a> <a href="#">Twitter</a></div>'
    article = extract(page(story_div(STORY[0], extra=extra + share + paragraphs_html(STORY[1:]))))
    assert article.paragraphs == STORY


def test_page_without_text_gives_no_body_and_no_crash() -> None:
    article = extract(b"<html><body><div><img src='/a.jpg'></div></body></html>")
    assert not article.paragraphs
    assert article.body is None


# The phrase rules, one kind at a time, shared with the site-file path.

KIND_EXAMPLES = {
    "read-also": "Baca juga: Festival Kopi Digelar Akhir Pekan",
    "next-page": "Baca Selanjutnya: Harga Kopi Arabika Naik Lagi",
    "video-prompt": "Cek Video di Bawah Ini",
    "campaign": "#BeritaJernih with Kabarcontoh",
    "more-stories": "Baca berita menarik lainnya di sini",
    "widget": "Loading...",
    "comment-policy": "Redaksi berhak menghapus komentar yang tidak pantas.",
    "breadcrumb": "Home > Berita > Ekonomi",
    "pagination": "01 - 02 - 03",
    "copyright": "Copyright © Kabar Contoh 2024",
    "embed": "\u2014 Kabar Contoh (@kabarcontoh) March 5, 2024",
}


@pytest.mark.parametrize("kind", sorted(BOILERPLATE_KINDS))
def test_each_kind_of_phrase_rule_catches_its_example(kind: str) -> None:
    example = KIND_EXAMPLES[kind]
    assert any(p.search(example) for p in BOILERPLATE_KINDS[kind]), example
    assert is_boilerplate(example)


@pytest.mark.parametrize("sentence", [*STORY, "Simak juga pendapat para petani muda?"][:4])
def test_story_sentences_are_not_boilerplate(sentence: str) -> None:
    assert not is_boilerplate(sentence)


# The generic layer on real pages.


@pytest.mark.corpus
def test_generic_layer_finds_first_and_last_sentences_of_the_corpus() -> None:
    corpus = require_corpus(CORPUS)
    report = evaluate(load_answers(corpus / "dev.jsonl"), corpus / "pages", generic_extractor)
    percent = report.percent()
    assert percent["body_first"] >= 95.0, report.tally()
    assert percent["body_last"] >= 95.0, report.tally()
    assert percent["boilerplate"] >= 95.0, report.tally()
