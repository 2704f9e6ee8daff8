"""Loopback HTTP/1.1 servers: the generated demo site (``DemoServer``) or any directory.

Both answer from an in-memory table of ``Resource``s, built once at start: bodies, their gzip
form (``mtime=0``, so the bytes never vary), strong ETags and Last-Modified dates. Conditional
requests follow RFC 9110: If-None-Match wins over If-Modified-Since; a match gives 304.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

from crawler.demosite.manifest import SiteManifest

GZIP_LEVEL = 6
LOOPBACK = "127.0.0.1"
NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>404 Halaman tidak '
    b"ditemukan</title></head><body><h1>Halaman tidak ditemukan</h1></body></html>\n"
)
STATIC_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".gz": "application/gzip",
}


@dataclass(frozen=True)
class Resource:
    """One servable representation pair: identity bytes and, when compressible, gzip bytes."""

    body: bytes
    content_type: str
    last_modified: datetime | None
    gzip_body: bytes | None = None

    @classmethod
    def make(
        cls, body: bytes, content_type: str, last_modified: datetime | None, compressible: bool
    ) -> Resource:
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if compressible else None
        return cls(body, content_type, last_modified, packed)

    def representation(self, gzip: bool) -> bytes:
        """The bytes sent: gzip only when asked for and the resource is compressible."""
        return self.gzip_body if gzip and self.gzip_body is not None else self.body

    def etag(self, gzip: bool) -> str:
        return '"' + hashlib.sha256(self.representation(gzip)).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class LoggedRequest:
    """A request as the server saw it and the status it answered."""

    method: str
    target: str
    status: int
    headers: dict[str, str]
    response_headers: dict[str, str]


def resource_key(target: str) -> str:
    """Table key of a request target: the path, plus ``?page=k`` for k other than 1.

    Other query parameters (``utm_*`` and the like) are ignored, as a real CMS does.
    """
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    page = dict(parse_qsl(parts.query, keep_blank_values=True)).get("page", "1")
    return path if page in ("", "1") else f"{path}?page={page}"


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding value allows gzip (``q=0`` refuses it)."""
    if not header:
        return False
    quality: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        value = 1.0
        for param in params.split(";"):
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    value = float(number)
                except ValueError:
                    value = 0.0
        quality[name.strip().lower()] = value
    for name in ("gzip", "x-gzip"):
        if name in quality:
            return quality[name] > 0
    return quality.get("*", 0.0) > 0


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, modified: datetime | None
) -> bool:
    """RFC 9110 section 13.2.2 for GET/HEAD: If-None-Match decides when present."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since is None or modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= since


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoNews/1.0"
    sys_version = ""
    # Idle keep-alive connections give their thread back after this many seconds.
    timeout = 30
    server: _Bound

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        owner = self.server.owner
        resource = owner.resolve(self.path)
        headers: dict[str, str] = {}
        if resource is None:
            status, body = 404, NOT_FOUND
            headers["Content-Type"] = "text/html; charset=utf-8"
        else:
            use_gzip = resource.gzip_body is not None and accepts_gzip(
                self.headers.get("Accept-Encoding")
            )
            body = resource.representation(use_gzip)
            etag = resource.etag(use_gzip)
            headers["Content-Type"] = resource.content_type
            headers["ETag"] = etag
            if resource.last_modified is not None:
                headers["Last-Modified"] = format_datetime(
                    resource.last_modified.astimezone(UTC), usegmt=True
                )
            if resource.gzip_body is not None:
                headers["Vary"] = "Accept-Encoding"
            headers["Cache-Control"] = "public, max-age=60"
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if not_modified(inm, ims, etag, resource.last_modified):
                status, body = 304, b""
                del headers["Content-Type"]
            else:
                status = 200
                if use_gzip:
                    headers["Content-Encoding"] = "gzip"
        if status != 304:
            headers["Content-Length"] = str(len(body))
        # Logged before anything is sent, so a client holding the response finds its entry.
        owner.log(LoggedRequest(self.command, self.path, status, dict(self.headers), headers))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is kept in memory for tests instead."""


