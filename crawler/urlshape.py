"""The shape of a URL path: whether it looks like an article, and a pattern for a set of them.

News sites give articles long URLs with an id or a date and a slug of the headline
(``/read/2016/02/16/14382361/banjir-di-jakarta``, ``/berita/d-1234567/judul-berita``), and
give sections, tags and authors short ones (``/bisnis/``, ``/tag/banjir``). Pure functions:
used by the crawl of a site with no site file and by ``scrapy site init``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

#: Path segments that mark a page as a listing, a profile or a service page, never an article.
NOT_ARTICLE_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topik",
        "topic",
        "topics",
        "label",
        "author",
        "authors",
        "penulis",
        "reporter",
        "editor",
        "profile",
        "profil",
        "user",
        "users",
        "category",
        "categories",
        "kategori",
        "kanal",
        "rubrik",
        "search",
        "cari",
        "pencarian",
        "indeks",
        "index",
        "arsip",
        "archive",
        "archives",
        "page",
        "halaman",
        "login",
        "register",
        "daftar",
        "about",
        "tentang",
        "contact",
        "kontak",
        "redaksi",
        "disclaimer",
        "privacy",
        "karir",
        "feed",
        "rss",
        "sitemap",
        "wp-admin",
        "wp-content",
        "wp-json",
        "static",
        "assets",
        "images",
        "img",
        "cdn-cgi",
    }
)

#: Literal segments that introduce articles on many sites; kept in a proposed pattern even
#: when only one sample page shows them.
ARTICLE_MARKERS = frozenset(
    {"read", "baca", "berita", "artikel", "article", "detail", "news", "post", "story", "p"}
)

_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)
_WORDS = re.compile(r"[-_+]+")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DAY = re.compile(r"^(?:19|20)\d\d-?[01]\d-?[0-3]\d$")
# Slug words needed: a headline slug has several; "liga-inggris" is a tag or a section.
SLUG_WORDS = 3
LONG_SLUG_WORDS = 5
ID_DIGITS = 5
_ID_SLUG = re.compile(rf"^(?:[a-z]{{0,3}}-?\d{{{ID_DIGITS},}}-.+|.+-\d{{{ID_DIGITS},}})$", re.I)


def segments(url: str) -> list[str]:
    """The non-empty path segments of ``url``, lower-cased."""
    return [s.lower() for s in urlsplit(url).path.split("/") if s]


def segment_kind(segment: str) -> str:
    """``year``, ``day`` (a whole date), ``num``, ``idslug``, ``slug`` or ``word``."""
    bare = _EXTENSION.sub("", segment)
    if _YEAR.match(bare):
        return "year"
    if _DAY.match(bare):
        return "day"
    if bare.isdigit():
        return "num"
    if _ID_SLUG.match(bare) and len(_words(bare)) >= 2:
        return "idslug"
    if len(_words(bare)) >= SLUG_WORDS and any(c.isalpha() for c in bare):
        return "slug"
    return "word"


def _words(segment: str) -> list[str]:
    return [w for w in _WORDS.split(segment) if w]


def signature(url: str) -> tuple[str, ...]:
    """The kinds of the path segments: URLs of one template share it."""
    return tuple(segment_kind(s) for s in segments(url))


def is_listing(url: str) -> bool:
    """Whether a segment of ``url`` names a tag, author, search or other non-article page."""
    return any(_EXTENSION.sub("", s) in NOT_ARTICLE_SEGMENTS for s in segments(url))


def looks_like_article(url: str) -> bool:
    """Whether ``url`` has the shape of an article: an id or a date with a slug, or a long slug.

    A bare id (``/read/1234567``) counts below a first segment; a slug alone needs
    ``LONG_SLUG_WORDS`` words, since sections and tags have short ones.
    """
    parts = segments(url)
    if not parts or is_listing(url):
        return False
    kinds = [segment_kind(s) for s in parts]
    words = max((len(_words(_EXTENSION.sub("", s))) for s in parts), default=0)
    has_id = "idslug" in kinds or any(
        k == "num" and len(s) >= ID_DIGITS for k, s in zip(kinds, parts, strict=True)
    )
    has_date = "day" in kinds or ("year" in kinds and kinds.index("year") < len(kinds) - 1)
    if "idslug" in kinds or ((has_id or has_date) and words >= SLUG_WORDS):
        return True
    if has_id and len(parts) >= 2 and kinds[0] != "num":
        return True
    return words >= LONG_SLUG_WORDS


class UrlShapes:
    """Article shapes learned from the links a crawl discovers.

    Sitemap and feed entries that look like articles vouch for their signature; a later link
    of a vouched signature counts as an article even when its own slug is short.
    """

    def __init__(self) -> None:
        self.vouched: Counter[tuple[str, ...]] = Counter()

    def learn(self, url: str) -> None:
        if looks_like_article(url):
            self.vouched[signature(url)] += 1

    def is_article(self, url: str) -> bool:
        if looks_like_article(url):
            return True
        return not is_listing(url) and self.vouched[signature(url)] >= 2


# --- a pattern for a set of article URLs ------------------------------------------------------


def _position(values: list[str], kinds: list[str]) -> str:
    """The regular expression of one path position over the sample URLs."""
    bare = [_EXTENSION.sub("", v) for v in values]
    ending = _EXTENSION.search(values[0])
    if ending and all(v.endswith(ending.group()) for v in values):
        # "/judul-berita.html": the extension stays, the slug before it is read alone.
        return _position(bare, kinds) + re.escape(ending.group())
    if all(k == "day" for k in kinds):
        return r"\d{4}-?\d{2}-?\d{2}"
    if all(k in {"year", "num", "day"} and b.isdigit() for k, b in zip(kinds, bare, strict=True)):
        lengths = {len(b) for b in bare}
        return rf"\d{{{lengths.pop()}}}" if len(lengths) == 1 and len(bare[0]) <= 4 else r"\d+"
    if all(k == "idslug" for k in kinds):
        return _id_slug(bare)
    if all(k in {"slug", "idslug"} for k in kinds):
        # A headline has words: "redaksi" or "indeks" in that place is no article.
        return r"[^/?#]*[-_+][^/?#]*"
    fixed = len(set(values)) == 1 and kinds[0] == "word"
    if fixed and (len(values) >= 2 or values[0].lower() in ARTICLE_MARKERS):
        return re.escape(values[0])
    return r"[^/?#]+"


_LEADING_ID = re.compile(rf"^([a-z]{{0,3}}-?)\d{{{ID_DIGITS},}}", re.IGNORECASE)
_TRAILING_ID = re.compile(rf"-\d{{{ID_DIGITS},}}$")


def _id_slug(values: list[str]) -> str:
    """An id joined to a slug, the id kept: ``d-\\d+(-...)?``, ``\\d+-...``, ``...-\\d+``."""
    leads = [_LEADING_ID.match(v) for v in values]
    if all(leads):
        prefixes = {m.group(1).lower() for m in leads if m}
        prefix = re.escape(prefixes.pop()) if len(prefixes) == 1 else "[a-z]{0,3}-?"
        return rf"{prefix}\d+([-_][^/?#]*)?"
    if all(_TRAILING_ID.search(v) for v in values):
        return r"[^/?#]+-\d+"
    return r"[^/?#]+"


def host_pattern(host: str, domain: str) -> str:
    """``^https?://`` and the host: any subdomain of ``domain`` (an IP address as it is)."""
    if host == domain and (host.replace(".", "").isdigit() or ":" in host):
        return rf"^https?://{re.escape(host)}(:\d+)?"
    return rf"^https?://([a-z0-9-]+\.)*{re.escape(domain)}(:\d+)?"


