"""Bylines and credit lines to ``credits`` (who did what) and ``authors`` (who wrote it).

A byline names its role with a prefix ("Oleh", "Penulis:", "Reporter :", "Pewarta:",
"Laporan Wartawan ...", "Editor:", "Red:", "Redaktur :", "Sumber:"); without one, a name is an
author. People and organisations stay apart: a name with a domain ("Liputan6.com"), a news
agency, the site's own outlet names, or the outlet after a dash ("Fino Yurio Kristo -
detikinet") or before a slash ("KOMPAS.com/NABILLA TASHANDRA") is an organisation. Initials
("(Cas/Isk)", "/ FMB"), social handles ("Twitter @Persib"), weekdays of a date after the name
and the words of a trade ("Web Design, Development") are not names.

``authors`` lists the people credited as author or reporter; when the page credits only an
organisation, the organisation; when it credits only a closing sign-off ("(Luh Wayanti)"), that
contributor. Editors, photographers and sources are never authors: a page that credits only an
editor has no author, and a name the page credits as editor is not made an author by an
unprefixed repetition of it (metadata often names the editor as ``author``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.items import Credit

if TYPE_CHECKING:
    # Annotations only: itemadapter loads Scrapy, and the extraction reads credits with this.
    from itemadapter import ItemAdapter

    from crawler.sites import SiteConfig
    from pipelines.steps import Stats

_I = re.IGNORECASE

# Role prefixes, longest first; the short or ambiguous ones need their colon.
_ROLE_WORDS = (
    ("laporan wartawan", "reporter"),
    ("laporan reporter", "reporter"),
    ("laporan koresponden", "reporter"),
    ("ditulis oleh", "author"),
    ("written by", "author"),
    ("reported by", "reporter"),
    ("edited by", "editor"),
    ("kontributor", "contributor"),
    ("contributor", "contributor"),
    ("penyunting", "editor"),
    ("fotografer", "photographer"),
    ("redaktur", "editor"),
    ("reporter", "reporter"),
    ("pewarta", "reporter"),
    ("penulis", "author"),
    ("wartawan", "reporter"),
    ("editor", "editor"),
    ("author", "author"),
    ("oleh", "author"),
    ("by", "author"),
)
_COLON_ONLY = (
    ("red", "editor"),
    ("sumber", "source"),
    ("source", "source"),
    ("foto", "photographer"),
)
ROLE_PREFIX = re.compile(
    r"^(?:(?P<word>"
    + "|".join(re.escape(word) for word, _ in _ROLE_WORDS)
    + r")\b\s*[:\-]?|(?P<short>"
    + "|".join(word for word, _ in _COLON_ONLY)
    + r")\s*[:.])\s*",
    _I,
)
ROLES = {word: role for word, role in (*_ROLE_WORDS, *_COLON_ONLY)}
# Where a second credit starts inside one line: "Penulis: A Editor: B", "A | Editor: B".
NEXT_CREDIT = re.compile(
    r"\s*\|\s*|\s+(?=(?:penulis|editor|reporter|pewarta|redaktur|red|sumber|foto|fotografer"
    r"|penyunting|kontributor)\s*:)",
    _I,
)
# A date after the name: "By Corry Anestia on 16 Feb 2016 at 09:10 WIB".
DATE_TAIL = re.compile(r"\s+(?:on|pada)\s+(?=\d|[A-Z][a-z]+,?\s+\d).*$")
# Reporter initials after a name: "Corry Anestia (Cas/Isk)".
INITIALS = re.compile(r"\s*\(\s*[A-Za-z]{2,5}(?:\s*/\s*[A-Za-z]{2,5})*\s*\)\s*$")
SEPARATORS = re.compile(r"\s*(?:,|&|;|\s+dan\s+|\s+and\s+)\s*", _I)
OUTLET_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
# Organisations whatever the site: domains, news agencies, newsroom collectives.
ORGANISATION = re.compile(
    r"(?:\S\.(?:com|co\.id|co|id|net|org|tv)\b"
    r"|^(?:antara|antara\s+news|reuters|afp|ap|agence\s+france-presse|associated\s+press"
    r"|bloomberg|xinhua|kyodo|anadolu(?:\s+agency)?|bbc(?:\s+\w+)?|cnn(?:\s+\w+)?|dpa|efe"
    r"|bernama|media\s+indonesia|kompas(?:\s+cyber\s+media)?|tribunnews|tribun\s*\w*"
    r"|redaksi(?:\s+\S+)?|tim\s+\S+(?:\s+\S+)?|admin|humas\s+.*|.*\s+news)$)",
    _I,
)
# "KOMPAS.com/NABILLA TASHANDRA": the outlet, then its person.
OUTLET_SLASH = re.compile(
    r"^(?P<outlet>\S+\.(?:com|co\.id|co|id|net|org|tv))\s*/\s*(?P<person>.+)$", _I
)
# Words of a team or a trade, not of a person's name ("Web Design & Development").
_NOT_PERSON = re.compile(
    r"\b(?:design|development|developer|webmaster|programmer|copyright|hak\s+cipta)\b", _I
)
# A date after a credit ("Reporter : A | Jumat, 19 Jun 2015"): a weekday is not a name.
_WEEKDAY = re.compile(
    r"^(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\b",
    _I,
)
_INITIALS_ONLY = re.compile(r"^(?:[A-Z]{2,5}|[a-z]{2,5})$")
_NOT_A_NAME = re.compile(r"\d")
# Profile links that metadata puts in `author` ("https://www.facebook.com/detikdotcom").
_ADDRESS = re.compile(r"https?:|www\.|@|/")
# Job titles written next to a name ("Natasha Oktalia, Jurnalis").
_ROLE_NOUNS = frozenset(
    {"jurnalis", "wartawan", "reporter", "editor", "penulis", "kontributor", "fotografer"}
)
AUTHOR_ROLES = ("author", "reporter")


@dataclass(frozen=True)
class _Named:
    """One credited name, and whether the page said its role or it was assumed."""

    credit: Credit
    explicit: bool


def _role_of(prefix: re.Match[str]) -> str:
    word = (prefix["word"] or prefix["short"]).lower()
    return ROLES[" ".join(word.split())]


def _kind(name: str, organisations: Sequence[re.Pattern[str]]) -> str:
    if ORGANISATION.search(name) or any(p.fullmatch(name) for p in organisations):
        return "organization"
    return "person"


def _is_name(name: str) -> bool:
    if not 1 < len(name) <= 60 or name.casefold() in _ROLE_NOUNS or _ADDRESS.search(name):
        return False
    if _NOT_PERSON.search(name) or _WEEKDAY.match(name):
        return False
    if ORGANISATION.search(name):
        return True
    return not (_NOT_A_NAME.search(name) or _INITIALS_ONLY.match(name))


def _names(text: str, role: str) -> list[str]:
    """Names in the text of one credit, initials, places and dates dropped."""
    text = INITIALS.sub("", DATE_TAIL.sub("", text)).strip(" :-|")
    if role == "contributor" and "," in text:
        text = text.split(",", 1)[1]  # "Kontributor Lhokseumawe, Masriadi": a place first
    names = []
    for part in SEPARATORS.split(text):
        # "Arnold H Sianturi / FMB": an editor's initials after a slash.
        pieces = [piece.strip(" :-|") for piece in part.split("/")]
        kept = [pieces[0], *(piece for piece in pieces[1:] if not _INITIALS_ONLY.match(piece))]
        words = " ".join(kept).split()
        if len(words) > 1 and words[-1].casefold() in _ROLE_NOUNS:
            words.pop()  # "Dewi Kania Jurnalis": the job title printed after the name
        name = " ".join(words)
        if _is_name(name):
            names.append(name)
    return names


def _one_credit(text: str, organisations: Sequence[re.Pattern[str]]) -> list[_Named]:
    text = text.strip()
    if re.match(r"https?:|www\.", text):
        return []
    sign_off = re.fullmatch(r"\((.+)\)", text)
    if sign_off:
        text, role, explicit = sign_off[1], "contributor", True
    else:
        role, explicit = "author", False
        while prefix := ROLE_PREFIX.match(text):
            role, explicit = _role_of(prefix), True
            text = text[prefix.end() :]
    if _WEEKDAY.match(text) or _NOT_PERSON.search(text):
        return []  # the date a credit line ends with; a web team's credit
    person, _, outlet = (part.strip() for part in _split_outlet(text))
    slashed = OUTLET_SLASH.match(person)
    if slashed and not outlet:
        person, outlet = slashed["person"], slashed["outlet"]
    if role == "reporter" and "," in person:
        lead, rest = person.split(",", 1)
        if _kind(lead, organisations) == "organization":
            # "Laporan Wartawan Tribunnews.com, Glery Lazuardi": the outlet, then the reporter.
            person, outlet = rest, lead
    found = [
        # A source is a publication or an institution, not a person.
        _Named(
            Credit(name, "organization" if role == "source" else _kind(name, organisations), role),
            explicit,
        )
        for name in _names(person, role)
    ]
    if outlet and _is_name(outlet):
        found.append(_Named(Credit(outlet, "organization", role), explicit))
    return found


def _split_outlet(text: str) -> tuple[str, str, str]:
    """``(person, dash, outlet)`` of "Name - outlet"; the outlet is empty without a dash."""
    parts = OUTLET_DASH.split(text, maxsplit=1)
    return (parts[0], "-", parts[1]) if len(parts) > 1 else (text, "", "")


def parse_credits(byline: str, organisations: Sequence[re.Pattern[str]] = ()) -> list[Credit]:
    """The credits of one byline or credit line, in page order."""
    return [named.credit for named in _parse(byline, organisations)]


def _parse(byline: str, organisations: Sequence[re.Pattern[str]]) -> list[_Named]:
    text = " ".join(byline.split())
    return [
        named
        for part in NEXT_CREDIT.split(text)
        if part.strip()
        for named in _one_credit(part, organisations)
    ]


def split_byline(byline: str) -> list[str]:
    """Names in one byline, whatever their role; organisations ("Liputan6.com") as written."""
    return [credit.name for credit in parse_credits(byline)]


def collect_credits(
    bylines: Iterable[str], organisations: Sequence[re.Pattern[str]] = ()
) -> list[Credit]:
    """Every credit of every byline, one per name: a role the page states beats an assumed one."""
    chosen: dict[str, _Named] = {}
    for byline in bylines:
        for named in _parse(byline, organisations):
            key = named.credit.name.casefold()
            held = chosen.get(key)
            if held is None or (named.explicit and not held.explicit):
                chosen[key] = named
            elif named.explicit and held.explicit and named.credit.role in AUTHOR_ROLES:
                chosen[key] = named  # credited as writer and editor: the writer
    return [named.credit for named in chosen.values()]


def authors_of(credits: Iterable[Credit]) -> list[str]:
    """Who wrote it: people credited as author or reporter, else organisations, else
    contributors."""
    credits = list(credits)
    writers = [c for c in credits if c.role in AUTHOR_ROLES]
    for group in (
        [c for c in writers if c.kind == "person"],
        writers,
        [c for c in credits if c.role == "contributor"],
    ):
        if group:
            return [c.name for c in group]
    return []


def normalise_authors(
    bylines: Iterable[str], organisations: Sequence[re.Pattern[str]] = ()
) -> list[str]:
    """The authors of a page's bylines (see the module docstring), duplicates dropped."""
    return authors_of(collect_credits(bylines, organisations))


