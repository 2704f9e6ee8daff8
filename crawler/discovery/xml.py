"""What discovery documents share: unzipping, decoding, secure XML parsing, absolute URLs.

XML is parsed without entity expansion, DTD loading or network access, in lxml's recover mode
because real feeds are messy; HTML-only entities and bare ampersands are repaired first.

Documents are read a chunk at a time (:func:`text_chunks`, :func:`xml_events`): gunzipped,
decoded and repaired on the fly and fed to a pull parser, so memory does not grow with the
document (callers free each entry once read) and a caller can pause between chunks.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import zlib
from collections.abc import Iterator
from html.entities import html5
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
from w3lib.encoding import read_bom
from w3lib.html import strip_html5_whitespace

from crawler.encoding import byte_fallback, codec_name, is_single_byte

#: Largest decompressed sitemap or feed accepted (the sitemaps.org limit); 0 means no limit.
DEFAULT_MAX_SIZE = 50 * 1024 * 1024

#: Bytes of a document read, decoded and parsed at a time.
CHUNK_SIZE = 64 * 1024
# Bytes looked at to tell the encoding (BOM, UTF-16, XML declaration).
_SNIFF_SIZE = 1024


class DiscoveryError(ValueError):
    """A discovery document could not be used; the message names the URL and the reason."""


class DiscoveryTooLarge(DiscoveryError):
    """A discovery document over its size limit (``max_size``), decompressed or not."""


_XML_DECL = re.compile(r"^<\?xml\s[^>]*\?>")
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*", re.S)
_START_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)[\s/>]")
# Text read at most to find a document's root element.
_OPENING_LIMIT = 1024 * 1024
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"lt", "gt", "amp", "quot", "apos"})


def _html_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(char)};" for char in value)


def _gunzipped_chunks(body: bytes, url: str, max_size: int) -> Iterator[bytes]:
    """The members of a gzip body decompressed, at most ``CHUNK_SIZE`` bytes at a time.

    Raises ``DiscoveryError`` once more than ``max_size`` bytes came out (a gzip bomb costs
    that much inflating, never that much memory), or when the stream is damaged or cut.
    """
    view = memoryview(body)
    position = 0
    total = 0
    pending = b""
    while True:
        inflater = zlib.decompressobj(wbits=31)
        while not inflater.eof:
            if not pending:
                if position >= len(view):
                    raise DiscoveryError(f"{url}: gzip body is truncated (no end-of-stream marker)")
                pending = bytes(view[position : position + CHUNK_SIZE])
                position += CHUNK_SIZE
            try:
                out = inflater.decompress(pending, CHUNK_SIZE)
            except zlib.error as exc:
                raise DiscoveryError(f"{url}: gzip body could not be decompressed: {exc}") from exc
            pending = inflater.unconsumed_tail
            total += len(out)
            if max_size and total > max_size:
                raise DiscoveryTooLarge(
                    f"{url}: gzip body exceeded the {max_size} B limit when decompressed"
                )
            if out:
                yield out
        pending = inflater.unused_data
        following = pending + bytes(view[position : position + 2])
        # Padding or trailing junk after the last member is allowed, as gzip(1) allows it.
        if following[:2] != b"\x1f\x8b":
            return


def body_chunks(body: bytes, url: str, max_size: int) -> Iterator[bytes]:
    """``body`` (gunzipped when it carries the gzip magic number) in chunks, ``max_size`` enforced.

    A gzip body is inflated once to the end before its first chunk is given, discarding the
    output: a bomb, a damaged or a cut stream is refused before anything of it is used.
    """
    if body[:2] != b"\x1f\x8b":
        if max_size and len(body) > max_size:
            raise DiscoveryTooLarge(f"{url}: body of {len(body)} B exceeds the {max_size} B limit")
        view = memoryview(body)
        for start in range(0, len(body), CHUNK_SIZE):
            yield bytes(view[start : start + CHUNK_SIZE])
        return
    for _ in _gunzipped_chunks(body, url, max_size):
        pass
    yield from _gunzipped_chunks(body, url, max_size)


def _incremental_decoder(head: bytes) -> tuple[codecs.IncrementalDecoder, int]:
    """A decoder for a document starting with ``head``, and the BOM length to skip."""
    bom_encoding, bom = read_bom(head)
    if bom_encoding and bom:
        return codecs.getincrementaldecoder(bom_encoding)("replace"), len(bom)
    if head[:1] == b"\x00" and head[1:2] not in (b"", b"\x00"):
        return codecs.getincrementaldecoder("utf-16-be")("replace"), 0
    if head[1:2] == b"\x00" and head[:1] != b"\x00":
        return codecs.getincrementaldecoder("utf-16-le")("replace"), 0
    declared = _DECLARED_ENCODING.match(head[:512])
    encoding = codec_name(declared.group(1).decode("ascii")) if declared else None
    if encoding and encoding != "utf-8" and not is_single_byte(encoding):
        return codecs.getincrementaldecoder(encoding)("replace"), 0
    # Declarations lie (iso-8859-1 over UTF-8 bytes is common): UTF-8 wherever the bytes are,
    # the declared single-byte charset (else windows-1252) for the bytes that are not.
    fallback = encoding if encoding and encoding != "utf-8" else "cp1252"
    return codecs.getincrementaldecoder("utf-8")(byte_fallback(fallback)), 0


class _Repair:
    """HTML-only entities and bare ampersands made XML, across chunk boundaries.

    CDATA sections are left alone: inside them an ampersand is plain text already. The end of
    a chunk that may be cut inside an entity or a CDATA marker waits for the next chunk.
    """

    _CDATA_OPEN = "<![CDATA["
    _CDATA_CLOSE = "]]>"
    # Longest entity reference worth waiting for ("&CounterClockwiseContourIntegral;").
    _LONGEST_ENTITY = 40

    def __init__(self) -> None:
        self.held = ""
        self.in_cdata = False

    def feed(self, text: str, final: bool = False) -> str:
        text, self.held = self.held + text, ""
        out: list[str] = []
        position = 0
        while position < len(text):
            if self.in_cdata:
                end = text.find(self._CDATA_CLOSE, position)
                if end < 0:
                    keep = len(text) if final else max(position, len(text) - 2)
                    out.append(text[position:keep])
                    self.held = text[keep:]
                    break
                end += len(self._CDATA_CLOSE)
                out.append(text[position:end])
                position, self.in_cdata = end, False
                continue
            start = text.find(self._CDATA_OPEN, position)
            if start < 0:
                keep = len(text) if final else self._safe_end(text, position)
                out.append(_repair(text[position:keep]))
                self.held = text[keep:]
                break
            out.append(_repair(text[position:start]))
            position, self.in_cdata = start, True
            out.append(self._CDATA_OPEN)
            position += len(self._CDATA_OPEN)
        return "".join(out)

    def _safe_end(self, text: str, start: int) -> int:
        end = len(text)
        ampersand = text.rfind("&", max(start, end - self._LONGEST_ENTITY))
        if ampersand >= 0 and ";" not in text[ampersand:]:
            end = ampersand
        bracket = text.rfind("<", max(start, len(text) - len(self._CDATA_OPEN)))
        if bracket >= 0 and self._CDATA_OPEN.startswith(text[bracket:]):
            end = min(end, bracket)
        return max(end, start)


def _repair(text: str) -> str:
    return _BARE_AMPERSAND.sub("&amp;", _NAMED_ENTITY.sub(_html_entity, text))


def text_chunks(body: bytes, url: str, max_size: int) -> Iterator[str]:
    """The document as text lxml parses well, a chunk at a time, without its XML declaration.

    Decoded (BOM, UTF-16, else UTF-8 with the declared single-byte charset for stray bytes),
    HTML-only entities made character references and bare ampersands ``&amp;``, as the body is
    read: memory stays a few chunks whatever the size. Empty chunks are never given.
    """
    chunks = body_chunks(body, url, max_size)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= _SNIFF_SIZE:
            break
    decoder, skip = _incremental_decoder(head)
    repair = _Repair()
    started = False
    pending = ""

    def pieces() -> Iterator[tuple[bytes, bool]]:
        for start in range(skip, len(head), CHUNK_SIZE):
            yield head[start : start + CHUNK_SIZE], False
        for chunk in chunks:
            yield chunk, False
        yield b"", True

    for data, final in pieces():
        text = decoder.decode(data, final)
        if not started:
            # The declaration names an encoding already dealt with; leading blank lines and
            # NULs (feeds that start with a blank line) would make it an error.
            pending += text
            stripped = pending.lstrip("\ufeff\x00 \t\r\n")
            in_declaration = "<?xml".startswith(stripped[:5]) and "?>" not in stripped
            if not final and (not stripped or in_declaration):
                continue
            text = _XML_DECL.sub("", stripped, count=1).lstrip(" \t\r\n")
            pending = ""
            if not (text or final):
                continue  # the declaration, and blank lines after it so far
            started = True
        if repaired := repair.feed(text, final):
            yield repaired


def opening(texts: Iterator[str]) -> str:
    """The first texts of a document, up to its root element's start tag when it has one."""
    first = ""
    for text in texts:
        first += text
        if not first.startswith("<") or root_name(first) or len(first) > _OPENING_LIMIT:
            break
    return first


