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
# How many of the best candidates the JSON-LD body re-weighs.
_VERIFIED = 20
# A candidate holding this share of the JSON-LD body's words is the whole story.
_COVERED = 0.8
# Below this share the page's text blocks and its JSON-LD body disagree: neither is trusted.
_DISAGREES = 0.5
# The other sections of a story split in parts score at least this share of the best part.
_SECTION_SHARE = 0.25
# Class and id words of article text, and of what surrounds it.
_POSITIVE = re.compile(
    r"article|body|content|detail|entry|isi|konten|main|post|read|story|text|berita|news", re.I
)
# Words matched at the start of a class or id token: "tags" and "navbar", not "stage" or
# "canvas"; "footer", not "football".
_NEGATIVE = re.compile(
    r"(?:^|[\s_-])(?:related|terkait|recommend|rekomendasi|populer|popular|trending|widget"
    r"|header|nav|menu|share|social|sosmed|banner|iklan|promo|advert|sponsor|tag|breadcrumb"
    r"|more|lainnya|list|index|indeks|copyright)",
    re.I,
)
# Never the article, however much text they hold: readers' comments, sidebars, footers.
_OUTSIDE = re.compile(
    r"(?:^|[\s_-])(?:comment|komentar|disqus|repl(?:y|ies)|balasan|sidebar|side-bar|aside"
    r"|footer|foot(?:$|[\s_-]))",
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
    positive = bool(_POSITIVE.search(words))
    weight = 1.6 if positive else 1.0
    if _OUTSIDE.search(words) and not positive:
        weight *= 0.1
    elif _OUTSIDE.search(words) or _NEGATIVE.search(words):
        # "sidebar-grid__content article__content": a layout name beside a content one.
        weight *= 0.4
    return weight


def _inline_text(element: etree._Element) -> str:
    """All text of ``element`` but its scripts and styles (lxml walks it, no recursion here)."""
    return " ".join(_TEXT(element))


_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")


def _visible(text: str | None) -> int:
    return 0 if not text or text.isspace() else len(text.strip())


# Characters and commas of an element's text, characters of its links, and characters and
# commas of its own text (outside its block children): (total, linked, commas, own, own_commas).
# Plain tuples: the page pass builds one per element.
_Measure = tuple[int, int, int, int, int]
_EMPTY: _Measure = (0, 0, 0, 0, 0)


def measure(elements: list[etree._Element]) -> dict[etree._Element, _Measure]:
    """``_Measure`` of every element of ``elements`` (an ``iter()`` of a tree), children first."""
    measures: dict[etree._Element, _Measure] = {}
    empty = _EMPTY
    for element in reversed(elements):
        tag = element.tag
        if not isinstance(tag, str) or tag in SKIPPED_TAGS:
            measures[element] = empty
            continue
        text = element.text
        own = _visible(text)
        own_commas = text.count(",") if own else 0
        total, linked, commas = own, 0, own_commas
        for child in element:
            child_total, child_linked, child_commas, _, _ = measures.get(child, empty)
            tail = child.tail
            tail_length = _visible(tail)
            tail_commas = tail.count(",") if tail_length else 0
            total += child_total + tail_length
            linked += child_linked
            commas += child_commas + tail_commas
            own += tail_length
            own_commas += tail_commas
            if child_total and child.tag not in BLOCK_TAGS:
                own += child_total
                own_commas += child_commas
        measures[element] = (total, total if tag == "a" else linked, commas, own, own_commas)
    return measures


def link_density(element: etree._Element) -> float:
    """Share of ``element``'s visible text that is link text (1 for an element without text)."""
    total, linked, _, _, _ = measure(list(element.iter()))[element]
    return linked / total if total else 1.0


@dataclass(frozen=True)
class Candidate:
    """A possible article container and its score."""

    element: etree._Element
    score: float


def _paragraphs(
    elements: list[etree._Element], measures: dict[etree._Element, _Measure]
) -> Iterator[tuple[etree._Element, float]]:
    """Paragraph-like elements (not inside a link) and their votes, in document order."""
    linked: set[etree._Element] = set()
    for element in elements:
        parent = element.getparent()
        if element.tag == "a" or parent in linked:
            linked.add(element)
            continue
        if element.tag in _PARAGRAPH_TAGS:
            _, _, _, own, own_commas = measures[element]
            if own >= _MIN_PARAGRAPH:
                yield element, 1.0 + own_commas + min(own / 80.0, 3.0)


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


def candidates(
    root: etree._Element, headline: str | None = None, reference: str | None = None
) -> list[Candidate]:
    """Containers of running text, best first (see the module docstring)."""
    body = next(iter(root.iter("body")), root)
    elements = list(body.iter())
    measures = measure(elements)
    votes: dict[etree._Element, float] = {}
    for element, score in _paragraphs(elements, measures):
        # The element itself counts too: a <div> of <br>-separated text is its own container.
        if element.tag in _CANDIDATE_TAGS:
            votes[element] = votes.get(element, 0.0) + score
        for level, ancestor in enumerate(element.iterancestors(), start=1):
            if level > 3 or ancestor.tag in ("body", "html"):
                break
            if ancestor.tag in _CANDIDATE_TAGS:
                votes[ancestor] = votes.get(ancestor, 0.0) + score / (level + 1 if level > 1 else 1)
    if not votes:
        return []
    order = {element: index for index, element in enumerate(elements)}
    h1 = _headline_element(body, headline)
    scored = []
    for element, vote in votes.items():
        total, linked, _, _, _ = measures[element]
        density = linked / total if total else 1.0
        score = vote * (1.0 - density) * class_weight(element)
        if element.get("itemprop") == "articleBody":
            score *= 3.0  # the page's own markup says so
        if h1 is not None and not _contains(element, h1) and order[element] < order[h1]:
            # Before the headline: navigation, a header or a teaser box, not the story.
            score *= 0.3
        scored.append(Candidate(element, score))
    scored.sort(key=lambda c: c.score, reverse=True)
    if reference:
        scored = _verified(scored, _words(reference))
    return scored


def _share(reference: set[str], element: etree._Element) -> float:
    """How many of the reference's words ``element``'s text holds (0 to 1)."""
    return len(reference & _words(_inline_text(element))) / len(reference) if reference else 0.0


def _verified(scored: list[Candidate], reference: set[str]) -> list[Candidate]:
    """The leading candidates weighed by how many of the JSON-LD body's words they hold."""
    if not reference:
        return scored
    checked = [
        Candidate(c.element, c.score * (0.25 + _share(reference, c.element)))
        for c in scored[:_VERIFIED]
    ]
    checked.sort(key=lambda c: c.score, reverse=True)
    return checked + scored[_VERIFIED:]


def _contains(element: etree._Element, other: etree._Element) -> bool:
    return any(ancestor is element for ancestor in other.iterancestors())


def article_container(
    root: etree._Element, headline: str | None = None, reference: str | None = None
) -> etree._Element | None:
    """The element most likely to hold the article's text; None for a page without any, or
    when no text block holds most of the page's JSON-LD ``articleBody`` (the metadata's copy of
    the story is then the better guess)."""
    found = candidates(root, headline, reference)
    if not found:
        return None
    best = found[0].element
    if reference:
        share = _share(_words(reference), best)
        if share >= _COVERED:
            return best  # it holds the JSON-LD body: no other section belongs to the story
        if share < _DISAGREES:
            return None
    scores = {candidate.element: candidate.score for candidate in found}
    return _with_sections(best, scores)


def _with_sections(best: etree._Element, scores: dict[etree._Element, float]) -> etree._Element:
    """A story split into sections (pages shown one under the other, each in a wrapper of the
    same class) is the parent of those wrappers, when the other sections hold text that scores
    like the story's (a column of teasers of the same class does not)."""
    element = best
    if best.get("itemprop") == "articleBody":
        return best
    for _ in range(_SECTION_LEVELS):
        parent = element.getparent()
        if parent is None or _tag(parent) in ("body", "html"):
            break
        if element.get("class"):
            others = [
                _section_score(sibling, scores)
                for sibling in parent
                if sibling is not element
                and sibling.tag == element.tag
                and sibling.get("class") == element.get("class")
            ]
            if others and sum(others) >= _SECTION_SHARE * scores[best]:
                return parent if class_weight(parent) >= 1.0 else best
        element = parent
    return best


def _section_score(element: etree._Element, scores: dict[etree._Element, float]) -> float:
    """The best score of ``element`` or a container inside it (0 for one without text)."""
    found = [scores[e] for e in (element, *element.iterdescendants()) if e in scores]
    return max(found, default=0.0)
