"""The page's one parse: the selector extraction builds from a response's bytes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from lxml import etree
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.extraction import extract_article
from crawler.extraction.page import page_selector
from crawler.sites import load_site

URL = "http://127.0.0.1:8000/kota/read/7/taman-baru"
PAGE = (
    "<!DOCTYPE html>\n<html lang='id'><head><meta charset='utf-8'>"
    "<title>Taman baru dibuka \u2013 warga senang</title></head>"
    "<body><h1>Taman baru dibuka</h1><p>Warga kota “senang” dengan taman itu.</p>"
    "<!-- catatan --><p>Dibuka\u00a0pagi ini.</p></body></html>\n"
)


@pytest.fixture
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _scrapy_tree(body: bytes, **kwargs: object) -> str:
    """What Scrapy's own ``response.selector`` parses ``body`` into."""
    response = HtmlResponse(URL, body=body, **kwargs)  # type: ignore[arg-type]
    return etree.tostring(response.selector.root, method="xml", encoding="unicode")


def _tree(body: bytes, **kwargs: object) -> str:
    response = HtmlResponse(URL, body=body, **kwargs)  # type: ignore[arg-type]
    return etree.tostring(page_selector(response).root, method="xml", encoding="unicode")


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (PAGE.encode("utf-8"), {"encoding": "utf-8"}),
        (PAGE.encode("utf-8"), {}),
        (b"  \r\n" + PAGE.encode("utf-8") + b"\n\t ", {"encoding": "utf-8"}),
        # Not the bytes the round trip gives: a BOM, a stray byte, a NUL, a trailing
        # separator str.strip() drops, a legacy charset, nothing at all.
        (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), {"encoding": "utf-8"}),
        (PAGE.encode("utf-8").replace(b"pagi", b"pa\xffgi"), {"encoding": "utf-8"}),
        (PAGE.encode("utf-8").replace(b"pagi", b"pa\x00gi"), {"encoding": "utf-8"}),
        (PAGE.encode("utf-8") + b"\x1c", {"encoding": "utf-8"}),
        (PAGE.replace("\u2013", "-").replace("“", '"').replace("”", '"').encode("cp1252"), {}),
        (PAGE.encode("cp1252", errors="replace"), {"encoding": "cp1252"}),
        (b"", {"encoding": "utf-8"}),
        (b"just text, no markup", {"encoding": "utf-8"}),
    ],
)
def test_the_tree_is_the_one_scrapy_builds(body: bytes, kwargs: dict[str, object]) -> None:
    assert _tree(body, **kwargs) == _scrapy_tree(body, **kwargs)


def test_the_selector_is_kept_on_the_response() -> None:
    response = HtmlResponse(URL, body=PAGE.encode("utf-8"), encoding="utf-8")
    selector = page_selector(response)
    assert page_selector(response) is selector
    assert response.selector is selector  # a later response.css reads the same tree
    assert response.css("h1::text").get() == "Taman baru dibuka"


def test_a_selector_the_response_has_is_used() -> None:
    response = HtmlResponse(URL, body=PAGE.encode("utf-8"), encoding="utf-8")
    own = response.selector
    assert page_selector(response) is own


@pytest.mark.parametrize("kind", [TextResponse, XmlResponse])
def test_other_responses_get_scrapys_selector(kind: type[TextResponse]) -> None:
    response = kind(URL, body=PAGE.encode("utf-8"), encoding="utf-8")
    assert page_selector(response) is response.selector


@pytest.mark.usefixtures("no_gc")
def test_an_extracted_page_is_freed_without_the_garbage_collector() -> None:
    response = HtmlResponse(URL, body=PAGE.encode("utf-8"), encoding="utf-8")
    article = extract_article(response, load_site("demo"))
    assert article.title == "Taman baru dibuka"
    tree = weakref.ref(page_selector(response))
    del response
    assert tree() is None  # no reference cycle holds the page until a collection
