"""A real Scrapyd on loopback, Kabarsip deployed to it with ``scrapyd-deploy``, and its JSON API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.demo import PROJECT_DIR
from tests.redis_server import free_port

PROJECT = "kabarsip"
#: Seconds Scrapyd may take to answer, and a scheduled crawl to finish.
START_SECONDS = 30.0
JOB_SECONDS = 240.0

SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
dbs_dir = {root}/dbs
items_dir =
poll_interval = 0.2
max_proc = 2
launcher = crawler.scrapydjobs.KabarsipLauncher

[services]
listjobs.json = crawler.scrapydjobs.ListJobsWithExitCodes
"""


@dataclass
class Scrapyd:
    url: str
    root: Path

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url + endpoint + query, timeout=30) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self.url + endpoint, data=body, timeout=60) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def schedule(self, spider: str, args: Mapping[str, str], settings: Mapping[str, str]) -> str:
        """``schedule.json``: spider arguments, then ``setting=NAME=VALUE`` as ``-s`` would."""
        fields = [("project", PROJECT), ("spider", spider), *args.items()]
        fields += [("setting", f"{name}={value}") for name, value in settings.items()]
        answer = self.post("schedule.json", fields)
        assert answer["status"] == "ok", answer
        return str(answer["jobid"])

    def wait_finished(self, job: str) -> dict[str, Any]:
        """The job's entry in ``listjobs.json`` once it is finished (fails after a bound)."""
        deadline = time.monotonic() + JOB_SECONDS
        while time.monotonic() < deadline:
            for entry in self.get("listjobs.json", project=PROJECT)["finished"]:
                if entry["id"] == job:
                    return dict(entry)
            time.sleep(0.5)
        raise AssertionError(f"job {job} did not finish within {JOB_SECONDS:.0f} s")

    def job_log(self, entry: Mapping[str, Any]) -> str:
        with urllib.request.urlopen(self.url + entry["log_url"].lstrip("/"), timeout=30) as log:
            return str(log.read().decode("utf-8", "replace"))


@contextmanager
def scrapyd_server(root: Path) -> Iterator[Scrapyd]:
    """Scrapyd on 127.0.0.1 with its eggs, logs and databases in ``root``."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    (root / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, root=root))
    log = (root / "scrapyd.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=root, stdout=log, stderr=subprocess.STDOUT
    )
    server = Scrapyd(f"http://127.0.0.1:{port}/", root)
    try:
        _wait_for(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for(server: Scrapyd, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scrapyd exited with {process.returncode}, see {server.root}")
        try:
            if server.get("daemonstatus.json")["status"] == "ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"scrapyd did not answer within {START_SECONDS:.0f} s")


def project_copy(folder: Path) -> Path:
    """The project's files (tracked, or untracked and not ignored) copied into ``folder``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = PROJECT_DIR / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return folder


def scrapyd_deploy(
    *args: str, env: Mapping[str, str] | None = None, project_dir: Path = PROJECT_DIR
) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy ARGS...`` in ``project_dir``, where it builds the egg."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("scrapyd-deploy")), *args],
        cwd=project_dir,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def deploy(
    server: Scrapyd, config_home: Path, project_dir: Path = PROJECT_DIR, version: str = "1"
) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy test`` from ``project_dir``, to a target naming ``server``.

    The target is written to a ``scrapy.cfg`` in ``XDG_CONFIG_HOME``, which Scrapy's
    configuration reads beside the project's own.
    """
    config_home.mkdir(parents=True, exist_ok=True)
    (config_home / "scrapy.cfg").write_text(
        f"[deploy:test]\nurl = {server.url}\nproject = {PROJECT}\n"
    )
    return scrapyd_deploy(
        "test",
        "--version",
        version,
        env={"XDG_CONFIG_HOME": str(config_home)},
        project_dir=project_dir,
    )