def root_name(text: str) -> str | None:
    """Local name of the root element a document starts with, or None when it is not XML."""
    position = 0
    while (prolog := _PROLOG.match(text, position)) and prolog.end() > position:
        position = prolog.end()
    start = _START_TAG.match(text, position)
    return start.group(1).rpartition(":")[2] if start else None


def xml_events(
    first: str, texts: Iterator[str], url: str, tags: tuple[str, ...]
) -> Iterator[list[tuple[str, etree._Element]]]:
    """Start and end events of ``tags`` in the document ``first`` + ``texts``, per chunk parsed.

    Only the elements asked for reach Python (``{*}url`` matches any namespace), which keeps a
    long document fast; the caller frees what it read (:func:`free`, :func:`trim`). Raises
    ``DiscoveryError`` when libxml2 stops for safety; a document cut or broken after its
    first chunk keeps what came before the damage.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"), tag=tags, base_url=url, **SAFE_XML_OPTIONS
    )
    for index, text in enumerate(prepend(first, texts)):
        try:
            parser.feed(text.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            if index == 0:
                raise DiscoveryError(f"{url}: body is not XML ({exc})") from exc
            break
        check_limits(parser.error_log, url)
        yield list(parser.read_events())
    with contextlib.suppress(etree.XMLSyntaxError):
        parser.close()
    check_limits(parser.error_log, url)
    yield list(parser.read_events())


def prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def free(element: etree._Element) -> None:
    """Drop ``element``'s content and its earlier siblings: a long document is not held whole."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def trim(container: etree._Element) -> None:
    """Drop every child of ``container`` but the last, which the parser may still be filling."""
    while len(container) > 1:
        del container[0]


# Never expand entities, load DTDs or touch the network; recover from sloppy markup.
SAFE_XML_OPTIONS: dict[str, bool | str] = {
    "encoding": "utf-8",
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "recover": True,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def check_limits(error_log: etree._ListErrorLog, url: str) -> None:
    """Refuse a document on which libxml2 stopped for safety (entity amplification, ...)."""
    for entry in error_log:
        if entry.type_name in ("ERR_RESOURCE_LIMIT", "ERR_ENTITY_LOOP"):
            raise DiscoveryError(f"{url}: refused by the XML parser's limits: {entry.message}")


def local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``, whitespace stripped; None unless it is http(s)."""
    if not href:
        return None
    href = strip_html5_whitespace(href)
    if not href:
        return None
    try:
        # Most hrefs in sitemaps and feeds are absolute already; urljoin dominates otherwise.
        url = href if href[:8].lower().startswith(("http://", "https://")) else urljoin(base, href)
        parts = urlsplit(url)
        _ = parts.port  # a malformed port only raises when read
    except ValueError:
        return None
    # Hosts are required: pages carry hrefs like "https:http://twitter.com/x".
    return url if parts.scheme in ("http", "https") and parts.hostname else None
