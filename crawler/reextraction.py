"""Re-extraction: every archived article response through extraction and the item pipelines.

No discovery and no scheduling: the WARC files are read in order (file names start with the
time they were opened) and each ``response`` of an article URL becomes an item, its later
pages (multi-page articles) taken from the archive as of the same time.  Versions are numbered
as a crawl numbers them: an article's content fingerprint that did not change gives no item,
so one item comes out per version.  Revisits repeat a payload already read and are passed.

Memory holds an index of the captures (for later pages and revisits) and one fingerprint per
article, never a page body longer than it takes to extract it: it grows with the archive, by
about 2.5 kB a capture (``benchmarks/bench_reextract.py``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse
from tqdm import tqdm

from archive.reader import (
    ArchivedRecordError,
    CaptureReader,
    Location,
    header_pairs,
    parse_warc_date,
)
from archive.replayindex import ArchiveIndex, archive_files
from archive.scan import WARC_SUFFIXES, Problem, walk_records
from archive.state import surt_key
from crawler.discovery import next_page_link
from crawler.extraction import extract_article, merge_pages
from crawler.items import Article
from crawler.processing import Step, page_response, pipeline_steps
from crawler.sites import SiteConfig
from pipelines.fingerprint import field_digests
from pipelines.versions import number_version

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Version:
    version: int
    fingerprint: str
    field_digests: dict[str, str]


@dataclass
class ReextractReport:
    """What a re-extraction read and emitted, and what it had to skip (file:offset: why)."""

    files: int = 0
    responses: int = 0
    """Article responses read."""
    items: int = 0
    unchanged: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Page:
    url: str
    date: datetime
    location: Location
    record_id: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


def reextract(
    paths: Iterable[Path],
    site_for: Callable[[str], SiteConfig],
    emit: Callable[[Article], None],
    *,
    pipelines: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> ReextractReport:
    """Re-extract every article response in ``paths``; ``emit`` gets one item per version."""
    sources = list(paths)
    steps = pipeline_steps(pipelines)
    index = ArchiveIndex.load(sources)
    reader = CaptureReader()
    report = ReextractReport(problems=list(index.problems))
    versions: dict[str, _Version] = {}
    files = [f for f in archive_files(sources) if f.name.endswith(WARC_SUFFIXES)]
    total = sum(f.stat().st_size for f in files)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        with tqdm(total=total, unit="B", unit_scale=True, disable=not show) as bar:
            for path in files:
                report.files += 1
                for page in _article_pages(path, site_for, report, bar):
                    site = site_for(page.url)
                    article = _article(page, site, index, reader, report)
                    if article is None:
                        continue
                    report.responses += 1
                    reason = _run_steps(article, site, steps)
                    if reason:
                        report.dropped[reason] = report.dropped.get(reason, 0) + 1
                        continue
                    if _numbered(article, versions):
                        report.items += 1
                        emit(article)
                    else:
                        report.unchanged += 1
    finally:
        reader.close()
    return report


def _article_pages(
    path: Path, site_for: Callable[[str], SiteConfig], report: ReextractReport, bar: tqdm[Any]
) -> Iterator[_Page]:
    """Article ``response`` records (HTTP 200) of one WARC file, with their decoded bodies."""
    if path.suffix == ".wacz":
        logger.info("%s: WACZ packages are read through their index only", path)
        return
    done = 0
    try:
        stream = path.open("rb")
    except OSError as exc:
        report.problems.append(f"{path}: cannot open: {exc.strerror or exc}")
        return
    with stream:
        for item in walk_records(stream, str(path), _page_reader(site_for), parse_http=True):
            if isinstance(item, Problem):
                report.problems.append(f"{item}; the rest of the file skipped")
                logger.warning("%s; the rest of the file skipped", item)
                break
            end = item.offset + item.length
            bar.update(end - done)
            done = end
            if item.value is None:
                continue
            (url, date, record_id, headers), body = item.value
            yield _Page(
                url=url,
                date=date,
                location=Location(path, item.offset),
                record_id=record_id,
                headers=headers,
                body=body,
            )
    bar.update(max(path.stat().st_size - done, 0))


def _page_reader(
    site_for: Callable[[str], SiteConfig],
) -> Callable[[Any, Any], tuple[_PageHead, bytes] | None]:
    def read(record: Any, iterator: Any) -> tuple[_PageHead, bytes] | None:
        head = _page_of(record, site_for)
        # Decoded (content coding removed) as a crawl's pipelines see the page.
        return None if head is None else (head, record.content_stream().read())

    return read


_PageHead = tuple[str, datetime, str, list[tuple[bytes, bytes]]]


def _page_of(record: Any, site_for: Callable[[str], SiteConfig]) -> _PageHead | None:
    """URL, date, record id and HTTP headers of an article's 200 response, else None."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if record.http_headers.get_statuscode() != "200" or not url:
        return None
    if not site_for(url).is_article(url):
        return None
    headers = header_pairs(record.http_headers)
    date = parse_warc_date(record.rec_headers.get_header("WARC-Date"))
    if date is None:
        return None  # no usable date: not a capture anyone can place in time
    return url, date, record.rec_headers.get_header("WARC-Record-ID") or "", headers


