"""Shared fixtures: the generated demo site, its loopback server, static servers, the corpus."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path

import pytest

from crawler.demosite.generator import generate_site
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer, LoopbackServer, static_server
from tests.redis_server import redis_server

DEMO_ARTICLES = 240
SMALL_ARTICLES = 30
CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server on loopback for the session (skips when none is installed, outside CI)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def fresh_redis(redis_url: str) -> str:
    """``redis_url`` emptied first, so that each test starts from an empty server."""
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushall()
    return redis_url


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> SiteManifest:
    """Edition 1 of the demo site (240 articles); ``.directory`` is where it was written."""
    return generate_site(tmp_path_factory.mktemp("demo-edition-1"), DEMO_ARTICLES, edition=1)


@pytest.fixture(scope="session")
def demo_site_v2(tmp_path_factory: pytest.TempPathFactory) -> SiteManifest:
    """Edition 2 of the same site: some articles updated, widget-only, new, one removed."""
    return generate_site(tmp_path_factory.mktemp("demo-edition-2"), DEMO_ARTICLES, edition=2)


@pytest.fixture(scope="session")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> SiteManifest:
    """Edition 1 of a 30-article demo site, for crawls that need a site, not its size."""
    return generate_site(tmp_path_factory.mktemp("small-site"), SMALL_ARTICLES, edition=1)


@pytest.fixture(scope="session")
def small_server(small_site: SiteManifest) -> Iterator[DemoServer]:
    """``small_site`` served on loopback for the whole session; do not ``switch`` it."""
    assert small_site.directory is not None
    with DemoServer(small_site.directory) as server:
        yield server


@pytest.fixture(scope="session")
def demo_server(demo_site: SiteManifest) -> Iterator[DemoServer]:
    """Edition 1 served on loopback for the whole session; do not ``switch`` this one."""
    assert demo_site.directory is not None
    with DemoServer(demo_site.directory) as server:
        yield server


@pytest.fixture
def serve_static() -> Iterator[Callable[..., LoopbackServer]]:
    """Start a static server on a directory; every server started stops when the test ends.

    ``serve_static(directory, content_types={".html": "text/html; charset=utf-8"})``
    """
    with ExitStack() as stack:

        def serve(
            directory: Path, content_types: Mapping[str, str] | None = None
        ) -> LoopbackServer:
            return stack.enter_context(static_server(directory, content_types))

        yield serve


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus`` beside the project; skipped when absent, a failure on CI."""
    return require_corpus(CORPUS_DIR)


def require_corpus(directory: Path) -> Path:
    """``directory`` if it exists; otherwise skip the test, or fail it when ``CI`` is set."""
    if not directory.is_dir():
        message = (
            "../shared/corpus not found: corpus tests need the shared corpus beside the project"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return directory
