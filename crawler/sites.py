"""Site files: ``seeds/<site>.toml`` loaded into a validated ``SiteConfig``.

A site file is data only (URLs, patterns, selectors, boilerplate phrases). Every error names the
file and the key at fault, so a user can fix the file without reading code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.schedule import DEFAULT_SCHEDULE, parse_schedule
from crawler.paths import SITE_NAME


def seeds_dir(package: Traversable) -> Traversable:
    """The site files of ``package``: its ``seeds/`` once installed (the wheel and the egg
    Scrapyd runs, zipped, ship them there), else the ``seeds/`` folder beside it in a source
    checkout.

    ``package`` is the package's resources (``importlib.resources.files``), so site files are
    read from a zip as from a folder: never through a path relative to the source tree.
    """
    installed = package / "seeds"
    if installed.is_dir() or not isinstance(package, Path):
        return installed
    return package.resolve().parent / "seeds"


SEEDS_DIR = seeds_dir(files("crawler"))

FIELDS = (
    "title",
    "description",
    "authors",
    "published",
    "updated",
    "section",
    "tags",
    "body",
    "paragraphs",
    "images",
    "captions",
    "dateline",
    "canonical",
    # Credit elements naming editors ("Editor: X", or a bare name in an editor box).
    "editors",
    # Elements inside the body containers that are not article text (related boxes, captions).
    "body_exclude",
)


class SiteConfigError(ValueError):
    """A site file is missing, unreadable or invalid; the message names file and key."""


@dataclass(frozen=True)
class Layout:
    """Selectors for one page template.

    ``match`` picks it when the page contains it; ``valid_from``/``valid_until`` (inclusive
    capture dates) limit it to the years the site served that template, so re-extracting an
    old capture uses the rules of its time. A page whose capture date is unknown is matched by
    ``match`` alone.
    """

    name: str
    selectors: dict[str, str]
    match: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    def valid_on(self, captured: date | None) -> bool:
        """Whether the template was in use on ``captured`` (always, when that is unknown)."""
        if captured is None:
            return True
        if self.valid_from and captured < self.valid_from:
            return False
        return not (self.valid_until and captured > self.valid_until)


@dataclass(frozen=True)
class MultiPage:
    """How an article continues over several pages.

    ``next``: selector of the link to the following page; ``all_pages_param``: a query
    parameter (``page=all``) that returns the whole article in one page.
    """

    next: str | None = None
    all_pages_param: str | None = None
    max_pages: int = 30


@dataclass(frozen=True)
class SiteConfig:
    """A validated site file."""

    name: str
    path: Path
    domains: tuple[str, ...]
    article_pattern: re.Pattern[str]
    timezone: str = "Asia/Jakarta"
    language: str = "id"
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    section_next: str | None = None
    section_links: str | None = None
    multipage: MultiPage | None = None
    layouts: tuple[Layout, ...] = ()
    boilerplate: tuple[re.Pattern[str], ...] = ()
    robots_sitemaps: bool = False
    # The site's metadata writes local wall time with a "Z" (detik's ``pubdate``).
    z_is_local: bool = False
    # Byline names that are organisations (desks, outlets, agencies), full-match, any case.
    organisations: tuple[re.Pattern[str], ...] = ()
    # Times after publication at which a known article is fetched again.
    revisit: tuple[timedelta, ...] = DEFAULT_SCHEDULE

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_article(self, url: str) -> bool:
        return self.article_pattern.search(url) is not None

    def allows(self, host: str) -> bool:
        host = host.lower().split(":")[0]
        return any(host == d or host.endswith("." + d) for d in self.domains)


def site_path(name_or_path: str, seeds_dir: Traversable = SEEDS_DIR) -> Traversable:
    """Resolve ``-a site=`` (a name in ``seeds/`` or a path to a ``.toml`` file)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or "/" in name_or_path or "\\" in name_or_path:
        if not candidate.is_file():
            raise SiteConfigError(f"site file {candidate} does not exist")
        return candidate
    path = seeds_dir / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(site.name.removesuffix(".toml") for site in site_files(seeds_dir))
        raise SiteConfigError(
            f"no site named {name_or_path!r}: {path} does not exist (known sites: "
            f"{known or 'none'})"
        )
    return path


def site_files(seeds_dir: Traversable = SEEDS_DIR) -> list[Traversable]:
    """The ``*.toml`` files of ``seeds_dir``, by name."""
    if not seeds_dir.is_dir():
        return []
    found = (entry for entry in seeds_dir.iterdir() if entry.name.endswith(".toml"))
    return sorted((entry for entry in found if entry.is_file()), key=lambda entry: entry.name)


