"""Without conditional GET (servers that send no validators), unchanged pages still cost a
header-only ``identical-payload-digest`` revisit, and pywb replays each as the page it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.warc import IDENTICAL_PAYLOAD_DIGEST
from crawler.demosite.manifest import SiteManifest
from crawler.demosite.server import DemoServer
from tests.crawling import run_crawl
from tests.pywb_harness import running_pywb
from tests.test_dedup_e2e import read_records

pytestmark = pytest.mark.slow

NO_CONDITIONAL = {"CONDITIONAL_GET_ENABLED": "False", "REVISIT_ALL_DUE": "True"}


@pytest.mark.parametrize("detail", ["compact", "full"])
def test_unchanged_pages_become_identical_payload_revisits_that_replay(
    detail: str, tmp_path: Path, small_server: DemoServer, small_site: SiteManifest
) -> None:
    settings = {**NO_CONDITIONAL, "WARC_DEDUP_DETAIL": detail}
    first = run_crawl(tmp_path, "demo", small_server.origin, settings)
    first_files = sorted(first.warc_dir.glob("*.warc.gz"))
    served = len(small_server.requests)
    second = run_crawl(tmp_path, "demo", small_server.origin, settings)
    assert second.returncode == 0 and second.stats.get("log_count/ERROR", 0) == 0
    assert not any(b"If-None-Match" in line for line in second.log.encode().splitlines())
    new_files = sorted(set(second.warc_dir.glob("*.warc.gz")) - set(first_files))
    records = [r for path in new_files for r in read_records(path)]
    fetched = second.stats["downloader/response_count"]
    assert len(small_server.requests) - served == fetched
    revisits = [r for r in records if r.type == "revisit"]
    assert [r for r in records if r.type == "response"] == []
    assert len(revisits) == fetched
    assert {r.profile for r in revisits} == {IDENTICAL_PAYLOAD_DIGEST}
    requests = [r for r in records if r.type == "request"]
    assert len(requests) == (fetched if detail == "full" else 0)
    assert second.stats["versions/unchanged"] == len(small_site.live())
    added = sum(path.stat().st_size for path in new_files)
    before = sum(path.stat().st_size for path in first_files)
    print(f"{detail}: run 2 added {added} bytes, {added / before:.1%} of run 1's {before}")
    originals = {r.record_id: r for path in first_files for r in read_records(path)}
    with running_pywb([*first_files, *new_files], tmp_path / "pywb") as pywb:
        for revisit in revisits:
            original = originals[revisit.refers_to or ""]
            replay = pywb.replay(revisit.uri, revisit.timestamp14)
            assert (replay.status, replay.memento) == (original.status, revisit.timestamp14)
            assert replay.body == original.payload
