"""The extraction's shortcuts give what the long way gives, element by element."""

from __future__ import annotations

import pytest
from cssselect import SelectorError
from parsel import Selector

from crawler.extraction.meta import itemprop_values, meta_values
from crawler.extraction.selectors import (
    element_blocks,
    element_text,
    normalise_space,
    select,
    select_nodes,
    text_longer_than,
)

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


@pytest.mark.parametrize("selector", ["p[", "//p[", "bogus-fn(1)"])
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
