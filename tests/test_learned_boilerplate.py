"""Learned boilerplate end to end: a generated site on loopback, crawled for real.

The site has 60 articles. 45 of them carry a promo line that no built-in or site rule knows,
every page shows the same header date (which the site file's ``published`` selector takes, as a
mis-aimed selector would) and the same widget credit beside the reporter's own byline; two
related articles share one real quoted paragraph. The crawl must learn the promo line, the
date widget and the widget credit, and keep the shared paragraph.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter

from archive.state_sqlite import SqliteCrawlState
from crawler.demo import STATE_NAME
from crawler.demosite.server import LoopbackServer, Resource
from pipelines.blocks import BODY, BYLINE, DATE, apply_learned, block_digest, item_blocks
from tests.crawling import CrawlResult, run_crawl, run_scrapy

PROMO = "Ikuti kanal kami di aplikasi pesan singkat untuk kabar pilihan redaksi setiap pagi."
SHARED = (
    "\u201cKami akan terus mengawal proses ini sampai tuntas dan terbuka bagi publik,\u201d kata "
    "Ketua Forum Warga Kali Jernih, Sulastri Widodo."
)
HEADER_DATE = "Senin, 07 Desember 2026"
WIDGET_CREDIT = "Penulis: Ratna Kusumawati"
REPORTERS = ("Bagas Wiratama", "Citra Anggraeni", "Dimas Prasetyo", "Eka Lestari")
TOWNS = ("Sukamaju", "Bojongsari", "Tanjungrejo", "Karanganyar", "Lembah Hijau", "Pasirluhur")
ARTICLES = 60
MIN_PAGES = 20
SHARED_BY = (10, 11)
#: End-to-end crawls and command subprocesses; the rules on one item below are fast.
slow = pytest.mark.slow
SETTINGS = {
    "LEARNED_BOILERPLATE_MIN_PAGES": str(MIN_PAGES),
    "LEARNED_BOILERPLATE_MIN_SHARE": "0.2",
    # One request at a time: items reach the pipelines in a known order.
    "CONCURRENT_REQUESTS": "1",
}


def has_promo(number: int) -> bool:
    return number % 4 != 0  # 45 of 60


def published_day(number: int) -> date:
    return date(2026, 11, 1) + timedelta(days=number // 3)


def paragraphs(number: int) -> list[str]:
    town = TOWNS[number % len(TOWNS)]
    text = [
        f"Warga Desa {town} menggelar musyawarah ke-{number} untuk membahas perbaikan saluran "
        f"air yang rusak sejak musim hujan lalu, dengan {number + 40} kepala keluarga hadir.",
        f"Kepala desa menyebut anggaran perbaikan tahap {number} berasal dari dana swadaya dan "
        f"bantuan kabupaten sebesar Rp{number * 3} juta.",
        f"Pekerjaan di {town} direncanakan selesai dalam {number % 9 + 2} pekan, sebelum puncak "
        "musim tanam padi tiba.",
        f"Pengurus koperasi tani di {town} berharap hasil panen musim ke-{number} ikut membaik "
        "setelah aliran air kembali lancar.",
    ]
    if number in SHARED_BY:
        text.insert(2, SHARED)
    if has_promo(number):
        text.insert(2, PROMO)
    return text


def article_path(number: int) -> str:
    return f"/berita/read/{number}/musyawarah-warga-{number}"


def article_html(origin: str, number: int) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs(number))
    reporter = REPORTERS[number % len(REPORTERS)]
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>Musyawarah Warga {number}</title>
<link rel="canonical" href="{origin}{article_path(number)}">
</head><body>
<div class="topbar"><span class="hari-ini">{HEADER_DATE}</span></div>
<h1 class="judul">Warga Bermusyawarah Soal Saluran Air, Bagian {number}</h1>
<div class="kredit"><span class="penulis">Penulis: {reporter}</span>
<span class="penulis">{WIDGET_CREDIT}</span></div>
<div class="isi">{body}</div>
</body></html>
"""


