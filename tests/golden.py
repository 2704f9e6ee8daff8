"""Golden items: the full item a crawl makes of each saved page, kept as JSON and diffed.

Three sources of pages, one folder of golden files each under ``tests/golden/``:

- ``corpus``: every page of ``../shared/corpus/pages`` (real news pages, not ours). Their text
  must not enter the repository, so each string is kept as its SHA-256 digest and length
  (``{"sha256": ..., "chars": 61}``), each list of strings as its length and the digest of its
  JSON (``{"count": 2, "sha256": ...}``); dates, numbers, booleans, ``null`` and the site's
  own vocabulary (language, credit kinds and roles, ``field_sources``) stay as they are.
- ``fixtures``: the cases of ``tests/site_fixtures.py``, and ``demo``: the 30-article demo
  site (edition 1). Their text is the project's own, kept in full.

An item is made as a crawl makes it: the page answers the news spider's article request, later
pages answer the requests the spider makes for them, and the item goes through the item
pipelines (state and archive off; the capture time fixed at :data:`FETCHED_AT`, as the
archive's ``WARC-Date`` would be). A page whose next page the corpus does not hold records
the digest of the URL the spider asks for instead.

    python -m tests.golden           # compare; exit 1 and list the fields that differ
    python -m tests.golden --update  # rewrite the golden files, printing each changed field:
                                     # the old (digest) value and the new one, live

``tests/test_golden.py`` compares every golden file with the live item.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.demosite.generator import generate_site
from tests.conftest import CORPUS_DIR, SMALL_ARTICLES
from tests.corpus import source_urls
from tests.inprocess import DEMO_ORIGIN, InProcessCrawl, open_crawl
from tests.site_fixtures import site_cases

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
#: The capture time every golden item is made with (relative dates are read against it).
FETCHED_AT = "2026-01-01T00:00:00+00:00"
#: Strings of corpus items kept as they are: dates and the project's own vocabulary.
PLAIN_FIELDS = frozenset(
    {"site", "language", "published", "updated", "mentioned_dates", "fetched_at", "emit_reason"}
)
PLAIN_CREDIT_FIELDS = frozenset({"kind", "role"})
#: Fields that are the project's vocabulary through and through, kept as they are.
PLAIN_WHOLE = frozenset({"field_sources"})


@dataclass(frozen=True)
class SavedPage:
    """One article as saved: its site file, first URL, and every page body by URL."""

    source: str  # "corpus" | "fixtures" | "demo"
    name: str
    site: str
    url: str
    bodies: Mapping[str, bytes]
    content_type: str = "text/html; charset=utf-8"

    @property
    def golden_path(self) -> Path:
        return GOLDEN_DIR / self.source / f"{self.name}.json"

    @property
    def redacted(self) -> bool:
        return self.source == "corpus"


def corpus_pages(corpus: Path = CORPUS_DIR) -> list[SavedPage]:
    """Every corpus page with the URL it was saved from; none when the corpus is absent."""
    if not (corpus / "SOURCES.md").is_file():
        return []
    return [
        SavedPage(
            "corpus",
            name.removesuffix(".html"),
            name.rsplit("-", 1)[0],
            url,
            {url: (corpus / "pages" / name).read_bytes()},
            content_type="text/html",  # no charset: the page's own markup decides, as served
        )
        for name, url in sorted(source_urls(corpus).items())
    ]


def fixture_pages() -> list[SavedPage]:
    return [
        SavedPage(
            "fixtures",
            case.id,
            case.site,
            case.pages[0].url,
            {page.url: page.html.encode("utf-8") for page in case.pages},
        )
        for case in site_cases()
    ]


def demo_pages(directory: Path) -> list[SavedPage]:
    """The articles of the 30-article demo site, generated into ``directory``."""
    site = generate_site(directory, SMALL_ARTICLES, edition=1)
    token = site.origin_token.encode()
    pages = []
    for article in site.live():
        bodies = {}
        for path in article.page_paths:
            raw = (directory / site.routes[path].file).read_bytes()
            bodies[DEMO_ORIGIN + path] = raw.replace(token, DEMO_ORIGIN.encode())
        pages.append(SavedPage("demo", str(article.id), "demo", article.url(DEMO_ORIGIN), bodies))
    return pages


def page_response(page: SavedPage, request: Request) -> Response:
    headers = Headers({"Content-Type": page.content_type})
    body = page.bodies[request.url]
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    request.meta["warc"] = {"warc_date": FETCHED_AT}
    return cls(url=request.url, headers=headers, body=body, request=request)


def crawl_item(crawl: InProcessCrawl, page: SavedPage) -> dict[str, Any]:
    """What a crawl makes of ``page``: ``{"item": ...}``, ``{"dropped": ...}`` or the next
    page it asks for when that page was not saved (``{"next_page": url}``)."""
    request = Request(page.url, callback=crawl.spider.parse_article)
    while True:
        outputs = crawl.scrape(page_response(page, request))
        follow = [output for output in outputs if isinstance(output, Request)]
        if not follow:
            break
        (request,) = follow
        if request.url not in page.bodies:
            return {"next_page": request.url}
    (item,) = outputs
    try:
        processed = crawl.process_item(item)
    except DropItem as exc:
        return {"dropped": str(exc)}
    return {"item": ItemAdapter(processed).asdict()}


def live_entries(pages: list[SavedPage]) -> Iterator[tuple[SavedPage, dict[str, Any]]]:
    """Each page and what a crawl makes of it now (not redacted), one crawler per site."""
    by_site: dict[str, list[SavedPage]] = {}
    for page in pages:
        by_site.setdefault(page.site, []).append(page)
    for site, site_pages in by_site.items():
        with (
            tempfile.TemporaryDirectory() as tmp,
            open_crawl(Path(tmp), site=site, STATE_ENABLED=False, WARC_ENABLED=False) as crawl,
        ):
            for page in site_pages:
                yield page, crawl_item(crawl, page)


def golden_entry(page: SavedPage, live: dict[str, Any]) -> dict[str, Any]:
    """What the golden file of ``page`` holds for the live entry ``live``."""
    redacted: dict[str, Any] = redact(live)
    return redacted if page.redacted else live


def digest(text: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chars": len(text)}


def redact(value: Any, name: str = "", plain: frozenset[str] = PLAIN_FIELDS) -> Any:
    """``value`` with every string but ``plain`` fields' replaced by its digest and length."""
    if name in PLAIN_WHOLE:
        return value
    if isinstance(value, dict):
        inner = PLAIN_CREDIT_FIELDS if name == "credits" else plain
        return {key: redact(item, key, inner) for key, item in value.items()}
    if isinstance(value, list):
        if name in plain:
            return value
        if value and all(isinstance(item, str) for item in value):
            joined = json.dumps(value, ensure_ascii=False)
            return {"count": len(value), "sha256": digest(joined)["sha256"]}
        return [redact(item, name, plain) for item in value]
    if isinstance(value, str) and name not in plain:
        return digest(value)
    return value


