"""WACZ packages of WARC files for ReplayWeb.page, written by the ``wacz`` package (py-wacz).

The WARC files are checked first (:mod:`archive.verify`) and packed only when sound: the
package would otherwise carry the damage with a fresh checksum on it.  The same reading
collects the page list: ReplayWeb.page opens a WACZ on its ``pages/pages.jsonl``, and the
WACZ spec requires one, but ``wacz create`` writes it only for pages it finds itself, and
its ``--detect-pages`` keeps only HTML pages that another request names as ``Referer``, which
Kabarsip's archives seldom hold.  So the list is made here and copied in as it is:

- every article version, from the version decisions (``metadata`` records with a
  ``kabarsip-version`` field, see :mod:`archive.decisions`) whose capture is in the package:
  the article URL at the time (``ts``) of the capture the version came from, with its
  headline (``title``), so that ReplayWeb.page lists the articles by headline;
- an archive without decisions lists its HTML pages instead (``200`` responses of type
  ``text/html`` or ``application/xhtml+xml``).

``wacz create`` runs in a subprocess of this interpreter: importing ``wacz`` changes
cdxj-indexer's default record types for the whole process, and it prints as it goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from warcio.timeutils import iso_date_to_timestamp, timestamp_to_iso_date

from archive.decisions import KIND_FIELD, parse_fields
from archive.scan import FoundFiles, Problem, ScannedRecord, http_head
from archive.verify import VerifyReport, verify_files

HTML_TYPES = ("text/html", "application/xhtml+xml")
_RUN_WACZ = "import sys; from wacz.main import main; sys.exit(main())"
#: Lines of ``wacz create``'s output shown when it fails.
_OUTPUT_TAIL = 20


class PackError(Exception):
    """No WACZ was written; the message says why."""


@dataclass(frozen=True, slots=True)
class PackResult:
    output: Path
    files: list[Path]
    pages: int
    pages_from: str
    """``article versions`` or ``HTML pages``."""
    report: VerifyReport


def pack(
    files: Sequence[Path],
    output: Path,
    *,
    title: str | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackResult:
    """Check ``files`` and package them as the WACZ ``output``, replaced only once complete.

    Raises :class:`PackError` when a file is damaged (``on_problem`` heard of each problem)
    or ``wacz create`` fails; ``progress`` hears of the bytes checked.
    """
    with tempfile.TemporaryDirectory(prefix="kabarsip-pack-") as tmp:
        pages = _Pages(Path(tmp), {path.name for path in files})
        with pages:
            report = verify_files(
                FoundFiles(warc=list(files)),
                keep=("metadata", "response"),
                visit=pages.visit,
                on_problem=on_problem,
                progress=progress,
            )
        if report.problems:
            raise PackError(
                f"{len(report.damaged_files)} of {len(files)} WARC files are damaged; "
                "nothing was packed"
            )
        page_list, count, pages_from = pages.chosen()
        partial = output.with_name(output.name + ".partial")
        command = [sys.executable, "-c", _RUN_WACZ, "create", "-o", str(partial)]
        command += ["--copy-pages", "--pages", str(page_list)]
        if title:
            command += ["--title", title]
        command += [str(path) for path in files]
        try:
            run = subprocess.run(command, capture_output=True, text=True, check=False)
            if run.returncode != 0:
                tail = "\n".join((run.stdout + run.stderr).splitlines()[-_OUTPUT_TAIL:])
                raise PackError(f"wacz create failed (exit status {run.returncode}):\n{tail}")
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return PackResult(output, list(files), count, pages_from, report)


class _Pages:
    """Writes both page lists as the records come; :meth:`chosen` says which one to use."""

    def __init__(self, directory: Path, packed: set[str]) -> None:
        self.packed = packed
        self.paths = {kind: directory / f"{kind}.jsonl" for kind in ("articles", "html")}
        self.counts = dict.fromkeys(self.paths, 0)
        self.streams: dict[str, IO[str]] = {}

    def __enter__(self) -> _Pages:
        titles = {"articles": "Article versions", "html": "HTML pages"}
        for kind, path in self.paths.items():
            stream = path.open("w", encoding="utf-8")
            self.streams[kind] = stream
            header = {"format": "json-pages-1.0", "id": "pages", "title": titles[kind]}
            stream.write(json.dumps(header) + "\n")
        return self

    def __exit__(self, *_: object) -> None:
        for stream in self.streams.values():
            stream.close()

    def visit(self, path: Path, record: ScannedRecord) -> None:
        if record.kind == "metadata":
            fields = dict(parse_fields(record.kept))
            # A version whose capture is not packed would be a page that cannot be opened.
            if KIND_FIELD in fields and fields.get("warc-file") in self.packed:
                self._add("articles", record, fields.get("title"))
        elif record.kind == "response":
            try:
                status, headers = http_head(record.kept)
            except ValueError:
                return
            mime = headers.get("content-type", "").split(";")[0].strip().lower()
            if status == 200 and mime in HTML_TYPES:
                self._add("html", record)

    def chosen(self) -> tuple[Path, int, str]:
        if self.counts["articles"] or not self.counts["html"]:
            return self.paths["articles"], self.counts["articles"], "article versions"
        return self.paths["html"], self.counts["html"], "HTML pages"

    def _add(self, kind: str, record: ScannedRecord, title: str | None = None) -> None:
        url = record.headers.get_header("WARC-Target-URI")
        date = record.headers.get_header("WARC-Date")
        if not url or not date:
            return
        record_id = record.headers.get_header("WARC-Record-ID") or ""
        page = {
            "id": record_id.strip("<>").removeprefix("urn:uuid:"),
            "url": url,
            # Whole seconds, as in the CDXJ index and as wacz writes its own page lists.
            "ts": timestamp_to_iso_date(iso_date_to_timestamp(date)),
        }
        if title:
            # ReplayWeb.page lists the pages by it.
            page["title"] = title
        self.streams[kind].write(json.dumps(page) + "\n")
        self.counts[kind] += 1
