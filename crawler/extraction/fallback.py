"""Readable-text fallback: trafilatura finds the body of a page no selector describes.

Used only when neither the site's selectors nor the page's own markup (JSON-LD
``articleBody``, microdata) give a body, so an unknown site still yields an article; on a page no
layout describes, its body counts only when the generic body reader (``body``) finds none.
trafilatura is imported on first use: crawls of known sites never load it.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from crawler.extraction.fields import RawFields
from crawler.extraction.selectors import normalise_space

logger = logging.getLogger(__name__)


@cache
def _load() -> Any:
    """The trafilatura module, or None (warned once) when it cannot be imported."""
    try:
        import trafilatura
    except ImportError as exc:  # an optional dependency, or lxml_html_clean missing
        logger.warning("readable-text fallback unavailable: %s", exc)
        return None
    return trafilatura


def readable_fields(html: str, url: str) -> RawFields:
    """Title, authors, date and body paragraphs as trafilatura reads them; empty on failure."""
    trafilatura = _load()
    if trafilatura is None:
        return RawFields()
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception as exc:  # a third-party parser: one odd page must not stop a crawl
        logger.warning("readable-text fallback failed on %s: %s", url, exc)
        return RawFields()
    if document is None:
        return RawFields()
    found = document.as_dict()
    text = found.get("text") or ""
    author = found.get("author")
    return RawFields(
        title=_text(found.get("title")),
        description=_text(found.get("description")),
        authors=[name for name in (normalise_space(a) for a in author.split(";")) if name]
        if isinstance(author, str)
        else [],
        published=_text(found.get("date")),
        paragraphs=[p for p in (normalise_space(line) for line in text.splitlines()) if p],
    )


def _text(value: Any) -> str | None:
    return normalise_space(value) or None if isinstance(value, str) else None
