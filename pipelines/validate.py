"""Required fields: an item without a title or body text is dropped with a clear reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itemadapter import ItemAdapter

from pipelines.fingerprint import fingerprint
from pipelines.steps import Drop

if TYPE_CHECKING:
    from crawler.sites import SiteConfig
    from pipelines.steps import Stats


def drop_reason(item: ItemAdapter) -> str | None:
    """Why the item is not an article (``no_title``, ``no_body``), or None when it is one."""
    if not str(item.get("title") or "").strip():
        return "no_title"
    if not str(item.get("body") or "").strip():
        return "no_body"
    return None


_EXPLAINED = {
    "no_title": "no title found (site selectors, JSON-LD and meta all empty)",
    "no_body": "no body text left after extraction and cleaning",
}


def validate_step(item: ItemAdapter, site: SiteConfig | None, stats: Stats) -> None:
    """Drops incomplete items (:class:`Drop`), sets ``content_hash`` on the rest."""
    reason = drop_reason(item)
    if reason:
        raise Drop(reason, _EXPLAINED[reason])
    item["content_hash"] = fingerprint(item.item)
    stats.inc_value("items/valid")
