"""Read WARC files record by record and tell exactly where and how they are damaged.

One reader for every tool that must not trust a damaged archive (``scrapy state rebuild``,
``scrapy warc verify``, ``index`` and ``pack``):

- framing: each record as long as its ``Content-Length`` says, each gzip member complete
  and holding one record, the file ending where its last record ends, so that a file cut
  inside its last record is caught (``warcio check`` lets that pass);
- digests: ``WARC-Block-Digest`` of every record, revisits included, and
  ``WARC-Payload-Digest`` of every record but revisits (whose payload is the original's):
  the bytes after the HTTP head as stored, content coding kept;
- a file that is no WARC file at all.

Damage to the framing ends the file (where the next record starts is then unknown) and is a
:class:`Problem`; a whole record with a bad digest is only marked damaged.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.naming import OPEN_SUFFIX, WARC_SUFFIX

#: Names of the files read; ``.open`` files are still being written or were left by a crash.
WARC_SUFFIXES = (WARC_SUFFIX, ".warc")
REQUIRED_FIELDS = ("WARC-Record-ID", "WARC-Date")

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16
#: At most this much of an HTTP head is kept for the caller.
_MAX_HEAD = 1 << 20
_HEAD_END = re.compile(rb"\r?\n\r?\n")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a WARC file, or with the record at ``offset``."""

    path: str
    offset: int | None
    """Where the record, or the unreadable part, starts; ``None`` for the whole file."""
    message: str

    def __str__(self) -> str:
        where = self.path if self.offset is None else f"{self.path}:{self.offset}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class FoundFiles:
    """The files named by a list of paths, sorted by name (which starts with their time)."""

    warc: list[Path] = field(default_factory=list)
    open: list[Path] = field(default_factory=list)
    """``.open`` files: being written, or left by a crash."""
    other: list[Path] = field(default_factory=list)
    """Files given by name that are not named like WARC files."""
    not_files: list[Path] = field(default_factory=list)
    """Entries named like WARC or ``.open`` files that are no regular files (a directory...)."""


@dataclass(frozen=True, slots=True)
class Whole(Generic[T]):
    """A record read to its end and found whole, with what ``read`` made of it."""

    record: Any
    """warcio's ``ArcWarcRecord``, its block already read."""
    offset: int
    length: int
    value: T


@dataclass(frozen=True, slots=True)
class ScannedRecord:
    """A whole record: its WARC headers, the part of its block kept, its digest checks."""

    kind: str
    offset: int
    length: int
    headers: Any
    """warcio's ``StatusAndHeaders`` of the WARC header block."""
    kept: bytes
    """The HTTP head of an ``application/http`` block, otherwise the whole block (when kept)."""
    damage: str | None
    """Why the record cannot be trusted though whole (a digest fails...); ``None`` if sound."""


def find_warc_files(paths: Iterable[str | os.PathLike[str]]) -> FoundFiles:
    """The files of ``paths`` (files, or directories searched one level) by kind.

    Directories contribute their ``.warc.gz``, ``.warc`` and ``.open`` files; a file given
    by name counts whatever its name.  Raises ``FileNotFoundError`` for a missing path.
    """
    found = FoundFiles()
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            children = sorted(given.iterdir())
            candidates = [child for child in children if child.is_file()]
            found.not_files.extend(
                child
                for child in children
                if not child.is_file() and child.name.endswith((*WARC_SUFFIXES, OPEN_SUFFIX))
            )
        elif given.exists():
            candidates = [given]
        else:
            raise FileNotFoundError(f"no such WARC file or directory: {given}")
        for path in candidates:
            if path.resolve() in seen:
                continue
            if path.name.endswith(WARC_SUFFIXES):
                found.warc.append(path)
            elif path.name.endswith(OPEN_SUFFIX):
                found.open.append(path)
            elif given == path:
                found.other.append(path)
            else:
                continue
            seen.add(path.resolve())
    for kind in (found.warc, found.open, found.other, found.not_files):
        kind.sort(key=lambda path: (path.name, str(path)))
    return found


