"""Version decisions as WARC ``metadata`` records, so that state can be rebuilt from WARCs alone.

When an article is new or has changed, the versions pipeline writes one ``metadata`` record
(``application/warc-fields``, ``WARC-Target-URI`` the URL fetched, ``WARC-Date`` the date of
the capture the version was extracted from, ``WARC-Refers-To`` that capture's record) holding
the fields below.  Unchanged re-visits write nothing: their capture records already say when
the article was seen again.

:func:`archive.transitions.version_state` turns a decision into the article's state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: The field that marks a metadata record as a version decision.
KIND_FIELD = "kabarsip-version"

DecisionKind = Literal["new", "updated"]


class DecisionFormatError(ValueError):
    """A metadata record claims to be a version decision but cannot be read as one."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A new article version: what it is and which capture it came from."""

    kind: DecisionKind
    url: str
    canonical_url: str
    site: str
    version: int
    fingerprint: str
    captured_at: datetime
    """``WARC-Date`` of the capture (the record's own ``WARC-Date``)."""
    warc_file: str
    warc_offset: int
    warc_record_id: str
    published: str | None = None
    updated: str | None = None
    field_digests: Mapping[str, str] = field(default_factory=dict)
    previous_fingerprint: str | None = None
    changed_fields: tuple[str, ...] = ()
    title: str | None = None
    """The version's headline, on one line (the WACZ page list shows it)."""

    def fields(self) -> list[tuple[str, str]]:
        """The record's ``name: value`` lines; absent values are left out."""
        lines = [
            (KIND_FIELD, self.kind),
            ("canonical-url", self.canonical_url),
            ("site", self.site),
            ("version", str(self.version)),
            ("fingerprint", self.fingerprint),
            ("warc-file", self.warc_file),
            ("warc-offset", str(self.warc_offset)),
            ("warc-record-id", self.warc_record_id),
            ("field-digests", json.dumps(dict(self.field_digests), sort_keys=True)),
        ]
        optional = {
            "published": self.published,
            "updated": self.updated,
            "previous-fingerprint": self.previous_fingerprint,
            "changed-fields": ",".join(self.changed_fields) or None,
            "title": " ".join((self.title or "").split()) or None,
        }
        lines.extend((name, value) for name, value in optional.items() if value is not None)
        return lines

    @classmethod
    def from_fields(
        cls, url: str, captured_at: datetime, lines: Iterable[tuple[str, str]]
    ) -> Decision:
        """Read a decision back from a record's target URI, date and fields."""
        values = dict(lines)
        kind: DecisionKind
        match values.get(KIND_FIELD):
            case "new":
                kind = "new"
            case "updated":
                kind = "updated"
            case other:
                raise DecisionFormatError(f"{KIND_FIELD} of {url} is {other!r}, not new/updated")
        try:
            return cls(
                kind=kind,
                url=url,
                canonical_url=values["canonical-url"],
                site=values["site"],
                version=int(values["version"]),
                fingerprint=values["fingerprint"],
                captured_at=captured_at,
                warc_file=values["warc-file"],
                warc_offset=int(values["warc-offset"]),
                warc_record_id=values["warc-record-id"],
                published=values.get("published"),
                updated=values.get("updated"),
                field_digests=json.loads(values.get("field-digests", "{}")),
                previous_fingerprint=values.get("previous-fingerprint"),
                changed_fields=tuple(filter(None, values.get("changed-fields", "").split(","))),
                title=values.get("title"),
            )
        except (KeyError, ValueError) as exc:
            raise DecisionFormatError(f"version decision for {url} is incomplete: {exc}") from exc


def parse_fields(block: bytes) -> list[tuple[str, str]]:
    """``name: value`` lines of an ``application/warc-fields`` block."""
    lines = []
    for raw in block.decode("utf-8", "replace").splitlines():
        name, sep, value = raw.partition(":")
        if sep:
            lines.append((name.strip(), value.strip()))
    return lines
