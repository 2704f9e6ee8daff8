"""The page's one parse: what ``response.selector`` gives, built from the response's bytes.

Scrapy's ``response.selector`` decodes the body, parsel encodes that text back to UTF-8 and
lxml parses it; and the selector refers back to its response, a reference cycle that keeps
every page's tree alive until the garbage collector's next pass. Where the bytes are the
UTF-8 that round trip would give, lxml parses them as they are, into the same tree, and the
selector keeps no reference to the response: the page is freed as soon as its reader is done.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from parsel import Selector
from w3lib.html import get_base_url

if TYPE_CHECKING:
    from scrapy.http import TextResponse

# ``str.strip`` drops these ASCII characters too, ``bytes.strip`` keeps them.
_STR_ONLY_SPACE = frozenset(range(0x1C, 0x20))


def page_selector(response: TextResponse) -> Selector:
    """The response's selector: the one it already has, else one parsed once and kept on it
    (a later ``response.css`` or ``response.xpath`` reads the same tree)."""
    cached = getattr(response, "_cached_selector", None)
    if cached is not None:
        return cached
    if not _parses_as_html(response):
        return response.selector
    text = response.text
    if not _is_its_utf8(response.body, response.encoding, text):
        return response.selector
    selector = Selector(
        body=response.body,
        encoding="utf-8",
        type="html",
        # What Scrapy's selector is given: a <base href> near the top counts.
        base_url=get_base_url(text[:4096], response.url, response.encoding),
    )
    response._cached_selector = selector  # type: ignore[assignment]
    return selector


def _parses_as_html(response: TextResponse) -> bool:
    """Whether Scrapy's selector reads the response as HTML: an ``HtmlResponse`` (its type is
    told by class; other text responses are left to Scrapy)."""
    return any(kind.__name__ == "HtmlResponse" for kind in type(response).__mro__)


def _is_its_utf8(body: bytes, encoding: str, text: str) -> bool:
    """Whether ``body`` is the very bytes parsel would parse for ``text``: UTF-8 read without
    a replaced byte, no BOM, no NUL, and the same ends once whitespace is stripped."""
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False
    if not utf8 or "\ufffd" in text or b"\x00" in body:
        return False
    stripped = body.strip()
    # A leading "<" rules out a BOM; an ASCII last byte, a last character str.strip would drop.
    if not stripped.startswith(b"<"):
        return False
    last = stripped[-1]
    return last < 0x80 and last not in _STR_ONLY_SPACE
