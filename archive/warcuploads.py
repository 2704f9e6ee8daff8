"""Uploads each finished WARC file to ``WARC_UPLOAD_URI`` (S3-compatible storage).

Settings (documented in ``crawler/settings.py``): ``WARC_UPLOAD_URI``, ``WARC_UPLOAD_DELETE``,
``WARC_UPLOAD_ATTEMPTS``, ``WARC_UPLOAD_RETRY_WAIT``, and Scrapy's ``AWS_*`` settings.

A file is handed over when the writer finishes it (rotation, the end of the run) or when the
run repairs one a killed run left, and is uploaded by a thread of its own while the crawl goes
on (:func:`archive.upload.upload_file`).  The local file stays until its copy is verified, and
is removed then only with ``WARC_UPLOAD_DELETE``.  When the spider closes the run waits for the
last uploads; a file that could not be uploaded is logged, counted
(``warc/upload/failed``) and kept in ``WARC_DIR``, and the run exits 4.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.python.threadpool import ThreadPool

from archive.warcfiles import warc_files
from crawler.outcome import CrawlFailure, ExitCode, record_failure

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from archive.upload import UploadTarget

logger = logging.getLogger(__name__)


class WarcUploads:
    """Hands finished WARC files to an upload thread; the run waits for it when it ends."""

    def __init__(
        self,
        crawler: Crawler,
        target: UploadTarget,
        client: Any,
        *,
        attempts: int,
        wait: float,
        delete: bool,
    ) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.target = target
        self.client = client
        self.attempts = attempts
        self.wait = wait
        self.delete = delete
        self._lock = threading.Lock()
        self.uploaded = self.uploaded_bytes = self.deleted = 0
        self.failed: list[str] = []
        # One thread: files go up in the order they were finished.
        self._pool = ThreadPool(1, 1, "warc-upload")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        uri = settings.get("WARC_UPLOAD_URI")
        if not uri or not settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        try:
            from archive.upload import UploadTarget, s3_client
        except ImportError as exc:
            raise CrawlFailure(
                ExitCode.USAGE,
                f"WARC_UPLOAD_URI needs botocore ({exc}): pip install 'kabarsip[s3]'",
            ) from exc
        try:
            target = UploadTarget.parse(uri)
        except ValueError as exc:
            raise CrawlFailure(ExitCode.USAGE, f"WARC_UPLOAD_URI: {exc}") from exc
        attempts = settings.getint("WARC_UPLOAD_ATTEMPTS")
        if attempts < 1:
            raise CrawlFailure(
                ExitCode.USAGE, f"WARC_UPLOAD_ATTEMPTS must be 1 or more, got {attempts}"
            )
        try:
            client = s3_client(
                # Scrapy's AWS_* settings, as its s3:// feed storage reads them.
                endpoint_url=settings.get("AWS_ENDPOINT_URL") or None,
                region_name=settings.get("AWS_REGION_NAME") or None,
                access_key=settings.get("AWS_ACCESS_KEY_ID") or None,
                secret_key=settings.get("AWS_SECRET_ACCESS_KEY") or None,
                session_token=settings.get("AWS_SESSION_TOKEN") or None,
            )
        except ValueError as exc:  # botocore's word for an endpoint that is no URL
            raise CrawlFailure(ExitCode.USAGE, f"AWS_ENDPOINT_URL: {exc}") from exc
        extension = cls(
            crawler,
            target,
            client,
            attempts=attempts,
            wait=settings.getfloat("WARC_UPLOAD_RETRY_WAIT"),
            delete=settings.getbool("WARC_UPLOAD_DELETE"),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        files = warc_files(self.crawler)
        if files is None:
            return
        # The reactor the crawl installed: imported only once it runs, never at import time.
        from twisted.internet import reactor

        self._pool.start()
        # A crawl stopped without spider_closed must not wait on the thread for ever.
        reactor.addSystemEventTrigger("during", "shutdown", self._stop)  # type: ignore[arg-type]
        files.on_file_finished(self.file_finished)
        for path in files.repaired_files:
            self.file_finished(path)

    def file_finished(self, path: Path) -> None:
        """Queue ``path`` for upload (from any thread)."""
        self._pool.callInThread(self._upload, path)

    def _upload(self, path: Path) -> None:
        from archive.upload import UploadError, upload_file

        try:
            size = path.stat().st_size
            uri = upload_file(
                self.client, path, self.target, attempts=self.attempts, wait=self.wait
            )
        except (UploadError, OSError) as exc:
            logger.error("WARC file not uploaded, kept in %s: %s", path.parent, exc)
            self._failed(str(exc))
            return
        except Exception as exc:
            # A bug must not lose the file either: it stays, the run fails.
            logger.exception("WARC file not uploaded, kept in %s", path.parent)
            self._failed(f"{path}: {exc!r}")
            return
        logger.info("Uploaded WARC file %s to %s", path.name, uri)
        with self._lock:
            self.uploaded += 1
            self.uploaded_bytes += size
        if self.delete:
            try:
                path.unlink()
            except OSError as exc:
                logger.warning("Uploaded WARC file %s could not be removed: %s", path, exc)
            else:
                with self._lock:
                    self.deleted += 1

    def _failed(self, problem: str) -> None:
        with self._lock:
            self.failed.append(problem)

    def _stop(self) -> None:
        """Finish the uploads handed over, then let the thread go."""
        if self._pool.started:
            self._pool.stop()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Wait for the uploads (the writer has finished its last file by now), count them."""
        self._stop()
        with self._lock:
            self.stats.set_value("warc/upload/files", self.uploaded)
            self.stats.set_value("warc/upload/bytes", self.uploaded_bytes)
            self.stats.set_value("warc/upload/failed", len(self.failed))
            if self.delete:
                self.stats.set_value("warc/upload/deleted", self.deleted)
            failed = list(self.failed)
        if failed:
            message = (
                f"{len(failed)} WARC file(s) not uploaded to {self.target.uri('')}, kept in "
                f"WARC_DIR; first: {failed[0]}"
            )
            if record_failure(self.stats, ExitCode.ARCHIVE, message):
                logger.error("%s", message)
