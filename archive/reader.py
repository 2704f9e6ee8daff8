"""Read one archived HTTP response back from a WARC file, given where state says it is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.records import digest


class ArchivedResponseError(Exception):
    """The record is missing, unreadable or not the one expected; the message says which."""


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """A ``response`` record's HTTP status, headers and body (content coding kept)."""

    url: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def read_response(
    path: str | os.PathLike[str], offset: int, *, payload_digest: str | None = None
) -> ArchivedResponse:
    """The ``response`` record at ``offset`` of ``path``.

    With ``payload_digest`` the body must have that digest: state pointing at the wrong
    record must not pass another page off as this one.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)), None)
            if record is None or record.rec_type != "response" or record.http_headers is None:
                kind = record.rec_type if record is not None else "nothing"
                raise ArchivedResponseError(f"{path}@{offset}: expected a response, found {kind}")
            body = record.raw_stream.read()
            head = record.http_headers
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
    except (OSError, ArchiveLoadFailed, EOFError, ValueError) as exc:
        raise ArchivedResponseError(f"{path}@{offset}: cannot read the record: {exc}") from exc
    if payload_digest and digest(body) != payload_digest:
        raise ArchivedResponseError(
            f"{path}@{offset}: payload digest {digest(body)} is not {payload_digest}"
        )
    try:
        status = int(head.get_statuscode())
    except (TypeError, ValueError) as exc:
        raise ArchivedResponseError(f"{path}@{offset}: no HTTP status line") from exc
    headers = [
        (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
        for name, value in head.headers
    ]
    return ArchivedResponse(url=url, status=status, headers=headers, body=body)
