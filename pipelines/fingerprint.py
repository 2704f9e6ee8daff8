"""``fingerprint``: the content identity of an article version.

Two captures of one article have the same fingerprint when the reader would see the same
story: title, body, authors and dates. Whitespace, Unicode composition and author order are
normalised away; ads, widgets and markup never enter it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from itemadapter import ItemAdapter

from crawler.items import Article


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


#: The fields a version consists of, in fingerprint order.
FINGERPRINTED = ("title", "body", "authors", "published", "updated")


Fingerprinted = Article | dict[str, Any] | ItemAdapter
"""An item, or the adapter a pipeline already has of it."""


def _normalised(article: Fingerprinted) -> dict[str, Any]:
    item = article if isinstance(article, ItemAdapter) else ItemAdapter(article)
    values: dict[str, Any] = {name: _text(item.get(name)) for name in FINGERPRINTED}
    values["authors"] = sorted({_text(a).casefold() for a in item.get("authors") or []} - {""})
    return values


def _digest(value: Any) -> str:
    encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def fingerprint(article: Fingerprinted) -> str:
    """SHA-256 hex digest over normalised title, body, authors, published and updated."""
    values = _normalised(article)
    return _digest([values[name] for name in FINGERPRINTED])


def field_digests(article: Fingerprinted) -> dict[str, str]:
    """A short digest per fingerprinted field, to tell which of them changed between versions."""
    return {name: _digest(value)[:16] for name, value in _normalised(article).items()}
