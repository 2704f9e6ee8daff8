"""Archived HTTP responses as Scrapy responses: the Scrapy side of ``archive.reader``.

The reader itself stays free of Scrapy, so the WARC tools load without it.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes


def archived_response(
    url: str,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    **kwargs: Any,
) -> Response:
    """A Scrapy response of the class its headers and body call for (HTML, XML, text...)."""
    scrapy_headers = Headers(headers)
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    return cls(url=url, status=status, headers=scrapy_headers, body=body, **kwargs)
