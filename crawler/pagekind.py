"""Whether a fetched page is an article: its own markup says so, or its text does.

A site with no site file has no ``article_pattern`` to trust, so a page found by its URL's
shape is read as an article only when it declares one (JSON-LD ``NewsArticle``/``Article``,
``og:type=article``) or carries a headline over several paragraphs of text. Pure: parsel only.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

from crawler.extraction.jsonld import find_articles
from crawler.extraction.meta import meta_value

#: Paragraphs of at least ``PARAGRAPH_WORDS`` words an undeclared article needs under its h1.
MIN_PARAGRAPHS = 3
PARAGRAPH_WORDS = 12


@dataclass(frozen=True)
class PageKind:
    """``article`` and the evidence it rests on (``reason``), for logs and reports."""

    article: bool
    reason: str


def _longest_run(root: Selector) -> int:
    """Most paragraphs of text under one parent element.

    An article's paragraphs are siblings in its body; a listing's teasers, however long, sit
    one to an item. Paragraphs mostly made of link text are menus or related links.
    """
    by_parent: dict[object, int] = {}
    for paragraph in root.xpath("//p[not(ancestor::nav or ancestor::footer or ancestor::a)]"):
        words = " ".join(paragraph.xpath(".//text()").getall()).split()
        linked = " ".join(paragraph.xpath(".//a//text()").getall()).split()
        if len(words) >= PARAGRAPH_WORDS and len(linked) * 2 < len(words):
            parent = paragraph.root.getparent()
            by_parent[parent] = by_parent.get(parent, 0) + 1
    return max(by_parent.values(), default=0)


def page_kind(html: Selector | str, url: str = "") -> PageKind:
    """Whether the page is an article, and why."""
    root = Selector(text=html) if isinstance(html, str) else html
    if find_articles(root, url):
        return PageKind(True, "JSON-LD article")
    og_type = (meta_value(root, "og:type") or "").strip().lower()
    if og_type == "article":
        return PageKind(True, "og:type=article")
    if not root.xpath("//h1"):
        return PageKind(False, "no article markup and no h1")
    paragraphs = _longest_run(root)
    if paragraphs >= MIN_PARAGRAPHS:
        return PageKind(True, f"h1 and {paragraphs} paragraphs")
    return PageKind(False, f"h1 but {paragraphs} paragraphs of text")
