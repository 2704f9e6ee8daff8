"""Paths built from data (site names, URLs, item fields, index entries) stay in their folder.

A site file, a CDXJ index or an answers file may come from elsewhere: a value such as
``../../x`` or ``/etc`` must never lead a write, or a read, outside the folder it was meant for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

#: What a site name may be: it names files (``data/items/<name>-<time>.jsonl``) and partitions.
SITE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class UnsafePathError(ValueError):
    """A path built from data would leave its folder; the message names both."""


def inside(root: str | Path, *parts: str) -> Path:
    """``root`` joined with ``parts``, resolved; refused unless it stays within ``root``.

    Symbolic links are followed on both sides, so a link inside ``root`` that points out of it
    is refused too.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base):
        raise UnsafePathError(f"{'/'.join(parts)!r} leads outside {root}: refused")
    return target


def path_component(value: str) -> str:
    """``value`` as one file name: separators and a bare ``.``/``..`` percent-encoded."""
    encoded = quote(value, safe=" !#$&'()+,;=@[]^`{}~")
    if encoded.strip(".") == "":
        encoded = encoded.replace(".", "%2E")
    return encoded


def feed_uri_params(params: dict[str, Any], spider: object) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: every text value put into a feed URI is one file name at most.

    ``data/items/%(site_name)s-%(time)s.jsonl`` then stays in ``data/items/`` whatever a spider
    attribute holds.
    """
    return {
        key: path_component(value) if isinstance(value, str) else value
        for key, value in params.items()
    }
