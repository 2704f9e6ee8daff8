"""Simple CSS site selectors answered from one walk over the page, not one XPath walk each.

A site file's CSS selectors are mostly of one kind: a tag, classes, an id and attributes,
joined by descendant or child combinators, ending in ``::text`` or ``::attr(name)``
(``div.story > p``, ``meta[name='description']::attr(content)``). Their XPath translations
each walk the whole document. Here the page's elements are read once, by tag, class and id,
and such a selector is answered from those lists, giving exactly what its XPath gives (the
same nodes, in document order). Anything else (other combinators, pseudo-classes, attribute
operators beyond ``=``, namespaces, several groups with results) is left to XPath: ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cssselect
from cssselect.parser import (
    Attrib,
    Class,
    CombinedSelector,
    Element,
    FunctionalPseudoElement,
    Hash,
    Tree,
)
from lxml import etree

from crawler.extraction.pagememo import page_memo

# XPath's normalize-space() splits at these only (str.split() would split at more).
_XML_SPACE = str.maketrans("\t\n\r", "   ")
_TEXT_NODES = etree.XPath("text()", smart_strings=False)


@dataclass(frozen=True)
class _Compound:
    """One compound selector: every condition on one element."""

    tag: str | None
    classes: tuple[str, ...]
    ids: tuple[str, ...]
    # (name, value): the attribute equals value; value None: the attribute is there.
    attributes: tuple[tuple[str, str | None], ...]

    def matches(self, element: etree._Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        for name, value in self.attributes:
            found = element.get(name)
            if found is None or (value is not None and found != value):
                return False
        for value in self.ids:
            if element.get("id") != value:
                return False
        if self.classes:
            tokens = _class_tokens(element.get("class"))
            return all(name in tokens for name in self.classes)
        return True


@dataclass(frozen=True)
class _Chain:
    """Compounds left to right, the combinator before each but the first (" " or ">"), and
    what the last one's elements give: themselves, their text nodes or an attribute."""

    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]
    text: bool
    attribute: str | None


