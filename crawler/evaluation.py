"""Extraction scored against ground truth: one answer row per saved page.

Answer rows (JSON Lines, as ``../shared/corpus/dev.jsonl``) hold ``file``, ``url``, ``site``,
``title``, ``published``, ``updated``, ``author``, ``body_first``, ``body_last`` and
``boilerplate_examples``. Each page is scored on seven fields, all after Unicode (NFC) and
whitespace normalisation:

``title``
    equal.
``published``, ``updated``
    equal to the minute with the offset (``2016-02-16T09:10+07:00``); ``null`` in the answer
    means the page shows none, and only a missing value matches it.
``authors``
    the same set of names, case-insensitive. The answer is one string; several names are
    joined with " dan " (as the pages print them), ", " or " & ". ``null`` means no person is
    credited: the item must have no authors.
``body_first``
    the body starts with this sentence. It is quoted from the page, dateline included, so a
    body whose dateline moved to ``dateline`` passes when the rest of the sentence opens it.
``body_last``
    the body ends with this sentence.
``boilerplate``
    none of ``boilerplate_examples`` occurs anywhere in the body.

A page that fails to extract, or whose item a step drops, fails every field: a crawl would
not emit it. ``score_row`` is the rule; ``evaluate`` runs it over pages; ``format_table`` and
``format_failures`` print the outcome.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from crawler.items import Article
from crawler.paths import SITE_NAME, UnsafePathError, inside
from crawler.processing import Processed, generic_site, process_page, site_for_url
from crawler.sites import SEEDS_DIR, SiteConfig, load_site

FIELDS = ("title", "published", "updated", "authors", "body_first", "body_last", "boilerplate")

# An extractor turns a page's bytes and its answer row into the outcome to score.
Extractor = Callable[[bytes, Mapping[str, Any]], Processed]

_NAME_JOINS = re.compile(r"\s*(?:,|&|;|\s+dan\s+|\s+and\s+)\s*", re.IGNORECASE)
_LEAD_SEPARATOR = re.compile(r"^[\s\-\u2013\u2014:,|]+")
_SHOWN = 160


def normalise(text: str | None) -> str:
    """NFC, every run of whitespace (non-breaking spaces too) as one space, trimmed."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


