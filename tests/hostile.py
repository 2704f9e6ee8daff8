"""A loopback HTTP server that misbehaves on purpose, one behaviour per path.

Each behaviour writes raw bytes to the socket, so it can lie about lengths, trickle, never end
or reset the connection. Every one is bounded (bytes or seconds) and the server stops with its
``with`` block, so a test never leaves anything running.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

# A behaviour gets the client's socket file and writes the whole answer itself.
Behaviour = Callable[[socket.socket, BinaryIO], None]

LOOPBACK = "127.0.0.1"


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    body: bytes, status: int = 200, content_type: str = "text/html; charset=utf-8", **headers: str
) -> Behaviour:
    """A well-formed answer."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(len(body)), **headers}
        out.write(_head(status, head) + body)

    return send


def from_file(path: Path, content_type: str, **headers: str) -> Behaviour:
    """A well-formed answer streamed from a file (large bodies stay out of memory)."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        size = path.stat().st_size
        head = {"Content-Type": content_type, "Content-Length": str(size), **headers}
        out.write(_head(200, head))
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                out.write(chunk)

    return send


def drip(seconds: float, interval: float = 0.2, content_type: str = "text/html") -> Behaviour:
    """Headers, then one byte every ``interval`` for at most ``seconds``: a slow drip."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        out.write(_head(200, {"Content-Type": content_type, "Content-Length": "1000000"}))
        out.flush()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            out.write(b"<")
            out.flush()
            time.sleep(interval)

    return send


def endless(limit: int, content_type: str = "text/html") -> Behaviour:
    """A body with no length that goes on until the client leaves or ``limit`` bytes."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        out.write(_head(200, {"Content-Type": content_type, "Connection": "close"}))
        chunk = b"<p>" + b"x" * 65533
        sent = 0
        while sent < limit:
            out.write(chunk)
            sent += len(chunk)

    return send


def wrong_length(body: bytes, declared: int, content_type: str = "text/html") -> Behaviour:
    """A Content-Length that is not the body's: longer ones end with the connection closed."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(declared)}
        out.write(_head(200, head) + body)
        out.flush()
        if declared > len(body):
            conn.shutdown(socket.SHUT_WR)

    return send


def reset_mid_body(body: bytes, after: int, content_type: str = "text/html") -> Behaviour:
    """Sends ``after`` bytes of ``body``, then resets the connection (RST, not FIN)."""

    def send(conn: socket.socket, out: BinaryIO) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(len(body))}
        out.write(_head(200, head) + body[:after])
        out.flush()
        time.sleep(0.1)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    return send


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 10

    def handle(self) -> None:
        request_line = self.rfile.readline(8192).decode("latin-1")
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        parts = request_line.split()
        path = parts[1] if len(parts) > 1 else "/"
        self.server.hits.append(path)
        behaviour = self.server.routes.get(path.split("?")[0])
        if behaviour is None:
            behaviour = answer(b"not here", status=404)
        try:
            behaviour(self.connection, self.wfile)  # type: ignore[arg-type]
            self.wfile.flush()
        except OSError:
            pass  # the client gave up: that is what some behaviours are for
        self.close_connection = True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, routes: Mapping[str, Behaviour]) -> None:
        self.routes = dict(routes)
        self.hits: list[str] = []
        super().__init__((LOOPBACK, 0), _Handler)


class HostileServer:
    """``with HostileServer({"/path": behaviour}) as server: server.url("/path")``."""

    def __init__(self, routes: Mapping[str, Behaviour]) -> None:
        self._server = _Server(routes)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    @property
    def hits(self) -> list[str]:
        return list(self._server.hits)

    def url(self, path: str) -> str:
        return self.origin + path

    def route(self, path: str, behaviour: Behaviour) -> None:
        self._server.routes[path] = behaviour

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])
