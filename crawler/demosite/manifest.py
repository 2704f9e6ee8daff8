"""Ground truth of a generated demo site: each article's content and each served file.

``manifest.json`` in the site directory holds a ``SiteManifest``. Files on disk contain
``ORIGIN_TOKEN`` wherever an absolute URL starts; the server swaps in its real origin.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

ORIGIN_TOKEN = "{{ORIGIN}}"
MANIFEST_NAME = "manifest.json"

Status = Literal["new", "unchanged", "updated", "widget", "removed"]


@dataclass(frozen=True)
class ImageTruth:
    """A picture of an article; ``path`` is relative to the origin."""

    path: str
    caption: str

    def url(self, origin: str) -> str:
        return origin + self.path


@dataclass(frozen=True)
class ArticleTruth:
    """What one article says in one edition.

    ``paragraphs`` is the article text only (no promo line, "Baca Juga", ads or widgets) over
    all pages in order; ``paragraphs[0]`` starts with ``f"{dateline} - "`` as printed.
    ``last_modified`` moves with any change of the page bytes, widget changes included.
    """

    id: int
    path: str
    section: str
    section_path: str
    title: str
    description: str
    published: str
    updated: str
    last_modified: str
    authors: list[str]
    dateline: str
    paragraphs: list[str]
    pages: int
    page_starts: list[int]
    images: list[ImageTruth]
    tags: list[str]
    status: Status

    def url(self, origin: str, page: int = 1) -> str:
        return origin + self.page_path(page)

    def page_path(self, page: int = 1) -> str:
        """Path of page ``page`` (1-based); page 1 is the bare article path."""
        return self.path if page == 1 else f"{self.path}?page={page}"

    @property
    def page_paths(self) -> list[str]:
        return [self.page_path(page) for page in range(1, self.pages + 1)]

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def text_after_dateline(self) -> list[str]:
        """``paragraphs`` with the dateline prefix cut from the first one."""
        first = self.paragraphs[0].removeprefix(f"{self.dateline} - ")
        return [first, *self.paragraphs[1:]]


@dataclass(frozen=True)
class Route:
    """One served resource: the file behind a request target and its HTTP metadata."""

    file: str
    content_type: str
    last_modified: str
    compressible: bool


@dataclass
class SiteManifest:
    """A generated edition: its articles (``removed`` ones included) and its routes.

    Route keys are request targets: a path, plus ``?page=k`` (k >= 2) for later pages.
    """

    edition: int
    seed: int
    now: str
    origin_token: str
    articles: list[ArticleTruth]
    routes: dict[str, Route]
    directory: Path | None = field(default=None, compare=False)

    def live(self) -> list[ArticleTruth]:
        return [a for a in self.articles if a.status != "removed"]

    def by_status(self, status: Status) -> list[ArticleTruth]:
        return [a for a in self.articles if a.status == status]

    def article(self, path: str) -> ArticleTruth:
        for article in self.articles:
            if article.path == path:
                return article
        raise KeyError(f"no article with path {path!r} in edition {self.edition}")

    def to_json(self) -> str:
        data = asdict(self)
        del data["directory"]
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def write(self, directory: Path) -> None:
        (directory / MANIFEST_NAME).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SiteManifest:
        path = directory / MANIFEST_NAME
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"{path} not found: generate a site first (python -m crawler.demosite generate)"
            ) from exc
        articles = [
            ArticleTruth(**{**a, "images": [ImageTruth(**i) for i in a["images"]]})
            for a in data.pop("articles")
        ]
        routes = {target: Route(**route) for target, route in data.pop("routes").items()}
        return cls(**data, articles=articles, routes=routes, directory=directory)
