"""What discovery documents share: unzipping, decoding, secure XML parsing, absolute URLs.

XML is parsed without entity expansion, DTD loading or network access, in lxml's recover mode
because real feeds are messy; HTML-only entities and bare ampersands are repaired first.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import struct
import zlib
from html.entities import html5
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
from scrapy.utils.gz import gunzip
from w3lib.encoding import read_bom
from w3lib.html import strip_html5_whitespace

#: Largest decompressed sitemap or feed accepted (the sitemaps.org limit); 0 means no limit.
DEFAULT_MAX_SIZE = 50 * 1024 * 1024


class DiscoveryError(ValueError):
    """A discovery document could not be used; the message names the URL and the reason."""


_XML_DECL = re.compile(r"^<\?xml\s[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
_BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"lt", "gt", "amp", "quot", "apos"})


def decompress(body: bytes, url: str, max_size: int) -> bytes:
    """Gunzip ``body`` if it carries the gzip magic number; enforce ``max_size`` either way."""
    if body[:2] != b"\x1f\x8b":
        if max_size and len(body) > max_size:
            raise DiscoveryError(f"{url}: body of {len(body)} B exceeds the {max_size} B limit")
        return body
    try:
        data = gunzip(body, max_size=max_size)
    except (OSError, EOFError, ValueError, struct.error, zlib.error) as exc:
        raise DiscoveryError(f"{url}: gzip body could not be decompressed: {exc}") from exc
    # Scrapy's gunzip returns whatever it got from a cut stream; a sitemap cut mid-way would
    # then quietly lose entries, so a stream without its end marker is refused here.
    if not _gzip_complete(body, len(data)):
        raise DiscoveryError(f"{url}: gzip body is truncated (no end-of-stream marker)")
    return data


def _gzip_complete(body: bytes, size: int) -> bool:
    # The trailer's ISIZE settles the usual single-member case without a second inflate.
    if len(body) >= 18 and struct.unpack("<I", body[-4:])[0] == size % 2**32:
        return True
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while True:
                inflater.decompress(data, 65536)
                data = inflater.unconsumed_tail
                if inflater.eof or not data:
                    break
        except zlib.error:
            return False
        if not inflater.eof:
            return False
        data = inflater.unused_data
        if data[:2] != b"\x1f\x8b":
            return True  # padding or trailing junk after the last member, as gzip(1) allows
    return True


def _decode(body: bytes) -> str:
    """Body as text: BOM, then valid UTF-8, then the declared encoding, then a lenient guess."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom) :].decode(bom_encoding, "replace")
    if body[:1] == b"\x00" and body[1:2] not in (b"", b"\x00"):
        return body.decode("utf-16-be", "replace")
    if body[1:2] == b"\x00" and body[:1] != b"\x00":
        return body.decode("utf-16-le", "replace")
    # Declarations lie (iso-8859-1 over UTF-8 bytes is common), while bytes that decode as
    # UTF-8 are almost never meant as anything else.
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_ENCODING.match(body[:512])
    encoding = "utf-8"
    if declared:
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
    if encoding == "utf-8" and not _UTF8_MULTIBYTE.search(body):
        encoding = "cp1252"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return body.decode(encoding, "replace")


def _html_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    value = html5.get(name + ";")
    if value is None:
        return match.group(0)
    return "".join(f"&#{ord(char)};" for char in value)


def prepare_xml(body: bytes) -> bytes:
    """Bytes lxml can parse well: UTF-8, no declaration, no HTML-only entities, no bare ``&``.

    Recover mode would otherwise drop ``&nbsp;`` and cut ``&b=2`` out of query strings.
    CDATA sections are left alone: inside them an ampersand is plain text already.
    """
    text = _decode(body).lstrip("\ufeff\x00 \t\r\n")
    text = _XML_DECL.sub("", text, count=1).lstrip(" \t\r\n")
    parts = _CDATA.split(text)
    for index in range(0, len(parts), 2):
        part = _NAMED_ENTITY.sub(_html_entity, parts[index])
        parts[index] = _BARE_AMPERSAND.sub("&amp;", part)
    return "".join(parts).encode("utf-8")


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


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(**SAFE_XML_OPTIONS)


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