def fill_authors(item: ItemAdapter, organisations: Sequence[re.Pattern[str]] = ()) -> bool:
    """Set ``credits`` and, unless the item already has them, ``authors`` from ``authors_raw``.

    ``organisations`` are the site's own outlet names (``[authors] organisations``).
    """
    credits = collect_credits(item.get("authors_raw") or [], organisations)
    known = {(c.name.casefold(), c.role) for c in credits}
    given = [c for c in item.get("credits") or [] if (c.name.casefold(), c.role) not in known]
    item["credits"] = [*given, *credits]
    if item.get("authors"):
        return False
    item["authors"] = authors_of(item["credits"])
    _record_source(item)
    return bool(item["authors"])


def _record_source(item: ItemAdapter) -> None:
    """``field_sources["authors"]``: dropped without authors; ``body_foot`` for authors only the
    credit lines taken out of the body named (the extraction recorded no source for them)."""
    if "field_sources" not in item.field_names():
        return
    sources = dict(item.get("field_sources") or {})
    if not item["authors"]:
        sources.pop("authors", None)
    else:
        sources.setdefault("authors", "body_foot")
    item["field_sources"] = sources


def authors_step(item: ItemAdapter, site: SiteConfig | None, stats: Stats) -> None:
    """Fills ``credits`` and ``authors``; counts ``authors/filled`` and ``authors/missing``."""
    if fill_authors(item, site.organisations if site else ()):
        stats.inc_value("authors/filled")
    if not item.get("authors"):
        stats.inc_value("authors/missing")