def walk_records(
    stream: IO[bytes],
    path: str,
    read: Callable[[Any, Any], T],
    *,
    parse_http: bool = False,
) -> Iterator[Whole[T] | Problem]:
    """The whole records of ``stream`` in order; a :class:`Problem` ends the walk.

    ``read(record, iterator)`` is called on each record (warcio's record and
    ``ArchiveIterator``) before it is checked; it may read the block.  What it returns is
    passed on only once the record is known to be whole.  ``parse_http`` has warcio parse
    HTTP heads (``record.http_headers``) as its indexers do.
    """
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    gzipped = stream.read(2) == _GZIP_MAGIC
    stream.seek(0)
    iterator = ArchiveIterator(stream, no_record_parse=not parse_http)
    records = iter(iterator)
    count = 0
    while True:
        warnings = iterator.err_count
        # warcio prints what it skips over (a failed gzip check, once per block to the end
        # of the file): the damage is reported here instead, once.
        failure: Exception | None = None
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                record = next(records, None)
                if record is not None:
                    value = read(record, iterator)
                    # Asking for the offset reads the record to its end and its blank lines.
                    offset, length = iterator.get_record_offset(), iterator.get_record_length()
            except Exception as exc:  # warcio raises all sorts on damaged input
                failure = exc
        if failure is not None:
            at = iterator.offset
            member = _member_damage(stream, at) if gzipped else None
            if member is not None:
                yield Problem(path, at, member)
            elif count == 0 and at == 0 and isinstance(failure, ArchiveLoadFailed):
                yield Problem(path, 0, f"not a WARC file: {brief(failure)}")
            else:
                yield Problem(path, at, f"unreadable record: {brief(failure)}")
            return
        if record is None:
            break
        if record.format != "warc":
            # warcio reads ARC files too, and takes many a text file for one.
            what = "not a WARC file" if count == 0 else "not a WARC record"
            yield Problem(path, offset, f"{what} (read as {record.format})")
            return
        damage = _framing_damage(record, iterator, gzipped, warnings)
        if damage:
            member = _member_damage(stream, offset) if gzipped else None
            yield Problem(path, offset, f"{record.rec_type or 'WARC'} record: {member or damage}")
            return
        count += 1
        yield Whole(record, offset, length, value)
    if iterator.offset < size:
        yield Problem(path, iterator.offset, "file ends inside a record (cut short?)")
    elif count == 0:
        yield Problem(path, None, "holds no WARC record")


def scan_file(
    path: str | os.PathLike[str], *, keep: Collection[str] = ()
) -> Iterator[ScannedRecord | Problem]:
    """The whole records of ``path`` with their digests checked; a :class:`Problem` ends it.

    Of records whose type is in ``keep`` the HTTP head (``application/http`` blocks) or the
    whole block is kept; of the others nothing, so memory stays bounded by the chunk size.
    """
    name = str(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, the generator may pause
    except OSError as exc:
        yield Problem(name, None, f"cannot open: {exc.strerror or exc}")
        return
    with stream:
        for item in walk_records(stream, name, lambda record, _: _check_block(record, keep)):
            if isinstance(item, Problem):
                yield item
                return
            kept, damage = item.value
            record = item.record
            yield ScannedRecord(
                record.rec_type, item.offset, item.length, record.rec_headers, kept, damage
            )


def http_head(block: bytes) -> tuple[int | None, dict[str, str]]:
    """Status and headers of an HTTP response head, as ISO-8859-1 (as the crawl reads them).

    ``None`` and no headers when ``block`` holds no HTTP head; ``ValueError`` for a status
    line without a status code.  Only the first value of each (lowercased) header is kept.
    """
    if not block.startswith(b"HTTP/"):
        return None, {}
    # Lines end in CRLF, or in LF alone where the server sent them so (kept as received).
    head = _HEAD_END.split(block, maxsplit=1)[0]
    status_line, *lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    parts = status_line.split(maxsplit=2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ValueError(f"HTTP status line {status_line[:80]!r} has no status code")
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), value.strip(" \t"))
    return int(parts[1]), headers


def brief(error: Exception) -> str:
    """One printable line of an error message, without the damaged bytes warcio quotes."""
    text = " ".join(str(error).split(", first line:")[0].split())[:100] or type(error).__name__
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def _framing_damage(record: Any, iterator: Any, gzipped: bool, warnings: int) -> str | None:
    """Why the records after ``record`` cannot be trusted to start where warcio thinks."""
    if not record.rec_type:
        return "no WARC-Type"
    length = record.rec_headers.get_header("Content-Length") or ""
    if not length.isdigit():
        return f"Content-Length {length[:40]!r} is not a number"
    if getattr(record.raw_stream, "limit", None) != 0:
        return "cut short: the file ends inside it (truncated?)"
    if gzipped and not (iterator.reader.decompressor and iterator.reader.decompressor.eof):
        return "not a whole gzip member (file truncated?)"
    if iterator.err_count != warnings:
        return "longer than its Content-Length says"
    return None


