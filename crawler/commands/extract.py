"""``scrapy extract PAGE.html --url URL [--site NAME]``: one page to one article as JSON.

The page is a saved file or an http(s) URL to fetch. Extraction and the item steps
(``ITEM_STEPS``) run as in a crawl (``crawler.processing.process_page``); the item is printed
even when a step drops it, and the reason then goes to stderr with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.sites import SiteConfig, SiteConfigError, load_site

if TYPE_CHECKING:
    from pipelines.steps import Step

# Extraction and the item steps load only when a command runs them: Scrapy builds every
# command at each start, the crawl's too.

FETCH_TIMEOUT = 30
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def fetch(
    url: str, user_agent: str, timeout: float = FETCH_TIMEOUT
) -> tuple[bytes, dict[str, str], str]:
    """Body, headers and final URL (after redirects) of ``url``.

    Any failure is a ``UsageError`` naming the URL.
    """
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    handlers: list[urllib.request.BaseHandler] = []
    if (urlsplit(url).hostname or "") in LOOPBACK_HOSTS:
        # A proxy from the environment cannot reach this machine's own servers.
        handlers.append(urllib.request.ProxyHandler({}))
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout) as response:
            return response.read(), dict(response.headers.items()), response.geturl()
    except urllib.error.HTTPError as exc:
        raise UsageError(
            f"cannot fetch {url}: HTTP {exc.code} {exc.reason}", print_help=False
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise UsageError(f"cannot fetch {url}: {reason}", print_help=False) from None


def read_page(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        problem = exc.strerror or str(exc)
        raise UsageError(f"cannot read page {path}: {problem}", print_help=False) from None


def choose_site(name: str | None, url: str) -> SiteConfig:
    """``--site`` (a name in ``seeds/`` or a ``.toml`` path), else the site file for the URL."""
    from crawler.processing import site_for_url

    try:
        return load_site(name) if name else site_for_url(url)
    except (SiteConfigError, ValueError) as exc:
        raise UsageError(str(exc), print_help=False) from None


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "PAGE.html|URL [--url URL] [--site NAME]"

    def short_desc(self) -> str:
        return "Extract the article of one saved page or URL and print it as JSON"

    def long_desc(self) -> str:
        return (
            "Run extraction and the item steps on one page and print the item as JSON. "
            "PAGE is a saved HTML file (give its original address with --url) or an http(s) "
            "URL to fetch. The site file is --site, else the one whose domains hold the URL's "
            "host, else generic rules."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--url", metavar="URL", help="the page's original address (required for a file)"
        )
        parser.add_argument(
            "--site", metavar="NAME", help="site file: a name in seeds/ or a .toml path"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one page: a saved HTML file or an http(s) URL")
        page = args[0]
        headers: dict[str, str] = {}
        if is_url(page):
            assert self.settings is not None
            body, headers, final_url = fetch(page, self.settings.get("USER_AGENT"))
            url = opts.url or final_url
        else:
            body = read_page(page)
            if not opts.url:
                raise UsageError(
                    f"give the original address of {page} with --url URL", print_help=False
                )
            url = opts.url
        if not is_url(url):
            raise UsageError(
                f"--url must be an absolute http(s) URL, got {url!r}", print_help=False
            )
        site = choose_site(opts.site, url)
        from crawler.processing import process_page

        try:
            processed = process_page(body, url, site, headers=headers, steps=self._steps())
        except SiteConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        print(json.dumps(ItemAdapter(processed.item).asdict(), ensure_ascii=False, indent=2))
        if processed.dropped:
            print(f"dropped by the item steps: {processed.dropped}", file=sys.stderr)
            self.exitcode = 1

    def _steps(self) -> list[Step]:
        assert self.settings is not None
        return item_steps(self.settings)


def item_steps(settings: Any) -> list[Step]:
    """The ``ITEM_STEPS`` of the command's settings; one that cannot be loaded is a usage error."""
    from pipelines.steps import load_steps

    try:
        return load_steps(settings.getdict("ITEM_STEPS"))
    except LookupError as exc:
        raise UsageError(str(exc), print_help=False) from None
