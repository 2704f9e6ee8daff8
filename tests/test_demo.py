"""``make demo``: its crawl command, ``--fresh``, its report, first runs and re-runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import (
    MARKER_NAME,
    crawl_command,
    format_report,
    main,
    remove_outputs,
    report_from_stats,
)
from crawler.demo import (
    run_demo as demo_run,
)


def settings_of(command: list[str]) -> dict[str, str]:
    pairs = [command[i + 1] for i, arg in enumerate(command) if arg == "-s"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_crawl_command_keeps_state_beside_the_archive(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    settings = settings_of(crawl_command("demo", "http://127.0.0.1:8123", out, out / "stats.json"))
    assert settings["STATE_PATH"] == str(out / "state.sqlite")
    assert settings["REVISIT_ALL_DUE"] == "True"
    assert settings["WARC_DIR"] == str(out / "warc")
    assert settings["STATS_FILE"] == str(out / "stats.json")
    assert settings["ITEMS_PATH"] == str(out / "items" / "%(site_name)s-%(time)s.jsonl")
    assert "FEEDS" not in settings


def fill(out: Path) -> None:
    """Everything a demo run leaves in ``out``."""
    for name in ("warc/a.warc.gz", "items/demo-1.jsonl", "demo-site/manifest.json"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x")
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite.lock", "stats.json"):
        (out / name).write_text("x")
    (out / "crawl.log").write_text("x")
    (out / MARKER_NAME).write_text('{"origin": "http://127.0.0.1:8123"}')


def test_fresh_removes_only_what_the_demo_wrote(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    fill(out)
    (out / "notes.txt").write_text("mine")
    (out / "keep" / "inner.txt").parent.mkdir()
    (out / "keep" / "inner.txt").write_text("mine")
    (out / "states.csv").write_text("mine")
    removed = remove_outputs(out)
    assert {p.name for p in removed} == {
        "warc",
        "items",
        "demo-site",
        "state.sqlite",
        "state.sqlite-wal",
        "state.sqlite.lock",
        "stats.json",
        "crawl.log",
        MARKER_NAME,
    }
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert left == ["keep", "keep/inner.txt", "notes.txt", "states.csv"]
    assert remove_outputs(out) == []


def test_fresh_unlinks_a_symlinked_folder_without_emptying_its_target(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "demo", tmp_path / "elsewhere"
    fill(out)
    (out / "warc" / "a.warc.gz").unlink()
    (out / "warc").rmdir()
    elsewhere.mkdir()
    (elsewhere / "precious.warc.gz").write_text("mine")
    (out / "warc").symlink_to(elsewhere, target_is_directory=True)
    remove_outputs(out)
    assert not (out / "warc").exists()
    assert (elsewhere / "precious.warc.gz").read_text() == "mine"


def test_fresh_refuses_a_folder_the_demo_did_not_write(tmp_path: Path) -> None:
    # As if run with --out data: a real crawl's archive, items and state.
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "real.warc.gz").write_text("mine")
    (tmp_path / "state.sqlite").write_text("mine")
    with pytest.raises(SystemExit, match="not written by the demo"):
        remove_outputs(tmp_path)
    assert (tmp_path / "warc" / "real.warc.gz").exists()
    assert (tmp_path / "state.sqlite").exists()


def test_a_site_folder_the_demo_cannot_use_is_one_line_of_error(tmp_path: Path) -> None:
    (tmp_path / "demo-site").mkdir()
    (tmp_path / "demo-site" / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit, match=r"^demo: cannot write the demo site: .*refusing"):
        demo_run(tmp_path, articles=20, edition=1)
    assert (tmp_path / "demo-site" / "notes.txt").read_text() == "mine"


RERUN_STATS: dict[str, Any] = {
    "downloader/response_count": 312,
    "items/written": 0,
    "item_dropped_count": 240,
    "versions/unchanged": 240,
    "warc/records/not_modified": 312,
    "warc/bytes": 172_050,
    "warc/files": 1,
}


def test_report_of_a_rerun_reads_this_runs_numbers(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    (out / "warc").mkdir(parents=True)
    (out / "warc" / "one.warc.gz").write_bytes(b"x" * 3_441_050)
    (out / "warc" / "two.warc.gz").write_bytes(b"x" * 172_050)
    report = report_from_stats(
        RERUN_STATS,
        warc_dir=out / "warc",
        items_file=None,
        seconds=2.04,
        first_run=False,
        archive_bytes_before=3_441_050,
    )
    assert (report.pages, report.articles, report.dropped) == (312, 0, 0)
    assert (report.warc_files, report.warc_bytes) == (2, 3_613_100)
    assert report.counts.unchanged == 240
    assert format_report(report, out).splitlines() == [
        "Kabarsip demo: 312 pages fetched, 0 articles (0 dropped) in 2.0 s",
        f"  WARC: 2 file(s), 3,613,100 bytes in {out / 'warc'}",
        "  items: none new this run",
        f"  log: {out / 'crawl.log'}, stats: {out / 'stats.json'}",
        "  Run summary: 0 new, 0 updated, 240 unchanged, 312 not-modified, 0 gone, "
        "0 skipped-not-due; WARC: 0 responses, 0 revisits, 312 not-modified, 172050 bytes added",
        f"  re-run: re-crawled against the state ({out / 'state.sqlite'}) and archive of "
        "earlier runs",
        "  WARC bytes added this run: 172,050 (5.0% of the archive before this run)",
    ]


def test_report_of_a_first_run(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    items = out / "items" / "demo-1.jsonl"
    stats = {
        "downloader/response_count": 312,
        "items/written": 239,
        "item_dropped_count": 1,
        "items/dropped/no_body": 1,
        "versions/new": 239,
        "warc/records/response": 312,
        "warc/bytes": 3_441_050,
    }
    report = report_from_stats(
        stats,
        warc_dir=out / "warc",
        items_file=items,
        seconds=3.0,
        first_run=True,
        archive_bytes_before=0,
    )
    lines = format_report(report, out).splitlines()
    assert lines[0] == "Kabarsip demo: 312 pages fetched, 239 articles (1 dropped) in 3.0 s"
    assert lines[2] == f"  items: {items}"
    assert lines[5].startswith("  first run: ")
    assert (
        lines[6] == "  WARC bytes added this run: 3,441,050 (the archive was empty before this run)"
    )


def run_demo(capsys: pytest.CaptureFixture[str], out: Path, *args: str) -> str:
    assert main(["--out", str(out), "--articles", "10", *args]) == 0
    return capsys.readouterr().out


def summary_counts(printed: str) -> dict[str, int]:
    (line,) = [line for line in printed.splitlines() if "Run summary:" in line]
    counts: dict[str, int] = {}
    for part in line.split(":", 1)[1].replace(";", ",").split(","):
        number, _, label = part.strip().partition(" ")
        if number.isdigit():
            # "10 unchanged (10 not extracted again)": the label is what comes before the aside.
            counts.setdefault(label.split(" (")[0], int(number))
    return counts


@pytest.mark.slow
def test_rerun_dedups_against_the_first_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    first = run_demo(capsys, out)
    assert "  first run: " in first
    assert summary_counts(first)["new"] == 10
    origin = json.loads((out / MARKER_NAME).read_text())["origin"]

    again = run_demo(capsys, out)
    assert json.loads((out / MARKER_NAME).read_text())["origin"] == origin
    assert "  re-run: " in again
    assert "  items: none new this run" in again
    counts = summary_counts(again)
    assert (counts["new"], counts["updated"], counts["unchanged"]) == (0, 0, 10)
    assert counts["bytes added"] < summary_counts(first)["bytes added"] / 5


@pytest.mark.slow
def test_second_edition_shows_updates_new_articles_and_the_removed_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    run_demo(capsys, out)
    counts = summary_counts(run_demo(capsys, out, "--edition", "2"))
    # Of 10 articles one is updated, one removed, and one more is new; the one with only
    # widget changes keeps its article text, so it counts as unchanged.
    assert (counts["new"], counts["updated"], counts["unchanged"], counts["gone"]) == (1, 1, 8, 1)
