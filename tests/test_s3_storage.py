"""WARC files and feeds on S3-compatible storage: a real S3 endpoint (moto's server) on loopback."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.upload import UploadTarget, s3_client, upload_file
from archive.warcuploads import WarcUploads
from crawler.addon import KabarsipAddon
from crawler.demosite.server import DemoServer
from crawler.outcome import CrawlFailure, ExitCode
from tests.crawling import run_crawl
from tests.redis_server import free_port

moto_server = pytest.importorskip("moto.server")

BUCKET = "kabarsip-archive"


@pytest.fixture
def s3_settings() -> Iterator[dict[str, str]]:
    """Scrapy's AWS_* settings for a fresh S3 server on 127.0.0.1 holding an empty ``BUCKET``."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "kabarsip-test",
        "AWS_SECRET_ACCESS_KEY": "kabarsip-test-secret",
        "AWS_REGION_NAME": "us-east-1",
    }
    try:
        # moto keeps its buckets in the process, across servers: start from none.
        reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()
        _client(settings).create_bucket(Bucket=BUCKET)
        yield settings
    finally:
        server.stop()


def _client(settings: dict[str, str]) -> Any:
    return s3_client(
        endpoint_url=settings["AWS_ENDPOINT_URL"],
        region_name=settings["AWS_REGION_NAME"],
        access_key=settings["AWS_ACCESS_KEY_ID"],
        secret_key=settings["AWS_SECRET_ACCESS_KEY"],
    )


def _objects(settings: dict[str, str], prefix: str) -> dict[str, bytes]:
    client = _client(settings)
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {
        entry["Key"]: client.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
        for entry in listing.get("Contents", [])
    }


def test_a_file_is_uploaded_and_verified(tmp_path: Path, s3_settings: dict[str, str]) -> None:
    local = tmp_path / "KABARSIP-1.warc.gz"
    local.write_bytes(b"\x1f\x8b" + bytes(range(256)) * 400)
    target = UploadTarget.parse(f"s3://{BUCKET}/crawls/2026")
    uri = upload_file(_client(s3_settings), local, target, attempts=1)
    assert uri == f"s3://{BUCKET}/crawls/2026/KABARSIP-1.warc.gz"
    assert _objects(s3_settings, "crawls/") == {
        "crawls/2026/KABARSIP-1.warc.gz": local.read_bytes()
    }
    assert local.exists()


def test_upload_uris_name_a_bucket_folder() -> None:
    assert UploadTarget.parse("s3://b") == UploadTarget("b", "")
    assert UploadTarget.parse("s3://b/x/y/").key("f.warc.gz") == "x/y/f.warc.gz"
    for wrong in ("https://b/x/", "s3:///x/", "s3://b/x?y=1", "/data/warc"):
        with pytest.raises(ValueError, match="not an s3://bucket/prefix/ URI"):
            UploadTarget.parse(wrong)


@pytest.mark.slow
def test_a_crawl_uploads_its_warc_files_and_feeds_its_items_to_s3(
    tmp_path: Path, small_server: DemoServer, s3_settings: dict[str, str]
) -> None:
    feed = f"s3://{BUCKET}/items/%(site_name)s.jsonl"
    result = run_crawl(
        tmp_path,
        "demo",
        small_server.origin,
        {
            **s3_settings,
            "WARC_UPLOAD_URI": f"s3://{BUCKET}/warc/",
            "WARC_UPLOAD_DELETE": "True",
            # Small files: several rotations, each uploaded while the crawl goes on.
            "WARC_MAX_SIZE": "60000",
            "FEEDS": json.dumps({feed: {"format": "jsonlines"}}),
        },
    )
    assert result.returncode == 0, result.log
    stats = result.stats
    uploaded = _objects(s3_settings, "warc/")
    assert stats["warc/files"] > 2
    assert len(uploaded) == stats["warc/upload/files"] == stats["warc/files"]
    assert stats["warc/upload/bytes"] == sum(map(len, uploaded.values()))
    assert stats["warc/upload/failed"] == 0
    # Verified copies only: the local files are gone, the objects are whole WARC files.
    assert not list(result.warc_dir.iterdir())
    assert stats["warc/upload/deleted"] == len(uploaded)
    records = _records(uploaded)

    [(key, body)] = _objects(s3_settings, "items/").items()
    assert key == "items/demo.jsonl"
    items = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    # The same items the durable item file holds.
    assert sorted(i["url"] for i in items) == sorted(i["url"] for i in result.items)
    assert len(items) == len(small_server.manifest.articles)
    for item in items:
        record = records[(f"warc/{item['warc_file']}", item["warc_offset"])]
        assert record["id"] == item["warc_record_id"]
        assert record["uri"] == item["url"]


