"""One page to one article without a crawl: extraction and the item steps.

``process_page`` does for a single saved or fetched page what a crawl does for a response: it
builds the Scrapy response (charset from headers and markup, as Scrapy does), extracts the
article, then runs the ``ITEM_STEPS`` (:mod:`pipelines.steps`), the very functions the crawl's
steps pipeline runs. ``scrapy extract``, ``scrapy evaluate``, tests and benchmarks use it.
``site_for_url`` picks the site file for a URL, or a generic one so that pages of sites without
a file still extract.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, TextResponse

from crawler import settings
from crawler.encoding import page_text
from crawler.extraction import extract_article
from crawler.items import Article
from crawler.sites import SEEDS_DIR, SiteConfig, read_site_file, site_files
from pipelines.steps import Step, StepStats, load_steps, run_steps

R = TypeVar("R", bound=TextResponse)


@dataclass(frozen=True)
class Processed:
    """The outcome for one page: ``article`` unless a step dropped it (``dropped`` says why).

    ``item`` is the item as the last step left it, kept even when dropped, for diagnosis.
    """

    item: Article
    dropped: str | None = None

    @property
    def article(self) -> Article | None:
        return None if self.dropped else self.item


def page_response(
    body: bytes, url: str, headers: Mapping[str, str | bytes] | None = None
) -> HtmlResponse:
    """The response a crawl would see for ``body``, its charset read as ``utf8_first`` reads it."""
    return utf8_first(HtmlResponse(url=url, body=body, headers=dict(headers or {})))


def utf8_first(response: R) -> R:
    """``response`` read as UTF-8 where its bytes are UTF-8, whatever it declares.

    Scrapy takes the charset from the BOM, the Content-Type header, then the markup, and reads
    the whole page that way: pages declaring ``iso-8859-1`` over UTF-8 bytes turn into
    mojibake, and UTF-8 pages with a few stray bytes (or none declared) into U+FFFD. Here only
    the bytes that are not UTF-8 are read in the declared charset (see ``crawler.encoding``);
    the archived bytes are untouched, only the text extraction reads changes.
    """
    text = page_text(response.body, response.encoding, response._declared_encoding())
    if text is None:
        return response
    return response.replace(body=text.encode("utf-8"), encoding="utf-8")


def process_page(
    body: bytes,
    url: str,
    site: SiteConfig,
    fetched_at: datetime | None = None,
    headers: Mapping[str, str | bytes] | None = None,
    steps: list[Step] | None = None,
) -> Processed:
    """Extract the article of one page and run the item steps on it.

    ``fetched_at`` (default: now) anchors relative dates such as "2 jam yang lalu", as the
    capture time does when a crawl is replayed. ``steps`` defaults to ``ITEM_STEPS``.
    """
    chosen = load_steps(settings.ITEM_STEPS) if steps is None else steps
    article = extract_article(page_response(body, url, headers), site)
    when = fetched_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    article.fetched_at = when.isoformat(timespec="seconds")
    drop = run_steps(chosen, ItemAdapter(article), site, StepStats())
    return Processed(article, drop.reason if drop else None)


def generic_site(url: str) -> SiteConfig:
    """A site file for a host Kabarsip has none for: no selectors, every URL an article."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise ValueError(f"{url!r} has no host: give an absolute http(s) URL")
    return SiteConfig(
        name=host.removeprefix("www."),
        path=Path(f"<generic site for {host}>"),
        domains=(host,),
        article_pattern=re.compile(".*"),
    )


@cache
def seed_sites(seeds_dir: Traversable = SEEDS_DIR) -> tuple[SiteConfig, ...]:
    """Every site file in ``seeds_dir``, loaded once per process.

    An invalid file raises ``SiteConfigError`` naming it: a silently skipped file would make
    its site's pages extract with the generic rules instead.
    """
    return tuple(read_site_file(path) for path in site_files(seeds_dir))


def site_for_url(url: str, seeds_dir: Traversable = SEEDS_DIR) -> SiteConfig:
    """The site file whose domains hold the URL's host (the most specific domain wins).

    A host no site file claims gets ``generic_site``.
    """
    host = (urlsplit(url).hostname or "").lower()
    best: tuple[int, SiteConfig] | None = None
    # Path and zipfile.Path, the folders site files come from, are hashable.
    for site in seed_sites(seeds_dir):  # type: ignore[arg-type]
        for domain in site.domains:
            if (host == domain or host.endswith("." + domain)) and (
                best is None or len(domain) > best[0]
            ):
                best = (len(domain), site)
    return best[1] if best else generic_site(url)