class _Bound(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 in a background thread, serving a resource table."""

    def __init__(
        self, resources: Mapping[str, Resource] | None = None, host: str = LOOPBACK, port: int = 0
    ) -> None:
        self._address = (host, port)
        self._resources: Mapping[str, Resource] = dict(resources or {})
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._httpd: _Bound | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._httpd = _Bound(self._address, self)
        self.prepare()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"loopback-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def prepare(self) -> None:
        """Hook run once the port is bound and before the first request is accepted."""

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addressing ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started: use it as a context manager or call start()")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``, known once started."""
        return f"http://{self._address[0]}:{self.port}"

    def url(self, target: str) -> str:
        return self.origin + target

    # --- content ---------------------------------------------------------------------------

    def set_resources(self, resources: Mapping[str, Resource]) -> None:
        """Swap the whole table at once: requests see either the old or the new site."""
        with self._lock:
            self._resources = dict(resources)

    def resolve(self, target: str) -> Resource | None:
        with self._lock:
            return self._resources.get(resource_key(target))

    def served_body(self, target: str, gzip: bool = False) -> bytes:
        """The exact bytes a 200 response to ``target`` carries (gzip: when asked for it)."""
        resource = self.resolve(target)
        if resource is None:
            raise KeyError(f"{target!r} is not served (it answers 404)")
        return resource.representation(gzip)

    # --- request log -----------------------------------------------------------------------

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of every request answered so far, in order."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()


class DemoServer(LoopbackServer):
    """Serves a site written by ``generate_site``, its origin token replaced by ``origin``.

    ``switch(other_dir)`` serves another edition on the same port, so URLs (and a crawler's
    state keyed by them) stay the same between editions.
    """

    def __init__(self, site_dir: Path, host: str = LOOPBACK, port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.site_dir = Path(site_dir)
        self.manifest = SiteManifest.load(self.site_dir)

    def prepare(self) -> None:
        self.set_resources(site_resources(self.manifest, self.origin))

    def switch(self, site_dir: Path) -> SiteManifest:
        """Serve the edition in ``site_dir`` from now on; returns its manifest."""
        manifest = SiteManifest.load(Path(site_dir))
        self.set_resources(site_resources(manifest, self.origin))
        self.site_dir, self.manifest = Path(site_dir), manifest
        return manifest


def site_resources(manifest: SiteManifest, origin: str) -> dict[str, Resource]:
    """Render every route of a generated site for ``origin``."""
    if manifest.directory is None:
        raise ValueError("manifest has no directory: load it with SiteManifest.load")
    token, real = manifest.origin_token.encode(), origin.encode()
    files: dict[str, bytes] = {}
    resources: dict[str, Resource] = {}
    for target, route in manifest.routes.items():
        if route.file not in files:
            raw = (manifest.directory / route.file).read_bytes()
            if route.file.endswith(".gz"):
                raw = gzip.decompress(raw).replace(token, real)
                raw = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
            elif not route.content_type.startswith("image/"):
                raw = raw.replace(token, real)
            files[route.file] = raw
        modified = parsedate_to_datetime(route.last_modified)
        resources[target] = Resource.make(
            files[route.file], route.content_type, modified, route.compressible
        )
    return resources


def directory_resources(
    directory: Path, content_types: Mapping[str, str] | None = None
) -> dict[str, Resource]:
    """Every file under ``directory`` at ``/relative/path`` (``index.html`` also at ``/dir/``).

    Content types come from ``content_types`` (by suffix, e.g. ``{".html": "text/html;
    charset=utf-8"}``), then ``STATIC_TYPES``, then ``mimetypes``; HTML gets no charset by
    default so each page's own ``<meta charset>`` decides.
    """
    types = {**STATIC_TYPES, **(content_types or {})}
    resources: dict[str, Resource] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        suffix = path.suffix.lower()
        content_type = (
            types.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        compressible = suffix != ".gz" and (
            content_type.startswith("text/") or "xml" in content_type or "json" in content_type
        )
        modified = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        resource = Resource.make(path.read_bytes(), content_type, modified, compressible)
        resources["/" + relative] = resource
        if path.name == "index.html":
            resources["/" + relative.removesuffix("index.html")] = resource
    return resources


@contextmanager
def static_server(
    directory: Path,
    content_types: Mapping[str, str] | None = None,
    host: str = LOOPBACK,
    port: int = 0,
) -> Iterator[LoopbackServer]:
    """Serve the files of ``directory`` on loopback for the duration of the ``with`` block."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory: nothing to serve")
    with LoopbackServer(directory_resources(directory, content_types), host, port) as server:
        yield server
