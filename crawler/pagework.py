"""The pure, CPU-bound work on an article page, the same in the crawl process or a worker.

``extract_page`` reads one fetched page into an :class:`~crawler.items.Article` and the link
to its next page; ``item_steps`` runs the ``ITEM_STEPS`` on an item.  Neither touches the
crawl state, the archive or the crawler: :class:`crawler.extractpool.ExtractionPool` runs them
in worker processes, and the crawl runs them in its own process when there are none.  What
crosses a process boundary is plain data: :class:`PageData` (a response's URL, headers and
bytes) there, :class:`ExtractedPage` and :class:`StepsOutcome` back.

A page that is its article whole is handed over once: given a :class:`Finish` (what the crawl
would set on its item before the steps pipeline), ``extract_page`` runs the steps on the
article too, and the :class:`ExtractedPage` carries their outcome.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.http import Headers, TextResponse

from crawler.discovery import next_page_link
from crawler.extraction import extract_article, merge_pages
from crawler.extraction.assets import own_assets
from crawler.extraction.page import page_selector
from crawler.processing import utf8_first
from pipelines.steps import StepStats, run_steps

if TYPE_CHECKING:
    from crawler.extraction.assets import AssetMode
    from crawler.items import Article
    from crawler.sites import SiteConfig
    from pipelines.steps import Step


@dataclass(frozen=True)
class PageData:
    """What extraction reads of a response, picklable: the response is rebuilt from it."""

    kind: type[TextResponse]
    url: str
    status: int
    headers: dict[bytes, list[bytes]]
    body: bytes
    # The encoding the response was built with, if any (not the one it guesses).
    encoding: str | None

    @classmethod
    def of(cls, response: TextResponse) -> PageData:
        return cls(
            kind=type(response),
            url=response.url,
            status=response.status,
            headers={key: list(values) for key, values in response.headers.items()},
            body=response.body,
            encoding=getattr(response, "_encoding", None),
        )

    def response(self) -> TextResponse:
        return self.kind(
            url=self.url,
            status=self.status,
            headers=Headers(self.headers),
            body=self.body,
            encoding=self.encoding,
        )


@dataclass(frozen=True)
class Finish:
    """How the article of a page without a next page becomes the item the steps would get.

    ``fields``: what the crawl sets on the item before its steps (discovery hints, the
    capture's ``fetched_at``); ``steps``: those of the crawl's steps pipeline.
    """

    fields: dict[str, Any]
    steps: list[Step]
    # The articles of the article's earlier pages, when the page is a later one.
    earlier: tuple[Article, ...] = ()


@dataclass(frozen=True)
class ExtractedPage:
    """A page's article, and the link to its next page when the site pages its articles.

    ``stepped``: the outcome of the item steps when the article was finished with the page
    (then ``article`` is the item after them, its earlier pages merged in); None when the
    steps are still to run.  ``assets``: the files the page itself names for archiving
    (:func:`~crawler.extraction.assets.own_assets`), when they were asked for.
    """

    article: Article
    next_url: str | None
    stepped: StepsOutcome | None = None
    assets: tuple[str, ...] | None = None


def extract_page(
    page: PageData | TextResponse,
    site: SiteConfig,
    next_selector: str | None,
    finish: Finish | None = None,
    assets: AssetMode = "none",
) -> ExtractedPage:
    """The article of ``page`` (read as ``utf8_first`` reads it) and its next page link.

    ``next_selector``: the site's selector of an article's next page; None: no link looked for.
    ``finish``: when the page has no next page, its article is finished with it and stepped.
    ``assets``: the ``ARCHIVE_ASSETS`` mode the page's own files are listed by ("none": not).
    """
    response = page.response() if isinstance(page, PageData) else page
    # Pages declaring a legacy charset over UTF-8 bytes: read them as offline extraction does.
    article = extract_article(utf8_first(response), site)
    next_url = next_page_link(response, response.url, next_selector) if next_selector else None
    # Read as the crawl would read the response (the tree extraction parsed, most often).
    files = (
        tuple(own_assets(page_selector(response), response.url, assets))
        if assets != "none"
        else None
    )
    if finish is None or next_url is not None:
        return ExtractedPage(article, next_url, assets=files)
    if finish.earlier:
        article = merge_pages(finish.earlier[0], [*finish.earlier[1:], article])
    for name, value in finish.fields.items():
        setattr(article, name, value)
    return ExtractedPage(article, None, item_steps(article, site, finish.steps), files)


@dataclass(frozen=True)
class StepsOutcome:
    """An item after the steps, what they counted, and why they dropped it (if they did)."""

    item: Any
    counts: Counter[str]
    # (reason, why) of the step's Drop; None when the item was kept.
    dropped: tuple[str, str] | None


def item_steps(item: Any, site: SiteConfig | None, steps: list[Step]) -> StepsOutcome:
    """Run ``steps`` on ``item`` with counts kept apart, for the caller to add to its stats."""
    stats = StepStats()
    drop = run_steps(steps, ItemAdapter(item), site, stats)
    return StepsOutcome(item, stats.values, (drop.reason, drop.why) if drop else None)