def _article(
    page: _Page,
    site: SiteConfig,
    index: ArchiveIndex,
    reader: CaptureReader,
    report: ReextractReport,
) -> Article | None:
    """The article of ``page`` with its later pages as archived at the same time."""
    try:
        response = page_response(page.body, page.url, _header_map(page.headers))
        first = extract_article(response, site)
        rest: list[Article] = []
        rule = site.multipage
        seen = {page.url}
        while rule and rule.next and len(seen) < rule.max_pages:
            next_url = next_page_link(response, response.url, rule.next)
            if not next_url or next_url in seen:
                break
            seen.add(next_url)
            later = _later_page(next_url, page.date, index, reader)
            if later is None:
                report.problems.append(f"{page.location}: page {next_url} is not archived")
                break
            response = later
            rest.append(extract_article(response, site))
    except (ArchivedRecordError, ValueError) as exc:
        problem = f"{page.location}: article {page.url} left out: {exc}"
        report.problems.append(problem)
        logger.warning("%s", problem)
        return None
    article = merge_pages(first, rest) if rest else first
    article.fetched_at = page.date.isoformat()
    article.warc_file = page.location.warc_file
    article.warc_offset = page.location.offset
    article.warc_record_id = page.record_id
    return article


def _later_page(
    url: str, at: datetime, index: ArchiveIndex, reader: CaptureReader
) -> HtmlResponse | None:
    for capture in index.following(url, at):
        record = reader.read(capture.location, decoded=True)
        if capture.kind == "revisit":
            original = index.original(capture.url, capture.date, capture.payload_digest)
            if original is None:
                continue
            record = reader.read(original.location, decoded=True)
        if record.status != 200:
            continue
        return page_response(record.body, url, _header_map(record.headers))
    return None


def _header_map(headers: list[tuple[bytes, bytes]]) -> dict[str, str | bytes]:
    """HTTP headers for a page whose body is already decoded (no content coding left)."""
    return {
        name.decode("latin-1"): value
        for name, value in headers
        if name.lower() != b"content-encoding"
    }


def _run_steps(article: Article, site: SiteConfig, steps: list[Step]) -> str | None:
    item = ItemAdapter(article)
    for step in steps:
        reason = step(item, site)
        if reason:
            return reason
    return None


def _numbered(article: Article, versions: dict[str, _Version]) -> bool:
    """Number the article's version; False when its content is that of the last version."""
    item = ItemAdapter(article)
    url = str(item.get("canonical_url") or item["url"])
    try:
        key = surt_key(url)
    except ValueError:
        key = url
    fingerprint = str(item["content_hash"])
    previous = versions.get(key)
    if previous is not None and previous.fingerprint == fingerprint:
        return False
    digests = field_digests(article)
    number_version(item, previous, digests)
    versions[key] = _Version(int(item["version"]), fingerprint, digests)
    return True
