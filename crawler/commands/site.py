"""``scrapy site init URL PAGE... [--url URL]... [-o PATH] [--force]``: draft a site file.

Reads a few saved article pages of the site at URL with the generic layer, prints what it
found on each (title, dates, authors, body) and what it missed, and writes a starter site file
(``seeds/<name>.toml``, or ``-o PATH``) whose ``article_pattern``, domains, time zone, feeds,
sitemaps and sections come from the pages. An existing file is kept unless ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.extract import read_page
from crawler.paths import UnsafePathError, inside
from crawler.sites import SEEDS_DIR, SiteConfigError

if TYPE_CHECKING:
    from crawler.siteinit import Draft, PageReport

# The generic extraction the draft reads pages with loads only when this command runs: Scrapy
# builds every command at each start, the crawl's too.

REPORTED = ("title", "published", "updated", "authors", "body")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "init URL PAGE.html... [--url URL]... [--name NAME] [-o PATH] [--force]"

    def short_desc(self) -> str:
        return "Draft a site file from a few saved article pages of a site"

    def long_desc(self) -> str:
        return (
            "site init URL PAGE...: read saved article pages of the site at URL with the "
            "generic layer, report the fields found on each, and write a starter site file "
            "(seeds/<name>.toml, or -o PATH) with article_pattern, domains, time zone, feeds, "
            "sitemaps and sections proposed from the pages. Each page's address is its "
            "canonical link or og:url, or the --url given for it (in page order)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--url",
            action="append",
            default=[],
            metavar="URL",
            help="original address of a page, in page order (default: its canonical link)",
        )
        parser.add_argument("--name", help="site name (default: from the host)")
        parser.add_argument("--timezone", help="time zone (default: from the pages' dates)")
        parser.add_argument(
            "-o", "--output", metavar="PATH", help="file to write (default: seeds/<name>.toml)"
        )
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.siteinit import SiteInitError, draft_site

        if len(args) < 3 or args[0] != "init":
            raise UsageError("give: site init URL PAGE.html [PAGE.html...]")
        home, files = args[1], args[2:]
        if len(opts.url) > len(files):
            raise UsageError(f"{len(opts.url)} --url for {len(files)} page(s)", print_help=False)
        try:
            pages = [
                self._page(file, opts.url[i] if i < len(opts.url) else None)
                for i, file in enumerate(files)
            ]
            draft = draft_site(home, pages, opts.name, opts.timezone)
        except (SiteInitError, SiteConfigError, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from None
        target = self._target(draft, opts.output)
        if target.exists() and not opts.force:
            raise UsageError(
                f"{target} exists: give --force to overwrite it, or -o another path",
                print_help=False,
            )
        report(draft)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(draft.text, encoding="utf-8")
        except OSError as exc:
            problem = exc.strerror or exc
            raise UsageError(f"cannot write {target}: {problem}", print_help=False) from None
        print(f"\nwrote {target}: crawl it with scrapy crawl news -a site={target}")

    def _page(self, file: str, url: str | None) -> PageReport:
        from crawler.siteinit import analyse_page, page_url

        body = read_page(file)
        return analyse_page(body, file, page_url(body, file, url))

    def _target(self, draft: Draft, output: str | None) -> Path:
        if output:
            return Path(output)
        if not isinstance(SEEDS_DIR, Path):
            raise UsageError(
                f"the site files are inside a package ({SEEDS_DIR}): give -o PATH",
                print_help=False,
            )
        try:
            return inside(SEEDS_DIR, f"{draft.site.name}.toml")
        except UnsafePathError as exc:
            raise UsageError(str(exc), print_help=False) from None


def report(draft: Draft) -> None:
    """Print what the generic layer found on each page and what the draft proposes."""
    for page in draft.pages:
        kind = "article" if page.kind.article else "NOT an article"
        print(f"{page.file} ({page.url}): {kind} ({page.kind.reason})")
        for name in REPORTED:
            value = page.found.get(name)
            shown = value if value is None or len(value) <= 70 else value[:67] + "..."
            print(f"  {name:<10} {shown if value else 'NOT FOUND'}")
    found_all = {name for name in REPORTED if all(name in p.found for p in draft.pages)}
    missing = [name for name in REPORTED if name not in found_all]
    if missing:
        print(f"not found on every page: {', '.join(missing)}: add [selectors] for them")
    site = draft.site
    print(f"\narticle_pattern {site.article_pattern.pattern}")
    print(f"domains {', '.join(site.domains)}; timezone {site.timezone}; language {site.language}")
    print(f"sections {len(site.sections)}, feeds {len(site.feeds)}, sitemaps {len(site.sitemaps)}")
    for url in draft.pages_missed:
        print(f"warning: article_pattern misses the page {url}")
    for url in draft.listings_matched:
        print(f"warning: article_pattern matches the listing {url}")
