"""PNG pictures for the demo site, drawn from their address: same address, same bytes.

Each article picture is a photo-sized PNG of its own (a seeded colour gradient with grain, so
it compresses about as poorly as a real photo does); thumbnails and the logo are tiny.
"""

from __future__ import annotations

import hashlib
import operator
import random
import struct
import zlib

#: Size of an article picture: small, but of a real photo's order of bytes (~35 kB).
PICTURE_SIZE = (160, 90)
_GRAIN_TABLE = bytes(value % 24 for value in range(256))


def picture_png(key: str, width: int = PICTURE_SIZE[0], height: int = PICTURE_SIZE[1]) -> bytes:
    """An RGB picture for ``key`` (its address): a gradient between two seeded colours."""
    seed = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    start = [rng.randrange(40, 216) for _ in range(3)]
    end = [rng.randrange(40, 216) for _ in range(3)]
    # Grain below 256 - 216 keeps every sample a byte.
    grain = rng.randbytes(width * height * 3).translate(_GRAIN_TABLE)
    span = width + height
    # The gradient runs along x + y: row y is the stretch of it from y to y + width.
    ramp = bytes(
        int(start[c] + (end[c] - start[c]) * step / span) for step in range(span) for c in range(3)
    )
    rows = []
    for y in range(height):
        at = y * width * 3
        pixels = map(operator.add, ramp[y * 3 : (y + width) * 3], grain[at : at + width * 3])
        rows.append(b"\x00" + bytes(pixels))
    return _png(width, height, 2, b"".join(rows))


def grey_png(width: int = 16, height: int = 9) -> bytes:
    """A small grey picture (thumbnails, the logo)."""
    rows = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    return _png(width, height, 0, rows)


def _png(width: int, height: int, colour_type: int, rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )
