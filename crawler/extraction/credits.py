"""Visible credit lines of a page no layout describes.

Indonesian news pages print who did what in short lines of their own, often at the foot of the
text or in a table under it ("Penulis : Ferril Dennys", "Editor: Ade Marboen", "Reporter :
..."), an "Oleh ..." line by the headline, or a bold name closing the last paragraph. Each
is returned as shown, with where it was found (``credit_line``, ``byline``, ``body_foot``):
the authors stage reads the roles (an editor is never an author).
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from crawler.extraction.selectors import element_text, xpath_nodes
from crawler.extraction.visible import near_headline

_ROLES = (
    "penulis|reporter|pewarta|wartawan|editor|redaktur|penyunting|kontributor|fotografer|sumber"
)
_ROLE_LINE = re.compile(rf"^(?:{_ROLES})\s*:\s*\w", re.IGNORECASE)
# The start of a text node that may open a credit line (an XPath regular expression).
_ROLE_START = rf"^\s*({_ROLES})\b"
# How many containers up a role word's text may look for the rest of its line.
_CLIMB = 3
_OLEH_LINE = re.compile(r"^(?:oleh|by)\s*:?\s+\w", re.IGNORECASE)
# A name as a sign-off prints it: two to four capitalised words, nothing else.
_SIGN_OFF = re.compile(r"^[A-Z][A-Za-z'.\-]+(?:\s+[A-Z][A-Za-z'.\-]*){1,3}$")
# Words of the prompts sites set in bold at the end of a text ("Baca Juga", "Simak Video").
_PROMPT_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "baca juga simak lihat video berita terkait foto sumber artikel selengkapnya klik di "
        "sini disini berikut ini advertisement iklan tonton saksikan"
    ).split()
)
# Where credit lines of other articles or of the site stand; a header or footer is the
# page's unless it is inside an <article>.
_ELSEWHERE = {"nav", "aside", "form", "script", "style", "noscript"}
_PAGE_PARTS = {"header", "footer"}
_MAX_LINE = 80
_MAX_LINES = 6
# A closing name ends a paragraph with this much text before it.
_MIN_CLOSED_TEXT = 80


def _elsewhere(element: etree._Element) -> bool:
    tags = [p.tag.lower() for p in element.iterancestors() if isinstance(p.tag, str)]
    in_article = "article" in tags
    return any(tag in _ELSEWHERE or (tag in _PAGE_PARTS and not in_article) for tag in tags)


def credit_lines(root: Selector) -> list[str]:
    """Short "Role: name" lines in page order: from each text that starts with a role word,
    the nearest element around it that reads as a whole credit ("Penulis" | ": A" in a row)."""
    found: list[str] = []
    for node in xpath_nodes(root.root, f"//body//text()[re:test(., '{_ROLE_START}', 'i')]/.."):
        element: etree._Element | None = node
        for _ in range(_CLIMB):
            if element is None or _elsewhere(element):
                break
            text = element_text(element)
            if len(text) > _MAX_LINE:
                break
            if _ROLE_LINE.match(text):
                if text not in found:
                    found.append(text)
                break
            element = element.getparent()
    return found[:_MAX_LINES]


def headline_byline(root: Selector, title: str | None) -> str | None:
    """An "Oleh ..." line next to the headline."""
    return next(iter(near_headline(root, title, _MAX_LINE, _OLEH_LINE.match)), None)


def closing_name(root: Selector) -> str | None:
    """A bold name that closes a paragraph of text, after a line break: the writer's sign-off."""
    for element in xpath_nodes(root.root, "//body//p/*[self::strong or self::b][last()]"):
        name = element_text(element)
        if not name or not _SIGN_OFF.match(name) or _elsewhere(element):
            continue
        if any(word.casefold() in _PROMPT_WORDS for word in name.split()):
            continue
        if (element.tail or "").strip() or element.getnext() is not None:
            continue
        before = element.getprevious()
        paragraph = element.getparent()
        if before is None or before.tag != "br" or paragraph is None:
            continue
        if len(element_text(paragraph)) - len(name) >= _MIN_CLOSED_TEXT:
            return name
    return None
