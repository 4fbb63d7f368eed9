"""The S3 object store against a real S3 server: pinned reads, overwrites, limits, failures."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from workers.config import Settings
from workers.storage import (
    ObjectChangedError,
    ObjectMissingError,
    ObjectTooLargeError,
    S3ObjectStore,
    StorageUnavailableError,
    s3_client,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.integration

ODD_KEY = "in/Final Determination+copy (1) é.pdf"


def settings_for(endpoint: Any, **overrides: Any) -> Settings:
    values = {
        "s3_endpoint_url": endpoint.endpoint_url,
        "s3_region": endpoint.region,
        "s3_access_key_id": endpoint.access_key,
        "s3_secret_access_key": SecretStr(endpoint.secret_key),
    }
    return Settings(**(values | overrides))


@dataclass(frozen=True)
class Bucket:
    client: S3Client
    name: str

    @property
    def store(self) -> S3ObjectStore:
        return S3ObjectStore(self.client)


def new_bucket(settings: Settings, name: str) -> Bucket:
    client = s3_client(settings)
    client.create_bucket(Bucket=name)
    return Bucket(client, name)


@pytest.fixture
def bucket(s3_endpoint: Any, unique_name: Callable[[str], str]) -> Bucket:
    return new_bucket(settings_for(s3_endpoint), unique_name("store"))


def test_put_then_get_pinned_to_the_etag_returns_the_bytes(
    bucket: Bucket,
) -> None:
    store, name = bucket.store, bucket.name
    stored = store.put(name, ODD_KEY, b"%PDF-1.4 letter", "application/pdf")
    assert stored.etag and '"' not in stored.etag

    found = store.get(name, ODD_KEY, etag=stored.etag, max_bytes=1000)
    assert (found.data, found.etag, found.size) == (b"%PDF-1.4 letter", stored.etag, 15)
    assert found.content_type == "application/pdf"
    assert store.head(name, ODD_KEY).etag == stored.etag


def test_an_overwrite_is_never_read_in_place_of_the_announced_object(
    bucket: Bucket,
) -> None:
    store, name = bucket.store, bucket.name
    announced = store.put(name, ODD_KEY, b"first version", "text/plain")
    store.put(name, ODD_KEY, b"second version", "text/plain")

    with pytest.raises(ObjectChangedError):
        store.get(name, ODD_KEY, etag=announced.etag, max_bytes=1000)
    with pytest.raises(ObjectChangedError):
        store.head(name, ODD_KEY, etag=announced.etag)
    assert store.get(name, ODD_KEY, max_bytes=1000).data == b"second version"


def test_missing_objects_and_buckets_are_permanent(
    bucket: Bucket, unique_name: Callable[[str], str]
) -> None:
    store, name = bucket.store, bucket.name
    with pytest.raises(ObjectMissingError):
        store.get(name, "absent.pdf", max_bytes=10)
    with pytest.raises(ObjectMissingError):
        store.head(name, "absent.pdf")
    with pytest.raises(ObjectMissingError):
        store.get(unique_name("no-such-bucket"), "absent.pdf", max_bytes=10)


def test_objects_over_the_byte_limit_are_refused(bucket: Bucket) -> None:
    store, name = bucket.store, bucket.name
    store.put(name, "big.txt", b"x" * 2048, "text/plain")
    assert store.get(name, "big.txt", max_bytes=2048).size == 2048
    with pytest.raises(ObjectTooLargeError):
        store.get(name, "big.txt", max_bytes=2047)


def test_list_yields_objects_under_the_prefix_in_key_order(
    bucket: Bucket,
) -> None:
    store, name = bucket.store, bucket.name
    puts = {key: store.put(name, key, key.encode(), "text/plain") for key in ("in/b", "in/a", "x")}
    listed = list(store.list(name, "in/"))
    assert [(o.key, o.etag, o.size) for o in listed] == [
        ("in/a", puts["in/a"].etag, 4),
        ("in/b", puts["in/b"].etag, 4),
    ]


def test_wrong_credentials_are_transient_and_never_echo_the_secret(
    bucket: Bucket, s3_endpoint: Any
) -> None:
    name = bucket.name
    secret = "not-the-secret-0123456789"
    store = S3ObjectStore.from_settings(
        settings_for(s3_endpoint, s3_secret_access_key=SecretStr(secret))
    )
    with pytest.raises(StorageUnavailableError) as raised:
        store.get(name, "any.pdf", max_bytes=10)
    assert secret not in str(raised.value) and secret not in repr(raised.value)


def test_an_unreachable_server_is_transient(s3_endpoint: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    store = S3ObjectStore.from_settings(
        settings_for(s3_endpoint, s3_endpoint_url=f"http://127.0.0.1:{closed_port}")
    )
    with pytest.raises(StorageUnavailableError):
        store.get("bucket", "key.pdf", max_bytes=10)


# -- versioned buckets ------------------------------------------------------------------------


@pytest.fixture
def versioned_bucket(
    bucket: Bucket, tmp_path: Path, unique_name: Callable[[str], str]
) -> Iterator[Bucket]:
    """A bucket with versioning enabled: on the shared server when it supports versioning,
    otherwise on a private versitygw started with a versioning folder."""
    try:
        enable_versioning(bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "VersioningNotConfigured":
            raise
    else:
        yield bucket
        return
    binary = versitygw_binary()
    if binary is None:
        pytest.skip("the S3 server has no versioning, and no versitygw is built to start one")
    port, key, secret = free_port(), "versioned", "versioned-secret"
    settings = Settings(
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        s3_access_key_id=key,
        s3_secret_access_key=SecretStr(secret),
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "versions").mkdir()
    argv = [str(binary), "--port", f"127.0.0.1:{port}", "posix"]
    argv += ["--versioning-dir", str(tmp_path / "versions"), str(tmp_path / "data")]
    env = {
        **os.environ,
        "ROOT_ACCESS_KEY_ID": "versioned",
        "ROOT_SECRET_ACCESS_KEY": "versioned-secret",
    }
    with (tmp_path / "versitygw.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        private = wait_for_bucket(settings, unique_name("versioned"), process)
        enable_versioning(private)
        yield private
    finally:
        process.terminate()
        process.wait(10)


def enable_versioning(bucket: Bucket) -> None:
    bucket.client.put_bucket_versioning(
        Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"}
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def versitygw_binary() -> Path | None:
    """The local stack's build of versitygw, if there is one."""
    from imr_stack.settings import StackSettings

    stack = StackSettings.from_env()
    binary = stack.cache_dir / f"versitygw-{stack.versitygw_version}" / "versitygw"
    return binary if binary.is_file() else None