def sitemap(origin: str) -> str:
    entries = "\n".join(
        f"<url><loc>{origin}{article_path(n)}</loc><news:news><news:publication>"
        "<news:name>Kanal Pagi</news:name><news:language>id</news:language>"
        f"</news:publication><news:publication_date>{published_day(n).isoformat()}T08:00:00"
        "+07:00</news:publication_date><news:title>Musyawarah Warga</news:title></news:news>"
        "</url>"
        for n in range(1, ARTICLES + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{entries}\n</urlset>\n"
    )


def site_file(origin: str, folder: Path) -> Path:
    path = folder / "kanalpagi.toml"
    path.write_text(
        f"""name = "kanalpagi"
domains = ["127.0.0.1"]
sitemaps = ["{origin}/sitemap.xml"]
article_pattern = '^https?://[^/]+/berita/read/\\d+/[a-z0-9-]+$'

[selectors]
title = "h1.judul::text"
authors = "span.penulis::text"
published = "span.hari-ini::text"
body = "div.isi"
paragraphs = "div.isi > p"
canonical = "link[rel='canonical']::attr(href)"
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Site:
    server: LoopbackServer
    file: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("kanalpagi")
    with LoopbackServer({}) as server:
        origin = server.origin
        now = datetime(2026, 12, 7, tzinfo=UTC)
        resources = {
            article_path(n): Resource.make(
                article_html(origin, n).encode(), "text/html; charset=utf-8", now, True
            )
            for n in range(1, ARTICLES + 1)
        }
        resources["/sitemap.xml"] = Resource.make(
            sitemap(origin).encode(), "application/xml", now, True
        )
        resources["/robots.txt"] = Resource.make(b"User-agent: *\n", "text/plain", now, True)
        server.set_resources(resources)
        yield Site(server, site_file(origin, folder))


@pytest.fixture(scope="module")
def crawls(site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, ...]:
    out = tmp_path_factory.mktemp("crawl")
    first = run_crawl(out, str(site.file), site.server.origin, SETTINGS)
    second = run_crawl(out, str(site.file), site.server.origin, SETTINGS)
    return first, second


def number_of(item: dict[str, Any]) -> int:
    return int(str(item["url"]).split("/")[-2])


@slow
def test_a_new_promo_line_leaves_the_bodies_after_the_threshold(
    crawls: tuple[CrawlResult, ...],
) -> None:
    first = crawls[0]
    assert first.returncode == 0, first.log[-3000:]
    items = first.items
    assert len(items) == ARTICLES
    promoted = [item for item in items if has_promo(number_of(item))]
    carrying = [PROMO in item["body"] for item in promoted]
    # Never learned before MIN_PAGES articles carried it; gone from every item once learned.
    assert carrying.count(True) >= MIN_PAGES
    assert carrying.count(False) > 0
    cut = carrying.index(False)
    assert not any(carrying[cut:])
    assert first.stats["boilerplate/learned/dropped"] == carrying.count(False)
    assert first.stats["boilerplate/learned/dropped/kanalpagi"] == carrying.count(False)
    cleaned = [item for item, kept in zip(promoted, carrying, strict=True) if not kept]
    assert all(len(item["paragraphs"]) == 4 + (number_of(item) in SHARED_BY) for item in cleaned)


@slow
def test_a_real_paragraph_two_stories_share_is_kept(crawls: tuple[CrawlResult, ...]) -> None:
    for result in crawls:
        shared = [item for item in result.items if number_of(item) in SHARED_BY]
        assert all(SHARED in item["body"] for item in shared)
    assert len([i for i in crawls[0].items if number_of(i) in SHARED_BY]) == 2


@slow
def test_widget_date_and_credit_give_way_to_the_articles_own(
    crawls: tuple[CrawlResult, ...],
) -> None:
    items = crawls[0].items
    late = items[-10:]
    for item in late:
        # The sitemap's date, not the header's 7 December.
        assert item["published"].startswith(published_day(number_of(item)).isoformat())
        reporter = REPORTERS[number_of(item) % len(REPORTERS)]
        assert item["authors"] == [reporter]
    # Before anything was learned, the widget texts were taken (the selector points at them).
    assert items[0]["published"].startswith("2026-12-07")
    assert "Ratna Kusumawati" in items[0]["authors"]
    assert crawls[0].stats["boilerplate/learned/dates"] > 0
    assert crawls[0].stats["boilerplate/learned/authors"] > 0


@slow
def test_crawling_again_does_not_count_an_article_twice(
    crawls: tuple[CrawlResult, ...], site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    second = crawls[1]
    assert second.returncode == 0, second.log[-3000:]
    # The item files of both runs: the second run's are the updated versions of the articles
    # first emitted before the blocks were learned, now without them.
    updated = second.items[ARTICLES:]
    assert second.stats.get("versions/unchanged", 0) + len(updated) == ARTICLES
    assert updated and all(item["emit_reason"] == "updated" for item in updated)
    assert not any(PROMO in item["body"] for item in updated)
    state_file = second.warc_dir.parent / STATE_NAME
    promo = block_digest(BODY, PROMO)
    with SqliteCrawlState(state_file) as state:
        assert promo in state.learned_blocks("kanalpagi", 45, 0.0)
        assert promo not in state.learned_blocks("kanalpagi", 46, 0.0)
        assert block_digest(BODY, SHARED) in state.learned_blocks("kanalpagi", 2, 0.0)
        assert block_digest(BODY, SHARED) not in state.learned_blocks("kanalpagi", 3, 0.0)
    with sqlite3.connect(state_file) as db:
        assert db.execute("SELECT articles FROM block_sites").fetchall() == [(ARTICLES,)]


def reextract(warc_dir: Path, site: Site, output: Path, *options: str) -> list[dict[str, Any]]:
    done = run_scrapy("reextract", warc_dir, "-o", output, "--site", site.file, *options)
    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(items) == ARTICLES
    assert all(SHARED in i["body"] for i in items if number_of(i) in SHARED_BY)
    return items


@slow
def test_reextract_learns_from_the_whole_archive_first_and_cleans_every_item(
    crawls: tuple[CrawlResult, ...], site: Site, tmp_path: Path
) -> None:
    items = reextract(crawls[0].warc_dir, site, tmp_path / "again.jsonl")
    assert not any(PROMO in item["body"] for item in items)
    promoted = [item for item in items if has_promo(number_of(item))]
    assert all(len(item["paragraphs"]) == 4 + (number_of(item) in SHARED_BY) for item in promoted)
    # The header's date repeated on every page is learned too, but an archived page has no
    # sitemap date to tell the article's own: the shown date stays, for want of evidence.
    assert all(item["authors"] == [REPORTERS[number_of(item) % 4]] for item in items)


@slow
def test_reextract_in_one_pass_applies_what_it_learned_so_far(
    crawls: tuple[CrawlResult, ...], site: Site, tmp_path: Path
) -> None:
    items = reextract(crawls[0].warc_dir, site, tmp_path / "once.jsonl", "--no-learn-first")
    carrying = [PROMO in item["body"] for item in items if has_promo(number_of(item))]
    assert carrying.count(True) >= MIN_PAGES
    assert carrying.count(False) > 0
    assert not any(carrying[carrying.index(False) :])


# --- the rules on one item --------------------------------------------------------------------


def item(**fields: Any) -> ItemAdapter:
    base: dict[str, Any] = {
        "paragraphs": ["Satu kalimat berita.", PROMO],
        "body": f"Satu kalimat berita.\n\n{PROMO}",
        "authors_raw": [],
        "authors": [],
        "published": None,
        "published_raw": None,
        "mentioned_dates": [],
    }
    return ItemAdapter({**base, **fields})


def test_a_page_of_nothing_but_learned_blocks_is_left_whole() -> None:
    page = item(paragraphs=[PROMO], body=PROMO)
    applied = apply_learned(page, {block_digest(BODY, PROMO)}, "Asia/Jakarta")
    assert (applied.paragraphs, applied.spared) == (0, 1)
    assert page["body"] == PROMO


def test_a_one_reporter_site_keeps_its_author() -> None:
    page = item(authors_raw=["Penulis: Bagas Wiratama"], authors=["Bagas Wiratama"])
    learned = item_blocks(page)  # every block of the page repeated everywhere
    apply_learned(page, learned, "Asia/Jakarta")
    assert page["authors"] == ["Bagas Wiratama"]


def test_a_repeated_date_without_other_evidence_stays() -> None:
    page = item(published="2026-12-07T00:00:00+07:00", published_raw=HEADER_DATE)
    applied = apply_learned(page, {block_digest(DATE, HEADER_DATE)}, "Asia/Jakarta")
    assert applied.date is None
    assert page["published"] == "2026-12-07T00:00:00+07:00"
    page = item(
        published="2026-12-07T00:00:00+07:00",
        published_raw=HEADER_DATE,
        sitemap_published_raw="2026-12-07T09:30:00+07:00",
    )
    assert apply_learned(page, {block_digest(DATE, HEADER_DATE)}, "Asia/Jakarta").date is None


def test_digests_ignore_case_and_spacing_but_not_digits() -> None:
    assert block_digest(BODY, "Ikuti  kanal\nKAMI") == block_digest(BODY, "ikuti kanal kami")
    assert block_digest(BODY, "Senin, 07 Desember") != block_digest(BODY, "Senin, 08 Desember")
    assert block_digest(BODY, HEADER_DATE) != block_digest(DATE, HEADER_DATE)


@slow
def test_a_rebuilt_state_has_its_articles_but_learns_the_blocks_again(
    crawls: tuple[CrawlResult, ...], tmp_path: Path
) -> None:
    rebuilt = tmp_path / "rebuilt.sqlite"
    done = run_scrapy("state", "rebuild", crawls[0].warc_dir, "--state", rebuilt)
    assert done.returncode == 0, done.stderr[-3000:]
    with SqliteCrawlState(rebuilt) as state:
        assert len(list(state.articles("kanalpagi"))) == ARTICLES
        assert state.learned_blocks("kanalpagi", 2, 0.0) == frozenset()


@slow
def test_a_threshold_of_one_page_is_refused_in_one_line(site: Site, tmp_path: Path) -> None:
    result = run_crawl(
        tmp_path, str(site.file), site.server.origin, {"LEARNED_BOILERPLATE_MIN_PAGES": "1"}
    )
    assert result.returncode == 2
    assert "LEARNED_BOILERPLATE_MIN_PAGES must be 2 or more" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_repeated_credit_beside_the_pages_own_byline_is_no_author() -> None:
    own = "Penulis: Bagas Wiratama"
    page = item(authors_raw=[own, WIDGET_CREDIT], authors=["Bagas Wiratama", "Ratna Kusumawati"])
    applied = apply_learned(page, {block_digest(BYLINE, WIDGET_CREDIT)}, "Asia/Jakarta")
    assert applied.authors == ("Ratna Kusumawati",)
    assert page["authors"] == ["Bagas Wiratama"]
    assert page["authors_raw"] == [own, WIDGET_CREDIT]


def test_a_repeated_date_gives_way_to_the_sitemap_date_of_another_day() -> None:
    page = item(
        published="2026-12-07T00:00:00+07:00",
        published_raw=HEADER_DATE,
        sitemap_published_raw="2026-11-20T08:00:00+07:00",
    )
    applied = apply_learned(page, {block_digest(DATE, HEADER_DATE)}, "Asia/Jakarta")
    assert applied.date == HEADER_DATE
    assert (page["published"], page["published_raw"]) == ("2026-11-20T08:00:00+07:00", None)
