"""Headlines from metadata without the site's name ("Judul | Kompas.com" -> "Judul")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsel import Selector

from crawler.extraction.selectors import element_text

_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|\u00bb|\u00b7)\s+")
_LEADING = re.compile(r"^(?P<lead>[^:|]{2,40}?)\s*(?::|\|)\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _names_site(segment: str, names: list[str]) -> bool:
    key = _key(segment)
    return bool(key) and any(name in key or key in name for name in names)


def strip_site_name(title: str | None, site_names: Iterable[str | None]) -> str | None:
    """``title`` without trailing segments that name the site (its name, domains, og:site_name).

    Only whole segments after a spaced separator go, so a headline's own dash stays.
    """
    if not title:
        return title
    names = [key for key in (_key(name or "") for name in site_names) if len(key) >= 3]
    # Domains count without their suffix too: "kompas.com" also names "KOMPAS".
    names += [re.sub(r"(com|coid|co|id|net|org)$", "", name) for name in names]
    names = [name for name in names if len(name) >= 3]
    lead = _LEADING.match(title)
    if lead and _names_site(lead["lead"], names):
        title = title[lead.end() :]  # "KapanLagi.com: Judul"
    parts = _SEPARATOR.split(title)
    while len(parts) > 1 and _names_site(parts[-1], names):
        parts.pop()
    kept = title
    if len(parts) < len(_SEPARATOR.split(title)):
        # Cut at the start of the first removed segment, keeping the headline's own spelling.
        cuts = list(_SEPARATOR.finditer(title))
        kept = title[: cuts[len(parts) - 1].start()]
    return kept.strip() or title


def shown_headline(root: Selector, title: str | None) -> str | None:
    """The page's own headline element when it says the same as ``title`` (from metadata).

    Metadata often drops the headline's punctuation ("Raja Ampat Apa Iya" for "Raja Ampat: Apa
    Iya ...?"); the visible <h1> keeps it.
    """
    if not title:
        return title
    for heading in root.xpath("//h1")[:5]:
        text = element_text(heading.root)
        if text and _key(text) == _key(title):
            return text
    return title