def _records(objects: dict[str, bytes]) -> dict[tuple[str, int], dict[str, Any]]:
    """Every record of the uploaded WARC files, by object key and offset."""
    found = {}
    for key, body in objects.items():
        iterator = ArchiveIterator(io.BytesIO(body))
        types = []
        for record in iterator:
            types.append(record.rec_type)
            found[(key, iterator.get_record_offset())] = {
                "id": record.rec_headers.get_header("WARC-Record-ID"),
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
            }
        assert types[0] == "warcinfo", key
    return found


@pytest.mark.slow
def test_files_that_cannot_be_uploaded_stay_and_fail_the_run(
    tmp_path: Path, small_server: DemoServer, s3_settings: dict[str, str]
) -> None:
    result = run_crawl(
        tmp_path,
        "demo",
        small_server.origin,
        {
            **s3_settings,
            "WARC_UPLOAD_URI": "s3://no-such-bucket/warc/",
            "WARC_UPLOAD_DELETE": "True",
            "WARC_UPLOAD_ATTEMPTS": "2",
            "WARC_UPLOAD_RETRY_WAIT": "0.1",
        },
    )
    assert result.returncode == ExitCode.ARCHIVE, result.log
    local = sorted(result.warc_dir.glob("*.warc.gz"))
    assert local and len(local) == result.stats["warc/files"]
    assert result.stats["warc/upload/failed"] == len(local)
    assert result.stats["warc/upload/files"] == 0
    assert "NoSuchBucket" in result.log
    [line] = [line for line in result.stderr.splitlines() if "kabarsip: crawl failed" in line]
    assert f"{len(local)} WARC file(s) not uploaded to s3://no-such-bucket/warc/" in line
    # The items were written all the same, and point at the files kept.
    assert {item["warc_file"] for item in result.items} <= {path.name for path in local}


@pytest.mark.slow
def test_the_durable_item_file_is_no_uri(tmp_path: Path, small_server: DemoServer) -> None:
    result = run_crawl(
        tmp_path, "demo", small_server.origin, {"ITEMS_PATH": f"s3://{BUCKET}/items.jsonl"}
    )
    assert result.returncode == ExitCode.USAGE, result.log
    assert "is a URI: it names a local file" in result.stderr
    assert "FEEDS" in result.stderr
    assert not (tmp_path / "warc").exists() or not list((tmp_path / "warc").iterdir())


@pytest.mark.slow
def test_a_file_a_killed_run_left_is_uploaded_by_the_next_run(
    tmp_path: Path, small_server: DemoServer, s3_settings: dict[str, str]
) -> None:
    first = run_crawl(tmp_path, "demo", small_server.origin)
    assert first.returncode == 0, first.log
    [finished] = sorted(first.warc_dir.glob("*.warc.gz"))
    # As a killed run leaves it: still named .open.
    finished.rename(finished.with_name(finished.name + ".open"))

    second = run_crawl(
        tmp_path,
        "demo",
        small_server.origin,
        {**s3_settings, "WARC_UPLOAD_URI": f"s3://{BUCKET}/warc/"},
    )
    assert second.returncode == 0, second.log
    assert second.stats["warc/repaired_files"] == 1
    uploaded = _objects(s3_settings, "warc/")
    assert f"warc/{finished.name}" in uploaded
    assert len(uploaded) == second.stats["warc/upload/files"] == second.stats["warc/files"] + 1
    assert uploaded[f"warc/{finished.name}"] == finished.read_bytes()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"WARC_UPLOAD_URI": "https://bucket/warc/"}, "WARC_UPLOAD_URI: 'https://bucket/warc/'"),
        ({"WARC_UPLOAD_URI": "s3://b/", "WARC_UPLOAD_ATTEMPTS": 0}, "WARC_UPLOAD_ATTEMPTS"),
        ({"WARC_UPLOAD_URI": "s3://b/", "AWS_ENDPOINT_URL": "minio:9000"}, "AWS_ENDPOINT_URL"),
    ],
)
def test_upload_settings_that_cannot_work_are_usage_errors(
    settings: dict[str, Any], message: str
) -> None:
    # Building the crawler builds its extensions.
    with pytest.raises(CrawlFailure, match=message) as failure:
        get_crawler(settings_dict={"ADDONS": {KabarsipAddon: 0}, **settings})
    assert failure.value.code == ExitCode.USAGE


def test_no_upload_uri_no_uploads() -> None:
    crawler = get_crawler(settings_dict={"ADDONS": {KabarsipAddon: 0}})
    assert crawler.get_extension(WarcUploads) is None
