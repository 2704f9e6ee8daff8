"""The extraction's shortcuts give what the long way gives, element by element."""

from __future__ import annotations

import random
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from crawler.extraction.datesources import _offset_now
from crawler.extraction.meta import itemprop_values, meta_values
from crawler.extraction.pageindex import page_index
from crawler.extraction.selectors import (
    _compiled,
    element_blocks,
    element_text,
    normalise_space,
    select,
    select_nodes,
    text_longer_than,
    xpath_nodes,
)
from tests.conftest import CORPUS_DIR

PAGE = """<html lang="id"><head><title>Harga  cabai naik</title>
<meta property="OG:Title" content="Harga cabai naik di pasar">
<meta name="og:title" content="  kedua  ">
<meta name="Description" content="Ringkasan&nbsp;berita">
<meta name="description" content="">
<meta name="keywords">
<script>var x = "tidak dibaca";</script></head>
<body><article class="isi berita"><h1>Harga cabai naik</h1>
<div class="byline" itemprop="author">Oleh <a href="/p/ani">Ani Lestari</a><!-- c -->, Jakarta</div>
<time itemprop="datePublished" datetime="2024-03-01T08:00:00+07:00">1 Maret 2024</time>
<p>Harga cabai rawit\u200b naik tajam<br><br>sejak awal pekan.<script>skip()</script>Kata
pedagang.</p><p><strong>Subjudul</strong><br>Teks lanjutan di bawahnya.</p>
<span itemprop="author"> Budi   Santoso </span><span></span><br><style>p{}</style>
<ul><li>satu</li><li>dua <em>tiga</em></li></ul><div>a<div>b</div>c</div>
</article></body></html>"""


@pytest.fixture
def root() -> Selector:
    return Selector(text=PAGE)


def test_element_text_matches_the_block_walk(root: Selector) -> None:
    elements = list(root.root.iter())
    assert any(len(element) == 0 for element in elements)
    for element in elements:
        walked = normalise_space(" ".join(element_blocks(element)))
        assert element_text(element) == walked, element.tag


@pytest.mark.parametrize("limit", [0, 3, 10, 25, 60, 200])
def test_text_longer_than_never_claims_a_short_text_long(root: Selector, limit: int) -> None:
    claims = 0
    for element in root.root.iter():
        if text_longer_than(element, limit):
            claims += 1
            assert len(element_text(element)) > limit, element.tag
    if limit < 25:
        assert claims > 0


@pytest.mark.parametrize(
    "selector",
    [
        "p",
        "p::text",
        "article.berita h1::text",
        "time::attr(datetime)",
        "//div[@itemprop='author']//text()",
        "(//p)[2]/strong",
        "count(//p)",
        "substring-before(//time/@datetime, 'T')",
        "//p[re:test(., 'cabai')]",
    ],
)
def test_select_nodes_finds_what_parsel_finds(root: Selector, selector: str) -> None:
    assert select_nodes(root, selector) == [match.root for match in select(root, selector)]


@pytest.mark.parametrize(
    "selector",
    ["p::text", "//p[re:test(., 'cabai')]", "(set:distinct(//li/text() | //li/text()))"],
)
def test_selectors_keep_nothing_from_one_page_to_the_next(selector: str) -> None:
    # lxml keeps an error in a compiled XPath with EXSLT sets registered on every call: a
    # worker reading page after page grew by a few objects a page for each selector.
    pages = [Selector(text=PAGE.replace("cabai", f"cabai {n}")) for n in range(3)]
    found = [select_nodes(page, selector) for page in pages]
    assert found[0] and all(len(each) == len(found[0]) for each in found)
    compiled = _compiled(selector)
    logged = len(compiled.error_log) if isinstance(compiled, etree.XPath) else 0
    for _ in range(50):
        for page in pages:
            select_nodes(page, selector)
    after = len(compiled.error_log) if isinstance(compiled, etree.XPath) else 0
    assert after == logged


@pytest.mark.parametrize("selector", ["p[", "//p[", "bogus-fn(1)", "(set:bogus(//p))"])
def test_invalid_selectors_raise_as_parsel_does(root: Selector, selector: str) -> None:
    with pytest.raises((ValueError, SelectorError)):
        select_nodes(root, selector)


