"""Site selectors: CSS or XPath strings from a site file, applied with parsel.

A selector starting with ``/``, ``(`` or an XPath function call (``substring-before(...)``) is
XPath, anything else is CSS. Selectors that end in text
or attribute nodes (``::text``, ``::attr(x)``, ``/text()``, ``/@x``) give those strings; selectors
that match elements give the elements' normalised text content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

# Block-level tags end a paragraph; content of the skipped tags is never article text.
_BLOCKS = """address article aside blockquote dd details div dl dt figcaption figure footer form
h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td th thead tr ul"""
BLOCK_TAGS = frozenset(_BLOCKS.split())
_SKIPPED = "button canvas embed head iframe noscript object script select style svg template"
SKIPPED_TAGS = frozenset(_SKIPPED.split())

_SPACE = re.compile(r"\s+")
# Invisible format characters that editors paste into Indonesian news text.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


def normalise_space(text: str) -> str:
    """Collapse whitespace (``&nbsp;`` included) to single spaces and drop invisible marks."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    # str.split() splits at what re's \s matches and drops the ends: the regex's result.
    return " ".join(text.split())


_XPATH_FUNCTION = re.compile(r"^\s*[a-z][a-z-]*\(")


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "(")) or bool(_XPATH_FUNCTION.match(selector))


def select(root: Selector, selector: str) -> SelectorList[Selector]:
    """Apply a site-file selector (XPath or CSS) to ``root``."""
    return root.xpath(selector) if is_xpath(selector) else root.css(selector)


# parsel's own: its ``::text`` and ``::attr()``, and the EXSLT prefixes its XPath knows.
_CSS = HTMLTranslator()
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_PREFIX = re.compile(r"(?<![\w.-])(re|set):(?!:)")


#: A query, ready to run on an element (``variables`` as keywords).
_Query = Callable[..., Any]


@lru_cache(maxsize=1024)
def _compiled(selector: str) -> _Query:
    """A site-file selector translated and compiled once (``ValueError`` when invalid)."""
    query = selector if is_xpath(selector) else _CSS.css_to_xpath(selector)
    try:
        return _compile(query)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {query}") from None


@lru_cache(maxsize=256)
def _compiled_xpath(query: str) -> _Query:
    return _compile(query)


def _compile(query: str) -> _Query:
    """``query`` compiled, with the EXSLT prefixes it names.

    A compiled XPath with the ``set`` prefix registered keeps an error (``ERR_NO_MEMORY``,
    harmless) from every call in its log for good: memory that grows with every page read.
    So a query names only the prefixes it uses, and one using ``set:`` is checked here but
    run by an evaluator of its own each time, whose log goes with it.
    """
    named = set(_PREFIX.findall(query))
    namespaces = {prefix: uri for prefix, uri in _NAMESPACES.items() if prefix in named}
    compiled = etree.XPath(query, namespaces=namespaces, smart_strings=False)
    if "set" not in namespaces:
        return compiled

    def each_time(element: etree._Element, **variables: Any) -> Any:
        return element.xpath(query, namespaces=namespaces, smart_strings=False, **variables)

    return each_time


def xpath_nodes(element: etree._Element, query: str, **variables: Any) -> list[Any]:
    """What parsel's ``Selector.xpath(query, **variables)`` finds from ``element``, as lxml
    gives it (no ``Selector`` each), the query compiled once per process."""
    found = _compiled_xpath(query)(element, **variables)
    return found if isinstance(found, list) else [found]


def select_nodes(root: Selector, selector: str) -> list[Any]:
    """What ``select`` finds, as lxml gives it: elements and strings, no ``Selector`` each.

    Queries are compiled once per process, so fixed queries of the extraction use it too.
    """
    return element_nodes(root.root, selector)


def element_nodes(element: etree._Element, selector: str) -> list[Any]:
    """``select_nodes`` from an element of the page (a site-file selector, XPath or CSS)."""
    try:
        found = _compiled(selector)(element)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc} in {selector}") from None
    return found if isinstance(found, list) else [found]


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


_BOLD_TAGS = frozenset({"b", "strong"})
# A short paragraph that is (almost) all link text is a related-article line, not the story.
LINK_LINE_SHARE = 0.8
LINK_LINE_WORDS = 30


@dataclass(frozen=True)
class Block:
    """One paragraph of an element and how much of its text is link text (0 to 1)."""

    text: str
    link_share: float
    # Every line (between <br>) is mostly link text: a list of related-article links.
    all_lines_linked: bool = False


