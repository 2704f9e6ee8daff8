"""The article container of a page no site file describes: the element holding the story.

A news page has several text-rich blocks (the article, sidebars, comments, lists of other
stories). Each paragraph-like element votes for its parent and, less, its grandparents, by how
much running text it holds (readability's rule); a candidate's votes are then weighed by

- link density: text of other stories' links is not the article's;
- its class and id: "content", "detail", "isi" lean in; "comment", "sidebar", "related" out;
- its place relative to the headline: the story follows the page's ``<h1>``;
- the JSON-LD ``articleBody`` when the page has one: the container that holds most of its words
  is the article (the property is evidence only; it is often cut short or unsplit).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from crawler.extraction.selectors import BLOCK_TAGS, SKIPPED_TAGS, normalise_space

_CANDIDATE_TAGS = frozenset({"div", "article", "section", "main", "td", "span", "font", "center"})
_PARAGRAPH_TAGS = frozenset({"p", "div", "td", "section", "article", "span", "font", "pre"})
_MIN_PARAGRAPH = 25
_SECTION_LEVELS = 2
# Class and id words of article text, and of what surrounds it.
_POSITIVE = re.compile(
    r"article|body|content|detail|entry|isi|konten|main|post|read|story|text|berita|news", re.I
)
_NEGATIVE = re.compile(
    r"comment|komentar|sidebar|side-bar|aside|related|terkait|recommend|rekomendasi|populer"
    r"|popular|trending|widget|footer|header|nav|menu|share|social|sosmed|banner|iklan|promo"
    r"|advert|sponsor|tag|breadcrumb|more|lainnya|list|index|indeks|foot|copyright",
    re.I,
)


def _tag(element: etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _class_words(element: etree._Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def class_weight(element: etree._Element) -> float:
    """Above 1 for a content-like class or id, below 1 for a sidebar- or comment-like one."""
    words = _class_words(element)
    if not words.strip():
        return 1.0
    weight = 1.0
    if _NEGATIVE.search(words):
        weight *= 0.4
    if _POSITIVE.search(words):
        weight *= 1.6
    return weight


def _own_text(element: etree._Element) -> str:
    """Text of ``element`` outside its block-level children (inline markup included)."""
    parts = [element.text or ""]
    for child in element:
        tag = _tag(child)
        if tag and tag not in BLOCK_TAGS and tag not in SKIPPED_TAGS:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return normalise_space(" ".join(parts))


def _inline_text(element: etree._Element) -> str:
    if _tag(element) in SKIPPED_TAGS:
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _text_length(element: etree._Element) -> tuple[int, int]:
    """Visible characters of ``element`` and of the links in it."""
    total = linked = 0
    for node in element.iter():
        tag = _tag(node)
        if not tag or tag in SKIPPED_TAGS:
            continue
        inside_link = tag == "a" or any(_tag(a) == "a" for a in node.iterancestors())
        own = len("".join((node.text or "").split()))
        total += own
        if inside_link:
            linked += own
        tail = len("".join((node.tail or "").split()))
        if node is not element:
            total += tail
            if inside_link and tag != "a":
                linked += tail
    return total, linked


def link_density(element: etree._Element) -> float:
    total, linked = _text_length(element)
    return linked / total if total else 1.0


@dataclass(frozen=True)
class Candidate:
    """A possible article container and its score."""

    element: etree._Element
    score: float


def _paragraphs(root: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    for element in root.iter():
        if _tag(element) not in _PARAGRAPH_TAGS:
            continue
        if any(_tag(a) in SKIPPED_TAGS or _tag(a) == "a" for a in element.iterancestors()):
            continue
        text = _own_text(element)
        if len(text) >= _MIN_PARAGRAPH:
            yield element, text


def _vote(text: str) -> float:
    return 1.0 + text.count(",") + min(len(text) / 100.0, 3.0)


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text.casefold()) if len(word) > 3}


def _headline_element(body: etree._Element, headline: str | None) -> etree._Element | None:
    h1s = [h for h in body.iter("h1")]
    if headline:
        wanted = normalise_space(headline).casefold()
        for h in h1s:
            if normalise_space(_inline_text(h)).casefold() == wanted:
                return h
    return h1s[0] if len(h1s) == 1 else None


def _order(root: etree._Element) -> dict[etree._Element, int]:
    return {element: index for index, element in enumerate(root.iter())}


def candidates(
    root: etree._Element, headline: str | None = None, reference: str | None = None
) -> list[Candidate]:
    """Containers of running text, best first (see the module docstring)."""
    body = next(iter(root.iter("body")), root)
    votes: dict[etree._Element, float] = {}
    for element, text in _paragraphs(body):
        score = _vote(text)
        # The element itself counts too: a <div> of <br>-separated text is its own container.
        if _tag(element) in _CANDIDATE_TAGS:
            votes[element] = votes.get(element, 0.0) + score
        for level, ancestor in enumerate(element.iterancestors(), start=1):
            if level > 3 or _tag(ancestor) in ("body", "html"):
                break
            if _tag(ancestor) in _CANDIDATE_TAGS:
                votes[ancestor] = votes.get(ancestor, 0.0) + score / (level + 1 if level > 1 else 1)
    if not votes:
        return []
    order = _order(body)
    h1 = _headline_element(body, headline)
    reference_words = _words(reference) if reference else set()
    scored = []
    for element, vote in votes.items():
        score = vote * (1.0 - link_density(element)) * class_weight(element)
        if element.get("itemprop") == "articleBody":
            score *= 3.0  # the page's own markup says so
        if h1 is not None and not _contains(element, h1) and order[element] < order[h1]:
            # Before the headline: navigation, a header or a teaser box, not the story.
            score *= 0.3
        if reference_words:
            found = _words(element_text_of(element))
            share = len(reference_words & found) / len(reference_words)
            score *= 0.25 + share
        scored.append(Candidate(element, score))
    scored.sort(key=lambda c: c.score, reverse=True)
    return scored


def _contains(element: etree._Element, other: etree._Element) -> bool:
    return any(ancestor is element for ancestor in other.iterancestors())


def element_text_of(element: etree._Element) -> str:
    return _inline_text(element)


def article_container(
    root: etree._Element, headline: str | None = None, reference: str | None = None
) -> etree._Element | None:
    """The element most likely to hold the article's text, or None for a page without any."""
    found = candidates(root, headline, reference)
    if not found:
        return None
    best = found[0].element
    scores = {candidate.element: candidate.score for candidate in found}
    return _with_sections(best, scores)


def _with_sections(best: etree._Element, scores: dict[etree._Element, float]) -> etree._Element:
    """A story split into sections (pages shown one under the other, each in a wrapper of the
    same class) is the parent of those wrappers."""
    element = best
    if best.get("itemprop") == "articleBody":
        return best
    for _ in range(_SECTION_LEVELS):
        parent = element.getparent()
        if parent is None or _tag(parent) in ("body", "html"):
            break
        if element.get("class") and any(
            sibling is not element
            and sibling.tag == element.tag
            and sibling.get("class") == element.get("class")
            and _holds_text(sibling, scores)
            for sibling in parent
        ):
            return parent if class_weight(parent) >= 1.0 else best
        element = parent
    return best


def _holds_text(element: etree._Element, scores: dict[etree._Element, float]) -> bool:
    return element in scores or any(e in scores for e in element.iterdescendants())