def read_golden(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write_golden(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    path.write_text(text, encoding="utf-8")


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Top-level keys of the entries (and of their items) whose values differ."""
    if old is None:
        return ["(new golden file)"]
    old_item, new_item = old.get("item"), new.get("item")
    if not (isinstance(old_item, dict) and isinstance(new_item, dict)):
        return [key for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]
    keys = list(dict.fromkeys([*old_item, *new_item]))
    return [f"item.{key}" for key in keys if old_item.get(key) != new_item.get(key)]


def shown(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def all_pages(stack: ExitStack) -> list[SavedPage]:
    demo_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    return [*corpus_pages(), *fixture_pages(), *demo_pages(demo_dir)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    if not CORPUS_DIR.is_dir():
        print(f"note: {CORPUS_DIR} not found: corpus golden files left as they are")
    differing = 0
    with ExitStack() as stack:
        pages = all_pages(stack)
        for page, live in live_entries(pages):
            entry = golden_entry(page, live)
            old = read_golden(page.golden_path)
            if old == entry:
                continue
            differing += 1
            print(f"{page.source}/{page.name}:")
            for field in changed_fields(old, entry):
                key = field.removeprefix("item.")
                was = (old or {}).get("item", old or {}) if field.startswith("item.") else old
                now = live.get("item", live) if field.startswith("item.") else live
                if isinstance(was, dict) and isinstance(now, dict):
                    print(f"  {field}: was {shown(was.get(key))}")
                    print(f"  {' ' * len(field)}  now {shown(now.get(key))}")
                else:
                    print(f"  {field}")
            if args.update:
                write_golden(page.golden_path, entry)
    verb = "rewritten" if args.update else "differ (python -m tests.golden --update)"
    print(f"{differing} golden file(s) {verb}")
    return 1 if differing and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