def article_pattern(urls: Iterable[str], domain: str) -> str:
    """A regular expression matching ``urls`` (article URLs of one site), for a site file.

    URLs are grouped by their number of path segments; at each position a fixed word stays,
    numbers become ``\\d``, slugs and varying words any segment. The path is anchored at both
    ends (a query may follow), so section and tag pages (fewer segments, other words) stay out.
    """
    by_length: dict[int, list[list[str]]] = {}
    host = ""
    for url in urls:
        parts = [s for s in urlsplit(url).path.split("/") if s]
        host = host or (urlsplit(url).hostname or "")
        if parts:
            by_length.setdefault(len(parts), []).append(parts)
    if not by_length:
        raise ValueError("no article URL with a path to learn a pattern from")
    paths = []
    for length in sorted(by_length):
        samples = by_length[length]
        columns = [[parts[i] for parts in samples] for i in range(length)]
        paths.append("/".join(_position(col, [segment_kind(v) for v in col]) for col in columns))
    body = paths[0] if len(paths) == 1 else "(?:" + "|".join(paths) + ")"
    return f"{host_pattern(host.lower(), domain)}/{body}/?(\\?.*)?$"


_NOT_PAGES = re.compile(r"\.(?:xml|rss|json|jpe?g|png|gif|webp|svg|pdf|zip|mp[34]|css|js)$", re.I)


def section_links(
    links: Iterable[str], home: str, in_scope: Callable[[str], bool], limit: int
) -> list[str]:
    """Up to ``limit`` section pages among a home page's ``links`` (menu links first).

    A section is a short path (one or two segments) on the site that is neither an article
    nor a tag, author or service page, and has no query: ``/bisnis/``, ``/news/ekonomi``.
    """
    home_url = urlsplit(home)
    found: list[str] = []
    seen: set[str] = set()
    for url in links:
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        if len(found) >= limit:
            break
        if (
            "?" in url
            or "//" in parts.path
            or not path
            or (parts.hostname == home_url.hostname and path == home_url.path.rstrip("/"))
            or not in_scope(parts.hostname or "")
            or len(segments(url)) > 2
            or _NOT_PAGES.search(path)
            or is_listing(url)
            or looks_like_article(url)
            or url.rstrip("/") in seen
        ):
            continue
        seen.add(url.rstrip("/"))
        found.append(url)
    return found