def to_minute(value: str | None) -> str | None:
    """``2016-02-16T09:10:56+07:00`` as ``2016-02-16T09:10+07:00``; None for no value.

    A value without an offset keeps no offset, so it never equals an answer that has one.
    """
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value.strip()
    minute = moment.strftime("%Y-%m-%dT%H:%M")
    offset = moment.utcoffset()
    if offset is None:
        return minute
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{minute}{sign}{hours:02d}:{rest // 60:02d}"


def answer_authors(author: str | None) -> set[str]:
    """The names of an answer's ``author`` string, case-folded."""
    return {normalise(name).casefold() for name in _NAME_JOINS.split(author or "")} - {""}


def item_authors(names: Iterable[str]) -> set[str]:
    return {normalise(name).casefold() for name in names} - {""}


def starts_body(body: str, first: str, dateline: str | None) -> bool:
    """Whether ``first`` opens ``body``, or its text after the item's dateline does."""
    if body.startswith(first):
        return True
    lead = normalise(dateline)
    if lead and first.startswith(lead):
        rest = _LEAD_SEPARATOR.sub("", first[len(lead) :])
        return bool(rest) and body.startswith(rest)
    return False


@dataclass(frozen=True)
class FieldResult:
    """One field of one page: whether it passed, and both sides as shown to a reader."""

    ok: bool
    expected: str | None
    got: str | None


def _clip(text: str, head: bool = True) -> str:
    if len(text) <= _SHOWN:
        return text
    return text[:_SHOWN] + "…" if head else "…" + text[-_SHOWN:]


def _with_raw(value: str | None, raw: str | None) -> str | None:
    return f"{value} (raw {raw!r})" if raw and raw != value else value


def _with_source(shown: str | None, item: Article, name: str) -> str | None:
    """What was got, and the source ``field_sources`` names for it (to see why it won)."""
    source = item.field_sources.get(name)
    return f"{shown} [from {source}]" if shown is not None and source else shown


def compare_row(truth: Mapping[str, Any], article: Article | None) -> dict[str, FieldResult]:
    """Every field of the answer row against ``article`` (None: nothing was extracted)."""
    item = article or Article(url=str(truth.get("url", "")), site=str(truth.get("site", "")))
    body = normalise(item.body)
    title_ok = bool(item.title) and normalise(item.title) == normalise(truth.get("title"))
    shown_title = _with_source(item.title, item, "title")
    results = {"title": FieldResult(title_ok, truth.get("title"), shown_title)}
    for name in ("published", "updated"):
        value = getattr(item, name)
        expected, got = to_minute(truth.get(name)), to_minute(value)
        results[name] = FieldResult(
            expected == got,
            truth.get(name),
            _with_source(_with_raw(value, getattr(item, f"{name}_raw")), item, name),
        )
    authors_got = ", ".join(item.authors) if item.authors else None
    if item.authors_raw and item.authors_raw != item.authors:
        authors_got = f"{authors_got} (raw {item.authors_raw!r})"
    results["authors"] = FieldResult(
        answer_authors(truth.get("author")) == item_authors(item.authors),
        truth.get("author"),
        _with_source(authors_got, item, "authors"),
    )
    first = normalise(truth.get("body_first"))
    shown_first = _clip(body)
    if item.dateline:
        shown_first = f"[dateline {item.dateline!r}] {shown_first}"
    results["body_first"] = FieldResult(
        bool(first) and starts_body(body, first, item.dateline),
        truth.get("body_first"),
        shown_first,
    )
    last = normalise(truth.get("body_last"))
    results["body_last"] = FieldResult(
        bool(last) and body.endswith(last), truth.get("body_last"), _clip(body, head=False)
    )
    examples = [normalise(e) for e in truth.get("boilerplate_examples") or []]
    found = [e for e in examples if e and e in body]
    results["boilerplate"] = FieldResult(
        bool(body) and not found,
        "none of " + json.dumps(examples, ensure_ascii=False),
        "found " + json.dumps(found, ensure_ascii=False)
        if found
        else ("no body" if not body else "none"),
    )
    if article is None:
        results = {k: FieldResult(False, r.expected, r.got) for k, r in results.items()}
    return results


def score_row(truth: Mapping[str, Any], article: Article | None) -> dict[str, bool]:
    """Pass or fail per field (``FIELDS``) of ``article`` against the answer row ``truth``."""
    return {name: result.ok for name, result in compare_row(truth, article).items()}


@dataclass
class RowResult:
    """The score of one page.

    ``fields`` compares the item as extracted, even one the item steps dropped (``dropped``
    says why), so a failure can be explained; ``scores`` is what counts.
    """

    file: str
    site: str
    url: str
    fields: dict[str, FieldResult]
    dropped: str | None = None
    error: str | None = None

    @property
    def scores(self) -> dict[str, bool]:
        counted = not (self.dropped or self.error)
        return {name: counted and result.ok for name, result in self.fields.items()}

    @property
    def passed(self) -> bool:
        return all(self.scores.values())


@dataclass
class Report:
    """Scores of one extractor over a set of answer rows."""

    name: str
    rows: list[RowResult] = field(default_factory=list)

    @property
    def sites(self) -> list[str]:
        """Sites in the order the answers first name them."""
        return list(dict.fromkeys(row.site for row in self.rows))

    def tally(self, site: str | None = None) -> dict[str, tuple[int, int]]:
        """Per field: (passed, total), over one site or (None) all rows."""
        rows = [row for row in self.rows if site is None or row.site == site]
        return {name: (sum(row.scores[name] for row in rows), len(rows)) for name in FIELDS}

    def percent(self, site: str | None = None) -> dict[str, float]:
        return {
            name: 100.0 * passed / total if total else 0.0
            for name, (passed, total) in self.tally(site).items()
        }

    def to_json(self) -> dict[str, Any]:
        def summary(site: str | None) -> dict[str, Any]:
            return {
                name: {"passed": passed, "total": total, "percent": round(100 * passed / total, 1)}
                for name, (passed, total) in self.tally(site).items()
                if total
            }

        return {
            "name": self.name,
            "overall": summary(None),
            "sites": {site: summary(site) for site in self.sites},
            "rows": [
                {
                    "file": row.file,
                    "site": row.site,
                    "url": row.url,
                    "dropped": row.dropped,
                    "error": row.error,
                    "fields": {
                        name: {
                            "ok": row.scores[name],
                            "matches": r.ok,
                            "expected": r.expected,
                            "got": r.got,
                        }
                        for name, r in row.fields.items()
                    },
                }
                for row in self.rows
            ],
        }


def site_for_row(
    row: Mapping[str, Any], seeds_dir: Traversable = SEEDS_DIR, generic: bool = False
) -> SiteConfig:
    """``seeds/<site>.toml`` if there is one, else the site file (or generic rules) for the URL.

    ``generic`` switches site files off: every page gets the generic rules, as a site
    Kabarsip has no file for would.
    """
    if generic:
        return generic_site(str(row["url"]))
    name = str(row.get("site") or "")
    if SITE_NAME.fullmatch(name) and (seeds_dir / f"{name}.toml").is_file():
        return load_site(name, seeds_dir)
    return site_for_url(str(row["url"]), seeds_dir)


def kabarsip_extractor(body: bytes, row: Mapping[str, Any]) -> Processed:
    """Kabarsip's own extraction and item steps, as a crawl runs them."""
    return process_page(body, str(row["url"]), site_for_row(row))


def generic_extractor(body: bytes, row: Mapping[str, Any]) -> Processed:
    """Kabarsip with site files switched off: the generic layer alone."""
    return process_page(body, str(row["url"]), site_for_row(row, generic=True))


def load_answers(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines answers file; errors name the file and line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(row, dict) or not row.get("file") or not row.get("url"):
            raise ValueError(f"{path}:{number}: an answer row needs 'file' and 'url'")
        rows.append(row)
    return rows


def evaluate(
    rows: Iterable[Mapping[str, Any]],
    pages_dir: Path,
    extractor: Extractor = kabarsip_extractor,
    name: str = "kabarsip",
) -> Report:
    """Score ``extractor`` on each row's page in ``pages_dir``.

    A missing page or an exception while extracting fails the row with ``error`` set, so one
    bad page does not hide the scores of the others.
    """
    report = Report(name)
    for row in rows:
        file, site, url = str(row["file"]), str(row.get("site") or ""), str(row["url"])
        try:
            body = inside(pages_dir, file).read_bytes()
        except UnsafePathError as exc:
            error = f"cannot read page: {exc}"
            report.rows.append(RowResult(file, site, url, compare_row(row, None), error=error))
            continue
        except OSError as exc:
            error = f"cannot read page: {exc.strerror or exc}: {Path(pages_dir) / file}"
            report.rows.append(RowResult(file, site, url, compare_row(row, None), error=error))
            continue
        try:
            processed = extractor(body, row)
        except Exception as exc:  # the score is information: one page's crash is a finding
            error = f"{type(exc).__name__}: {exc}"
            report.rows.append(RowResult(file, site, url, compare_row(row, None), error=error))
            continue
        fields = compare_row(row, processed.item)
        report.rows.append(RowResult(file, site, url, fields, dropped=processed.dropped))
    return report


def _cell(passed: int, total: int) -> str:
    return f"{100 * passed / total:.0f}% {passed}/{total}" if total else "-"


def format_table(report: Report) -> str:
    """Per-field pass rates (percent and passed/total) per site and overall."""
    label_width = max([len("overall"), len(report.name), *(len(s) for s in report.sites)])
    lines_by_label = [(site, report.tally(site)) for site in report.sites]
    lines_by_label.append(("overall", report.tally()))
    widths = {
        name: max(len(name), *(len(_cell(*tally[name])) for _, tally in lines_by_label))
        for name in FIELDS
    }
    header = report.name.ljust(label_width) + "  " + "  ".join(n.rjust(widths[n]) for n in FIELDS)
    lines = [header, "-" * len(header)]
    for label, tally in lines_by_label:
        if label == "overall":
            lines.append("-" * len(header))
        cells = "  ".join(_cell(*tally[name]).rjust(widths[name]) for name in FIELDS)
        lines.append(label.ljust(label_width) + "  " + cells)
    return "\n".join(lines)


def format_failures(report: Report) -> str:
    """Each failing page and field with what was expected and what was got."""
    blocks = []
    for row in report.rows:
        if row.passed:
            continue
        lines = [f"{row.file} ({row.site}) {row.url}"]
        if row.error:
            lines.append(f"  error: {row.error}")
            blocks.append("\n".join(lines))
            continue
        if row.dropped:
            lines.append(f"  dropped by the item steps ({row.dropped}): every field fails;")
            lines.append("  the fields below are wrong in the dropped item too")
        for name, result in row.fields.items():
            if not result.ok:
                lines.append(f"  {name}:")
                lines.append(f"    expected: {result.expected!r}")
                lines.append(f"    got:      {result.got!r}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no failures"