def wait_for_bucket(settings: Settings, name: str, process: subprocess.Popen[bytes]) -> Bucket:
    deadline = time.monotonic() + 30
    while True:
        try:
            return new_bucket(settings, name)
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


def test_get_by_version_id_reads_that_version_after_an_overwrite(
    versioned_bucket: Bucket,
) -> None:
    store, name = versioned_bucket.store, versioned_bucket.name
    first = store.put(name, ODD_KEY, b"first version", "text/plain")
    second = store.put(name, ODD_KEY, b"second version", "text/plain")
    assert first.version_id and second.version_id and first.version_id != second.version_id

    old = store.get(name, ODD_KEY, version_id=first.version_id, max_bytes=100)
    assert (old.data, old.version_id, old.etag) == (b"first version", first.version_id, first.etag)
    new = store.get(name, ODD_KEY, version_id=second.version_id, etag=second.etag, max_bytes=100)
    assert new.data == b"second version"
    assert store.head(name, ODD_KEY).version_id == second.version_id


def test_a_deleted_version_is_missing(versioned_bucket: Bucket) -> None:
    store, name = versioned_bucket.store, versioned_bucket.name
    first = store.put(name, ODD_KEY, b"first version", "text/plain")
    store.put(name, ODD_KEY, b"second version", "text/plain")
    assert first.version_id is not None
    versioned_bucket.client.delete_object(Bucket=name, Key=ODD_KEY, VersionId=first.version_id)
    with pytest.raises(ObjectMissingError):
        store.get(name, ODD_KEY, version_id=first.version_id, max_bytes=100)
