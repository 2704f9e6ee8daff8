"""The discovery gate: article requests wait until discovery is done, then go out in batches.

Discovery pages (sitemaps, feeds, sections) are read first; the articles they find are held,
one per URL, their hints merged, so that every article is read with all the hints discovery
has for it, in any order of arrival.  Once no discovery page is left, the held articles are
released a batch at a time, pausing between batches: queueing 100,000 requests at once would
hold the event loop.
Discovery pages themselves pass once each, whatever their source (:meth:`first_visit`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

#: Held articles queued at a time once discovery is done.
RELEASE_BATCH = 500

T = TypeVar("T")


class DiscoveryGate(Generic[T]):
    """Holds articles (by key, first one wins) while discovery runs; releases them after."""

    def __init__(self, batch: int = RELEASE_BATCH) -> None:
        if batch <= 0:
            raise ValueError(f"release batch must be positive, got {batch}")
        self.batch = batch
        self.discovering = True
        self.releasing = False
        self._held: dict[str, T] = {}
        self._visited: set[str] = set()

    def first_visit(self, url: str) -> bool:
        """Whether discovery page ``url`` is new to this run (then it is remembered)."""
        if url in self._visited:
            return False
        self._visited.add(url)
        return True

    def admit(self, key: str, article: T, merge: Callable[[T, T], T] | None = None) -> T | None:
        """``article`` to send now, or None when it is held.

        The first article of a key is held; ``merge(held, later)`` gives what is held once
        another one of the same key comes (without it, the later one is dropped).
        """
        if not self.discovering:
            return article
        held = self._held.get(key)
        if held is None:
            self._held[key] = article
        elif merge is not None:
            self._held[key] = merge(held, article)
        return None

    def discovery_done(self) -> list[T]:
        """Discovery is over: the held articles, to :meth:`release`; later ones pass at once."""
        self.discovering = False
        if self.releasing:
            return []
        held, self._held = list(self._held.values()), {}
        self.releasing = bool(held)
        return held

    async def release(
        self, articles: list[T], send: Callable[[T], None], open_: Callable[[], bool]
    ) -> None:
        """``send`` the articles a batch at a time while ``open_()`` says the crawl is on."""
        try:
            for start in range(0, len(articles), self.batch):
                if not open_():
                    return  # closed meanwhile (a limit, a failure): nothing more to send
                for article in articles[start : start + self.batch]:
                    send(article)
                await asyncio.sleep(0)
        finally:
            self.releasing = False
