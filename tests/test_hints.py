"""Discovery hints: the best source wins per field, whatever the order of arrival."""

from __future__ import annotations

from crawler.discovery.hints import Hints


def test_a_sitemap_date_wins_over_a_feed_date_in_any_order() -> None:
    sitemap = Hints.found("sitemap", sitemap_published_raw="2026-01-27T08:30:00+07:00")
    feed = Hints.found(
        "feed", sitemap_published_raw="Tue, 27 Jan 2026 01:31:00 GMT", sitemap_title=None
    )
    for merged in (sitemap.merged(feed), feed.merged(sitemap)):
        assert dict(merged.items()) == {"sitemap_published_raw": "2026-01-27T08:30:00+07:00"}


def test_hints_of_other_fields_add_up_and_ties_keep_the_first() -> None:
    first = Hints.found("section", sitemap_title="Banjir di Jakarta")
    second = Hints.found("section", sitemap_title="Banjir")
    dated = Hints.found("feed", sitemap_published_raw="2026-01-27")
    assert dict(first.merged(second).merged(dated).items()) == {
        "sitemap_title": "Banjir di Jakarta",
        "sitemap_published_raw": "2026-01-27",
    }
