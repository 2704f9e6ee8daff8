"""Real Liputan6 pages (2015, 2016, 2019-2021 templates) served over loopback and extracted.

Each ``liputan6`` row of ``../shared/corpus/dev.jsonl`` is checked: title, published and
updated to the minute with their offset, author, and the first and last sentences of the body.
Every Liputan6 page of the corpus must also pick its layout and yield a clean article.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from crawler.demosite.server import static_server
from crawler.extraction import choose_layout, extract_article
from crawler.items import Article
from crawler.sites import load_site
from pipelines.authors import fill_authors
from pipelines.clean import clean_item
from pipelines.dates import fill_dates
from pipelines.validate import drop_reason
from tests.corpus import source_urls

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

SITE = load_site("liputan6")
PAGES = [f"liputan6-0{n}.html" for n in range(1, 9)]
LAYOUTS = {
    "liputan6-01.html": "read-page-2016",
    "liputan6-02.html": "read-page-2016",
    "liputan6-03.html": "entry-2015",
    **{f"liputan6-0{n}.html": "article-header-2019" for n in range(4, 9)},
}


def dev_rows(corpus: Path) -> list[dict[str, Any]]:
    lines = (corpus / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if row["site"] == "liputan6"]


@pytest.fixture(scope="module")
def origin(corpus_dir: Path) -> Iterator[str]:
    """The corpus pages served on 127.0.0.1 (any free port)."""
    with static_server(corpus_dir / "pages") as server:
        yield server.origin


def fetch(origin: str, name: str, urls: dict[str, str]) -> HtmlResponse:
    """The page over HTTP, posing as its original URL (canonical and images resolve there)."""
    with urllib.request.urlopen(f"{origin}/{name}", timeout=10) as response:
        body = response.read()
    return HtmlResponse(url=urls[name], body=body)


@pytest.fixture(scope="module")
def articles(origin: str, corpus_dir: Path) -> Callable[[str], Article]:
    """``articles(file)``: the page fetched, extracted and run through the pure stages."""
    urls = source_urls(corpus_dir)
    done: dict[str, Article] = {}

    def article(name: str) -> Article:
        if name not in done:
            extracted = extract_article(fetch(origin, name, urls), SITE)
            item = ItemAdapter(extracted)
            clean_item(item, SITE.boilerplate)
            fill_dates(item, SITE.timezone)
            fill_authors(item)
            done[name] = extracted
        return done[name]

    return article


def minute(value: str | None) -> str | None:
    """``2016-02-16T09:10:56+07:00`` -> ``2016-02-16T09:10+07:00``."""
    return re.sub(r"(T\d\d:\d\d):\d\d", r"\1", value) if value else None


def test_the_corpus_has_liputan6_ground_truth(corpus_dir: Path) -> None:
    rows = dev_rows(corpus_dir)
    assert rows, "dev.jsonl has no liputan6 rows"
    assert {row["file"] for row in rows} <= set(PAGES)


def dev_cases() -> list[str]:
    """Names of the cases; without the corpus there are none and ``corpus_dir`` says why."""
    if not (CORPUS / "dev.jsonl").is_file():
        return []
    return [row["file"] for row in dev_rows(CORPUS)]


@pytest.mark.parametrize("name", dev_cases())
def test_dev_row(name: str, corpus_dir: Path, articles: Callable[[str], Article]) -> None:
    row = next(row for row in dev_rows(corpus_dir) if row["file"] == name)
    article = articles(name)
    assert article.title == row["title"]
    assert minute(article.published) == minute(row["published"])
    assert minute(article.updated) == minute(row["updated"])
    assert row["author"] in article.authors
    body = article.body or ""
    first = row["body_first"]
    if article.dateline and first.startswith(article.dateline):
        # The dateline moved to its own field; the rest of the sentence opens the body.
        first = re.sub(r"^\s*[-\u2013\u2014]+\s*", "", first[len(article.dateline) :])
        assert body.startswith(first)
    else:
        assert first in body
    assert row["body_last"] in body
    assert body.rstrip().endswith(row["body_last"])


@pytest.mark.parametrize("name", PAGES)
def test_every_page_picks_its_layout_and_gives_an_article(
    name: str, origin: str, corpus_dir: Path, articles: Callable[[str], Article]
) -> None:
    page = fetch(origin, name, source_urls(corpus_dir))
    layout = choose_layout(page.selector, SITE)
    assert layout is not None and layout.name == LAYOUTS[name]
    article = articles(name)
    assert drop_reason(ItemAdapter(article)) is None
    assert article.authors
    assert article.published and article.published.endswith("+07:00")
    assert article.dateline == "Liputan6.com, Jakarta"
    assert article.canonical_url and "liputan6.com/" in article.canonical_url
    assert article.language == "id"
    assert article.tags
    body = article.body or ""
    for leftover in ("Baca Juga", "Saksikan Video", "dari 5 halaman", "Infografis", "Reporter:"):
        assert leftover not in body, (name, leftover)
    assert not re.search(r"\([A-Z][a-z]{1,4}/[A-Z][a-z]{1,4}\)\s*$", body)


def test_article_pattern_takes_every_template_of_article_url(corpus_dir: Path) -> None:
    urls = [url for name, url in source_urls(corpus_dir).items() if name in PAGES]
    assert len(urls) == len(PAGES)
    assert all(SITE.is_article(url) for url in urls)
    assert SITE.is_article(
        "http://bola.liputan6.com/read/2934383/misi-rooney?utm_source=lpfeed&utm_medium=lpfeed"
    )
    for not_article in (
        "https://www.liputan6.com/news",
        "https://www.liputan6.com/tag/covid-19",
        "https://www.liputan6.com/indeks",
        "https://www.liputan6.com.evil.example/read/1/x",
    ):
        assert not SITE.is_article(not_article), not_article
