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


def fingerprint(article: Article | dict[str, Any]) -> str:
    """SHA-256 hex digest over normalised title, body, authors, published and updated."""
    item = ItemAdapter(article)
    authors = sorted({_text(a).casefold() for a in item.get("authors") or []} - {""})
    content = [
        _text(item.get("title")),
        _text(item.get("body")),
        authors,
        _text(item.get("published")),
        _text(item.get("updated")),
    ]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()
