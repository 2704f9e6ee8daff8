"""Text that is mostly UTF-8: the bytes that are not are read one by one in a legacy charset.

Real pages mix encodings: UTF-8 with a few stray Latin-1 bytes, windows-1252 declared as UTF-8,
UTF-8 declared as iso-8859-1. Decoding the whole page one way then turns every non-ASCII
character into U+FFFD or mojibake, while reading each invalid byte on its own loses nothing.
"""

from __future__ import annotations

import codecs
import re
from functools import cache, partial

#: A well-formed multi-byte UTF-8 sequence (overlongs and surrogates aside, close enough).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")

#: The legacy charset used for invalid bytes when a page declares none (or declares UTF-8).
DEFAULT_FALLBACK = "cp1252"


def codec_name(encoding: str) -> str | None:
    """Python's name for ``encoding``, or None when Python does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


@cache
def byte_fallback(encoding: str) -> str:
    """Name of a codec error handler that reads each undecodable byte run in ``encoding``.

    ``body.decode("utf-8", byte_fallback("cp1252"))`` is UTF-8 wherever the bytes are, and
    windows-1252 for the bytes that are not.
    """
    name = f"kabarsip-fallback-{encoding}"
    codecs.register_error(name, partial(_read_as, encoding))
    return name


def _read_as(encoding: str, error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode(encoding, "replace"), error.end


@cache
def is_single_byte(encoding: str) -> bool:
    """Whether every byte is one character in ``encoding`` (Latin-1, windows-125x, ...)."""
    try:
        return len(bytes(range(128, 256)).decode(encoding, "replace")) == 128
    except LookupError:
        return False


def mostly_utf8(body: bytes) -> bool:
    """Whether most non-ASCII bytes of ``body`` form well-formed UTF-8 sequences."""
    valid = sum(len(sequence) for sequence in _UTF8_SEQUENCE.findall(body))
    return valid > 0 and valid > len(_NON_ASCII.findall(body)) - valid


def page_text(body: bytes, encoding: str, declared: str | None = None) -> str | None:
    """``body`` decoded better than as ``encoding``, or None when that reading is right.

    ``encoding`` is how the page would be read (Scrapy: BOM, header, markup, else a guess);
    ``declared`` is what the page itself said, if anything. A page read as UTF-8 (or ASCII)
    whose bytes are not all UTF-8 keeps its UTF-8 and reads only the other bytes in
    windows-1252. A page read in a single-byte charset, or guessed, whose non-ASCII bytes are
    mostly UTF-8 is UTF-8 too, its stray bytes read in the declared single-byte charset
    (windows-1252 when none). UTF-16 and multi-byte legacy charsets are left as they are.
    """
    name = codec_name(encoding)
    said = codec_name(declared) if declared else None
    if name is None or name.startswith(("utf-16", "utf-32")):
        return None
    fallback = said if said and said != "utf-8" and is_single_byte(said) else DEFAULT_FALLBACK
    if name in ("utf-8", "ascii"):
        try:
            body.decode(name)
        except UnicodeDecodeError:
            return body.decode("utf-8", byte_fallback(fallback))
        return None
    if (said is None or is_single_byte(name)) and mostly_utf8(body):
        return body.decode("utf-8", byte_fallback(fallback))
    return None
