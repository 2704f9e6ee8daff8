"""A crawl opens no listening port: Scrapy's remote-control endpoint and telnet stay off."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from crawler.demo import PROJECT_DIR, crawl_command
from tests.scripted_server import Answer, ScriptedServer, page

pytestmark = pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="needs Linux /proc")


def listening_ports(pid: int) -> set[int]:
    """TCP ports on which process ``pid`` holds a listening socket."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    ports = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.slow
def test_a_crawl_listens_on_no_port(tmp_path: Path) -> None:
    release = threading.Event()

    def held(_: int) -> Answer:
        release.wait(timeout=30)
        return page("<html><body>kosong</body></html>")

    with ScriptedServer({"/section/": held}) as server:
        site = tmp_path / "tahan.toml"
        start = f"{server.origin()}/section/"
        site.write_text(
            f'name = "tahan"\ndomains = ["127.0.0.1"]\nstart_urls = ["{start}"]\n'
            "article_pattern = 'x'\n",
            encoding="utf-8",
        )
        out = tmp_path / "out"
        out.mkdir()
        command = crawl_command(str(site), server.origin(), out, out / "stats.json")
        crawl = subprocess.Popen(command, cwd=PROJECT_DIR)
        try:
            deadline = time.monotonic() + 60
            while not server.hits_for("/section/") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert server.hits_for("/section/"), "the crawl never asked for its start page"
            ports = listening_ports(crawl.pid)
        finally:
            release.set()
            returncode = crawl.wait(timeout=120)

    assert ports == set()
    assert returncode == 0
    log = (out / "crawl.log").read_text(encoding="utf-8")
    assert "remote_control" not in log
