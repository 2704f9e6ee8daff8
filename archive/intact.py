"""Whether an archived response is still there, whole, without reading it as a page.

A conditional request names the capture its 304 will confirm, so that capture must be
readable before the validators are sent (``docs/warc-layout.md``: a revisit only ever names a
capture that is there).  :func:`check_payload` checks what the full reader
(:func:`archive.reader.read_response`) would: the gzip member at the offset is complete, holds
a ``response`` record as long as its ``Content-Length`` says, and its payload (the bytes
after the HTTP head, content coding kept) has the expected digest; it parses no HTTP headers
beyond their end and decodes no body, so it costs a read and a SHA-1 of the stored bytes.
"""

from __future__ import annotations

import os
import re
import zlib

from archive.reader import ArchivedRecordError
from archive.records import digest

_CHUNK = 1 << 16
_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
_TYPE = re.compile(rb"^warc-type:[ \t]*response[ \t]*\r?$", re.I | re.M)


def check_payload(path: str | os.PathLike[str], offset: int, payload_digest: str) -> None:
    """Raise :class:`ArchivedRecordError` unless the response at ``offset`` is whole."""
    where = f"{os.fspath(path)}:{offset}"
    inflate = zlib.decompressobj(31)
    parts = []
    try:
        # One record is read, once per request: no buffered file object is worth its cost.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            while not inflate.eof:
                chunk = os.pread(fd, _CHUNK, offset)
                if not chunk:
                    raise ArchivedRecordError(f"{where}: cut short inside its gzip member")
                offset += len(chunk)
                parts.append(inflate.decompress(chunk))
        finally:
            os.close(fd)
    except (OSError, zlib.error) as exc:
        raise ArchivedRecordError(f"{where}: unreadable record ({exc})") from exc
    member = parts[0] if len(parts) == 1 else b"".join(parts)
    head_end = member.find(b"\r\n\r\n")
    head = member[:head_end] if head_end > 0 else b""
    length = _LENGTH.search(head)
    if not head.startswith(b"WARC/") or length is None or not _TYPE.search(head):
        raise ArchivedRecordError(f"{where}: expected a WARC response record")
    start, size = head_end + 4, int(length.group(1))
    if len(member) - start < size:
        raise ArchivedRecordError(f"{where}: record shorter than its Content-Length")
    http_end = member.find(b"\r\n\r\n", start, start + min(size, _CHUNK))
    if http_end < 0:
        raise ArchivedRecordError(f"{where}: no HTTP head in the record")
    found = digest(memoryview(member)[http_end + 4 : start + size])
    if found != payload_digest:
        raise ArchivedRecordError(f"{where}: payload digest {found} is not {payload_digest}")