def _member_damage(stream: IO[bytes], offset: int) -> str | None:
    """What is wrong with the gzip member at ``offset``, if anything."""
    stream.seek(offset)
    decompressor = zlib.decompressobj(31)
    try:
        while chunk := stream.read(_CHUNK):
            # Output is thrown away: bound it so a well-compressed member cannot balloon.
            decompressor.decompress(chunk, _CHUNK)
            while decompressor.unconsumed_tail and not decompressor.eof:
                decompressor.decompress(decompressor.unconsumed_tail, _CHUNK)
            if decompressor.eof:
                return None
    except zlib.error as exc:
        return f"damaged gzip data ({exc})"
    return "cut short: the file ends inside its gzip member (truncated?)"


def _check_block(record: Any, keep: Collection[str]) -> tuple[bytes, str | None]:
    """Read the block through its digests; return the part kept and what failed."""
    headers = record.rec_headers
    kind = record.rec_type
    problems = [f"no {name}" for name in REQUIRED_FIELDS if not headers.get_header(name)]
    block = _Digest.of(headers, "WARC-Block-Digest", problems)
    # A revisit's payload is the original's, which it does not hold.
    payload = None if kind == "revisit" else _Digest.of(headers, "WARC-Payload-Digest", problems)
    http = (headers.get_header("Content-Type") or "").lower().startswith("application/http")
    split = _HeadSplit() if http else None
    kept = bytearray()
    keep_block = kind in keep
    while chunk := record.raw_stream.read(_CHUNK):
        if block is not None:
            block.update(chunk)
        if split is None:
            body = chunk
            if keep_block:
                kept += chunk
        else:
            head, body = split.feed(chunk)
            if keep_block and len(kept) < _MAX_HEAD:
                kept += head
        if payload is not None:
            payload.update(body)
    if block is not None and not block.matches():
        problems.append(f"block digest does not match ({block.explain()})")
    if payload is not None and not payload.matches():
        problems.append(f"payload digest does not match ({payload.explain()})")
    damage = f"{kind} record: {'; '.join(problems)}" if problems else None
    return bytes(kept), damage


class _HeadSplit:
    """Splits a stream of block chunks into HTTP head and payload at the first blank line.

    A block without a blank line is all head and has an empty payload, as warcio reads it.
    """

    def __init__(self) -> None:
        self.in_head = True
        self.tail = b""

    def feed(self, chunk: bytes) -> tuple[bytes, bytes]:
        if not self.in_head:
            return b"", chunk
        window = self.tail + chunk
        match = _HEAD_END.search(window)
        if match is None:
            # A line end split across chunks must still be found.
            self.tail = window[-3:]
            return chunk, b""
        self.in_head = False
        cut = match.end() - len(self.tail)
        return chunk[:cut], chunk[cut:]


class _Digest:
    """Checks a ``WARC-*-Digest`` value (``ALGORITHM:VALUE``, base32, hex or base64)."""

    def __init__(self, declared: str, algorithm: str, value: str, hasher: Any) -> None:
        self.declared = declared
        self.algorithm = algorithm
        self.value = value
        self.hasher = hasher

    @classmethod
    def of(cls, headers: Any, name: str, problems: list[str]) -> _Digest | None:
        """A checker for the digest field ``name``; ``None`` without one.

        A value naming no known algorithm cannot be checked: that goes to ``problems``.
        """
        declared = headers.get_header(name)
        if declared is None:
            return None
        algorithm, sep, value = declared.partition(":")
        try:
            if not sep:
                raise ValueError
            hasher = hashlib.new(algorithm.strip().lower().replace("-", ""))
        except ValueError:
            problems.append(f"{name} {declared[:80]!r} names no known algorithm")
            return None
        return cls(declared, algorithm.strip(), value.strip(), hasher)

    def update(self, data: bytes) -> None:
        self.hasher.update(data)

    def matches(self) -> bool:
        raw = self.hasher.digest()
        value = self.value.rstrip("=")
        return value.upper() == base64.b32encode(raw).decode("ascii").rstrip("=") or (
            value.lower() == raw.hex() or value == base64.b64encode(raw).decode("ascii").rstrip("=")
        )

    def explain(self) -> str:
        computed = base64.b32encode(self.hasher.digest()).decode("ascii")
        return f"says {self.declared}, computed {self.algorithm}:{computed}"
