"""The report as one self-contained HTML file: plotly.js inline, so it opens offline.

Each figure is a ``<section class="figure">`` holding one plotly plot; a figure without data
is a ``<section class="figure-missing">`` saying why.  Summary cells carry ``data-key``.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from archive.naming import parse_warc_name

if TYPE_CHECKING:
    from crawler.report.data import Report, StateFigures
    from crawler.report.warcusage import WarcUsage

#: Record types drawn in the WARC figure, each in its own colour; the rest is "other".
RECORD_TYPES = ("response", "revisit", "request", "metadata", "warcinfo")
_HEIGHT = "440px"
_LAYOUT = {
    "template": "plotly_white",
    "margin": {"t": 70, "r": 20},
    # Above the plot: below it the legend would cover the axis title.
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
}
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.7rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.notes li, .damaged li { color: #8a3b00; }
section { margin: 2rem 0; } .figure-missing p { color: #666; font-style: italic; }
"""


def render(report: Report) -> str:
    """The whole HTML document of ``report``."""
    sections = "\n".join(_figure_sections(report))
    title = "Kabarsip crawl report" + (f": {report.site}" if report.site else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">Generated {escape(report.generated_at.strftime("%Y-%m-%d %H:%M:%S %Z"))}
from state <code>{escape(report.state_path)}</code> and WARC folder
<code>{escape(report.warc_dir)}</code>.</p>
{_notes(report.notes)}
<h2>Summary</h2>
{_summary(report)}
{_warc_problems(report.warc)}
{sections}
</body>
</html>
"""


def _figure_sections(report: Report) -> Iterator[str]:
    state, warc = report.state, report.warc
    no_state = "No crawl state to read."
    yield _section(
        "articles-per-day",
        "Articles per day per site",
        _articles_per_day(state) if state else None,
        no_state if state is None else "The state holds no article.",
    )
    yield _section(
        "updates-per-article",
        "Updates per article (versions found per article)",
        _versions(state) if state else None,
        no_state if state is None else "The state holds no article.",
    )
    yield _section(
        "warc-bytes",
        "WARC bytes by record type, and what deduplication saved",
        _warc_bytes(warc) if warc and warc.files else None,
        "No WARC file to read." if warc is None or not warc.files else "",
    )
    yield _section(
        "field-coverage",
        "Field coverage per site over runs (share of the run's items with the field)",
        _coverage(state) if state else None,
        no_state if state is None else "No run with coverage figures is recorded in the state.",
    )
    yield _section(
        "errors-by-kind",
        "Errors by kind (summed over the recorded runs)",
        _errors(state) if state else None,
        no_state if state is None else "No recorded run counted an error.",
    )


def _section(key: str, heading: str, figure: go.Figure | None, missing: str) -> str:
    if figure is None or not figure.data:
        return (
            f'<section class="figure-missing" id="{key}"><h2>{escape(heading)}</h2>'
            f"<p>{escape(missing or 'Nothing to show.')}</p></section>"
        )
    figure.update_layout(**_LAYOUT)
    plot = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"plot-{key}",
        default_height=_HEIGHT,
        config={"displaylogo": False, "responsive": True},
    )
    return f'<section class="figure" id="{key}"><h2>{escape(heading)}</h2>{plot}</section>'


def _articles_per_day(state: StateFigures) -> go.Figure:
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


def _versions(state: StateFigures) -> go.Figure:
    figure = go.Figure()
    for site, counts in state.version_counts.items():
        figure.add_bar(name=site, x=list(counts), y=list(counts.values()))
    figure.update_layout(
        barmode="group",
        xaxis={"title": "versions of the article", "dtick": 1},
        yaxis_title="articles",
    )
    return figure


def _warc_bytes(warc: WarcUsage) -> go.Figure:
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


def _coverage(state: StateFigures) -> go.Figure:
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


def _errors(state: StateFigures) -> go.Figure:
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


def _summary(report: Report) -> str:
    rows: list[tuple[str, str, str]] = []
    if report.state is not None:
        s = report.state.summary
        rows += [
            ("sites", "Sites", ", ".join(s.sites) or "none"),
            ("articles", "Articles", f"{s.articles:,}"),
            ("gone", "of them gone", f"{s.gone:,}"),
            ("versions", "Article versions", f"{s.versions:,}"),
            ("urls", "URLs captured (state)", f"{s.urls:,}"),
            ("runs", "Runs recorded", f"{s.runs:,}"),
        ]
    if report.warc is not None:
        w = report.warc
        captures = w.count("response") + w.count("revisit")
        rows += [
            ("warc-files", "WARC files", f"{len(w.files):,}"),
            ("damaged-files", "of them damaged", f"{len(w.damaged):,}"),
            ("captures", "Captures (response + revisit records)", f"{captures:,}"),
            ("responses", "Response records", f"{w.count('response'):,}"),
            ("revisits", "Revisit records", f"{w.count('revisit'):,}"),
            ("not-modified", "of them 304 Not Modified", f"{w.not_modified:,}"),
            ("warc-bytes", "WARC bytes", f"{w.total_bytes:,}"),
            ("saved-bytes", "Bytes saved by deduplication (estimate)", f"{w.saved_bytes:,}"),
        ]
    if not rows:
        return "<p>Nothing to summarise.</p>"
    cells = "\n".join(
        f'<tr><th>{escape(label)}</th><td class="n" data-key="{key}">{escape(value)}</td></tr>'
        for key, label, value in rows
    )
    return f'<table class="summary">\n{cells}\n</table>'


def _warc_problems(warc: WarcUsage | None) -> str:
    if warc is None or not (warc.damaged or warc.skipped or warc.unresolved_revisits):
        return ""
    items = [
        f"<code>{escape(usage.name)}</code>: "
        + escape(usage.problem or f"{usage.damaged_records} record(s) fail their digest check")
        + " (the records before the damage are counted)"
        for usage in warc.damaged
    ]
    items += [
        f"<code>{escape(name)}</code>: not read (being written, or left by a crash)"
        for name in warc.skipped
    ]
    if warc.unresolved_revisits:
        items.append(
            f"{warc.unresolved_revisits} revisit record(s) refer to captures in none of the files "
            "read: their bytes are not in the saving"
        )
    listed = "".join(f"<li>{item}</li>" for item in items)
    return f'<h2>WARC problems</h2>\n<ul class="damaged">{listed}</ul>'


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{escape(note)}</li>" for note in notes) + "</ul>"


def _file_label(name: str) -> str:
    parsed = parse_warc_name(name)
    if parsed is None:
        return name
    return f"{parsed.opened_at:%Y-%m-%d %H:%M:%S} #{parsed.serial}"
