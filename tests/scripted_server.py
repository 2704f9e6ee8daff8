"""Loopback HTTP servers whose every answer is scripted per path, to misbehave on purpose.

``ScriptedServer({"/robots.txt": answer(503), "/a": redirect("/a")})`` serves on 127.0.0.1
and keeps every request it was sent (path, arrival time, headers), answered or not. A path
without a script answers 404. A route may be a fixed ``Answer`` or a function of how many
times the path was asked before, so a server can answer 429 first and 200 later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


Route = Answer | Callable[[int], Answer]


@dataclass(frozen=True)
class Hit:
    path: str
    at: float
    """``time.monotonic()`` when the request line arrived."""
    headers: dict[str, str]


def page(html: str, content_type: str = "text/html; charset=utf-8") -> Answer:
    return Answer(200, html.encode(), {"Content-Type": content_type})


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Bound

    def do_GET(self) -> None:
        owner = self.server.owner
        count = owner.record(Hit(self.path, time.monotonic(), dict(self.headers)))
        route = owner.routes.get(self.path)
        if route is None:
            reply = Answer(404, b"not here", {"Content-Type": "text/plain"})
        else:
            reply = route(count) if callable(route) else route
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: ``ScriptedServer.hits`` is the log."""


class _Bound(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: ScriptedServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class ScriptedServer:
    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._httpd = _Bound(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def origin(self, host: str = "127.0.0.1") -> str:
        """``http://HOST:PORT``: the same server under another host name (``localhost``)."""
        return f"http://{host}:{self.port}"

    def record(self, hit: Hit) -> int:
        """Keep ``hit``; returns how many earlier requests asked for the same path."""
        with self._lock:
            count = sum(1 for h in self._hits if h.path == hit.path)
            self._hits.append(hit)
            return count

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def hits_for(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]
