"""Worker processes of one crawl on Redis, and what they left: WARC records and items."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.naming import parse_warc_name
from crawler.demo import PROJECT_DIR, crawl_command


def start_worker(
    folder: Path, origin: str, redis_url: str, warc_dir: Path, *settings: str
) -> subprocess.Popen[str]:
    """Start a demo crawl worker writing its items, log and stats into ``folder``.

    The workers of a run share one WARC folder (each its own files, named with its pid): a
    revisit of a later run refers to a capture another worker may have written.
    """
    folder.mkdir(parents=True)
    command = crawl_command("demo", origin, folder, folder / "stats.json")
    command += ["-s", f"WARC_DIR={warc_dir}"]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env={**os.environ, "KABARSIP_REDIS_URL": redis_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(
    process: subprocess.Popen[str], timeout: float = 800
) -> subprocess.CompletedProcess[str]:
    """Wait for a worker; its pid is the result's ``args``."""
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.pid, process.returncode, stdout, stderr)


def records(warc_dir: Path, pid: int | None = None, kind: str = "response") -> Counter[str]:
    """Records of ``kind`` per URL in the WARC files of the worker ``pid`` (None: all)."""
    found: Counter[str] = Counter()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        name = parse_warc_name(path.name)
        if name is None or (pid is not None and name.pid != pid):
            continue
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == kind:
                    found[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return found


def items(folder: Path) -> list[dict[str, object]]:
    """The items a worker wrote into ``folder``/items."""
    return [
        json.loads(line)
        for path in sorted((folder / "items").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def item_keys(folders: list[Path]) -> Counter[tuple[object, object]]:
    """How often each article version was written, over the workers' ``folders``."""
    return Counter(
        (item.get("canonical_url") or item["url"], item.get("version"))
        for folder in folders
        for item in items(folder)
    )


def stats(folder: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    return result
