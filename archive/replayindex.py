"""Where each URL was captured: an index over WARC files, WACZ packages or a CDXJ file.

Built once when a replay starts.  WARC and WACZ files are read with warcio record by record
(a damaged file is indexed up to the damage, with a warning naming file and offset); a CDXJ
index (as ``scrapy warc index`` or pywb write it) is read line by line and its ``filename``
resolved beside the index file.  Captures are ``response`` and ``revisit`` records; a revisit
is resolved to the response holding its payload by ``WARC-Refers-To-Target-URI``, ``-Date``
and payload digest, as pywb does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import zipfile
from bisect import insort
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import urldefrag

from archive.reader import Location, parse_warc_date
from archive.scan import WARC_SUFFIXES, Problem, walk_records
from archive.state import surt_key
from crawler.paths import UnsafePathError, inside

logger = logging.getLogger(__name__)

_CDXJ_NAMES = (".cdxj", ".cdx")


class ReplaySourceError(Exception):
    """The replay source cannot be used at all; the message names it and why."""


@dataclass(frozen=True, slots=True)
class Capture:
    """One ``response`` or ``revisit`` record of a URL."""

    url: str
    date: datetime
    kind: str
    """``response`` or ``revisit``."""
    location: Location
    payload_digest: str | None
    record_id: str | None = None


class ArchiveIndex:
    """Captures per URL (exact, and by SURT key for ``http``/``www``/slash variants)."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[datetime, int, Capture]]] = defaultdict(list)
        self._by_key: dict[str, list[tuple[datetime, int, Capture]]] = defaultdict(list)
        self._serial = 0
        self.captures = 0
        self.problems: list[str] = []

    @classmethod
    def load(cls, sources: Iterable[Path]) -> ArchiveIndex:
        """Index every WARC, WACZ and CDXJ file in ``sources`` (files or folders)."""
        index = cls()
        found = False
        for path in archive_files(sources):
            found = True
            if path.name.endswith(WARC_SUFFIXES):
                index._add_warc(path)
            elif path.suffix == ".wacz":
                index._add_wacz(path)
            else:
                index._add_cdxj(path)
        if not found:
            raise ReplaySourceError(f"no WARC, WACZ or CDXJ file in {', '.join(map(str, sources))}")
        return index

    def add(self, capture: Capture) -> None:
        self._serial += 1
        # The serial keeps equal dates in file order and spares comparing captures.
        entry = (capture.date, self._serial, capture)
        insort(self._exact[capture.url], entry)
        with contextlib.suppress(ValueError):  # no http(s) URL: exact matches only
            insort(self._by_key[surt_key(capture.url)], entry)
        self.captures += 1

    def nearest(self, url: str, at: datetime | None = None) -> list[Capture]:
        """Captures of ``url`` in the order to try them.

        Without ``at``: latest first.  With ``at``: the captures at or before it, latest
        first (the archive as it was then), then those after it, earliest first.
        """
        url = urldefrag(url)[0]
        entries = self._exact.get(url)
        if not entries:
            try:
                entries = self._by_key.get(surt_key(url))
            except ValueError:
                entries = None
        if not entries:
            return []
        if at is None:
            return [capture for _, _, capture in reversed(entries)]
        before = [capture for date, _, capture in reversed(entries) if date <= at]
        return before + [capture for date, _, capture in entries if date > at]

    def following(self, url: str, at: datetime) -> list[Capture]:
        """Captures of ``url`` from ``at`` on, earliest first, then those before, latest first.

        The later pages of an article were fetched just after its first page, in the same crawl.
        """
        captures = self.nearest(url, at)
        after = sorted((c for c in captures if c.date >= at), key=lambda c: c.date)
        return after + [c for c in captures if c.date < at]

    def original(self, url: str, date: datetime, digest: str | None) -> Capture | None:
        """The response a revisit refers to: same URL and digest, at ``date`` or before."""
        for capture in self.nearest(url, date):
            if capture.kind == "response" and (digest is None or capture.payload_digest == digest):
                return capture
        return None

    def _add_warc(self, path: Path) -> None:
        try:
            with path.open("rb") as stream:
                self._add_records(stream, lambda offset: Location(path, offset), str(path))
        except OSError as exc:
            self._problem(f"{path}: cannot read: {exc.strerror or exc}")

    def _add_wacz(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as package:
                members = [n for n in package.namelist() if n.endswith(WARC_SUFFIXES)]
                for member in sorted(members):
                    with package.open(member) as stream:
                        self._add_records(
                            stream, partial(_in_package, path, member), f"{path}!{member}"
                        )
        except (OSError, zipfile.BadZipFile) as exc:
            self._problem(f"{path}: not a readable WACZ package: {exc}")

    def _add_records(self, stream: IO[bytes], where: Callable[[int], Location], name: str) -> None:
        for item in walk_records(stream, name, _capture_fields):
            if isinstance(item, Problem):
                self._problem(f"{item}; the rest of this file is left out")
                return
            if item.value is None:
                continue
            kind, url, date, payload_digest, record_id = item.value
            self.add(Capture(url, date, kind, where(item.offset), payload_digest, record_id))

    def _add_cdxj(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            self._problem(f"{path}: cannot read the index: {exc}")
            return
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("!"):
                continue
            try:
                _, stamp, fields = line.split(" ", 2)
                data = json.loads(fields)
                mime = data.get("mime", "")
                kind = "revisit" if mime == "warc/revisit" else "response"
                if mime in ("warc/request", "warc/metadata") or "filename" not in data:
                    continue
                self.add(
                    Capture(
                        url=urldefrag(data["url"])[0],
                        date=datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC),
                        kind=kind,
                        location=Location(_beside(path, data["filename"]), int(data["offset"])),
                        payload_digest=_cdx_digest(data.get("digest")),
                    )
                )
            except (ValueError, KeyError) as exc:
                self._problem(f"{path}:{number}: not a CDXJ line ({exc})")

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        logger.warning("%s", message)


def _capture_fields(
    record: Any, iterator: Any
) -> tuple[str, str, datetime, str | None, str | None] | None:
    """Kind, URL, date, payload digest and record id of a response or revisit, else None."""
    kind = record.rec_type
    if kind not in ("response", "revisit"):
        return None
    headers = record.rec_headers
    url = urldefrag(headers.get_header("WARC-Target-URI") or "")[0]
    date = parse_warc_date(headers.get_header("WARC-Date"))
    if not url or date is None:
        return None
    return (
        kind,
        url,
        date,
        headers.get_header("WARC-Payload-Digest"),
        headers.get_header("WARC-Record-ID"),
    )


def _in_package(path: Path, member: str, offset: int) -> Location:
    return Location(path, offset, member)


def archive_files(sources: Iterable[Path]) -> Iterator[Path]:
    """WARC, WACZ and CDXJ files among ``sources`` (files, or folders one level deep).

    A folder holding WARC or WACZ files gives those only: an index beside them lists the
    same captures again.  A folder of indexes alone gives its CDXJ files.
    """
    for source in sources:
        if source.is_dir():
            children = sorted(source.iterdir())
            archives = [
                p for p in children if p.name.endswith(WARC_SUFFIXES) or p.suffix == ".wacz"
            ]
            yield from archives or [p for p in children if p.suffix in _CDXJ_NAMES]
        elif source.is_file():
            yield source
        else:
            raise ReplaySourceError(f"replay source {source} does not exist")


def _beside(index: Path, filename: str) -> Path:
    """A CDXJ ``filename``: beside the index, or in ``archive/`` next to its folder (pywb)."""
    for folder in (index.parent, index.parent.parent / "archive", index.parent.parent):
        # An index names files beside it: one naming "../x" or "/x" finds nothing.
        with contextlib.suppress(UnsafePathError):
            if (candidate := inside(folder, filename)).is_file():
                return candidate
    return index.parent / Path(filename).name


def _cdx_digest(value: str | None) -> str | None:
    if not value:
        return None
    return value if ":" in value else f"sha1:{value}"
