"""The headline, weighed among the page's sources, without site names and section prefixes.

A page states its headline several times: the visible <h1>, JSON-LD ``headline``,
``og:title``, other meta tags, ``<title>``. Metadata adds the site's name ("Judul |
Kompas.com") or a section ("Musik - Judul"); the <h1> keeps the punctuation metadata drops.
Segments go by agreement: a segment naming the site or the page's section goes, and a title
that holds another source's headline as whole segments is cut to it. The <h1> wins when it
says what a metadata source says; an <h1> no source confirms may be a logo or a section name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsel import Selector

from crawler.extraction.selectors import element_text

_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|\u00bb|\u00b7)\s+")
_LEADING = re.compile(r"^(?P<lead>[^:|]{2,40}?)\s*(?::|\|)\s+")
_ELLIPSIS = re.compile(r"(?:\.\.\.|\u2026)\s*$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def title_key(text: str) -> str:
    """What two spellings of one headline share: its letters and digits, casefolded."""
    return _key(text)


def _names_site(segment: str, names: list[str]) -> bool:
    key = _key(segment)
    return bool(key) and any(name in key or key in name for name in names)


def _registered(host: str) -> str:
    """The registered name of a host ("bola.kompas.com" -> "kompas"); "" for other names."""
    labels = host.lower().split(".")
    if len(labels) < 2 or " " in host:
        return ""
    second_level = len(labels) >= 3 and labels[-2] in {"co", "or", "ac", "go", "my", "web"}
    return labels[-3] if second_level else labels[-2]


def strip_site_name(title: str | None, site_names: Iterable[str | None]) -> str | None:
    """``title`` without trailing segments that name the site (its name, domains, og:site_name).

    Only whole segments after a spaced separator go, so a headline's own dash stays.
    """
    if not title:
        return title
    given = [name or "" for name in site_names]
    names = [key for key in (_key(name) for name in given) if len(key) >= 3]
    # Domains count without their suffix too: "kompas.com" also names "KOMPAS".
    names += [re.sub(r"(com|coid|co|id|net|org)$", "", name) for name in names]
    # A subdomain's site is named by its registered domain too ("bola.kompas.com": "kompas").
    names += [_registered(name) for name in given]
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


def _segments_cut(title: str, headline: str) -> str | None:
    """``title`` cut to the run of its segments that says ``headline``, in its own spelling."""
    want = _key(headline)
    if not want:
        return None
    cuts = [0, *(m for sep in _SEPARATOR.finditer(title) for m in (sep.start(), sep.end()))]
    cuts.append(len(title))
    starts, ends = cuts[0::2], cuts[1::2]
    for first, start in enumerate(starts):
        for end in ends[first:]:
            # The headline is the bulk of a title: a short segment is a section or a name.
            if _key(title[start:end]) == want and 2 * len(want) >= len(_key(title)):
                return title[start:end].strip()
    return None


def _drop_section(title: str, sections: list[str]) -> str:
    """``title`` without a leading segment naming the page's section ("Musik - Judul")."""
    keys = {_key(section) for section in sections if _key(section)}
    parts = _SEPARATOR.split(title, maxsplit=1)
    lead = _LEADING.match(title)
    if len(parts) > 1 and _key(parts[0]) in keys:
        return parts[1].strip()
    if lead and _key(lead["lead"]) in keys:
        return title[lead.end() :].strip()
    return title


def choose_title(
    headings: list[str],
    candidates: list[tuple[str, str | None]],
    site_names: Iterable[str | None],
    sections: Iterable[str | None] = (),
    subheadings: Iterable[str] = (),
) -> tuple[str | None, str | None]:
    """``(title, source)`` from the page's <h1> texts and labelled metadata titles (best
    first: ``jsonld``, ``og``, ``meta``, ``title_tag``, ...). ``subheadings`` (<h2>, <h3>)
    only confirm where a metadata title ends: some layouts set the headline in an <h2>."""
    names = list(site_names)
    section_names = [s for s in sections if s]
    cleaned = [
        (label, _drop_section(stripped, section_names))
        for label, text in candidates
        if text and (stripped := strip_site_name(text, names))
    ]
    # A title holding another source's headline (or the <h1>) as whole segments is cut to it.
    agreed = []
    for label, text in cleaned:
        shorter = [
            cut
            for other in [*(t for _, t in cleaned), *headings, *subheadings]
            if _key(other) != _key(text) and (cut := _segments_cut(text, other))
        ]
        agreed.append((label, min(shorter, key=len) if shorter else text))
    keys = {_key(text) for _, text in agreed}
    # Metadata cut short ("Judul panjang yang..."): the <h1> that goes on from it is whole.
    starts = [_key(text) for _, text in agreed if _ELLIPSIS.search(text)]
    for heading in headings[:5]:
        key = _key(heading)
        if key in keys or any(len(start) >= 20 and key.startswith(start) for start in starts):
            return heading, "h1"
    if agreed:
        votes = [sum(_key(t) == _key(text) for _, t in agreed) for _, text in agreed]
        best = max(range(len(agreed)), key=lambda i: (votes[i], -i))
        return agreed[best][1], agreed[best][0]
    return (headings[0], "h1") if headings else (None, None)


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
