"""Write one edition of the demo news site to a directory, with its ``manifest.json``.

Same arguments, same bytes: the text is seeded, dates are fixed (edition 1 is crawled on
2022-02-15 12:00 WIB, each later edition one day later) and gzip files carry no timestamp.
Served files live under ``<out_dir>/site/``; ``manifest.json`` maps request targets to them.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from crawler.demosite import templates
from crawler.demosite.manifest import (
    MANIFEST_NAME,
    ORIGIN_TOKEN,
    ArticleTruth,
    ImageTruth,
    Route,
    SiteManifest,
)
from crawler.demosite.pictures import grey_png, picture_png
from crawler.demosite.stories import (
    BASE,
    SECTIONS,
    Story,
    edition_time,
    iso,
    site_history,
    thumb_path,
)

SITE_DIR = "site"
#: Present while a site is being written: a directory holding it is one of ours.
GENERATING_NAME = ".generating"
PER_PAGE = 20
HOME_SIZE = 30
FEED_SIZE = 50
GZIP_SITEMAP_SECTION = "showbiz"

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
GZIP = "application/x-gzip"
PNG = "image/png"
TEXT = "text/plain; charset=utf-8"


@dataclass
class _SiteWriter:
    """Collects files and routes for one edition."""

    root: Path
    routes: dict[str, Route] = field(default_factory=dict)

    def add(
        self,
        target: str,
        file: str,
        content: str | bytes,
        content_type: str,
        modified: datetime,
        compressible: bool = True,
    ) -> None:
        path = self.root / SITE_DIR / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        self.route(target, file, content_type, modified, compressible)

    def route(
        self, target: str, file: str, content_type: str, modified: datetime, compressible: bool
    ) -> None:
        http_date = format_datetime(modified.astimezone(UTC), usegmt=True)
        self.routes[target] = Route(f"{SITE_DIR}/{file}", content_type, http_date, compressible)


def generate_site(
    out_dir: Path,
    articles: int = 240,
    edition: int = 1,
    seed: int = 7,
    *,
    churn: float | None = None,
    page_kb: tuple[int, int] | None = None,
) -> SiteManifest:
    """Generate edition ``edition`` of a site of ``articles`` first-edition articles.

    ``out_dir`` must be empty, missing, or a site generated before (it is then replaced).
    ``churn``: share of articles whose page changes in each later edition (default 0.25, see
    :func:`site_history`). ``page_kb``: pad each article page to a seeded size between these
    many KiB (an inline JSON blob, as real news pages carry); without it the pages weigh about
    50-60 KiB. Neither given, the bytes are those of earlier releases.
    """
    out_dir = Path(out_dir)
    _prepare(out_dir)
    stories = site_history(articles, edition, seed, churn)
    live = sorted((s for s in stories if s.status != "removed"), key=_by_publication)
    writer = _SiteWriter(out_dir)
    _write_articles(writer, live, redesigned=edition >= templates.REDESIGN_EDITION, page_kb=page_kb)
    _write_listings(writer, live)
    _write_discovery(writer, live)
    manifest = SiteManifest(
        edition=edition,
        seed=seed,
        now=iso(edition_time(edition)),
        origin_token=ORIGIN_TOKEN,
        articles=[_truth(s) for s in stories],
        routes=dict(sorted(writer.routes.items())),
        directory=out_dir,
    )
    manifest.write(out_dir)
    (out_dir / GENERATING_NAME).unlink()
    return manifest


def _prepare(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        # A generation killed half-way left its marker and no manifest: it is ours to replace.
        ours = (out_dir / MANIFEST_NAME).is_file() or (out_dir / GENERATING_NAME).is_file()
        if not ours:
            raise FileExistsError(
                f"{out_dir} is not empty and holds no {MANIFEST_NAME}: refusing to overwrite it; "
                "give an empty or new directory"
            )
        shutil.rmtree(out_dir / SITE_DIR, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / GENERATING_NAME).touch()


def _by_publication(story: Story) -> tuple[datetime, int]:
    return (story.published, story.id)


def _write_articles(
    writer: _SiteWriter,
    live: Sequence[Story],
    redesigned: bool,
    page_kb: tuple[int, int] | None = None,
) -> None:
    writer.add("/images/logo.png", "images/photo.png", grey_png(), PNG, BASE, compressible=False)
    # The redesign went live an hour before its edition was crawled: every page changed then.
    redesign = edition_time(templates.REDESIGN_EDITION) - timedelta(hours=1)
    for story in live:
        base = f"{story.section.slug}/read/{story.id}/{story.slug}"
        modified = max(story.page_changed, redesign) if redesigned else story.page_changed
        for number in range(1, story.pages + 1):
            target = story.path if number == 1 else f"{story.path}?page={number}"
            file = f"{base}/index.html" if number == 1 else f"{base}/page-{number}.html"
            html = templates.article_page(story, number, redesigned)
            if page_kb is not None:
                html = templates.pad_page(html, f"{story.id}:{number}:{story.widget_rev}", page_kb)
            writer.add(target, file, html, HTML, modified)
        writer.route(thumb_path(story), "images/photo.png", PNG, story.published, False)
        for picture in story.pictures:
            body = picture_png(picture.path)
            writer.add(picture.path, picture.path[1:], body, PNG, story.published, False)


def _write_listings(writer: _SiteWriter, live: Sequence[Story]) -> None:
    newest = list(reversed(live))
    writer.add(
        "/",
        "index.html",
        templates.listing_page(
            f"{templates.ORGANISATION} - Berita Terkini Hari Ini",
            "/",
            newest[:HOME_SIZE],
            1,
            1,
            "Berita Terkini",
        ),
        HTML,
        _latest(newest[:HOME_SIZE]),
    )
    for section in SECTIONS:
        stories = [s for s in newest if s.section == section]
        pages = max(1, -(-len(stories) // PER_PAGE))
        for number in range(1, pages + 1):
            chunk = stories[(number - 1) * PER_PAGE : number * PER_PAGE]
            path = f"/{section.slug}/"
            target = path if number == 1 else f"{path}?page={number}"
            file = (
                f"{section.slug}/index.html"
                if number == 1
                else f"{section.slug}/page-{number}.html"
            )
            html = templates.listing_page(
                templates.section_title(section), path, chunk, number, pages, section.name
            )
            writer.add(target, file, html, HTML, _latest(chunk))


def _write_discovery(writer: _SiteWriter, live: Sequence[Story]) -> None:
    writer.add("/robots.txt", "robots.txt", templates.robots_txt(), TEXT, BASE)
    index: list[tuple[str, datetime]] = []
    for section in SECTIONS:
        stories = [s for s in live if s.section == section]
        xml = templates.news_sitemap(stories)
        modified = _latest(stories)
        if section.slug == GZIP_SITEMAP_SECTION:
            # Served as a file, not with Content-Encoding, like many CMS sitemap plugins do.
            target = f"/sitemaps/{section.slug}.xml.gz"
            body = gzip.compress(xml.encode("utf-8"), mtime=0)
            writer.add(target, target[1:], body, GZIP, modified, compressible=False)
        else:
            target = f"/sitemaps/{section.slug}.xml"
            writer.add(target, target[1:], xml, XML, modified)
        index.append((target, modified))
    writer.add("/sitemap.xml", "sitemap.xml", templates.sitemap_index(index), XML, _latest(live))
    feed = list(reversed(live))[:FEED_SIZE]
    writer.add("/rss.xml", "rss.xml", templates.rss_feed(feed), RSS, _latest(feed))


def _latest(stories: Sequence[Story]) -> datetime:
    return max((s.page_changed for s in stories), default=BASE)


def _truth(story: Story) -> ArticleTruth:
    return ArticleTruth(
        id=story.id,
        path=story.path,
        section=story.section.name,
        section_path=f"/{story.section.slug}/",
        title=story.title,
        description=story.description,
        published=iso(story.published),
        updated=iso(story.updated),
        last_modified=iso(story.page_changed),
        authors=list(story.authors),
        dateline=story.dateline,
        paragraphs=list(story.paragraphs),
        pages=story.pages,
        page_starts=list(story.page_starts),
        images=[ImageTruth(p.path, p.caption) for p in story.pictures],
        tags=list(story.tags),
        status=story.status,
    )
