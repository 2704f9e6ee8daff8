"""Work on one parsed page kept with it, for the page's readers that would repeat it.

Keyed by the page's root element, so it lives as long as the parsed page and no longer.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from weakref import WeakKeyDictionary

from lxml import etree

_MEMOS: WeakKeyDictionary[etree._Element, dict[Hashable, Any]] = WeakKeyDictionary()


def page_memo(element: etree._Element) -> dict[Hashable, Any]:
    """The memo of the page ``element`` belongs to: a dict its readers key as they like."""
    top = element.getroottree().getroot()
    memo = _MEMOS.get(top)
    if memo is None:
        memo = _MEMOS[top] = {}
    return memo
