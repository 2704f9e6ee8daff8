"""A JSON Lines item file written durably: appended, then flushed and fsynced in batches.

Lines are appended through a buffer; :meth:`ItemLogFile.sync` flushes and fsyncs them, and only
then are they written for good.  After a crash the file may end in a torn line:
:func:`cut_torn_tail` cuts it back to its last whole line, and :func:`last_keys` tells which
items its last lines hold, so that the next run writes exactly the ones missing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.utils.serialize import ScrapyJSONEncoder


class _ItemEncoder(ScrapyJSONEncoder):
    """Scrapy's JSON encoder, with dataclass items (the Article, its credits and images)
    turned into dicts one level at a time: the encoder walks what they hold itself, and
    ``ItemAdapter(item).asdict()``, which gives the same JSON, costs ten times as much."""

    def default(self, o: Any) -> Any:
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            names = (f.name for f in dataclasses.fields(o))
            return {name: getattr(o, name) for name in names if hasattr(o, name)}
        return super().default(o)


_ENCODER = _ItemEncoder(ensure_ascii=False)
_TAIL_CHUNK = 1 << 16

ItemKey = tuple[str, int]


def item_line(item: Any) -> str:
    """The item as one line of JSON (UTF-8 text, no newline), as Scrapy's jsonlines feed has it."""
    return str(_ENCODER.encode(item))


def item_key(fields: ItemAdapter | dict[str, Any]) -> ItemKey | None:
    """``(canonical_url or url, version)`` of a versioned item; None for an unversioned one."""
    version = fields.get("version")
    if not isinstance(version, int):
        return None
    return (str(fields.get("canonical_url") or fields.get("url") or ""), version)


class ItemLogFile:
    """One item file opened for appending (created, with its folder, when missing).

    Raises ``OSError`` when the file cannot be opened, written or synced.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.existed = path.exists()
        self._file: IO[bytes] | None = path.open("ab")
        self.lines = 0
        """Lines appended through this object."""

    def append(self, line: str) -> None:
        self._stream.write(line.encode("utf-8") + b"\n")
        self.lines += 1

    def sync(self) -> None:
        """Flush and fsync: every line appended so far survives a crash or power loss."""
        stream = self._stream
        stream.flush()
        os.fsync(stream.fileno())

    def close(self) -> None:
        """Sync and close; a file this object created and left empty is removed."""
        if self._file is None:
            return
        stream, self._file = self._file, None
        try:
            stream.flush()
            os.fsync(stream.fileno())
        finally:
            stream.close()
        if not self.existed and self.lines == 0:
            self.path.unlink(missing_ok=True)

    def abandon(self) -> None:
        """Close after a write failure; what the buffer still holds may or may not get out."""
        if self._file is None:
            return
        stream, self._file = self._file, None
        with contextlib.suppress(OSError):
            stream.close()  # closes the descriptor even when its last flush fails

    @property
    def _stream(self) -> IO[bytes]:
        if self._file is None:
            raise ValueError(f"item file {self.path} is closed")
        return self._file


def cut_torn_tail(path: Path) -> int:
    """Cut ``path`` back to its last whole line and fsync it; returns the bytes cut."""
    with path.open("r+b") as stream:
        size = stream.seek(0, os.SEEK_END)
        end = _last_newline_end(stream, size)
        if end < size:
            stream.truncate(end)
        # Lines a killed process wrote may be in the page cache only: make them durable.
        os.fsync(stream.fileno())
        return size - end


def last_keys(path: Path, count: int) -> set[ItemKey]:
    """Keys of the items on the last ``count`` lines of ``path`` (lines that are no item: none)."""
    keys = set()
    for raw in _last_lines(path, count):
        try:
            fields = json.loads(raw)
        except ValueError:
            continue
        key = item_key(fields) if isinstance(fields, dict) else None
        if key is not None:
            keys.add(key)
    return keys


def _last_newline_end(stream: IO[bytes], size: int) -> int:
    """The offset just past the last newline before ``size`` (0 when there is none)."""
    position = size
    while position > 0:
        start = max(0, position - _TAIL_CHUNK)
        stream.seek(start)
        chunk = stream.read(position - start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


def _last_lines(path: Path, count: int) -> list[bytes]:
    """The last ``count`` newline-terminated lines of ``path``, read backwards in chunks."""
    if count <= 0:
        return []
    with path.open("rb") as stream:
        position = _last_newline_end(stream, stream.seek(0, os.SEEK_END))
        tail = b""
        while position > 0 and tail.count(b"\n") <= count:
            start = max(0, position - _TAIL_CHUNK)
            stream.seek(start)
            tail = stream.read(position - start) + tail
            position = start
    lines = tail.split(b"\n")[:-1]  # the text after the last newline was cut off above
    if position > 0:
        lines = lines[1:]  # may be the end of a line that starts further back
    return lines[-count:]
