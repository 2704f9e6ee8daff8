"""Which CrawlState a crawl uses: Redis when a server URL is given, else the SQLite file.

The Redis client is an optional extra (``kabarsip[redis]``), imported only when a URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from archive.state import CrawlState, CrawlStateError
from archive.state_sqlite import SqliteCrawlState


def open_crawl_state(
    path: str | os.PathLike[str],
    site: str | None = None,
    *,
    redis_url: str = "",
    redis_namespace: str = "",
    fsync: bool = False,
    check_seconds: float | None = None,
    on_error: Callable[[CrawlStateError], None] | None = None,
    group_seconds: float = 0.0,
) -> CrawlState:
    """The state on the Redis server ``redis_url`` when set, else in the SQLite file ``path``.

    ``fsync`` and ``check_seconds`` concern the file only: Redis persists as its server is
    configured to.  ``group_seconds`` groups the writes of either (group commit).
    """
    if not redis_url:
        return SqliteCrawlState(
            path,
            site,
            fsync=fsync,
            check_seconds=check_seconds,
            on_error=on_error,
            group_seconds=group_seconds,
        )
    try:
        from archive.state_redis import DEFAULT_NAMESPACE, RedisCrawlState
    except ImportError as exc:
        raise CrawlStateError(
            f"KABARSIP_REDIS_URL is set but the Redis client is missing ({exc.name}): "
            "pip install 'kabarsip[redis]'"
        ) from exc
    return RedisCrawlState(
        redis_url,
        site,
        namespace=redis_namespace or DEFAULT_NAMESPACE,
        on_error=on_error,
        group_seconds=group_seconds,
    )


def redacted_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))
