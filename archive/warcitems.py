"""Spider middleware: items say where in the archive the page they came from is.

Each item the spider yields without a capture gets its page's: ``warc_file``, ``warc_offset``,
``warc_record_id`` and ``fetched_at`` (the capture's ``WARC-Date``, so items, state and archive
agree on when; the time now when the page was not archived) from ``response.meta["warc"]``.
An item made of several pages points at its first: a request that continues the item of its
response (``request.meta["continues_item"]``) carries that page's capture along.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter, is_item
from scrapy import Request

from archive.metakeys import META_KEY

if TYPE_CHECKING:
    from scrapy.http import Response

#: ``request.meta`` flag of a request for a later page of its response's item.
CONTINUES_META = "continues_item"
#: ``request.meta`` key: the capture of the first page of the item being assembled.
ITEM_CAPTURE_META = "item_capture"


class WarcLocationMiddleware:
    """Puts the capture of an item's (first) page into the item."""

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        capture: Mapping[str, Any] = (
            response.meta.get(ITEM_CAPTURE_META) or response.meta.get(META_KEY) or {}
        )
        async for output in result:
            if isinstance(output, Request):
                if output.meta.get(CONTINUES_META):
                    output.meta[ITEM_CAPTURE_META] = dict(capture)
            elif is_item(output):
                locate(ItemAdapter(output), capture)
            yield output


def locate(item: ItemAdapter, capture: Mapping[str, Any]) -> None:
    """Put ``capture`` (``response.meta["warc"]``) into an item that has none yet."""
    if "warc_record_id" not in item.field_names() or item.get("warc_record_id"):
        return
    item["fetched_at"] = capture.get("warc_date") or datetime.now(UTC).isoformat()
    item["warc_file"] = capture.get("warc_file")
    item["warc_offset"] = capture.get("warc_offset")
    item["warc_record_id"] = capture.get("warc_record_id")
