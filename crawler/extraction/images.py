"""Article pictures from site selectors: ``img`` elements, or figures with their captions."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from lxml import etree

from crawler.extraction.selectors import (
    element_nodes,
    element_text,
    normalise_space,
    select_nodes,
    text_of_nodes,
    xpath_nodes,
)
from crawler.items import Image

if TYPE_CHECKING:
    from parsel import Selector

# Lazy-loading pages keep the real address in a data attribute and a placeholder in ``src``.
_SOURCE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-full-src", "src")


def image_source(img: etree._Element) -> str | None:
    """The real picture address of an ``img``: lazy-loading attributes before ``src``."""
    for attribute in _SOURCE_ATTRIBUTES:
        value = (img.get(attribute) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


def absolute(url: str, base_url: str) -> str | None:
    """``url`` resolved against the page; None for what is not a fetchable http(s) address."""
    try:
        resolved = urljoin(base_url, url.strip())
    except ValueError:  # e.g. a broken IPv6 literal such as "http://[foo/a.jpg"
        return None
    return resolved if resolved.startswith(("http://", "https://")) else None


def select_images(
    root: Selector, selector: str, base_url: str, caption_selector: str | None = None
) -> list[Image]:
    """Images matched by ``selector``.

    A matched ``img`` gives its source; any other element (a figure or a gallery item) gives
    its first ``img`` and the caption from its ``figcaption`` or, within it, ``caption_selector``.
    Selectors ending in an attribute give addresses only.
    """
    images: list[Image] = []
    seen: set[str] = set()
    for match in select_nodes(root, selector):
        if not hasattr(match, "tag"):
            src: str | None = normalise_space(str(match)) or None
            caption = None
        elif match.tag == "img":
            src, caption = image_source(match), None
        else:
            imgs = xpath_nodes(match, _IMGS)
            src = image_source(imgs[0]) if imgs else None
            caption = _caption(match, caption_selector)
        url = absolute(src, base_url) if src else None
        if url and url not in seen:
            seen.add(url)
            images.append(Image(url=url, caption=caption))
    return images


# What parsel's ``.css("img")`` and ``.css("figcaption")`` ask from an element.
_IMGS = "descendant-or-self::img"
_FIGCAPTIONS = "descendant-or-self::figcaption"


def _caption(figure: etree._Element, caption_selector: str | None) -> str | None:
    captions = xpath_nodes(figure, _FIGCAPTIONS)
    if captions:
        text = element_text(captions[0])
        if text:
            return text
    if caption_selector:
        relative = _relative(caption_selector)
        return text_of_nodes(element_nodes(figure, relative), relative)
    return None


def _relative(selector: str) -> str:
    """An XPath from the document root made relative to the current element."""
    if selector.startswith("//"):
        return "." + selector
    if selector.startswith("(//"):
        return "(.//" + selector[3:]
    return selector
