"""The plain-Scrapy reference of ``bench_crawl.py``: the demo site crawled with Scrapy alone.

    scrapy runspider benchmarks/plain_scrapy.py -a origin=http://127.0.0.1:PORT -a mode=MODE

Run from a folder without ``scrapy.cfg`` so that Scrapy's defaults apply, not Kabarsip's.
``mode=sections`` pages through the section listings, ``mode=sitemaps`` reads the sitemap
index and its sitemaps (gzip one included); both follow the later pages of an article and
yield its title and body text read with CSS, nothing else. ``mode=fetch`` requests every
target listed in ``-a targets=FILE`` (one a line) and parses nothing: the server's ceiling as
one Scrapy process sees it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

SECTIONS = ("news", "bisnis", "tekno", "bola", "showbiz")


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(
        self, origin: str = "", mode: str = "sections", targets: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if mode not in ("sections", "sitemaps", "fetch"):
            raise ValueError(f"mode must be sections, sitemaps or fetch, not {mode!r}")
        self.origin, self.mode, self.targets = origin.rstrip("/"), mode, targets

    async def start(self) -> Any:
        if self.mode == "fetch":
            for line in Path(self.targets).read_text(encoding="utf-8").splitlines():
                yield scrapy.Request(self.origin + line, callback=self.ignore, dont_filter=True)
        elif self.mode == "sitemaps":
            yield scrapy.Request(f"{self.origin}/sitemap.xml", callback=self.parse_sitemap)
        else:
            for section in SECTIONS:
                yield scrapy.Request(f"{self.origin}/{section}/", callback=self.parse_section)

    def ignore(self, response: Response) -> None:
        return None

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        selector = scrapy.Selector(text=body.decode("utf-8"), type="xml")
        selector.remove_namespaces()
        for loc in selector.xpath("//sitemap/loc/text()").getall():
            yield scrapy.Request(loc.strip(), callback=self.parse_sitemap)
        for loc in selector.xpath("//url/loc/text()").getall():
            yield scrapy.Request(loc.strip(), callback=self.parse_article)

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        links = response.css("a.articles--iridescent-list__link::attr(href)").getall()
        yield from response.follow_all(links, callback=self.parse_article)
        next_page = response.css("a.next::attr(href)").get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_section)

    def parse_article(self, response: Response, parts: list[str] | None = None) -> Iterator[Any]:
        title = response.css("h1.read-page--header--title::text").get(parts[0] if parts else "")
        body = [
            *(parts[1:] if parts else []),
            *response.css("div.article-content-body__item-content > p").xpath("string()").getall(),
        ]
        next_page = response.css("a.next-page::attr(href)").get()
        if next_page:
            yield response.follow(
                next_page, callback=self.parse_article, cb_kwargs={"parts": [title, *body]}
            )
            return
        yield {"url": response.url, "title": title, "body": "\n\n".join(body)}
