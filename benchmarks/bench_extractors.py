"""Kabarsip's extraction beside trafilatura's and newspaper4k's, on the same answered pages.

    .venv/bin/pip install trafilatura lxml_html_clean newspaper4k htmldate
    .venv/bin/python benchmarks/bench_extractors.py [ANSWERS.jsonl PAGES_DIR] [--json OUT]

Defaults to ``../shared/corpus``. Each library's title, date, author(s) and text become an
``Article`` scored by ``crawler.evaluation.score_row``, with the rule Kabarsip's validation
applies (no title or no text: nothing emitted). The libraries name no modification date, so
their ``updated`` is empty (right only where the page shows none), and a date without an offset
fails as it would for Kabarsip. All three get the same text: the page as Kabarsip decodes it,
so a false charset declaration is not what is being compared.

The run is offline: outgoing connections other than to loopback are refused.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from crawler.evaluation import (
    FIELDS,
    Extractor,
    Report,
    evaluate,
    format_table,
    generic_extractor,
    kabarsip_extractor,
    load_answers,
)
from crawler.items import Article
from crawler.processing import Processed, page_response
from pipelines.validate import drop_reason

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def refuse_network() -> None:
    """Make any non-loopback connection fail, so no library fetches behind our back."""
    connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOOPBACK:
            raise OSError(f"benchmark is offline: refused connection to {address!r}")
        connect(self, address)

    socket.socket.connect = loopback_only  # type: ignore[assignment,method-assign]


def as_article(
    row: Mapping[str, Any],
    title: str | None,
    published: str | None,
    authors: list[str],
    text: str | None,
) -> Processed:
    paragraphs = [line.strip() for line in (text or "").splitlines() if line.strip()]
    article = Article(
        url=str(row["url"]),
        site=str(row.get("site") or ""),
        title=title or None,
        published=published,
        authors=[a for a in (name.strip() for name in authors) if a],
        paragraphs=paragraphs,
        body="\n\n".join(paragraphs) or None,
    )
    return Processed(article, drop_reason(ItemAdapter(article)))


def iso(value: datetime | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def trafilatura_extractor() -> Extractor:
    import trafilatura

    dates = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}

    def extract(body: bytes, row: Mapping[str, Any]) -> Processed:
        page = page_response(body, str(row["url"]))
        found = trafilatura.bare_extraction(
            page.text,
            url=page.url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=dates,
        )
        if found is None:
            return as_article(row, None, None, [], None)
        data = found if isinstance(found, dict) else found.as_dict()
        # trafilatura joins several authors with "; ".
        authors = str(data.get("author") or "").split(";")
        return as_article(row, data.get("title"), iso(data.get("date")), authors, data.get("text"))

    return extract


def newspaper_extractor() -> Extractor:
    with warnings.catch_warnings():
        # Only the NLP features need nltk; they are not used here.
        warnings.simplefilter("ignore")
        import newspaper

    config = newspaper.Config()
    config.fetch_images = False
    config.language = "id"

    def extract(body: bytes, row: Mapping[str, Any]) -> Processed:
        page = page_response(body, str(row["url"]))
        article = newspaper.Article(page.url, config=config)
        article.download(input_html=page.text)
        article.parse()
        return as_article(
            row, article.title, iso(article.publish_date), list(article.authors), article.text
        )

    return extract


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "kabarsip": lambda: kabarsip_extractor,
    "kabarsip-generic": lambda: generic_extractor,
    "trafilatura": trafilatura_extractor,
    "newspaper4k": newspaper_extractor,
}


def leaders(reports: list[Report]) -> str:
    """Per field, the extractor(s) with the best overall pass rate."""
    parts = []
    for name in FIELDS:
        scores = {report.name: report.percent()[name] for report in reports}
        best = max(scores.values())
        ahead = "=".join(n for n, score in scores.items() if score == best)
        parts.append(f"{name} {ahead} {best:.0f}%")
    return "leads: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("answers", nargs="?", type=Path, default=CORPUS / "dev.jsonl")
    parser.add_argument("pages", nargs="?", type=Path, default=CORPUS / "pages")
    parser.add_argument("--json", type=Path, help="write the three reports as JSON here")
    args = parser.parse_args(argv)
    if not args.answers.is_file() or not args.pages.is_dir():
        print(f"need {args.answers} and the directory {args.pages}", file=sys.stderr)
        return 2
    refuse_network()
    rows = load_answers(args.answers)
    reports = []
    for name, make in EXTRACTORS.items():
        try:
            extractor = make()
        except ImportError as exc:
            print(
                f"{name}: not installed ({exc.name}); see the install line above", file=sys.stderr
            )
            continue
        start = time.perf_counter()
        report = evaluate(rows, args.pages, extractor, name=name)
        seconds = time.perf_counter() - start
        reports.append(report)
        print(format_table(report))
        print(f"{len(rows)} pages in {seconds:.2f} s\n")
        for row in report.rows:
            if row.error:
                print(f"  {name}: {row.file}: {row.error}", file=sys.stderr)
    print(leaders(reports))
    if args.json:
        data = [report.to_json() for report in reports]
        args.json.write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
