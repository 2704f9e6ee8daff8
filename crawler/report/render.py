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

from crawler.report import figures

if TYPE_CHECKING:
    from crawler.report.data import Report
    from crawler.report.warcusage import WarcUsage

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
        figures.articles_per_day(state) if state else None,
        no_state if state is None else "The state holds no article.",
    )
    yield _section(
        "updates-per-article",
        "Updates per article (versions found per article)",
        figures.versions_per_article(state) if state else None,
        no_state if state is None else "The state holds no article.",
    )
    yield _section(
        "warc-bytes",
        "WARC bytes by record type, and what deduplication saved",
        figures.warc_bytes(warc) if warc and warc.files else None,
        "No WARC file to read." if warc is None or not warc.files else "",
    )
    yield _section(
        "field-coverage",
        "Field coverage per site over runs (share of the run's items with the field)",
        figures.field_coverage(state) if state else None,
        no_state if state is None else "No run with coverage figures is recorded in the state.",
    )
    yield _section(
        "errors-by-kind",
        "Errors by kind (summed over the recorded runs)",
        figures.errors_by_kind(state) if state else None,
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