#: Largest site file read: real ones are a few kB, and a site file may come from elsewhere.
MAX_SITE_FILE_SIZE = 1024 * 1024


def load_site(name_or_path: str, seeds_dir: Traversable = SEEDS_DIR) -> SiteConfig:
    """Load and validate a site file; raises ``SiteConfigError`` naming file and key."""
    return read_site_file(site_path(name_or_path, seeds_dir))


def read_site_file(path: Traversable) -> SiteConfig:
    """Read and validate the site file at ``path`` (a file, or one inside a zipped package)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_SITE_FILE_SIZE + 1)
        if len(raw) > MAX_SITE_FILE_SIZE:
            raise SiteConfigError(
                f"{path}: site file larger than {MAX_SITE_FILE_SIZE} bytes: not a site file"
            )
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"{path}: cannot read site file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: not valid TOML: {exc}") from exc
    # A site file inside a zipped package is named by its place in the zip.
    return parse_site(data, path if isinstance(path, Path) else Path(str(path)))


def parse_site(data: dict[str, Any], path: Path) -> SiteConfig:
    """Validate the parsed TOML of a site file."""
    reader = _Reader(data, path)
    reader.known(_KNOWN_KEYS)
    name = reader.site_name()
    domains = reader.strings("domains", required=True)
    timezone = reader.string("timezone", default="Asia/Jakarta") or "Asia/Jakarta"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SiteConfigError(f"{path}: key 'timezone': unknown time zone {timezone!r}") from exc
    config = SiteConfig(
        name=name,
        path=path,
        domains=tuple(d.lower() for d in domains),
        article_pattern=reader.regex("article_pattern", required=True),
        timezone=timezone,
        language=reader.string("language", default="id") or "id",
        start_urls=reader.urls("start_urls"),
        sitemaps=reader.urls("sitemaps"),
        feeds=reader.urls("feeds"),
        sections=reader.urls("sections"),
        section_next=reader.string("section_next"),
        section_links=reader.string("section_links"),
        multipage=reader.multipage(),
        layouts=reader.layouts(),
        boilerplate=tuple(reader.regexes("boilerplate")),
        robots_sitemaps=reader.boolean("robots_sitemaps", default=False),
        z_is_local=reader.boolean("z_is_local", default=False),
        organisations=reader.organisations(),
        revisit=reader.schedule("revisit"),
    )
    if not (config.start_urls or config.sitemaps or config.feeds or config.sections):
        raise SiteConfigError(
            f"{path}: nothing to crawl: give at least one of 'start_urls', 'sitemaps', "
            "'feeds' or 'sections'"
        )
    return config


_KNOWN_KEYS = {
    "name",
    "domains",
    "timezone",
    "language",
    "start_urls",
    "sitemaps",
    "feeds",
    "sections",
    "section_next",
    "section_links",
    "article_pattern",
    "multipage",
    "selectors",
    "layouts",
    "boilerplate",
    "robots_sitemaps",
    "revisit",
    "z_is_local",
    "authors",
}


class _Reader:
    """Typed access to a TOML table with errors that name the file and key."""

    def __init__(self, data: dict[str, Any], path: Path, prefix: str = "") -> None:
        self.data = data
        self.path = path
        self.prefix = prefix

    def _fail(self, key: str, problem: str) -> SiteConfigError:
        return SiteConfigError(f"{self.path}: key '{self.prefix}{key}': {problem}")

    def known(self, keys: set[str] | frozenset[str]) -> None:
        """Refuse keys this table does not have: a typo would otherwise be silently ignored."""
        for key in sorted(set(self.data) - keys):
            table = f"[{self.prefix.rstrip('.')}]" if self.prefix else "the top level"
            raise self._fail(key, f"unknown key in {table}; known: {', '.join(sorted(keys))}")

    def site_name(self) -> str:
        """``name`` (default: the file name), a safe file name: it names items files."""
        given = self.data.get("name")
        name = self.string("name", default=self.path.stem) or self.path.stem
        if not SITE_NAME.fullmatch(name):
            where = "" if given is not None else " (from the file name; set 'name')"
            raise self._fail(
                "name",
                f"{name!r}{where} is not a site name: 1 to 64 of a-z, 0-9, '.', '_' and '-', "
                "starting with a letter or digit",
            )
        return name

    def string(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is required")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, f"must be a non-empty string, got {value!r}")
        return value

    def strings(self, key: str, required: bool = False) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is required")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(key, f"must be a list of strings, got {value!r}")
        if required and not value:
            raise self._fail(key, "must not be empty")
        return value

    def urls(self, key: str) -> tuple[str, ...]:
        values = self.strings(key)
        for url in values:
            if not re.match(r"^https?://[^/\s]+", url):
                raise self._fail(key, f"{url!r} is not an absolute http(s) URL")
        return tuple(values)

    def schedule(self, key: str) -> tuple[timedelta, ...]:
        if key not in self.data:
            return DEFAULT_SCHEDULE
        value = self.data[key]
        if not isinstance(value, (str, list)):
            raise self._fail(key, f"must be a list of intervals like ['1h', '1d'], got {value!r}")
        try:
            return parse_schedule(value)
        except (ValueError, TypeError) as exc:
            raise self._fail(key, str(exc)) from exc

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, got {value!r}")
        return value

    def regex(self, key: str, required: bool = False) -> re.Pattern[str]:
        text = self.string(key, required=required) or ".*"
        return self._compile(key, text)

    def regexes(self, key: str, flags: int = 0) -> list[re.Pattern[str]]:
        return [self._compile(key, text, flags) for text in self.strings(key)]

    def _compile(self, key: str, text: str, flags: int = 0) -> re.Pattern[str]:
        try:
            return re.compile(text, flags)
        except re.error as exc:
            raise self._fail(key, f"invalid regular expression {text!r}: {exc}") from exc

    def day(self, key: str) -> date | None:
        """A TOML date (``2019-01-01``) or the same written as a string."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self._fail(key, f"must be a date such as 2019-01-01, got {value!r}")

    def organisations(self) -> tuple[re.Pattern[str], ...]:
        """``[authors] organisations``: regular expressions naming the site's outlets."""
        table = self.table("authors")
        if table is None:
            return ()
        sub = _Reader(table, self.path, "authors.")
        sub.known({"organisations"})
        return tuple(sub.regexes("organisations", re.IGNORECASE))

    def table(self, key: str) -> dict[str, Any] | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self._fail(key, f"must be a table, got {value!r}")
        return value

    def selectors(self, key: str) -> dict[str, str]:
        table = self.table(key) or {}
        for field_name, selector in table.items():
            if field_name not in FIELDS:
                raise self._fail(
                    f"{key}.{field_name}", f"unknown field; known: {', '.join(FIELDS)}"
                )
            if not isinstance(selector, str) or not selector.strip():
                raise self._fail(f"{key}.{field_name}", "must be a CSS or XPath selector string")
        return dict(table)

    def multipage(self) -> MultiPage | None:
        table = self.table("multipage")
        if table is None:
            return None
        sub = _Reader(table, self.path, "multipage.")
        sub.known({"next", "all_pages_param", "max_pages"})
        max_pages = table.get("max_pages", 30)
        if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
            raise sub._fail("max_pages", f"must be a positive integer, got {max_pages!r}")
        rule = MultiPage(
            next=sub.string("next"),
            all_pages_param=sub.string("all_pages_param"),
            max_pages=max_pages,
        )
        if not (rule.next or rule.all_pages_param):
            raise sub._fail("next", "give 'next' (a selector) or 'all_pages_param'")
        return rule

    def layouts(self) -> tuple[Layout, ...]:
        layouts: list[Layout] = []
        raw = self.data.get("layouts", [])
        if not isinstance(raw, list):
            raise self._fail("layouts", "must be an array of tables ([[layouts]])")
        for index, entry in enumerate(raw):
            if not isinstance(entry, dict):
                raise self._fail(f"layouts[{index}]", "must be a table")
            sub = _Reader(entry, self.path, f"layouts[{index}].")
            sub.known({"name", "match", "selectors", "valid_from", "valid_until"})
            layout = Layout(
                name=sub.string("name", default=f"layout{index}") or f"layout{index}",
                match=sub.string("match"),
                selectors=sub.selectors("selectors"),
                valid_from=sub.day("valid_from"),
                valid_until=sub.day("valid_until"),
            )
            if layout.valid_from and layout.valid_until and layout.valid_from > layout.valid_until:
                raise sub._fail("valid_until", "is earlier than valid_from")
            layouts.append(layout)
        default = self.selectors("selectors")
        if default:
            layouts.append(Layout(name="default", selectors=default))
        return tuple(layouts)
