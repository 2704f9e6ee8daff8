"""IIPC-style WARC file names: ``PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"

_PREFIX_RE = re.compile(r"[A-Za-z0-9._-]+")
_HOST_UNSAFE_RE = re.compile(r"[^A-Za-z0-9.-]+")
_NAME_RE = re.compile(
    r"(?P<prefix>.+?)-(?P<timestamp>\d{17})-(?P<serial>\d{5,})-(?P<host>.+)-(?P<pid>\d+)"
    + re.escape(WARC_SUFFIX)
)


@dataclass(frozen=True, slots=True)
class WarcName:
    """The parts of a WARC file name."""

    prefix: str
    opened_at: datetime
    serial: int
    host: str
    pid: int


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is safe in a file name, else raise ``ValueError``."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"WARC prefix {prefix!r} may only hold letters, digits, '.', '_' and '-'")
    return prefix


def safe_host(host: str) -> str:
    """Host name reduced to characters that are safe in a file name."""
    return _HOST_UNSAFE_RE.sub("_", host) or "localhost"


def warc_name(prefix: str, opened_at: datetime, serial: int, host: str, pid: int) -> str:
    """File name for a WARC opened at ``opened_at`` (converted to UTC, millisecond precision)."""
    utc = opened_at.astimezone(UTC)
    timestamp = utc.strftime("%Y%m%d%H%M%S") + f"{utc.microsecond // 1000:03d}"
    return f"{check_prefix(prefix)}-{timestamp}-{serial:05d}-{safe_host(host)}-{pid}{WARC_SUFFIX}"


def parse_warc_name(name: str) -> WarcName | None:
    """Split a file name made by :func:`warc_name`; ``None`` for any other name."""
    match = _NAME_RE.fullmatch(name)
    if match is None:
        return None
    stamp = match["timestamp"]
    opened_at = datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(
        microsecond=int(stamp[14:]) * 1000, tzinfo=UTC
    )
    return WarcName(
        prefix=match["prefix"],
        opened_at=opened_at,
        serial=int(match["serial"]),
        host=match["host"],
        pid=int(match["pid"]),
    )
