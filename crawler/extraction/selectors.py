"""Site selectors: CSS or XPath strings from a site file, applied with parsel.

A selector starting with ``/`` or ``(`` is XPath, anything else is CSS. Selectors that end in text
or attribute nodes (``::text``, ``::attr(x)``, ``/text()``, ``/@x``) give those strings; selectors
that match elements give the elements' normalised text content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from parsel import Selector, SelectorList

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
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "("))


def select(root: Selector, selector: str) -> SelectorList[Selector]:
    """Apply a site-file selector (XPath or CSS) to ``root``."""
    return root.xpath(selector) if is_xpath(selector) else root.css(selector)


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _chunks(root: etree._Element) -> Iterator[str]:
    """Text of ``root`` with blank lines around blocks and newlines for ``<br>``.

    Iterative (not recursive): broken markup can nest unclosed inline tags very deeply.
    """
    if not isinstance(root.tag, str):
        return
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            if node.tail:  # a comment carries no text, but what follows it does
                yield node.tail
            continue
        tag = _tag(node)
        if event == "start":
            if tag in SKIPPED_TAGS:
                walker.skip_subtree()
            elif tag == "br":
                yield "\n"
            else:
                if tag in BLOCK_TAGS:
                    yield "\n\n"
                if node.text:
                    yield node.text
            continue
        if tag in BLOCK_TAGS:
            yield "\n\n"
        if node is not root and node.tail:
            yield node.tail


def element_blocks(element: etree._Element) -> list[str]:
    """Paragraphs of an element: blocks and ``<br><br>`` split it, whitespace normalised."""
    text = "".join(_chunks(element))
    return [p for p in (normalise_space(part) for part in _PARAGRAPH_BREAK.split(text)) if p]


def element_text(element: etree._Element) -> str:
    """Normalised text content of an element, without script/style content."""
    return normalise_space(" ".join(element_blocks(element)))


def _is_element(selector: Selector) -> bool:
    return isinstance(selector.root, etree._Element)


def select_texts(root: Selector, selector: str) -> list[str]:
    """Every non-empty string a selector yields: text/attribute nodes or element text."""
    texts = []
    for match in select(root, selector):
        is_element = _is_element(match)
        text = element_text(match.root) if is_element else normalise_space(str(match.root))
        if text:
            texts.append(text)
    return texts


def select_text(root: Selector, selector: str) -> str | None:
    """One value: the first element's text, the first attribute, or all text nodes joined."""
    matches = select(root, selector)
    if not matches:
        return None
    if _is_element(matches[0]):
        for match in matches:
            text = element_text(match.root)
            if text:
                return text
        return None
    if _ATTRIBUTE.search(selector):
        for match in matches:
            text = normalise_space(str(match.root))
            if text:
                return text
        return None
    # ``h1::text`` yields one node per text run; inline markup splits a title into several.
    return normalise_space(" ".join(str(m.root) for m in matches)) or None


_ATTRIBUTE = re.compile(r"(::attr\([^)]*\)|/@[\w:*-]+)\s*$")


def select_paragraphs(root: Selector, selector: str) -> list[str]:
    """Paragraphs in document order: each matched block splits into its own paragraphs."""
    paragraphs: list[str] = []
    for match in select(root, selector):
        if _is_element(match):
            paragraphs.extend(element_blocks(match.root))
        else:
            text = normalise_space(str(match.root))
            if text:
                paragraphs.append(text)
    return paragraphs


def matches(root: Selector, selector: str) -> bool:
    """Whether the page contains what a layout's ``match`` selector describes."""
    return bool(select(root, selector))
