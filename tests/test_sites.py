"""Site files: loading, validation messages naming file and key, the crawl command's check."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sites import SEEDS_DIR, SiteConfigError, load_site
from tests.crawling import run_scrapy

VALID = """
name = "mini"
domains = ["example.co.id"]
sitemaps = ["https://www.example.co.id/sitemap.xml"]
article_pattern = "/read/\\\\d+/"

[multipage]
next = "a.next::attr(href)"

[selectors]
title = "h1::text"

[[layouts]]
name = "old"
match = "div.old"
selectors = { body = "div.old p" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_site_file_loads() -> None:
    names = sorted(p.stem for p in SEEDS_DIR.glob("*.toml"))
    assert {"demo", "liputan6"} <= set(names)
    for name in names:
        site = load_site(name)
        assert site.domains and site.article_pattern.pattern


def test_valid_file_by_path(tmp_path: Path) -> None:
    site = load_site(str(write(tmp_path, VALID)))
    assert site.name == "mini"
    assert site.timezone == "Asia/Jakarta"
    assert site.is_article("https://www.example.co.id/read/123/x")
    assert not site.is_article("https://www.example.co.id/news")
    assert site.allows("www.example.co.id") and not site.allows("example.com")
    assert site.multipage is not None and site.multipage.next == "a.next::attr(href)"
    assert [layout.name for layout in site.layouts] == ["old", "default"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('domains = ["example.co.id"]\n', ""), "key 'domains': is required"),
        (lambda t: t.replace('"/read/\\\\d+/"', '"/read/(["'), "key 'article_pattern'"),
        (lambda t: 'timezone = "Mars/Olympus"\n' + t, "unknown time zone"),
        (lambda t: t.replace("[selectors]", "[selectors]\nheadline = 'h1'"), "selectors.headline"),
        (lambda t: t.replace("https://www.example", "www.example"), "key 'sitemaps'"),
        (lambda t: t.replace('next = "a.next::attr(href)"', "max_pages = 0"), "multipage."),
        (lambda t: "sitemapz = []\n" + t, "key 'sitemapz': unknown key in the top level"),
        (lambda t: t.replace("[selectors]", "[selectors"), "not valid TOML"),
        # Typos inside nested tables: once silently ignored.
        (
            lambda t: t.replace('next = "a.next', 'nxet = "a.next'),
            "key 'multipage.nxet': unknown key in [multipage]; known: all_pages_param, "
            "max_pages, next",
        ),
        (
            lambda t: t.replace('match = "div.old"', 'mach = "div.old"'),
            "key 'layouts[0].mach': unknown key in [layouts[0]]",
        ),
        (
            lambda t: t + '\n[authors]\norganisation = ["Redaksi"]\n',
            "key 'authors.organisation': unknown key in [authors]",
        ),
        (
            lambda t: t.replace('next = "a.next::attr(href)"', "max_pages = true"),
            "key 'multipage.max_pages': must be a positive integer, got True",
        ),
        (lambda t: t.replace('name = "mini"', "name = 5"), "key 'name': must be a non-empty"),
        (lambda t: t.replace('name = "mini"', 'name = "../mini"'), "key 'name': '../mini'"),
    ],
)
def test_invalid_file_names_file_and_key(tmp_path: Path, edit: object, message: str) -> None:
    path = write(tmp_path, edit(VALID))  # type: ignore[operator]
    with pytest.raises(SiteConfigError) as error:
        load_site(str(path))
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_unknown_site_name_lists_known_sites() -> None:
    with pytest.raises(SiteConfigError, match=r"known sites: .*liputan6"):
        load_site("no-such-site")


@pytest.mark.slow
def test_crawl_command_reports_invalid_site_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('domains = ["example.co.id"]\n', ""))
    result = run_scrapy("crawl", "news", "-a", f"site={path}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    assert f"{path}: key 'domains': is required" in output


def test_a_site_file_too_large_to_be_one_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(SiteConfigError, match="larger than 1048576 bytes"):
        load_site(str(path))


def test_a_site_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_bytes(VALID.replace("mini", "m\xeeni").encode("latin-1"))
    with pytest.raises(SiteConfigError, match="cannot read site file: 'utf-8' codec"):
        load_site(str(path))
