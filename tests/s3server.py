"""A real S3-compatible server for the tests: moto in server mode (``moto[server]`` from
PyPI), started as its own process on 127.0.0.1 and spoken to over HTTP by boto3, exactly as
Vigie speaks to a production object store.

Why moto: it installs from PyPI with pip like every other test dependency (MinIO, Garage
or SeaweedFS ship as binaries outside the registries this project may use; Ceph's radosgw
needs a whole cluster), it is maintained and implements what Vigie uses: buckets,
objects, paginated listings, multipart uploads, private ACLs (an unsigned GET of a private
object is refused) and presigned URLs. What it does not do: check the signature or the
expiry of a presigned URL (a real store does; the tests check the URL's lifetime instead).

Import the fixtures into a test module: ``from tests.s3server import s3, s3_server``.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.conftest import free_port

REGION = "eu-west-3"  # Paris
ACCESS_KEY = "vigie-test-access"
SECRET_KEY = "vigie-test-secret-key-0123456789"


@dataclass
class S3:
    endpoint: str
    bucket: str
    prefix: str = "vigie"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def env(self) -> dict[str, str]:
        """The environment a Vigie process (web node, worker, manage.py) needs."""
        return {
            "VIGIE_S3_BUCKET": self.bucket,
            "VIGIE_S3_ENDPOINT_URL": self.endpoint,
            "VIGIE_S3_REGION": REGION,
            "VIGIE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "VIGIE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "VIGIE_S3_PREFIX": self.prefix,
            "VIGIE_S3_ADDRESSING_STYLE": "path",
        }

    def storage_options(self) -> dict[str, Any]:
        """STORAGES["default"] as vigie/settings.py builds it from env()."""
        return {
            "BACKEND": "vigie.core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "location": self.prefix,
                "addressing_style": "path",
                "verify": None,
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "max_memory_size": 2 * 1024 * 1024,
            },
        }

    def create_bucket(self) -> None:
        self.client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )

    def keys(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def get(self, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def object_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{key}"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: Any) -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1 for the session; its endpoint URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start: " + log.read_text()) from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def s3(s3_server: str, settings: Any) -> S3:
    """A new private bucket, and Django's default storage pointed at it."""
    store = S3(endpoint=s3_server, bucket=f"vigie-{secrets.token_hex(6)}")
    store.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": store.storage_options()}
    return store
