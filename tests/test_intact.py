"""The quick check a conditional request makes of the capture its 304 would confirm."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from archive.intact import check_payload
from archive.reader import ArchivedRecordError, read_response
from archive.warc import RecordLocation
from tests.test_warc_writer import only_file, request, response, writer

URI = "https://news.example/berita/banjir-jakarta"


def archived(tmp_path: Path) -> tuple[Path, RecordLocation, bytes]:
    with writer(tmp_path) as w:
        w.write_exchange(URI, request(), response(body=b"<p>pertama</p>"))
        location = w.write_exchange(URI, request(), response())
    path = only_file(tmp_path)
    return path, location, path.read_bytes()


def test_a_whole_capture_passes_as_the_full_reader_does(tmp_path: Path) -> None:
    path, at, _ = archived(tmp_path)
    check_payload(path, at.offset, at.payload_digest)
    assert read_response(path, at.offset, payload_digest=at.payload_digest).status == 200


def member_offsets(data: bytes) -> list[int]:
    """Where each gzip member (record) of a WARC file starts."""
    offsets, at = [], 0
    while at < len(data):
        offsets.append(at)
        inflate = zlib.decompressobj(31)
        inflate.decompress(data[at:])
        at = len(data) - len(inflate.unused_data)
    return offsets


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "cut short"),
        ("bit-flipped", ""),
        ("zeroed", "unreadable record"),
        ("request", "expected a WARC response record"),
        ("other digest", "payload digest"),
    ],
)
def test_a_damaged_or_wrong_capture_is_refused(tmp_path: Path, damage: str, message: str) -> None:
    path, at, data = archived(tmp_path)
    offset, digest = at.offset, at.payload_digest
    if damage == "truncated":
        path.write_bytes(data[: at.offset + at.length // 2])
    elif damage == "bit-flipped":
        flipped = bytearray(data)
        flipped[at.offset + at.length // 2] ^= 0x40
        path.write_bytes(bytes(flipped))
    elif damage == "zeroed":
        path.write_bytes(data[: at.offset] + bytes(len(data) - at.offset))
    elif damage == "request":
        offset = member_offsets(data)[-2]  # the request record before the response
    else:
        digest = "sha1:" + "A" * 32
    with pytest.raises(ArchivedRecordError, match=message or None):
        check_payload(path, offset, digest)
    # The full reader refuses it too: the quick check lets through nothing it would not (on a
    # request record the reader fails reading its request line as a status line).
    with pytest.raises((ArchivedRecordError, ValueError)):
        read_response(path, offset, payload_digest=digest)
