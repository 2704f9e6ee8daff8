"""What the WARC files hold and what deduplication saved, read with :func:`archive.scan.scan_file`.

Each file's bytes are split by record type (the length each record takes in the file).  A
``revisit`` stands for the payload of the full ``response`` it refers to: found by
``WARC-Refers-To`` (record id), else by target URI and date, else by payload digest.  The
payload sizes found this way are the bytes deduplication saved (uncompressed, an estimate of
what full captures would have stored).  A damaged file counts up to its damage and is named.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from archive.reader import parse_warc_date
from archive.scan import Problem, ScannedRecord, find_warc_files, scan_file
from archive.warc import SERVER_NOT_MODIFIED

#: Record types whose HTTP head is kept: a response's payload is its block less the head.
_KEPT = ("response",)


@dataclass(slots=True)
class FileUsage:
    """One WARC file: its size and its records' bytes by type."""

    name: str
    size: int
    records: Counter[str] = field(default_factory=Counter)
    record_bytes: Counter[str] = field(default_factory=Counter)
    not_modified: int = 0
    """``revisit`` records of 304 answers (profile server-not-modified)."""
    saved_bytes: int = 0
    """Payload bytes of the responses this file's revisits stand for."""
    damaged_records: int = 0
    problem: str | None = None
    """Why the file could not be read to its end; ``None`` when it was."""


@dataclass(slots=True)
class WarcUsage:
    """The WARC files of an archive folder, in name (that is, time) order."""

    files: list[FileUsage] = field(default_factory=list)
    unresolved_revisits: int = 0
    """Revisits whose original capture is in none of the files read."""
    skipped: list[str] = field(default_factory=list)
    """Files not read: still being written, or left by a crash."""

    @property
    def total_bytes(self) -> int:
        return sum(usage.size for usage in self.files)

    @property
    def saved_bytes(self) -> int:
        return sum(usage.saved_bytes for usage in self.files)

    def count(self, kind: str) -> int:
        return sum(usage.records[kind] for usage in self.files)

    @property
    def not_modified(self) -> int:
        return sum(usage.not_modified for usage in self.files)

    @property
    def damaged(self) -> list[FileUsage]:
        return [usage for usage in self.files if usage.problem or usage.damaged_records]


@dataclass(frozen=True, slots=True)
class _Revisit:
    file: FileUsage
    refers_to: str | None
    target: tuple[str, datetime | None]
    digest: str | None


@dataclass(slots=True)
class _Originals:
    """Payload sizes of the responses read, by each way a revisit may name them."""

    by_id: dict[str, int] = field(default_factory=dict)
    by_target: dict[tuple[str, datetime | None], int] = field(default_factory=dict)
    by_digest: dict[str, int] = field(default_factory=dict)

    def add(self, record: ScannedRecord) -> None:
        headers = record.headers
        size = max(_int(headers.get_header("Content-Length")) - len(record.kept), 0)
        if record_id := headers.get_header("WARC-Record-ID"):
            self.by_id[record_id] = size
        self.by_target[_target(record, "WARC-Target-URI", "WARC-Date")] = size
        if digest := headers.get_header("WARC-Payload-Digest"):
            self.by_digest.setdefault(digest, size)

    def size_of(self, revisit: _Revisit) -> int | None:
        if revisit.refers_to and revisit.refers_to in self.by_id:
            return self.by_id[revisit.refers_to]
        if revisit.target in self.by_target:
            return self.by_target[revisit.target]
        return self.by_digest.get(revisit.digest) if revisit.digest else None


def warc_usage(
    paths: Iterable[str | os.PathLike[str]], hosts: Collection[str] | None = None
) -> WarcUsage:
    """The usage of the WARC files in ``paths`` (folders or files; missing ones raise).

    With ``hosts`` only the records of URLs on those hosts count (a site's share of a
    folder several sites write to); the files' sizes then are the sum of those records.
    """
    found = find_warc_files(paths)
    usage = WarcUsage(skipped=[path.name for path in (*found.open, *found.not_files)])
    originals = _Originals()
    revisits: list[_Revisit] = []
    for path in found.warc + found.other:
        size = path.stat().st_size if path.is_file() else 0
        file = FileUsage(path.name, size if hosts is None else 0)
        usage.files.append(file)
        for record in scan_file(path, keep=_KEPT):
            if isinstance(record, Problem):
                where = "" if record.offset is None else f"at byte {record.offset}: "
                file.problem = where + record.message
                break
            if hosts is not None:
                if not _on_hosts(record, hosts):
                    continue
                file.size += record.length
            _count(file, record)
            if record.kind == "response":
                originals.add(record)
            elif record.kind == "revisit":
                revisits.append(_revisit_of(file, record))
    for revisit in revisits:
        payload = originals.size_of(revisit)
        if payload is None:
            usage.unresolved_revisits += 1
        else:
            revisit.file.saved_bytes += payload
    return usage


def _count(file: FileUsage, record: ScannedRecord) -> None:
    file.records[record.kind] += 1
    file.record_bytes[record.kind] += record.length
    if record.damage:
        file.damaged_records += 1
    if record.kind == "revisit" and record.headers.get_header("WARC-Profile") == (
        SERVER_NOT_MODIFIED
    ):
        file.not_modified += 1


def _revisit_of(file: FileUsage, record: ScannedRecord) -> _Revisit:
    headers = record.headers
    return _Revisit(
        file,
        headers.get_header("WARC-Refers-To"),
        _target(record, "WARC-Refers-To-Target-URI", "WARC-Refers-To-Date"),
        headers.get_header("WARC-Payload-Digest"),
    )


def _target(record: ScannedRecord, uri: str, date: str) -> tuple[str, datetime | None]:
    headers = record.headers
    return headers.get_header(uri) or "", parse_warc_date(headers.get_header(date))


def _on_hosts(record: ScannedRecord, hosts: Collection[str]) -> bool:
    uri = record.headers.get_header("WARC-Target-URI") or ""
    try:
        return (urlsplit(uri).hostname or "") in hosts
    except ValueError:
        return False


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0
