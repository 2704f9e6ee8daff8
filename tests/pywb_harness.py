"""Run a real pywb ``wayback`` on loopback over a set of WARC files, for replay tests.

pywb is not installed in the project's environment (its pins replace the ``brotli`` module
Scrapy decodes ``br`` with, and hold back ``cryptography`` and ``redis``); it lives in a
virtual environment of its own.  The ``wayback`` executable is looked up, in this order, in
``$KABARSIP_WAYBACK``, on ``PATH``, next to ``sys.executable`` and in ``.venv-pywb/bin`` at the
project root; ``wb-manager`` must sit beside it.  Without it a test is skipped, or fails when
the ``CI`` environment variable is set.

    with running_pywb([warc_a, warc_b], tmp_path) as pywb:
        status, headers, body = pywb.replay("http://example.com/", "20260302073015")
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import pytest

WAYBACK_ENV = "KABARSIP_WAYBACK"
DEFAULT_COLLECTION = "kabarsip"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_STARTUP_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0
_REQUEST_TIMEOUT = 30.0
_PORT_ATTEMPTS = 3
_MEMENTO_REL = re.compile(r'rel="[^"]*\bmemento\b[^"]*"')


class PywbUnavailable(RuntimeError):
    """pywb's ``wayback`` or ``wb-manager`` could not be found or does not work."""


class Replay(NamedTuple):
    """One answer from pywb: status, headers (names lower-cased) and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def memento(self) -> str | None:
        """The served capture's time as a 14-digit timestamp (from ``Memento-Datetime``)."""
        value = self.headers.get("memento-datetime")
        if not value:
            return None
        return parsedate_to_datetime(value).astimezone(UTC).strftime("%Y%m%d%H%M%S")


class PywbServer:
    """A running ``wayback`` serving one collection on 127.0.0.1."""

    def __init__(self, port: int, collection: str, root: Path, log: Path) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.collection = collection
        self.root = root
        self.log = log

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def replay(self, url: str, timestamp14: str, *, decoded: bool = False) -> Replay:
        """Replay ``url`` as captured closest to ``timestamp14``, in ``id_`` (identity) mode.

        By default the body comes as stored, content coding (gzip...) kept: pywb decodes it
        only for a client that does not accept the coding, which ``decoded=True`` asks for.
        """
        if len(timestamp14) != 14 or not timestamp14.isdigit():
            raise ValueError(f"timestamp must have 14 digits, got {timestamp14!r}")
        headers = {} if decoded else {"Accept-Encoding": "gzip, deflate, br"}
        return self.get(f"/{self.collection}/{timestamp14}id_/{url}", headers)

    def cdx(self, url: str) -> list[dict[str, str]]:
        """pywb's index lines for ``url`` (exact match), oldest first."""
        answer = self.get(f"/{self.collection}/cdx?output=json&url={quote(url, safe='')}")
        if answer.status != 200:
            raise AssertionError(f"cdx query for {url} answered {answer.status}")
        return [json.loads(line) for line in answer.body.decode().splitlines() if line.strip()]

    def timemap(self, url: str) -> list[str]:
        """Capture times (14 digits) that pywb's link-format timemap lists for ``url``."""
        answer = self.get(f"/{self.collection}/timemap/link/{url}")
        if answer.status != 200:
            raise AssertionError(f"timemap for {url} answered {answer.status}")
        times = []
        for entry in answer.body.decode().split(",\n"):
            if not _MEMENTO_REL.search(entry):
                continue
            target = entry.split(">", 1)[0].lstrip("<")
            path = target.split(f"/{self.collection}/", 1)[1]
            times.append(path[:14])
        return times

    def get(self, path: str, headers: dict[str, str] | None = None) -> Replay:
        """A GET on the server; redirects are returned, not followed."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=_REQUEST_TIMEOUT)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        merged: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return Replay(response.status, merged, body)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def find_wayback() -> Path:
    """The ``wayback`` executable to use; raises :class:`PywbUnavailable` when none is found."""
    explicit = os.environ.get(WAYBACK_ENV)
    if explicit:
        path = Path(explicit)
        if not _is_executable(path):
            raise PywbUnavailable(f"{WAYBACK_ENV}={explicit} is not an executable file")
        return path
    candidates: list[Path] = []
    on_path = shutil.which("wayback")
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(Path(sys.executable).with_name("wayback"))
    candidates.append(_PROJECT_ROOT / ".venv-pywb" / "bin" / "wayback")
    for candidate in candidates:
        if _is_executable(candidate):
            return candidate
    raise PywbUnavailable(
        "pywb's `wayback` was not found (set KABARSIP_WAYBACK, put it on PATH, or install "
        "pywb into .venv-pywb: python3 -m venv .venv-pywb && "
        ".venv-pywb/bin/pip install pywb==2.10.0)"
    )


def require_wayback() -> Path:
    """:func:`find_wayback`, or skip the test.

    The test fails instead when ``CI`` is set, or when ``$KABARSIP_WAYBACK`` names no usable
    ``wayback``: a setup that asked for pywb must not pass by skipping.
    """
    try:
        wayback = find_wayback()
        _wb_manager(wayback)
    except PywbUnavailable as exc:
        if os.environ.get("CI") or os.environ.get(WAYBACK_ENV):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    return wayback


@contextmanager
def running_pywb(
    warc_files: Sequence[Path],
    tmp: Path,
    *,
    collection: str = DEFAULT_COLLECTION,
    wayback: Path | None = None,
) -> Iterator[PywbServer]:
    """Index ``warc_files`` into a fresh collection under ``tmp`` and serve it on loopback.

    The files are copied into the collection (pywb's ``wb-manager add``), ``wayback`` is
    started on 127.0.0.1 with a free port and stopped when the block ends.
    """
    wayback = wayback or require_wayback()
    manager = _wb_manager(wayback)
    root = tmp / "pywb"
    collection_dir = root / "collections" / collection
    for sub in ("archive", "indexes"):
        (collection_dir / sub).mkdir(parents=True, exist_ok=True)
    if warc_files:
        added = subprocess.run(
            [str(manager), "add", collection, *(str(Path(f).resolve()) for f in warc_files)],
            cwd=root,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if added.returncode != 0:
            raise PywbUnavailable(
                f"wb-manager add failed ({added.returncode}):\n{added.stdout}\n{added.stderr}"
            )
    log = tmp / "wayback.log"
    process, port = _start(wayback, root, log)
    server = PywbServer(port, collection, root, log)
    try:
        yield server
    finally:
        _stop(process)


def _start(wayback: Path, root: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    last_error = ""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        with log.open("ab") as sink:
            process = subprocess.Popen(
                [str(wayback), "--bind", "127.0.0.1", "--port", str(port)],
                cwd=root,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        probe = PywbServer(port, "", root, log)
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if probe.get("/").status == 200:
                    return process, port
            except OSError:
                pass
            time.sleep(0.1)
        _stop(process)
        last_error = probe.log_tail()
        # The port may have been taken between probing and binding: try another one.
    raise PywbUnavailable(f"wayback did not start; last output:\n{last_error}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(_STOP_TIMEOUT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wb_manager(wayback: Path) -> Path:
    manager = wayback.with_name("wb-manager")
    if not _is_executable(manager):
        raise PywbUnavailable(f"wb-manager not found beside {wayback}")
    return manager


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # Replay only: never let pywb reach for a proxy or a config from elsewhere.
    for name in ("PYWB_CONFIG_FILE", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
