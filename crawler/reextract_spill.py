"""The outcomes of a first pass over the archive, kept on disk for the second.

``scrapy reextract`` with learned boilerplate reads the archive twice: a first pass learns each
site's repeated blocks, the second writes the items with them taken out.  Extraction gives the
same outcome both times, so the first pass writes each outcome here (pickled, one after the
other, memory the same whatever the archive's size) and the second reads them back instead of
extracting every page again.  The file starts with what the first pass knew of the archive
(the damaged files, the index's figures) and ends with a mark: a file without it is from a
pass that did not finish.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from crawler.reextract_pool import Outcome

_END = "end"


class SpillError(Exception):
    """The first pass's file is missing, damaged or unfinished; the message says which."""


@dataclass(frozen=True, slots=True)
class Head:
    """What the first pass knew of the archive before its first capture."""

    problems: list[str]
    stats: dict[str, Any]


class SpillWriter:
    """Writes a head, then outcomes, then the end mark (:meth:`finish`)."""

    def __init__(self, path: Path, head: Head) -> None:
        self.stream: IO[bytes] = path.open("wb")
        self.pickler = pickle.Pickler(self.stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._dump(head)

    def write(self, outcome: Outcome) -> None:
        self._dump(outcome)

    def finish(self) -> None:
        self._dump(_END)
        self.close()

    def close(self) -> None:
        self.stream.close()

    def _dump(self, value: Any) -> None:
        self.pickler.dump(value)
        # The pickler remembers every object it wrote, to refer back to it: not wanted here.
        self.pickler.clear_memo()


def read_spill(path: Path) -> tuple[Head, Iterator[Outcome]]:
    """The head of the file and its outcomes; ``SpillError`` (maybe from the iterator, at
    the end) when it is not a finished first pass's."""
    try:
        stream = path.open("rb")
        head = pickle.load(stream)
    except (OSError, EOFError, pickle.UnpicklingError) as exc:
        raise SpillError(f"the first pass over the archive left no outcomes ({exc})") from exc
    if not isinstance(head, Head):
        stream.close()
        raise SpillError("the first pass over the archive left no outcomes")
    return head, _outcomes(stream)


def _outcomes(stream: IO[bytes]) -> Iterator[Outcome]:
    with stream:
        while True:
            try:
                value = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError) as exc:
                raise SpillError("the first pass over the archive did not finish") from exc
            if value == _END:
                return
            if not isinstance(value, Outcome):
                raise SpillError("the outcomes of the first pass are damaged")
            yield value
