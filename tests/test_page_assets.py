"""Article pictures archived with their pages: which files, from where, and how often.

A loopback site whose articles show pictures on their own host and on a picture host reached
as ``localhost`` (the site file's ``asset_domains``); the picture host's robots.txt forbids
one folder, and some pictures answer 404, are too large, or sit on a host in neither list.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from parsel import Selector
from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.pictures import picture_png
from crawler.extraction.assets import asset_mode, page_assets
from crawler.items import Image
from crawler.settings import SPIDER_MIDDLEWARES
from crawler.sites import SiteConfigError, parse_site
from tests.crawling import CrawlResult, run_crawl
from tests.scripted_server import Answer, ScriptedServer, page

ARTICLE = r"^https?://[^/]+/news/read/\d+/[a-z-]+$"
LIMIT = 100_000


def png(key: str) -> Answer:
    return Answer(200, picture_png(key), {"Content-Type": "image/png"})


def article_html(title: str, figures: list[str], og_image: str, extra_head: str = "") -> str:
    shown = "".join(
        f'<figure class="photo"><img src="{src}"><figcaption>Foto {n}</figcaption></figure>'
        for n, src in enumerate(figures, 1)
    )
    return (
        f'<html><head><title>{title}</title><meta property="og:image" content="{og_image}">'
        f"{extra_head}</head><body><h1>{title}</h1>{shown}"
        f"<p>Isi berita {title} yang cukup panjang untuk dibaca oleh pembaca setia kami.</p>"
        '<aside><img src="/thumbs/other-story.png"></aside></body></html>'
    )


def routes(cdn: str, elsewhere: str) -> tuple[dict[str, Answer], dict[str, Answer]]:
    """The site's pages and own pictures, and the picture host's files."""
    site = {
        "/section/": page(
            '<html><body><a class="story" href="/news/read/1/satu">1</a>'
            '<a class="story" href="/news/read/2/dua">2</a></body></html>'
        ),
        "/news/read/1/satu": page(
            article_html(
                "satu",
                [f"{cdn}/img/shared.png", "/img/own.png"],
                "/img/social-1.png",
                '<link rel="stylesheet" href="/css/site.css">',
            )
        ),
        "/news/read/2/dua": page(
            article_html(
                "dua",
                [
                    f"{cdn}/img/shared.png",
                    "/img/missing.png",
                    "/img/huge.png",
                    f"{cdn}/private/hidden.png",
                    f"{elsewhere}/img/offsite.png",
                ],
                f"{cdn}/img/shared.png",
            )
        ),
        "/img/own.png": png("own"),
        "/img/social-1.png": png("social"),
        "/img/huge.png": Answer(200, b"\x89PNG" + bytes(LIMIT * 2), {"Content-Type": "image/png"}),
        "/thumbs/other-story.png": png("thumb"),
        "/css/site.css": Answer(200, b"body{color:#222}", {"Content-Type": "text/css"}),
    }
    pictures = {
        "/robots.txt": Answer(200, b"User-agent: *\nDisallow: /private/\n"),
        "/img/shared.png": png("shared"),
        "/private/hidden.png": png("hidden"),
    }
    return site, pictures


def write_site(directory: Path, origin: str) -> Path:
    path = directory / "pictures.toml"
    path.write_text(
        "\n".join(
            [
                'name = "pictures"',
                'domains = ["127.0.0.1"]',
                'asset_domains = ["localhost"]',
                f'sections = ["{origin}/section/"]',
                'section_links = "a.story::attr(href)"',
                f"article_pattern = '{ARTICLE}'",
                "[selectors]",
                'images = "figure.photo"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def crawl(tmp_path: Path, settings: dict[str, str]) -> tuple[CrawlResult, list[str], list[str]]:
    """One crawl of the site; the paths each server was asked for."""
    with ScriptedServer() as site, ScriptedServer() as pictures, ScriptedServer() as other:
        cdn = pictures.origin("localhost")
        site.routes, pictures.routes = routes(cdn, other.origin("127.0.0.2"))
        origin = site.origin()
        result = run_crawl(tmp_path / "out", str(write_site(tmp_path, origin)), origin, settings)
        assert other.hits == []
        return result, site.paths(), pictures.paths()


def responses(warc_dir: Path) -> dict[tuple[str, int], str]:
    """(file, offset) of every response record -> its target URI."""
    found = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                uri = record.rec_headers.get_header("WARC-Target-URI")
                kind = record.rec_type
                record.raw_stream.read()
                if kind == "response":
                    found[(path.name, records.get_record_offset())] = uri
    return found


@pytest.fixture(scope="module")
def images_crawl(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[CrawlResult, list[str], list[str]]:
    tmp = tmp_path_factory.mktemp("assets")
    return crawl(tmp, {"ASSET_MAX_SIZE": str(LIMIT)})


@pytest.mark.slow
def test_each_picture_is_fetched_once_per_run_within_scope_and_robots(
    images_crawl: tuple[CrawlResult, list[str], list[str]],
) -> None:
    result, site_paths, picture_paths = images_crawl
    assert result.returncode == 0, result.log[-3000:]
    # Shown by both articles and as an og:image: asked once.
    assert picture_paths.count("/img/shared.png") == 1
    assert "/robots.txt" in picture_paths and "/private/hidden.png" not in picture_paths
    for path in ("/img/own.png", "/img/social-1.png", "/img/missing.png"):
        assert site_paths.count(path) == 1, path
    # Thumbnails of other stories and, in "images" mode, stylesheets are not the article's.
    assert "/thumbs/other-story.png" not in site_paths
    assert "/css/site.css" not in site_paths
    stats = result.stats
    assert stats["assets/requested"] == 7
    assert stats["assets/archived"] == 3
    assert stats["assets/reused"] == 1  # the second article; og:image is a figure
    assert stats["assets/refused"] == 2  # robots.txt, and the host in neither list
    assert stats["assets/failed/status_404"] == 1
    assert sum(v for k, v in stats.items() if k.startswith("assets/failed/")) == 2
    assert stats["assets/bytes"] > 0


@pytest.mark.slow
def test_item_images_point_at_the_records_of_their_fetches(
    images_crawl: tuple[CrawlResult, list[str], list[str]],
) -> None:
    result, _, _ = images_crawl
    archived = responses(result.warc_dir)
    pointed: dict[str, str | None] = {}
    for item in result.items:
        for image in item["images"]:
            pointer = image["warc"]
            if pointer is None:
                pointed[image["url"]] = None
                continue
            key = (pointer["warc_file"], pointer["warc_offset"])
            assert archived[key] == image["url"]
            assert pointer["warc_record_id"].startswith("<urn:uuid:")
            pointed[image["url"]] = archived[key]
    by_path = {re.sub(r"^https?://[^/]+", "", url): target for url, target in pointed.items()}
    assert by_path["/img/shared.png"] is not None and by_path["/img/own.png"] is not None
    for path in ("/img/missing.png", "/img/huge.png", "/private/hidden.png", "/img/offsite.png"):
        assert by_path[path] is None, path
    assert "Traceback" not in result.log


@pytest.mark.slow
def test_archive_assets_none_fetches_no_picture(tmp_path: Path) -> None:
    result, site_paths, picture_paths = crawl(tmp_path, {"ARCHIVE_ASSETS": "none"})
    assert result.returncode == 0
    assert picture_paths == [] and not [p for p in site_paths if p.startswith("/img/")]
    assert all(image["warc"] is None for item in result.items for image in item["images"])
    assert len(result.items) == 2


def pointed_at(result: CrawlResult) -> dict[str, str | None]:
    """Each item picture's path -> the path of the record its ``warc`` points at (the ports
    of the servers change from crawl to crawl)."""
    archived = {key: _path(uri) for key, uri in responses(result.warc_dir).items()}
    found = {}
    for item in result.items:
        for image in item["images"]:
            pointer = image["warc"]
            target = archived[(pointer["warc_file"], pointer["warc_offset"])] if pointer else None
            found[_path(image["url"])] = target
    return found


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["images", "all"])
def test_a_worker_lists_the_page_files_and_the_crawl_process_parses_no_article(
    tmp_path: Path, mode: str
) -> None:
    # After the asset middleware on the way out: it sees whether the page was parsed here.
    probed = {**SPIDER_MIDDLEWARES, "tests.parse_probe.ParseProbe": 580}
    runs = {}
    for workers in (0, 1):
        settings = {"ASSET_MAX_SIZE": str(LIMIT), "ARCHIVE_ASSETS": mode}
        settings |= {"EXTRACT_WORKERS": str(workers), "SPIDER_MIDDLEWARES": json.dumps(probed)}
        (tmp_path / str(workers)).mkdir()
        result, site_paths, picture_paths = crawl(tmp_path / str(workers), settings)
        assert result.returncode == 0, result.log[-3000:]
        assert result.stats["probe/items"] == 2
        fetched = Counter(site_paths) + Counter(picture_paths)
        assets = {k: v for k, v in result.stats.items() if k.startswith("assets/")}
        runs[workers] = (fetched, assets, pointed_at(result), result.stats.get("probe/parsed"))
    assert runs[1][:3] == runs[0][:3]
    assert ("/css/site.css" in runs[1][0]) == (mode == "all")
    # In-process extraction parses the page anyway; a worker's crawl parses none of them.
    assert runs[0][3] == 2
    assert runs[1][3] is None


def test_page_assets_by_mode() -> None:
    html = (
        '<html><head><meta property="og:image" content="/og.jpg">'
        '<link rel="stylesheet" href="/a.css"><link rel="icon" href="/favicon.ico">'
        '<script src="/app.js"></script><script>inline()</script></head>'
        '<body><img src="/thumb.jpg"></body></html>'
    )
    root = Selector(text=html)
    images = [Image("https://contoh.id/lead.jpg#x"), Image("https://contoh.id/og.jpg")]
    base = "https://contoh.id/news/1"
    assert page_assets(root, base, images, "none") == []
    assert page_assets(root, base, images, "images") == [
        "https://contoh.id/lead.jpg",
        "https://contoh.id/og.jpg",
    ]
    assert page_assets(root, base, images, "all") == [
        "https://contoh.id/lead.jpg",
        "https://contoh.id/og.jpg",
        "https://contoh.id/a.css",
        "https://contoh.id/favicon.ico",
        "https://contoh.id/app.js",
    ]


def test_asset_mode_names_the_setting_when_wrong() -> None:
    assert asset_mode(" Images ") == "images"
    with pytest.raises(ValueError, match="ARCHIVE_ASSETS must be one of none, images, all"):
        asset_mode("pictures")


def test_site_file_asset_domains(tmp_path: Path) -> None:
    base = {"name": "x", "domains": ["contoh.id"], "start_urls": ["https://contoh.id/"]}
    base["article_pattern"] = "/read/"
    site = parse_site({**base, "asset_domains": ["IMG.cdn-contoh.net"]}, tmp_path / "x.toml")
    assert site.asset_domains == ("img.cdn-contoh.net",)
    assert site.allows_asset("a.img.cdn-contoh.net") and site.allows_asset("contoh.id")
    assert not site.allows("img.cdn-contoh.net")
    with pytest.raises(SiteConfigError, match=r"asset_domains.*not a host name"):
        parse_site({**base, "asset_domains": ["https://img.cdn-contoh.net/"]}, tmp_path / "x.toml")