# A run of text: the text, whether it is link text, whether it is bold.
_Piece = tuple[str, bool, bool]


class _BlockBuilder:
    """Collects text runs into lines (``<br>``) and lines into paragraphs (blocks, ``<br><br>``).

    A line written wholly in bold inside a longer paragraph is a sub-heading or a sign-off
    (``<strong>Kurang Motivasi</strong><br>Kurangnya ...``): it becomes a paragraph of its own.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[list[_Piece]] = []
        self.line: list[_Piece] = []

    def text(self, text: str, link: bool, bold: bool) -> None:
        if "\n" not in text:  # no paragraph break in it: most runs
            if text:
                self.line.append((text, link, bold))
            return
        parts = _PARAGRAPH_BREAK.split(text)
        for index, part in enumerate(parts):
            if index:
                self.paragraph()
            if part:
                self.line.append((part, link, bold))

    def line_break(self) -> None:
        if not self._end_line() and self.lines:
            # An empty line: two <br> in a row end the paragraph.
            self.paragraph()

    def _end_line(self) -> bool:
        """Close the current line; False when it held no text."""
        line, self.line = self.line, []
        # Pieces are never empty: one that is not all whitespace has text.
        if any(not piece[0].isspace() for piece in line):
            self.lines.append(line)
            return True
        return False

    def paragraph(self) -> None:
        self._end_line()
        lines, self.lines = self.lines, []
        if len(lines) < 2:
            if lines:
                self._emit(lines)
            return
        run: list[list[_Piece]] = []
        for line in lines:
            if _bold_only(line):
                self._emit(run)
                self._emit([line])
                run = []
            else:
                run.append(line)
        self._emit(run)

    def _emit(self, lines: list[list[_Piece]]) -> None:
        text = normalise_space("\n".join("".join(piece[0] for piece in line) for line in lines))
        if not text:
            return
        shares = [_visible_counts(line) for line in lines]
        total = sum(visible for visible, _ in shares)
        linked = sum(linked for _, linked in shares)
        self.blocks.append(
            Block(
                text,
                linked / total if total else 0.0,
                len(lines) > 1
                and all(
                    (linked / visible if visible else 0.0) >= LINK_LINE_SHARE
                    for visible, linked in shares
                ),
            )
        )


def _visible(text: str) -> int:
    return len("".join(text.split()))


def _visible_counts(line: list[_Piece]) -> tuple[int, int]:
    """Visible characters of a line, and how many of them are link text."""
    total = linked = 0
    for text, link, _ in line:
        visible = _visible(text)
        total += visible
        if link:
            linked += visible
    return total, linked


def _bold_only(line: list[_Piece]) -> bool:
    return all(piece[2] or piece[0].isspace() for piece in line)


def text_blocks(
    element: etree._Element, skip: frozenset[etree._Element] = frozenset()
) -> list[Block]:
    """Paragraphs of an element: blocks and ``<br><br>`` split it, whitespace normalised.

    Elements in ``skip`` (and script, style and the like) add nothing but their tail text.
    Iterative (not recursive): broken markup can nest unclosed inline tags very deeply.
    """
    builder = _BlockBuilder()
    if not isinstance(element.tag, str):
        return []
    links = bold = 0
    walker = etree.iterwalk(element, events=("start", "end", "comment", "pi"))
    skipped: set[etree._Element] = set()
    for event, node in walker:
        if event == "comment" or event == "pi":
            if node.tail:  # a comment carries no text, but what follows it does
                builder.text(node.tail, links > 0, bold > 0)
            continue
        tag = node.tag
        tag = tag.lower() if isinstance(tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                builder.paragraph()
            if tag in SKIPPED_TAGS or node in skip:
                skipped.add(node)
                walker.skip_subtree()
                continue
            if tag == "br":
                builder.line_break()
            links += tag == "a"
            bold += tag in _BOLD_TAGS
            if node.text:
                builder.text(node.text, links > 0, bold > 0)
            continue
        if node not in skipped:
            links -= tag == "a"
            bold -= tag in _BOLD_TAGS
            if tag in BLOCK_TAGS:
                builder.paragraph()
        elif tag in BLOCK_TAGS:
            builder.paragraph()
        if node is not element and node.tail:
            builder.text(node.tail, links > 0, bold > 0)
    builder.paragraph()
    return builder.blocks


def element_blocks(
    element: etree._Element, skip: frozenset[etree._Element] = frozenset()
) -> list[str]:
    """Paragraphs of an element as text (see ``text_blocks``)."""
    return [block.text for block in text_blocks(element, skip)]


def element_text(element: etree._Element) -> str:
    """Normalised text content of an element, without script/style content."""
    if len(element) == 0 and isinstance(element.tag, str):
        # No child (nor comment): its one text run is the whole text, whatever its blocks.
        return "" if _tag(element) in SKIPPED_TAGS else normalise_space(element.text or "")
    return normalise_space(" ".join(element_blocks(element)))


def _visible_count(text: str) -> int:
    """Characters of ``text`` that ``normalise_space`` keeps as they are."""
    return len(_SPACE.sub("", _INVISIBLE.sub("", text)))


def text_longer_than(element: etree._Element, limit: int) -> bool:
    """Whether ``element_text(element)`` is surely longer than ``limit`` characters.

    Counts the characters it keeps unchanged and stops once past ``limit``: cheap on a large
    element, where ``element_text`` would walk and join all of it (False does not promise a
    short text).
    """
    if not isinstance(element.tag, str) or _tag(element) in SKIPPED_TAGS:
        return False
    count = _visible_count(element.text or "")
    walker = etree.iterwalk(element, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if count > limit:
            return True
        if event == "start":
            if node is not element:
                if _tag(node) in SKIPPED_TAGS:
                    walker.skip_subtree()
                elif node.text:
                    count += _visible_count(node.text)
        elif node is not element and node.tail and event != "start":
            count += _visible_count(node.tail)
    return count > limit


def select_texts(root: Selector, selector: str) -> list[str]:
    """Every non-empty string a selector yields: text/attribute nodes or element text."""
    texts = []
    for node in select_nodes(root, selector):
        is_element = isinstance(node, etree._Element)
        text = element_text(node) if is_element else normalise_space(str(node))
        if text:
            texts.append(text)
    return texts


def select_text(root: Selector, selector: str) -> str | None:
    """One value: the first element's text, the first attribute, or all text nodes joined."""
    return text_of_nodes(select_nodes(root, selector), selector)


