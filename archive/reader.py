"""Read archived records back from WARC files and WACZ packages, where an index says they are."""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from collections import OrderedDict
from contextlib import AbstractContextManager, ExitStack, closing, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from archive.records import digest
from archive.scan import brief

_OPEN_FILES = 8


class ArchivedRecordError(Exception):
    """The record is missing, unreadable or not the one expected; the message says which."""


@dataclass(frozen=True, slots=True)
class Location:
    """A record's place: a WARC file, or a WARC member of a WACZ package, and an offset."""

    path: Path
    offset: int
    member: str | None = None

    @property
    def warc_file(self) -> str:
        """The WARC file's name, as items and state name it."""
        return Path(self.member).name if self.member else self.path.name

    def __str__(self) -> str:
        where = f"{self.path}!{self.member}" if self.member else str(self.path)
        return f"{where}:{self.offset}"


@dataclass(frozen=True, slots=True)
class ArchivedRecord:
    """A ``response`` or ``revisit`` record read back: WARC fields, HTTP head, payload."""

    url: str
    kind: str
    record_id: str | None
    date: str | None
    """``WARC-Date`` as written (a CDXJ index keeps whole seconds only)."""
    profile: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    status: int | None
    headers: list[tuple[bytes, bytes]]
    payload_digest: str | None
    """``WARC-Payload-Digest``: for a response, checked against the payload read."""
    body: bytes
    """As stored (content coding kept), or decoded when read with ``decoded=True``."""


class CaptureReader:
    """Reads records at their :class:`Location`, keeping WACZ packages and recent files open."""

    def __init__(self) -> None:
        self._files = ExitStack()
        self._packages: dict[Path, zipfile.ZipFile] = {}
        # The WARC files read last, kept open: captures come mostly from a few files in turn.
        self._open_files: OrderedDict[Path, IO[bytes]] = OrderedDict()

    def read(self, location: Location, *, decoded: bool = False) -> ArchivedRecord:
        """The record at ``location``; a response's payload digest must match."""
        try:
            with self._open(location) as stream:
                stream.seek(location.offset)
                record = next(iter(ArchiveIterator(stream)), None)
                if record is None:
                    raise ArchivedRecordError(f"{location}: no record there")
                raw = record.raw_stream.read()
                head = record.http_headers
                warc = record.rec_headers
                # Decoded again from the stored bytes: content_stream() would consume raw_stream.
                body = _decoded(raw, head) if decoded else raw
        except ArchivedRecordError:
            raise
        except Exception as exc:  # warcio and zlib raise many kinds on damaged input
            raise ArchivedRecordError(f"{location}: unreadable record ({brief(exc)})") from exc
        expected = warc.get_header("WARC-Payload-Digest")
        if record.rec_type == "response" and expected and digest(raw) != expected:
            raise ArchivedRecordError(
                f"{location}: payload digest {digest(raw)} is not {expected} (truncated or damaged)"
            )
        status = None
        headers: list[tuple[bytes, bytes]] = []
        if head is not None and head.get_statuscode():
            status = int(head.get_statuscode())
            headers = header_pairs(head)
        return ArchivedRecord(
            url=warc.get_header("WARC-Target-URI") or "",
            kind=record.rec_type,
            record_id=warc.get_header("WARC-Record-ID"),
            date=warc.get_header("WARC-Date"),
            profile=warc.get_header("WARC-Profile"),
            refers_to_uri=warc.get_header("WARC-Refers-To-Target-URI"),
            refers_to_date=warc.get_header("WARC-Refers-To-Date"),
            status=status,
            headers=headers,
            payload_digest=expected,
            body=body,
        )

    def close(self) -> None:
        for stream in self._open_files.values():
            stream.close()
        self._open_files.clear()
        self._files.close()
        self._packages.clear()

    def _open(self, location: Location) -> AbstractContextManager[IO[bytes]]:
        if location.member is None:
            return nullcontext(self._warc_file(location.path))
        package = self._packages.get(location.path)
        if package is None:
            package = self._files.enter_context(zipfile.ZipFile(location.path))
            self._packages[location.path] = package
        return package.open(location.member)

    def _warc_file(self, path: Path) -> IO[bytes]:
        stream = self._open_files.get(path)
        if stream is not None:
            self._open_files.move_to_end(path)
            return stream
        stream = path.open("rb")
        self._open_files[path] = stream
        if len(self._open_files) > _OPEN_FILES:
            self._open_files.popitem(last=False)[1].close()
        return stream


def read_response(
    path: str | os.PathLike[str], offset: int, *, payload_digest: str | None = None
) -> ArchivedRecord:
    """The ``response`` record at ``offset`` of the WARC file ``path``, with its HTTP status.

    With ``payload_digest`` the record must have that digest: state pointing at the wrong
    record must not pass another page off as this one.
    """
    location = Location(Path(path), offset)
    with closing(CaptureReader()) as reader:
        record = reader.read(location)
    if record.kind != "response" or record.status is None:
        raise ArchivedRecordError(f"{location}: expected an HTTP response, found {record.kind}")
    if payload_digest and record.payload_digest != payload_digest:
        raise ArchivedRecordError(
            f"{location}: payload digest {record.payload_digest} is not {payload_digest}"
        )
    return record


def header_pairs(head: Any) -> list[tuple[bytes, bytes]]:
    """warcio's HTTP headers as ``(name, value)`` bytes, read as received (ISO-8859-1)."""
    return [
        (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
        for name, value in head.headers
    ]


def parse_warc_date(text: str | None) -> datetime | None:
    """``WARC-Date`` as an aware datetime (UTC when it names no zone); None if unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decoded(body: bytes, head: Any) -> bytes:
    """``body`` without its HTTP content coding (gzip, deflate, br), as a browser reads it."""
    coding = (head.get_header("Content-Encoding") or "").strip().lower() if head else ""
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if coding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body
