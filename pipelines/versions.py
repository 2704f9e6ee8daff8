"""Versions: downstream gets an article when it is new or its content changed, never twice.

The content fingerprint (``content_hash``, set by the validate pipeline) is compared with the
article's state: no state ⇒ ``version`` 1, ``emit_reason`` "new"; another fingerprint ⇒
``version`` n+1, "updated", with ``previous_content_hash`` and ``changed_fields``; the same
fingerprint ⇒ no item (counted, logged at DEBUG), only ``last_seen`` and the next visit move.
A page whose payload the state already knows does not get here: the spider leaves it
unextracted and :mod:`archive.unchanged` applies the same rule to its article.
Pages whose bytes changed only in ads or widgets are therefore archived but not emitted.

Each new version is first written to the WARC files as a decision record
(:mod:`archive.decisions`), then to the state: ``scrapy state rebuild`` relies on that order.
With the item output on (``ITEMS_PATH``), the state is put together with the pending item
(:meth:`pipelines.output.ItemOutputPipeline.stage`) and the version counts as emitted
(``versions/new``, ``versions/updated``) once its item is fsynced; without it, when decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from archive.crawlstate import crawl_state
from archive.decisions import Decision
from archive.schedule import DEFAULT_SCHEDULE
from archive.transitions import article_after_fetch, version_state
from archive.warc import WarcWriteError
from archive.warcfiles import warc_files
from pipelines import spider_site
from pipelines.fingerprint import field_digests, fingerprint
from pipelines.output import ItemOutputPipeline


class VersionsPipeline:
    """Numbers article versions against the crawl state; drops unchanged articles."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STATE_ENABLED"):
            raise NotConfigured  # no state: items are not versioned
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        state = crawl_state(self.crawler)
        if state is None:
            return item
        adapter = ItemAdapter(item)
        url = str(adapter["url"])
        canonical = str(adapter.get("canonical_url") or url)
        seen_at = fetch_moment(adapter.get("fetched_at"))
        content_hash = adapter.get("content_hash") or fingerprint(adapter)
        digests = field_digests(adapter)
        previous = state.get_article(canonical)
        schedule = self._schedule()
        if previous is not None and previous.fingerprint == content_hash:
            # The page answered 200 with the same content: the rule rebuild applies to it.
            after = article_after_fetch(previous, 200, seen_at, schedule)
            if after is not None:
                state.put_article(after)
            self.stats.inc_value("versions/unchanged")
            raise DropItem(f"unchanged: {url}", log_level="DEBUG")
        number_version(adapter, previous, digests)
        decision = Decision(
            kind=adapter["emit_reason"],
            url=url,
            canonical_url=canonical,
            site=str(adapter.get("site") or ""),
            version=int(adapter["version"]),
            fingerprint=content_hash,
            captured_at=seen_at,
            warc_file=str(adapter.get("warc_file") or ""),
            warc_offset=int(adapter.get("warc_offset") or 0),
            warc_record_id=str(adapter.get("warc_record_id") or ""),
            published=adapter.get("published"),
            updated=adapter.get("updated"),
            field_digests=digests,
            previous_fingerprint=adapter.get("previous_content_hash"),
            changed_fields=tuple(adapter.get("changed_fields") or ()),
            title=adapter.get("title"),
        )
        self._record(decision)
        article = version_state(decision, previous, schedule)
        output = self.crawler.get_item_pipeline(ItemOutputPipeline)
        if output is not None:
            output.stage(adapter, state, article)
        else:
            state.put_article(article)
            self.stats.inc_value(f"versions/{decision.kind}")
        return item

    def _schedule(self) -> tuple[Any, ...]:
        site = spider_site(self.crawler)
        return site.revisit if site is not None else DEFAULT_SCHEDULE

    def _record(self, decision: Decision) -> None:
        files = warc_files(self.crawler)
        writer = files.writer if files is not None else None
        if files is None or writer is None:
            return
        try:
            with files.timed():
                writer.write_metadata(
                    decision.url,
                    decision.fields(),
                    refers_to=decision.warc_record_id or None,
                    date=decision.captured_at,
                )
        except WarcWriteError as exc:
            # A version the archive does not hold must not be emitted; the run fails (exit 4).
            files.write_failed(exc)
            raise DropItem(f"decision not archived: {decision.url}", log_level="DEBUG") from exc
        self.stats.inc_value("warc/records/metadata")
        files.written()


class KnownVersion(Protocol):
    """What numbering a new version needs of the one before (an ArticleState has it)."""

    @property
    def version(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def field_digests(self) -> Mapping[str, str]: ...


def number_version(
    item: ItemAdapter, previous: KnownVersion | None, digests: Mapping[str, str]
) -> None:
    """Set ``version``, ``emit_reason`` and, after a first version, what changed since it."""
    if previous is None:
        item["version"], item["emit_reason"] = 1, "new"
        return
    item["version"], item["emit_reason"] = previous.version + 1, "updated"
    item["previous_content_hash"] = previous.fingerprint
    item["changed_fields"] = [
        name for name, value in digests.items() if previous.field_digests.get(name) != value
    ]


def fetch_moment(text: Any) -> datetime:
    """When the article's page was fetched (its capture's WARC-Date), else now."""
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    return datetime.now(UTC)