def _class_tokens(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(value.translate(_XML_SPACE).split(" ")) - {""}


@lru_cache(maxsize=1024)
def css_plan(selector: str) -> tuple[_Chain, ...] | None:
    """The chains of a CSS selector this module answers, or None for XPath to answer it."""
    try:
        parsed = cssselect.parse(selector)
    except cssselect.SelectorError:
        return None
    chains = []
    for group in parsed:
        chain = _chain(group.parsed_tree, group.pseudo_element)
        if chain is None:
            return None
        chains.append(chain)
    return tuple(chains) if chains else None


def _chain(tree: Tree, pseudo: str | FunctionalPseudoElement | None) -> _Chain | None:
    compounds: list[_Compound] = []
    combinators: list[str] = []
    while isinstance(tree, CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        last = _compound(tree.subselector)
        if last is None:
            return None
        compounds.append(last)
        combinators.append(tree.combinator)
        tree = tree.selector
    first = _compound(tree)
    if first is None:
        return None
    compounds.append(first)
    compounds.reverse()
    combinators.reverse()
    subject = compounds[-1]
    bare = not (subject.tag or subject.classes or subject.ids or subject.attributes)
    text, attribute = False, None
    if pseudo is not None:
        if bare:  # ``::text`` alone asks for every text node: XPath's to answer
            return None
        if pseudo == "text":
            text = True
        elif isinstance(pseudo, FunctionalPseudoElement) and pseudo.name == "attr":
            if pseudo.argument_types() not in (["STRING"], ["IDENT"]):
                return None
            attribute = str(pseudo.arguments[0].value)
            if ":" in attribute:
                return None
        else:
            return None
    return _Chain(tuple(compounds), tuple(combinators), text, attribute)


def _compound(tree: Tree) -> _Compound | None:
    classes: list[str] = []
    ids: list[str] = []
    attributes: list[tuple[str, str | None]] = []
    while not isinstance(tree, Element):
        if isinstance(tree, Class):
            if not tree.class_name or any(c.isspace() for c in tree.class_name):
                return None
            classes.append(tree.class_name)
        elif isinstance(tree, Hash):
            ids.append(tree.id)
        elif isinstance(tree, Attrib) and tree.namespace is None:
            name = tree.attrib.lower()
            if ":" in name:
                return None
            if tree.operator == "exists":
                attributes.append((name, None))
            elif tree.operator == "=" and tree.value is not None:
                attributes.append((name, str(tree.value.value)))
            else:
                return None
        else:
            return None
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = None if tree.element in (None, "*") else str(tree.element).lower()
    return _Compound(tag, tuple(classes), tuple(ids), tuple(attributes))


class _PageElements:
    """The page's elements in document order, by tag, by class and by id."""

    def __init__(self, root: etree._Element) -> None:
        self.all: list[etree._Element] = []
        self.by_tag: dict[str, list[etree._Element]] = {}
        self.by_class: dict[str, list[etree._Element]] = {}
        self.by_id: dict[str, list[etree._Element]] = {}
        for element in root.iter():
            tag = element.tag
            if not isinstance(tag, str):  # comments, processing instructions
                continue
            self.all.append(element)
            self.by_tag.setdefault(tag, []).append(element)
            classes = element.get("class")
            if classes:
                for name in _class_tokens(classes):
                    self.by_class.setdefault(name, []).append(element)
            if (id_ := element.get("id")) is not None:
                self.by_id.setdefault(id_, []).append(element)

    def candidates(self, compound: _Compound) -> list[etree._Element]:
        """Elements that may match ``compound``, in document order (its shortest list)."""
        if compound.ids:
            return self.by_id.get(compound.ids[0], [])
        if compound.classes:
            return min((self.by_class.get(name, []) for name in compound.classes), key=len)
        if compound.tag is not None:
            return self.by_tag.get(compound.tag, [])
        return self.all


def _page_elements(root: etree._Element) -> _PageElements:
    memo = page_memo(root)
    found = memo.get(_PageElements)
    if found is None:
        found = memo[_PageElements] = _PageElements(root)
    return found


def _ancestry_matches(
    element: etree._Element, compounds: tuple[_Compound, ...], combinators: tuple[str, ...]
) -> bool:
    """Whether the compounds before the subject match ``element``'s ancestors as joined."""
    if not compounds:
        return True
    compound, combinator = compounds[-1], combinators[-1]
    parent = element.getparent()
    if combinator == ">":
        return (
            parent is not None
            and compound.matches(parent)
            and _ancestry_matches(parent, compounds[:-1], combinators[:-1])
        )
    while parent is not None:
        if compound.matches(parent) and _ancestry_matches(parent, compounds[:-1], combinators[:-1]):
            return True
        parent = parent.getparent()
    return False


def _chain_elements(page: _PageElements, chain: _Chain) -> list[etree._Element]:
    subject = chain.compounds[-1]
    before, joins = chain.compounds[:-1], chain.combinators
    return [
        element
        for element in page.candidates(subject)
        if subject.matches(element) and _ancestry_matches(element, before, joins)
    ]


def css_nodes(root: etree._Element, plan: tuple[_Chain, ...]) -> list[Any] | None:
    """What the XPath of the selector planned as ``plan`` finds from the page's root element,
    or None where this module cannot promise the same answer (XPath's to give)."""
    page = _page_elements(root)
    found: list[tuple[_Chain, list[etree._Element]]] = []
    for chain in plan:
        elements = _chain_elements(page, chain)
        if elements:
            found.append((chain, elements))
    if not found:
        return []
    if len(found) > 1:
        return None  # a union in document order: XPath's
    chain, elements = found[0]
    if chain.attribute is not None:
        name = chain.attribute
        return [value for element in elements if (value := element.get(name)) is not None]
    if chain.text:
        if len(elements) > 1 and _nested(elements):
            return None  # text nodes of nested matches interleave: XPath's
        return [text for element in elements for text in _TEXT_NODES(element)]
    return elements


def _nested(elements: list[etree._Element]) -> bool:
    matched = set(elements)
    return any(ancestor in matched for element in elements for ancestor in element.iterancestors())
