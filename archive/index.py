"""CDXJ index of WARC files for pywb and ReplayWeb.page, written by cdxj-indexer.

cdxj-indexer formats the lines (SURT key, 14-digit timestamp, JSON with url, mime, status,
digest, length, offset, filename) and sorts them, spilling to temporary files past 32 MB.
Records are read through :func:`archive.scan.walk_records`, so a record is indexed only once
it is known to be whole, and a damaged file is reported with the offset where it stops.

What is indexed is what pywb's own indexer takes: ``response``, ``revisit``, ``resource`` and
``metadata`` records, except ``application/warc-fields`` ones (crawl metadata such as a 304's
headers or a version decision would otherwise replay in place of the page).  Digests are not
checked here; ``scrapy warc verify`` does that.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cdxj_indexer.main import CDXJIndexer

from archive.scan import Problem, walk_records

INDEXED_TYPES = ("response", "revisit", "resource", "metadata")
_WARC_FIELDS = "application/warc-fields"


@dataclass(slots=True)
class IndexReport:
    files: int = 0
    lines: int = 0
    problems: list[Problem] = field(default_factory=list)


def write_index(
    files: Sequence[Path],
    output: IO[str],
    *,
    on_problem: Callable[[Problem], None] | None = None,
) -> IndexReport:
    """Write the sorted CDXJ index of ``files`` to ``output``.

    ``filename`` in each line is the file's base name, as in a pywb collection or a WACZ.
    A damaged file contributes its records up to the damage.
    """
    indexer = _Indexer(output, files, on_problem)
    indexer.process_all()
    return indexer.report


class _Indexer(CDXJIndexer):
    def __init__(
        self,
        output: IO[str],
        files: Sequence[Path],
        on_problem: Callable[[Problem], None] | None,
    ) -> None:
        super().__init__(output, [str(path) for path in files], sort=True)
        self.report = IndexReport()
        self.on_problem = on_problem

    def filter_record(self, record: Any) -> bool:
        # Spelt out rather than inherited: importing the wacz package appends "warcinfo" to
        # CDXJIndexer.DEFAULT_RECORDS, and the warc-fields rule only applies to that list.
        return bool(
            record.rec_type in INDEXED_TYPES
            and record.rec_headers.get_header("Content-Type") != _WARC_FIELDS
        )

    def process_one(self, input_: IO[bytes], output: IO[str], filename: str) -> None:
        self.curr_filename = self._resolve_rel_path(filename)
        self.report.files += 1

        def lines(record: Any, iterator: Any) -> str:
            if not self.filter_record(record):
                return ""
            # Held back until the walk knows the record is whole.
            pending = io.StringIO()
            self.process_index_entry(iterator, record, filename, pending)
            return pending.getvalue()

        for item in walk_records(input_, filename, lines, parse_http=True):
            if isinstance(item, Problem):
                self.report.problems.append(item)
                if self.on_problem is not None:
                    self.on_problem(item)
            elif item.value:
                output.write(item.value)
                self.report.lines += item.value.count("\n")
