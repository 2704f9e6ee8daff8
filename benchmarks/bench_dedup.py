"""What an unchanged re-crawl costs: WARC bytes and time, per way of recording it.

    .venv/bin/python benchmarks/bench_dedup.py [ARTICLES]

Generates the demo site (240 articles by default), serves it on 127.0.0.1 and, for each
setting below, crawls it once into a fresh folder and then once more with every known article
due. Printed per setting: the first run's bytes and time, the second run's bytes (and their
share of the first's), its records by type and bytes per unchanged fetch, and its time.

- ``304 compact``: the defaults (conditional GET, revisit record alone);
- ``304 full``: ``WARC_DEDUP_DETAIL=full`` (request record, revisit, 304 headers);
- ``identical compact`` / ``identical full``: conditional GET off, as with a server that sends
  no validators: each unchanged 200 becomes an identical-payload revisit;
- ``no state``: ``STATE_ENABLED=False``, every run archives everything again (the baseline
  for time, as plain capture without dedup).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.demosite.generator import generate_site
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl

VARIANTS: dict[str, dict[str, str]] = {
    "304 compact": {},
    "304 full": {"WARC_DEDUP_DETAIL": "full"},
    "identical compact": {"CONDITIONAL_GET_ENABLED": "False"},
    "identical full": {"CONDITIONAL_GET_ENABLED": "False", "WARC_DEDUP_DETAIL": "full"},
    "no state": {"STATE_ENABLED": "False"},
}


def record_types(paths: list[Path]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for path in paths:
        with path.open("rb") as stream:
            kinds.update(record.rec_type for record in ArchiveIterator(stream))
    return kinds


def main(articles: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = generate_site(root / "site", articles, edition=1)
        assert site.directory is not None
        print(f"demo site: {articles} articles; each variant: run 1, then run 2 (all due)\n")
        header = (
            f"{'variant':18} {'run1 bytes':>11} {'run1 s':>7} {'run2 bytes':>11} {'share':>6} "
            f"{'per fetch':>9} {'run2 s':>7}  run 2 records"
        )
        print(header)
        print("-" * len(header))
        with DemoServer(site.directory) as server:
            for name, settings in VARIANTS.items():
                out = root / name.replace(" ", "-")
                settings = {**settings, "REVISIT_ALL_DUE": "True"}
                started = time.perf_counter()
                first = run_crawl(out, "demo", server.origin, settings)
                first_s = time.perf_counter() - started
                first_files = sorted(first.warc_dir.glob("*.warc.gz"))
                started = time.perf_counter()
                second = run_crawl(out, "demo", server.origin, settings)
                second_s = time.perf_counter() - started
                if first.returncode or second.returncode:
                    raise SystemExit(f"{name}: crawl failed\n{second.log[-3000:]}")
                new_files = sorted(set(second.warc_dir.glob("*.warc.gz")) - set(first_files))
                before = sum(path.stat().st_size for path in first_files)
                added = sum(path.stat().st_size for path in new_files)
                fetched = int(second.stats["downloader/response_count"])
                kinds = record_types(new_files)
                records = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
                print(
                    f"{name:18} {before:>11,} {first_s:>7.1f} {added:>11,} {added / before:>6.1%} "
                    f"{added / fetched:>9,.0f} {second_s:>7.1f}  {records}"
                )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 240)
