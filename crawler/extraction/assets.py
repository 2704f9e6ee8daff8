"""The files an article page needs beyond its HTML, by ``ARCHIVE_ASSETS`` mode.

- ``images``: the pictures the article shows (its ``images``: lead image and body figures)
  and the page's ``og:image``; thumbnails of other articles and pictures in ads are not the
  article's, so they are left out.
- ``all``: those, and the stylesheets, scripts and icons the page loads, so that the page
  replays as it looked.
- ``none``: nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from parsel import Selector

from crawler.extraction.images import absolute
from crawler.extraction.meta import meta_value
from crawler.items import Image

AssetMode = Literal["none", "images", "all"]
ASSET_MODES: tuple[AssetMode, ...] = ("none", "images", "all")

# The page's own look: stylesheets, scripts and icons (``preload`` of those kinds too).
_PAGE_FILES = (
    "link[rel~='stylesheet']::attr(href)",
    "link[rel='preload'][as='style']::attr(href)",
    "link[rel='preload'][as='script']::attr(href)",
    "link[rel~='icon']::attr(href)",
    "script[src]::attr(src)",
)


def asset_mode(value: object) -> AssetMode:
    """``value`` as an ``ARCHIVE_ASSETS`` mode; ``ValueError`` naming the setting otherwise."""
    text = str(value).strip().lower()
    for mode in ASSET_MODES:
        if text == mode:
            return mode
    raise ValueError(f"ARCHIVE_ASSETS must be one of {', '.join(ASSET_MODES)}, got {value!r}")


def page_assets(
    root: Selector, base_url: str, images: Sequence[Image], mode: AssetMode
) -> list[str]:
    """The addresses to archive with an article page, the article's pictures first, once each."""
    if mode == "none":
        return []
    return with_images(images, own_assets(root, base_url, mode))


def own_assets(root: Selector, base_url: str, mode: AssetMode) -> list[str]:
    """What :func:`page_assets` reads from the page itself (not the article's pictures).

    Plain strings: an extraction worker, which has the page parsed, gives them to the crawl.
    """
    if mode == "none":
        return []
    og_image = meta_value(root, "og:image", "og:image:url")
    found: list[str | None] = [absolute(og_image, base_url) if og_image else None]
    if mode == "all":
        found.extend(_page_files(root, base_url))
    return _unique(url for url in found if url)


def with_images(images: Sequence[Image], own: Sequence[str]) -> list[str]:
    """The article's pictures, then the page's ``own`` files, once each."""
    return _unique(url for url in [*(image.url for image in images), *own] if url)


def _page_files(root: Selector, base_url: str) -> Iterable[str | None]:
    for selector in _PAGE_FILES:
        for value in root.css(selector).getall():
            yield absolute(value, base_url) if value.strip() else None


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(url.split("#", 1)[0] for url in urls))
