"""The report's plotly figures, one function each, from the gathered figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from archive.naming import parse_warc_name

if TYPE_CHECKING:
    from crawler.report.data import StateFigures
    from crawler.report.warcusage import WarcUsage

#: Record types drawn in the WARC figure, each in its own colour; the rest is "other".
RECORD_TYPES = ("response", "revisit", "request", "metadata", "warcinfo")


def articles_per_day(state: StateFigures) -> go.Figure:
    """Articles per day and site: the day published and the day first seen."""
    # Markers, not bars: a day's bar is too thin to see once the days span years.
    figure = go.Figure()
    for label, symbol, by_site in (
        ("published", "circle", state.published_per_day),
        ("first seen", "diamond", state.first_seen_per_day),
    ):
        for site, days in by_site.items():
            figure.add_scatter(
                name=f"{site}: {label}",
                x=list(days),
                y=list(days.values()),
                mode="markers",
                marker={"symbol": symbol, "size": 8},
            )
    figure.update_layout(xaxis_title="day", yaxis={"title": "articles", "rangemode": "tozero"})
    return figure


def versions_per_article(state: StateFigures) -> go.Figure:
    """How many articles have 1, 2, 3... versions, per site."""
    figure = go.Figure()
    for site, counts in state.version_counts.items():
        figure.add_bar(name=site, x=list(counts), y=list(counts.values()))
    figure.update_layout(
        barmode="group",
        xaxis={"title": "versions of the article", "dtick": 1},
        yaxis_title="articles",
    )
    return figure


def warc_bytes(warc: WarcUsage) -> go.Figure:
    """Each file's bytes stacked by record type, and the payload bytes its revisits saved."""
    figure = go.Figure()
    names = [usage.name for usage in warc.files]
    labels = [_file_label(name) for name in names]
    if len(set(labels)) < len(labels):
        labels = names
    kinds = [*RECORD_TYPES, "other"]
    for kind in kinds:
        values = [
            usage.record_bytes[kind]
            if kind != "other"
            else sum(n for k, n in usage.record_bytes.items() if k not in RECORD_TYPES)
            for usage in warc.files
        ]
        if any(values):
            figure.add_bar(name=f"{kind} records", x=labels, y=values, hovertext=names)
    figure.add_scatter(
        name="saved by deduplication (payload the revisits stand for)",
        x=labels,
        y=[usage.saved_bytes for usage in warc.files],
        hovertext=names,
        mode="lines+markers",
    )
    figure.update_layout(barmode="stack", xaxis_title="WARC file (opened at)", yaxis_title="bytes")
    return figure


def field_coverage(state: StateFigures) -> go.Figure:
    """Each field's share of the items of each run, per site."""
    figure = go.Figure()
    for site, points in state.coverage.items():
        fields = sorted({name for point in points for name in point.shares})
        for name in fields:
            kept = [point for point in points if name in point.shares]
            figure.add_scatter(
                name=f"{site}: {name}",
                x=[point.finished_at for point in kept],
                y=[point.shares[name] for point in kept],
                hovertext=[f"run {point.run_id}: {point.items} items" for point in kept],
                mode="lines+markers",
            )
    figure.update_layout(
        xaxis_title="run finished",
        yaxis={"title": "share of items", "tickformat": ".0%", "range": [0, 1.05]},
    )
    return figure


def errors_by_kind(state: StateFigures) -> go.Figure:
    """Failure counts by kind over the recorded runs, stacked by site."""
    figure = go.Figure()
    for site, kinds in state.errors.items():
        ordered = sorted(kinds.items(), key=lambda pair: pair[1])
        figure.add_bar(
            name=site,
            y=[kind for kind, _ in ordered],
            x=[count for _, count in ordered],
            orientation="h",
        )
    figure.update_layout(barmode="stack", xaxis_title="count", yaxis={"automargin": True})
    return figure


def _file_label(name: str) -> str:
    """A WARC file by when it was opened: its full name is too long for an axis."""
    parsed = parse_warc_name(name)
    if parsed is None:
        return name
    return f"{parsed.opened_at:%Y-%m-%d %H:%M:%S} #{parsed.serial}"
