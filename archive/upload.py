"""Copies finished WARC files to S3-compatible storage and checks the copy before it counts.

A file is sent in one ``PutObject`` with its ``Content-MD5`` (the server refuses a body that
arrives damaged), then read back with ``HeadObject``: the copy counts only when its size and its
ETag (the MD5 of a single-part upload) are the file's.  A failed attempt is tried again, a
bounded number of times with a growing wait; the local file is never touched here.  Needs
botocore (``pip install 'kabarsip[s3]'``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import get_session

logger = logging.getLogger(__name__)

#: What an S3 object holding a WARC file is served as.
WARC_CONTENT_TYPE = "application/warc"
_CHUNK = 1 << 20


class UploadError(Exception):
    """A file could not be uploaded and verified; the message names it and why."""


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """A folder in a bucket: ``s3://bucket/prefix/``."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, uri: str) -> UploadTarget:
        """Read ``s3://bucket/prefix/``: the prefix may be empty, a missing final ``/`` is added."""
        parts = urlsplit(uri)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{uri!r} is not an s3://bucket/prefix/ URI")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")

    def key(self, name: str) -> str:
        return self.prefix + name

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"


def s3_client(
    *,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
) -> Any:
    """A botocore S3 client; ``endpoint_url`` (``https://...``, or ``http://`` on a trusted
    network) names an S3-compatible server (MinIO, Ceph...).

    Credentials left out come from botocore's usual chain (environment, ``~/.aws``, role).
    """
    return get_session().create_client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        # The retries are this module's, with their own waits and log lines.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def file_md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


def upload_file(
    client: Any,
    path: Path,
    target: UploadTarget,
    *,
    attempts: int = 3,
    wait: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Upload ``path`` to ``target`` and verify it; returns the object's URI.

    Raises :class:`UploadError` after ``attempts`` failed tries (waits ``wait``, ``2 * wait``...
    in between).
    """
    key = target.key(path.name)
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            _put_verified(client, path, target.bucket, key)
            return target.uri(path.name)
        except (BotoCoreError, ClientError, OSError, UploadError) as exc:
            problem = str(exc) or type(exc).__name__
        if attempt < attempts:
            logger.warning(
                "Upload of %s to %s failed (try %d of %d): %s",
                path,
                target.uri(path.name),
                attempt,
                attempts,
                problem,
            )
            sleep(wait * 2 ** (attempt - 1))
    raise UploadError(f"{path} to {target.uri(path.name)}: {problem} ({attempts} tries)")


def _put_verified(client: Any, path: Path, bucket: str, key: str) -> None:
    md5 = file_md5(path)
    size = path.stat().st_size
    with path.open("rb") as body:
        client.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentLength=size,
            ContentMD5=base64.b64encode(md5).decode("ascii"),
            ContentType=WARC_CONTENT_TYPE,
        )
    head = client.head_object(Bucket=bucket, Key=key)
    stored_size = int(head.get("ContentLength", -1))
    etag = str(head.get("ETag", "")).strip('"')
    if stored_size != size or etag != md5.hex():
        raise UploadError(
            f"the stored copy does not match: {stored_size} bytes, ETag {etag!r}; "
            f"the file has {size} bytes, MD5 {md5.hex()}"
        )