def text_of_nodes(nodes: list[Any], selector: str) -> str | None:
    """``select_text`` of what ``selector`` found."""
    if not nodes:
        return None
    if isinstance(nodes[0], etree._Element):
        for node in nodes:
            text = element_text(node)
            if text:
                return text
        return None
    if _ATTRIBUTE.search(selector):
        for node in nodes:
            text = normalise_space(str(node))
            if text:
                return text
        return None
    # ``h1::text`` yields one node per text run; inline markup splits a title into several.
    return normalise_space(" ".join(str(node) for node in nodes)) or None


_ATTRIBUTE = re.compile(r"(::attr\([^)]*\)|/@[\w:*-]+)\s*$")


def is_link_line(block: Block) -> bool:
    if block.link_share < LINK_LINE_SHARE:
        return False
    return block.all_lines_linked or len(block.text.split()) <= LINK_LINE_WORDS


def article_paragraphs(
    element: etree._Element, skip: frozenset[etree._Element] = frozenset()
) -> list[str]:
    """Paragraphs of an article body element, without related-article link lines."""
    return [block.text for block in text_blocks(element, skip) if not is_link_line(block)]


def select_paragraphs(
    root: Selector, selector: str, skip: frozenset[etree._Element] = frozenset()
) -> list[str]:
    """Paragraphs in document order: each matched block splits into its own paragraphs.

    Elements in ``skip`` leave the text; so do related-article link lines.
    """
    paragraphs: list[str] = []
    for node in select_nodes(root, selector):
        if isinstance(node, etree._Element):
            if node not in skip:
                paragraphs.extend(article_paragraphs(node, skip))
        else:
            text = normalise_space(str(node))
            if text:
                paragraphs.append(text)
    return paragraphs


def select_elements(root: Selector, selector: str) -> frozenset[etree._Element]:
    """The elements a selector matches (text and attribute results are left out)."""
    return frozenset(
        node for node in select_nodes(root, selector) if isinstance(node, etree._Element)
    )


def matches(root: Selector, selector: str) -> bool:
    """Whether the page contains what a layout's ``match`` selector describes."""
    return bool(select_nodes(root, selector))
