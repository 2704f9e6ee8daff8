"""Pages with mixed encodings: only the bytes that are not UTF-8 are read another way."""

from __future__ import annotations

from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.server import directory_resources, static_server
from crawler.encoding import page_text
from crawler.processing import process_page
from crawler.sites import load_site
from tests.crawling import run_crawl

URL = "http://127.0.0.1:8000/news/read/1/kabar"
PARAGRAPH = "Menteri menegaskan — “kata” beliau — bahwa kafe déjà dibuka kembali di Jakarta."
TITLE = "Kafe “Bintang” dibuka — café baru"


def page(charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<html><head>{meta}<title>{TITLE}</title></head><body>"
        f'<h1 class="read-page--header--title">{TITLE}</h1>'
        '<div class="article-content-body__item-content">'
        f"<p>{PARAGRAPH}</p><p>{PARAGRAPH} Selesai.</p></div></body></html>"
    )


def with_stray_byte(text: str) -> bytes:
    """UTF-8 bytes with one Latin-1 byte in them: "Selesai\xe9." (é in Latin-1)."""
    return text.encode("utf-8").replace(b"Selesai.", b"Selesai\xe9.", 1)


CASES = {
    # (bytes, headers): what real servers send.
    "UTF-8 with a stray Latin-1 byte, nothing declared": (with_stray_byte(page(None)), {}),
    "UTF-8 with a stray byte, declared utf-8": (
        with_stray_byte(page("utf-8")),
        {"Content-Type": "text/html; charset=utf-8"},
    ),
    "UTF-8 with a stray byte, declared iso-8859-1": (
        with_stray_byte(page("iso-8859-1")),
        {"Content-Type": "text/html"},
    ),
    "windows-1252 declared as utf-8": (
        page("utf-8").encode("cp1252").replace(b"Selesai.", b"Selesai\xe9.", 1),
        {"Content-Type": "text/html; charset=utf-8"},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_only_the_bytes_that_are_not_utf8_change(case: str) -> None:
    body, headers = CASES[case]
    item = process_page(body, URL, load_site("demo"), headers=headers).item
    assert item.title == TITLE
    assert item.paragraphs is not None
    assert item.paragraphs[0] == PARAGRAPH
    assert item.paragraphs[1] == f"{PARAGRAPH} Selesaié."
    assert "\ufffd" not in (item.body or "")


def test_a_page_that_is_what_it_declares_is_left_alone() -> None:
    assert page_text(page("utf-8").encode("utf-8"), "utf-8") is None
    latin = page("iso-8859-1").replace("—", "-").replace("“", '"').replace("”", '"')
    assert page_text(latin.encode("latin-1"), "iso-8859-1") is None
    assert page_text("東京".encode("shift_jis"), "shift_jis") is None


SITE = """
name = "mixed"
domains = ["127.0.0.1"]
sitemaps = ["{origin}/sitemap.xml"]
article_pattern = "/read/"

[selectors]
title = "h1::text"
paragraphs = "div.article-content-body__item-content > p"
"""


@pytest.mark.slow
def test_a_crawled_page_with_mixed_encodings_keeps_its_text(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "read").mkdir(parents=True)
    body, _ = CASES["UTF-8 with a stray Latin-1 byte, nothing declared"]
    (root / "read" / "kabar.html").write_bytes(body)
    site = tmp_path / "mixed.toml"
    with static_server(root, {".html": "text/html"}) as server:
        (root / "sitemap.xml").write_text(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{server.origin}/read/kabar.html</loc></url></urlset>",
            encoding="utf-8",
        )
        server.set_resources(directory_resources(root, {".html": "text/html"}))
        site.write_text(SITE.format(origin=server.origin), encoding="utf-8")
        result = run_crawl(tmp_path / "out", str(site), server.origin)
    assert result.returncode == 0, result.log
    [item] = result.items
    assert item["title"] == TITLE
    assert item["paragraphs"] == [PARAGRAPH, f"{PARAGRAPH} Selesaié."]
    # The archive keeps the bytes as served, stray byte included.
    archived = read_response(result.warc_dir, item["warc_file"], item["warc_offset"])
    assert archived == body


def read_response(warc_dir: Path, name: str, offset: int) -> bytes:
    with (warc_dir / name).open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return bytes(record.content_stream().read())
