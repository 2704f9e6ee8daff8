"""WARC/1.1 writer: one gzip member per record, rotation by size, repair after a crash.

Records are serialised by :mod:`archive.records`, not by warcio's ``WARCWriter``: that writer
deflates every record at level 9, already-compressed bodies included, and percent-encodes
non-ASCII HTTP header bytes, while an archive must keep them as received.  Headers are deflated
at the chosen level and a body that is already gzip/br/... goes into stored deflate blocks of
the same gzip member (measured on a 43 kB gzip page: 0.16 ms per request/response pair instead
of 1.1 ms).  warcio reads and checks what this module writes.  Leftover files are finished by
:func:`repair_open_files` (:mod:`archive.repair`).
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from archive import records
from archive.naming import OPEN_SUFFIX, check_prefix, warc_name
from archive.records import TRANSFER_ENCODING_NOTE, WARC_VERSION
from archive.repair import RepairedFile, final_path, repair_open_files

__all__ = [
    "DEFAULT_GZIP_LEVEL",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_PREFIX",
    "IDENTICAL_PAYLOAD_DIGEST",
    "SERVER_NOT_MODIFIED",
    "TRANSFER_ENCODING_NOTE",
    "WARC_VERSION",
    "CapturedRequest",
    "CapturedResponse",
    "RecordLocation",
    "RepairedFile",
    "WarcWriteError",
    "WarcWriter",
    "repair_open_files",
]

IDENTICAL_PAYLOAD_DIGEST = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
DEFAULT_PREFIX = "KABARSIP"
DEFAULT_MAX_SIZE = 1_000_000_000
DEFAULT_GZIP_LEVEL = 6

#: Serials tried when a new file's name is taken before giving up.
_MAX_NAME_CLASHES = 1000

_HTTP_RESPONSE = "application/http;msgtype=response"
_WARC_FIELDS = "application/warc-fields"


class WarcWriteError(OSError):
    """A record could not be written; the file still ends on a whole record."""


@dataclass(frozen=True, slots=True)
class CapturedRequest:
    """An HTTP request as it went on the wire."""

    head: bytes
    """Request line and header lines, each ending in CRLF, then the empty line."""
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class CapturedResponse:
    """An HTTP response as received."""

    status: int
    reason: str
    headers: Sequence[tuple[bytes, bytes]]
    body: bytes
    """Body as served: transfer coding removed, content coding (gzip, br...) kept."""
    fetched_at: datetime
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    truncated: str | None = None
    """``WARC-Truncated`` reason when the body is incomplete: length, time, disconnect..."""
    head: bytes | None = None
    """Status line and header lines as received, up to and including the empty line; None:
    the record's head is rebuilt from ``status``, ``reason`` and ``headers``."""


@dataclass(frozen=True, slots=True)
class RecordLocation:
    """Where a record landed: enough to seek to it and to deduplicate against it."""

    warc_file: str
    offset: int
    length: int
    record_id: str
    payload_digest: str


