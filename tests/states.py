"""Crawl-state rows for tests: an article of a made-up site, numbered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archive.state import ArticleState

SITE = "kanalpagi"
SEEN = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def article_state(number: int) -> ArticleState:
    """Version 1 of article ``number`` of :data:`SITE`, seen at :data:`SEEN`."""
    url = f"https://{SITE}.example/berita/{number}"
    return ArticleState(
        canonical_url=url,
        url=url,
        site=SITE,
        fingerprint=f"f{number}",
        version=1,
        published=None,
        updated=None,
        first_seen=SEEN,
        last_seen=SEEN,
        last_changed=SEEN,
        next_visit=SEEN + timedelta(days=1),
        warc_file="KABARSIP-1.warc.gz",
        warc_offset=number,
        warc_record_id=f"<urn:uuid:{number}>",
    )
