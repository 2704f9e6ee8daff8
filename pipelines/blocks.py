"""Text blocks of an article as digests, and what a site's learned blocks take out of it.

A block is a body paragraph, the shown published date text (``published_raw``) or one byline
(``authors_raw``). Its digest is over its kind and its text casefolded, NFKC-normalised, with
runs of white space made one space; digits are kept, so "Senin, 07 Desember 2026" and
"Selasa, 08 Desember 2026" are two blocks. The crawl state counts each digest on the site's
distinct articles (:meth:`archive.state.CrawlState.record_blocks`); the digests counted on
enough of them are the site's learned blocks (:meth:`~archive.state.CrawlState.learned_blocks`).
What they take out of an item:

- **Body**: every paragraph that is a learned block goes, unless none would be left (a page
  that is all boilerplate is left as it is, for the validate rules to judge).
- **Published date**: a shown date text repeated on many articles is a header or sidebar
  widget only when the article's own other date, its sitemap or feed date, falls on another
  day; then the date comes from that source. Without such evidence the date stays: a site that
  shows dates to the day legitimately repeats one date on every article of that day.
- **Authors**: a repeated byline is a widget credit only when the page has another byline
  that is not learned (its own, which differs from page to page); its names then leave
  ``authors``. A one-reporter site repeats its only byline on every page, with no other one
  beside it, so its author stays; ``credits`` and ``authors_raw`` keep every line as shown.

Functions of the item alone, as the item steps are: the pipeline (:mod:`pipelines.learned`)
keeps the counts in the crawl state and applies these.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pipelines.authors import AUTHOR_ROLES, parse_credits
from pipelines.dates import resolve_dates, to_iso
from pipelines.mentioned_dates import mentioned_dates

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from itemadapter import ItemAdapter

BODY = "body"
DATE = "date"
BYLINE = "byline"


def normalise(text: str) -> str:
    """The text as compared: NFKC, casefolded, white space collapsed, digits kept."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def block_digest(kind: str, text: str) -> str:
    """A 64-bit hex digest of one block of ``kind`` (``body``, ``date``, ``byline``)."""
    data = f"{kind}\n{normalise(text)}".encode()
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def item_blocks(item: ItemAdapter) -> set[str]:
    """The digests of the item's blocks: paragraphs, shown published date, bylines."""
    texts = [
        *((BODY, p) for p in item.get("paragraphs") or []),
        *((BYLINE, b) for b in item.get("authors_raw") or []),
    ]
    if item.get("published_raw"):
        texts.append((DATE, str(item["published_raw"])))
    return {block_digest(kind, text) for kind, text in texts if isinstance(text, str) and text}


@dataclass(frozen=True, slots=True)
class Applied:
    """What the learned blocks took out of one item."""

    paragraphs: int = 0
    """Body paragraphs dropped."""
    spared: int = 0
    """Paragraphs learned but kept, because nothing else would have been left."""
    date: str | None = None
    """The widget date text no longer taken as the published date."""
    authors: tuple[str, ...] = ()
    """Names no longer taken as authors."""

    @property
    def changed(self) -> bool:
        return bool(self.paragraphs or self.date or self.authors)


def apply_learned(item: ItemAdapter, learned: Collection[str], tz: str | ZoneInfo) -> Applied:
    """Take the learned blocks out of the item in place (see the module docstring)."""
    dropped, spared = _drop_paragraphs(item, learned)
    date = _drop_widget_date(item, learned, tz)
    if dropped or date:
        _refresh_mentions(item)
    authors = _drop_widget_authors(item, learned)
    return Applied(dropped, spared, date, authors)


def _drop_paragraphs(item: ItemAdapter, learned: Collection[str]) -> tuple[int, int]:
    paragraphs = [p for p in item.get("paragraphs") or [] if isinstance(p, str)]
    kept = [p for p in paragraphs if block_digest(BODY, p) not in learned]
    dropped = len(paragraphs) - len(kept)
    if not dropped:
        return 0, 0
    if not kept:
        return 0, dropped
    body = "\n\n".join(kept)
    item["paragraphs"] = kept
    item["body"] = body
    item["word_count"] = len(body.split())
    return dropped, 0


def _drop_widget_date(
    item: ItemAdapter, learned: Collection[str], tz: str | ZoneInfo
) -> str | None:
    shown, raw = item.get("published"), item.get("published_raw")
    if not shown or not raw or block_digest(DATE, str(raw)) not in learned:
        return None
    own = resolve_dates(None, None, item.get("sitemap_published_raw"), tz).published
    if own is None:
        return None
    day = own.value.date()
    if datetime.fromisoformat(str(shown)).astimezone(own.value.tzinfo).date() == day:
        return None
    item["published_raw"] = None
    item["published"] = to_iso(own.value)
    return str(raw)


def _refresh_mentions(item: ItemAdapter) -> None:
    """``mentioned_dates`` again, from the body and published date as they now are."""
    body, published = item.get("body"), item.get("published")
    if "mentioned_dates" not in item.field_names() and not item.get("mentioned_dates"):
        return
    if not isinstance(body, str) or not body or not published:
        item["mentioned_dates"] = []
        return
    days = mentioned_dates(body, datetime.fromisoformat(str(published)))
    item["mentioned_dates"] = [day.date().isoformat() for day in days]


def _drop_widget_authors(item: ItemAdapter, learned: Collection[str]) -> tuple[str, ...]:
    bylines = [b for b in item.get("authors_raw") or [] if isinstance(b, str) and b]
    repeated = [b for b in bylines if block_digest(BYLINE, b) in learned]
    if not repeated or len(repeated) == len(bylines):
        return ()  # no byline of the page's own beside it: no evidence against it
    names = _names(repeated)
    authors = [a for a in item.get("authors") or [] if isinstance(a, str)]
    left = [a for a in authors if a.casefold() not in names]
    if not left or len(left) == len(authors):
        return ()
    item["authors"] = left
    return tuple(a for a in authors if a.casefold() in names)


def _names(bylines: Iterable[str]) -> set[str]:
    return {
        credit.name.casefold()
        for byline in bylines
        for credit in parse_credits(byline)
        if credit.role in AUTHOR_ROLES
    }