class WarcWriter:
    """Appends records to size-limited WARC files in ``directory``.

    A file is created on the first record, named ``NAME.warc.gz.open`` while written and
    renamed to ``NAME.warc.gz`` on rotation or :meth:`close`, then handed to ``on_finished``.
    Every record is one gzip member and reaches the operating system before the method
    returns.  The writer holds an exclusive ``flock`` on its open file, which tells
    :func:`repair_open_files` to leave it alone.  Threads may share a writer: a record is
    serialised and compressed outside its lock, which is held only to append it (and to
    rotate or close the file).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        prefix: str = DEFAULT_PREFIX,
        max_size: int = DEFAULT_MAX_SIZE,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
        fsync: bool = False,
        operator: str = "",
        description: str = "",
        info: Mapping[str, str] | None = None,
        hostname: str | None = None,
        on_finished: Callable[[Path], None] | None = None,
    ) -> None:
        if max_size <= 0:
            raise ValueError(f"WARC max size must be positive, got {max_size}")
        if not 0 <= gzip_level <= 9:
            raise ValueError(f"gzip level must be 0..9, got {gzip_level}")
        self.directory = Path(directory)
        self.prefix = check_prefix(prefix)
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.fsync = fsync
        self.hostname = hostname or socket.gethostname()
        self._info = records.warcinfo_fields(self.hostname, operator, description, info or {})
        self._pid = os.getpid()
        self._serial = 0
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._records = 0
        self._warcinfo_id = ""
        # Reentrant: a rotation inside an append closes the file under the same lock.
        self._lock = threading.RLock()
        self.files_opened = 0
        self.records_written = 0
        self.bytes_written = 0
        self.finished_files: list[Path] = []
        # Called with each finished file's path, in the thread that finished it.
        self.on_finished = on_finished

    @property
    def path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._path

    def write_exchange(
        self,
        target_uri: str,
        request: CapturedRequest,
        response: CapturedResponse,
        *,
        payload_digest: str | None = None,
    ) -> RecordLocation:
        """Write a ``request`` then a ``response`` record; return the response's location.

        ``payload_digest``: :func:`archive.records.digest` of the body, when the caller has it.
        """
        date = records.warc_date(response.fetched_at)
        request_id, response_id = records.new_record_id(), records.new_record_id()
        http_head, protocol = records.response_head(response)
        if payload_digest is None:
            payload_digest = records.digest(response.body)
        response_block_digest = records.digest(http_head, response.body)
        store_body = records.is_precompressed(response.headers)

        def build(warcinfo_id: str) -> list[bytes]:
            response_fields = [
                ("WARC-Type", "response"),
                ("WARC-Record-ID", response_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", target_uri),
                *_optional("WARC-IP-Address", response.ip_address),
                *_optional("WARC-Protocol", protocol),
                *_optional("WARC-Truncated", response.truncated),
                ("WARC-Warcinfo-ID", warcinfo_id),
                ("WARC-Block-Digest", response_block_digest),
                ("WARC-Payload-Digest", payload_digest),
                ("Content-Type", _HTTP_RESPONSE),
            ]
            return [
                records.request_member(
                    request, request_id, date, target_uri, response_id, warcinfo_id, self.gzip_level
                ),
                records.record_member(
                    response_fields, http_head, response.body, self.gzip_level, store_body
                ),
            ]

        name, offset, length = self._append(build)
        return RecordLocation(name, offset, length, response_id, payload_digest)

    def write_revisit(
        self,
        target_uri: str,
        response: CapturedResponse,
        *,
        refers_to_target_uri: str,
        refers_to_date: datetime,
        payload_digest: str,
        refers_to: str | None = None,
        request: CapturedRequest | None = None,
        profile: str = IDENTICAL_PAYLOAD_DIGEST,
    ) -> RecordLocation:
        """Write a ``revisit`` holding the response's HTTP headers only (body not stored).

        ``refers_to_*`` name the earlier capture; pywb needs the target URI and date to find
        it.  With ``request`` a ``request`` record is written first, as for an exchange.
        """
        date = records.warc_date(response.fetched_at)
        request_id, revisit_id = records.new_record_id(), records.new_record_id()
        http_head, protocol = records.response_head(response)
        block_digest = records.digest(http_head)

        def build(warcinfo_id: str) -> list[bytes]:
            members = self._request_members(
                request, request_id, date, target_uri, revisit_id, warcinfo_id
            )
            revisit_fields = [
                ("WARC-Type", "revisit"),
                ("WARC-Record-ID", revisit_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", target_uri),
                *_optional("WARC-IP-Address", response.ip_address),
                *_optional("WARC-Protocol", protocol),
                ("WARC-Profile", profile),
                ("WARC-Refers-To-Target-URI", refers_to_target_uri),
                ("WARC-Refers-To-Date", records.warc_date(refers_to_date)),
                *_optional("WARC-Refers-To", refers_to),
                ("WARC-Warcinfo-ID", warcinfo_id),
                ("WARC-Block-Digest", block_digest),
                *_optional("WARC-Payload-Digest", payload_digest),
                ("Content-Type", _HTTP_RESPONSE),
            ]
            members.append(records.record_member(revisit_fields, http_head, b"", self.gzip_level))
            return members

        name, offset, length = self._append(build)
        return RecordLocation(name, offset, length, revisit_id, payload_digest)

    def write_not_modified(
        self,
        target_uri: str,
        request: CapturedRequest | None,
        response: CapturedResponse,
        *,
        refers_to_target_uri: str,
        refers_to_date: datetime,
        payload_digest: str,
        refers_to: str | None = None,
        keep_headers: bool = True,
    ) -> RecordLocation:
        """Write a ``304 Not Modified``: ``request``, empty ``revisit``, then ``metadata``.

        The revisit (profile server-not-modified) has an empty block and carries the payload
        digest of the capture it names (``payload_digest``), never the digest of the empty
        304 body; the ``metadata`` record keeps the 304's status line and headers as received.
        All go into one file.  Without ``request`` no request record is written, without
        ``keep_headers`` no metadata record: the revisit alone still says that the server
        confirmed the capture it names.  Written alone, it leaves out the optional fields
        that tell nothing of an empty block in a file that starts with its warcinfo
        (``WARC-Truncated``, ``WARC-Warcinfo-ID``, ``WARC-Block-Digest``), a fifth of its
        bytes.  Returns the revisit's location.
        """
        date = records.warc_date(response.fetched_at)
        refers_to_warc_date = records.warc_date(refers_to_date)
        revisit_id = records.new_record_id()
        http_head, protocol = records.response_head(response)
        # The revisit alone (compact): without the optional fields that say nothing here (the
        # digest of an empty block, the file's own warcinfo, a truncation no reader needs).
        alone = request is None and not keep_headers
        # Made only for the records written (a compact re-crawl writes a revisit per page).
        request_id = "" if request is None else records.new_record_id()
        metadata_id = metadata_digest = ""
        metadata_block = b""
        if keep_headers:
            metadata_id = records.new_record_id()
            metadata_block = records.fields_block(records.head_fields(http_head))
            metadata_digest = records.digest(metadata_block)

        def build(warcinfo_id: str) -> list[bytes]:
            revisit_fields = [
                ("WARC-Type", "revisit"),
                ("WARC-Record-ID", revisit_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", target_uri),
                *_optional("WARC-IP-Address", response.ip_address),
                *_optional("WARC-Protocol", protocol),
                ("WARC-Profile", SERVER_NOT_MODIFIED),
                ("WARC-Refers-To-Target-URI", refers_to_target_uri),
                ("WARC-Refers-To-Date", refers_to_warc_date),
                *_optional("WARC-Refers-To", refers_to),
                *_optional("WARC-Truncated", None if alone else "length"),
                *_optional("WARC-Warcinfo-ID", None if alone else warcinfo_id),
                *_optional("WARC-Block-Digest", None if alone else records.digest(b"")),
                ("WARC-Payload-Digest", payload_digest),
            ]
            members = self._request_members(
                request, request_id, date, target_uri, revisit_id, warcinfo_id
            )
            members.append(records.record_member(revisit_fields, b"", b"", self.gzip_level))
            if keep_headers:
                metadata_fields = [
                    ("WARC-Type", "metadata"),
                    ("WARC-Record-ID", metadata_id),
                    ("WARC-Date", date),
                    ("WARC-Target-URI", target_uri),
                    ("WARC-Concurrent-To", revisit_id),
                    ("WARC-Warcinfo-ID", warcinfo_id),
                    ("WARC-Block-Digest", metadata_digest),
                    ("Content-Type", _WARC_FIELDS),
                ]
                members.append(
                    records.record_member(metadata_fields, metadata_block, b"", self.gzip_level)
                )
            return members

        name, offset, length = self._append(build, located=0 if request is None else 1)
        return RecordLocation(name, offset, length, revisit_id, payload_digest)

    def write_metadata(
        self,
        target_uri: str,
        fields: Iterable[tuple[str, str]],
        *,
        refers_to: str | None = None,
        date: datetime | None = None,
    ) -> RecordLocation:
        """Write a ``metadata`` record of ``name: value`` lines about ``target_uri``."""
        record_id = records.new_record_id()
        block = records.fields_block(fields)
        block_digest = records.digest(block)
        warc_date = records.warc_date(date or datetime.now(UTC))

        def build(warcinfo_id: str) -> list[bytes]:
            record_fields = [
                ("WARC-Type", "metadata"),
                ("WARC-Record-ID", record_id),
                ("WARC-Date", warc_date),
                ("WARC-Target-URI", target_uri),
                *_optional("WARC-Refers-To", refers_to),
                ("WARC-Warcinfo-ID", warcinfo_id),
                ("WARC-Block-Digest", block_digest),
                ("Content-Type", _WARC_FIELDS),
            ]
            return [records.record_member(record_fields, block, b"", self.gzip_level)]

        name, offset, length = self._append(build)
        return RecordLocation(name, offset, length, record_id, "")

    def write_failure(
        self,
        target_uri: str,
        request: CapturedRequest,
        fields: Iterable[tuple[str, str]],
        *,
        date: datetime,
    ) -> RecordLocation:
        """Write a fetch that got no response: its ``request``, then a ``metadata`` record.

        The metadata record (``application/warc-fields``, ``WARC-Concurrent-To`` the request)
        holds ``fields`` describing the failure.  Neither record is a capture: replay tools
        and indexes skip both.  Returns the metadata record's location.
        """
        warc_date = records.warc_date(date)
        request_id, metadata_id = records.new_record_id(), records.new_record_id()
        block = records.fields_block(fields)
        block_digest = records.digest(block)

        def build(warcinfo_id: str) -> list[bytes]:
            metadata_fields = [
                ("WARC-Type", "metadata"),
                ("WARC-Record-ID", metadata_id),
                ("WARC-Date", warc_date),
                ("WARC-Target-URI", target_uri),
                ("WARC-Concurrent-To", request_id),
                ("WARC-Warcinfo-ID", warcinfo_id),
                ("WARC-Block-Digest", block_digest),
                ("Content-Type", _WARC_FIELDS),
            ]
            return [
                records.request_member(
                    request,
                    request_id,
                    warc_date,
                    target_uri,
                    metadata_id,
                    warcinfo_id,
                    self.gzip_level,
                ),
                records.record_member(metadata_fields, block, b"", self.gzip_level),
            ]

        name, offset, length = self._append(build)
        return RecordLocation(name, offset, length, metadata_id, "")

    def close(self) -> None:
        """Finish the current file: rename ``.open`` away (or remove it when empty).

        A later write starts a new file.
        """
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._fd is None or self._path is None:
            return
        fd, path = self._fd, self._path
        self._fd = self._path = None
        try:
            if self.fsync:
                os.fsync(fd)
            if self._size == 0:
                path.unlink()
                return
            final = final_path(path)
            path.rename(final)
            if self.fsync:
                _fsync_directory(final.parent)
            self.finished_files.append(final)
        finally:
            os.close(fd)
        if self.on_finished is not None:
            self.on_finished(final)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _final_name(self) -> str:
        assert self._path is not None
        # final_path(self._path).name, without building a path for every record written.
        return self._path.name.removesuffix(OPEN_SUFFIX)

    def _request_members(
        self,
        request: CapturedRequest | None,
        request_id: str,
        date: str,
        target_uri: str,
        concurrent_to: str,
        warcinfo_id: str,
    ) -> list[bytes]:
        """The ``request`` record of a revisit, when one is to be written."""
        if request is None:
            return []
        return [
            records.request_member(
                request,
                request_id,
                date,
                target_uri,
                concurrent_to,
                warcinfo_id,
                self.gzip_level,
            )
        ]

    def _append(
        self, build: Callable[[str], list[bytes]], *, located: int = -1
    ) -> tuple[str, int, int]:
        """Write the members ``build`` makes, rotating first if they would overflow the file.

        Returns the file's final name, offset and length of member number ``located`` (the
        last one by default).
        ``build`` takes the file's warcinfo record id and is called again after a rotation.
        """
        # The costly part, compression, needs no lock; a new file (new warcinfo) redoes it.
        warcinfo_id = self._warcinfo_id
        members = build(warcinfo_id) if warcinfo_id else []
        with self._lock:
            self._ensure_open()
            if warcinfo_id != self._warcinfo_id:
                members = build(self._warcinfo_id)
            incoming = sum(len(member) for member in members)
            # A file holding only its warcinfo takes any record, however large.
            if self._records > 1 and self._size + incoming > self.max_size:
                self._close()
                self._ensure_open()
                members = build(self._warcinfo_id)
            offsets = self._write_members(members)
            name = self._final_name()
        return name, offsets[located], len(members[located])

    def _ensure_open(self) -> None:
        if self._fd is None:
            self._open_file()
        if self._records == 0:
            self._write_warcinfo()

    def _open_file(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            what = "is not a folder" if isinstance(exc, FileExistsError) else exc.strerror
            raise WarcWriteError(
                exc.errno, f"cannot create WARC files in {self.directory}: {what}"
            ) from exc
        opened_at = datetime.now(UTC)
        # A name clash (a file left by an earlier process with the same pid) is the only
        # reason to try the next serial, and only so many serials are tried.
        for _ in range(_MAX_NAME_CLASHES):
            name = warc_name(self.prefix, opened_at, self._serial, self.hostname, self._pid)
            self._serial += 1
            path = self.directory / (name + OPEN_SUFFIX)
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcWriteError(
                    exc.errno, f"cannot create WARC file {path}: {exc.strerror}"
                ) from exc
            break
        else:
            raise WarcWriteError(
                errno.EEXIST,
                f"cannot create a WARC file in {self.directory}: {_MAX_NAME_CLASHES} names "
                "in a row are taken",
            )
        # Blocking: a repair that grabbed this brand-new file first skips it and lets go.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd, self._path = fd, path
        self._size = self._records = 0
        self.files_opened += 1

    def _write_warcinfo(self) -> None:
        assert self._path is not None
        self._warcinfo_id = records.new_record_id()
        block = records.fields_block(self._info)
        fields = [
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", self._warcinfo_id),
            ("WARC-Date", records.warc_date(datetime.now(UTC))),
            ("WARC-Filename", self._final_name()),
            ("WARC-Block-Digest", records.digest(block)),
            ("Content-Type", _WARC_FIELDS),
        ]
        self._write_members([records.record_member(fields, block, b"", self.gzip_level)])

    def _write_members(self, members: Sequence[bytes]) -> list[int]:
        assert self._fd is not None and self._path is not None
        start = self._size
        offsets = []
        position = start
        try:
            for member in members:
                offsets.append(position)
                _write_fully(self._fd, member)
                position += len(member)
            if self.fsync:
                os.fsync(self._fd)
        except OSError as exc:
            self._cut_back(start, exc)
        self._size = position
        self._records += len(members)
        self.records_written += len(members)
        self.bytes_written += position - start
        return offsets

    def _cut_back(self, boundary: int, error: OSError) -> None:
        """Truncate to the last whole record after a failed write, then raise."""
        assert self._fd is not None and self._path is not None
        path = self._path
        state = f"cut back to its last whole record at byte {boundary}"
        try:
            os.ftruncate(self._fd, boundary)
            os.lseek(self._fd, boundary, os.SEEK_SET)
        except OSError as cut_error:
            state = (
                f"left as it is ({cut_error.strerror}), to be repaired on the next start; "
                "the next record goes to a new file"
            )
            # Appending after a torn record would hide every later record from readers.
            os.close(self._fd)
            self._fd = self._path = None
        advice = ""
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = f". Free space in {self.directory} before crawling on"
        raise WarcWriteError(
            error.errno,
            f"writing a WARC record to {path} failed ({error.strerror}); "
            f"the file was {state}{advice}",
        ) from error


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _optional(name: str, value: str | None) -> list[tuple[str, str]]:
    return [(name, value)] if value else []