def test_meta_index_reads_as_the_queries_did(root: Selector) -> None:
    # Property and name both count, matched with ASCII case folding, content normalised.
    assert meta_values(root, "og:title") == ["Harga cabai naik di pasar", "kedua"]
    assert meta_values(root, "description") == ["Ringkasan berita"]
    assert meta_values(root, "keywords", "Description") == []
    assert itemprop_values(root, "author") == ["Oleh Ani Lestari, Jakarta", "Budi Santoso"]
    assert itemprop_values(root, "datePublished") == ["2024-03-01T08:00:00+07:00"]


# The page's fixed lookups, each the XPath query its index entry stands for.
FIXED_QUERIES = {
    "canonical_links": '//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href',
    "og_urls": '//meta[@property="og:url" or @name="og:url"]/@content',
    "languages": "//html/@lang",
    "jsonld_texts": (
        '//script[translate(@type, "LDJSON+", "ldjson+")="application/ld+json"]/text()'
    ),
}
TIME_QUERY = "(//time[@pubdate][@datetime])[1]/@datetime"

ODD_PAGE = """<html lang=" id "><head>
<link rel="Canonical" href="/satu"><link rel="canonical"><link rel="CANONICAL " href="/dua">
<link rel="canonical" href=" /tiga ">
<meta name="og:url" content="http://contoh.test/a"><meta property="og:url">
<meta property="OG:URL" content="/tidak"><meta property="og:url" name="og:url" content="/b">
<script type="application/LD+JSON">{"@type": "NewsArticle"}</script>
<script type="Application/ld+json">{}</script>
<script type="application/ld+json "> {} </script><script>{}</script>
</head><body><time pubdate>tanpa waktu</time><time datetime="2024-01-01">tanpa pubdate</time>
<time pubdate="" datetime=" 2024-02-02T10:00:00+07:00 ">x</time>
<time pubdate datetime="2024-03-03">y</time><html lang="en"><p>z</p></html></body></html>"""


def _pages(corpus: Path | None) -> list[str]:
    pages = [PAGE, ODD_PAGE]
    if corpus is not None:
        pages += [path.read_bytes().decode("utf-8", "replace") for path in corpus.glob("*.html")]
    return pages


@pytest.fixture(scope="module")
def corpus_pages() -> Path | None:
    return CORPUS_DIR / "pages" if (CORPUS_DIR / "pages").is_dir() else None


def test_page_index_answers_as_the_queries_did(corpus_pages: Path | None) -> None:
    pages = _pages(corpus_pages)
    for text in pages:
        page = Selector(text=text)
        index = page_index(page)
        for name, query in FIXED_QUERIES.items():
            assert getattr(index, name) == select_nodes(page, query), name
        time = [index.pubdate_time] if index.pubdate_time is not None else []
        assert time == select_nodes(page, TIME_QUERY)
        elements = [e for e in page.root.iter() if isinstance(e.tag, str) and e.get("itemprop")]
        found = [e for es in index.itemprops.values() for e in es]
        assert sorted(map(id, found)) == sorted(map(id, elements))
    odd = page_index(Selector(text=ODD_PAGE))
    assert odd.canonical_links == ["/satu", " /tiga "]
    assert odd.og_urls == ["http://contoh.test/a", "/b"]
    assert odd.pubdate_time == " 2024-02-02T10:00:00+07:00 "
    assert len(odd.jsonld_texts) == 1


def test_compiled_xpath_finds_what_parsel_finds(root: Selector) -> None:
    for query in ["//p", "following-sibling::*[position() <= 2]", "//p[re:test(., 'cabai')]/.."]:
        start = root.xpath("//h1")[0]
        assert xpath_nodes(start.root, query) == [m.root for m in start.xpath(query)]
    found = xpath_nodes(root.root, "//*[normalize-space(.) = $t]", t="Harga cabai naik")
    assert [e.tag for e in found] == ["title", "h1"]


def test_normalise_space_is_the_regex_it_replaces() -> None:
    spaces = re.compile(r"\s+")
    invisible = re.compile("[\u200b-\u200f\u2060\ufeff]")
    pool = ["a", "é", " ", "\t", "\n", "\xa0", "\u3000", "\x1c", "\u200b", "\ufeff", "\u2060", "x"]
    rng = random.Random(12)
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))
        assert normalise_space(text) == spaces.sub(" ", invisible.sub("", text)).strip(), text


def test_zone_offset_reads_as_strftime_does() -> None:
    for name in sorted(available_timezones()):
        expected = datetime.now(ZoneInfo(name)).strftime("%z")
        assert _offset_now(name) == expected, name
