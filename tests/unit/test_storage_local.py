"""The local-folder object store: pinned reads, limits, listing, key safety."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workers.storage import (
    LocalFolderStore,
    ObjectChangedError,
    ObjectMissingError,
    ObjectTooLargeError,
    StorageRejectedError,
)


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    folder = tmp_path / "drop"
    folder.mkdir()
    return LocalFolderStore(folder)


def test_bucket_is_named_after_the_folder_unless_given(tmp_path: Path) -> None:
    assert LocalFolderStore(tmp_path / "letters").bucket == "letters"
    assert LocalFolderStore(tmp_path / "letters", bucket="imr").bucket == "imr"


def test_put_then_get_returns_the_bytes_with_a_sha256_etag(store: LocalFolderStore) -> None:
    info = store.put("drop", "in/a b.pdf", b"%PDF-1.4 body", "application/pdf")
    digest = hashlib.sha256(b"%PDF-1.4 body").hexdigest()
    assert (info.key, info.size, info.etag) == ("in/a b.pdf", 13, digest)

    stored = store.get("drop", "in/a b.pdf", max_bytes=100)
    assert stored.data == b"%PDF-1.4 body"
    assert stored.etag == digest
    assert stored.content_type == "application/pdf"
    assert stored.version_id is None


def test_get_pinned_to_the_announced_etag_detects_an_overwrite(store: LocalFolderStore) -> None:
    first = store.put("drop", "letter.txt", b"first", "text/plain")
    store.put("drop", "letter.txt", b"second", "text/plain")

    with pytest.raises(ObjectChangedError) as raised:
        store.get("drop", "letter.txt", etag=first.etag, max_bytes=100)
    assert raised.value.reason == "object_changed"
    with pytest.raises(ObjectChangedError):
        store.head("drop", "letter.txt", etag=f'"{first.etag}"')


def test_quoted_etags_match_like_unquoted_ones(store: LocalFolderStore) -> None:
    info = store.put("drop", "letter.txt", b"body", "text/plain")
    assert store.get("drop", "letter.txt", etag=f'"{info.etag}"', max_bytes=10).data == b"body"


@pytest.mark.parametrize(
    ("bucket", "key", "version_id"),
    [("drop", "absent.pdf", None), ("other", "letter.txt", None), ("drop", "letter.txt", "v1")],
)
def test_missing_objects_buckets_and_versions_are_permanent(
    store: LocalFolderStore, bucket: str, key: str, version_id: str | None
) -> None:
    store.put("drop", "letter.txt", b"body", "text/plain")
    with pytest.raises(ObjectMissingError) as raised:
        store.get(bucket, key, version_id=version_id, max_bytes=10)
    assert raised.value.reason == "object_missing"


def test_objects_over_the_limit_are_refused(store: LocalFolderStore) -> None:
    store.put("drop", "big.txt", b"x" * 11, "text/plain")
    assert store.get("drop", "big.txt", max_bytes=11).size == 11
    with pytest.raises(ObjectTooLargeError):
        store.get("drop", "big.txt", max_bytes=10)


@pytest.mark.parametrize(
    "key", ["../escape.txt", "a/../../b.txt", "/abs.txt", "./x.txt", "a//b.txt", ""]
)
def test_keys_cannot_leave_the_folder(store: LocalFolderStore, key: str) -> None:
    with pytest.raises(StorageRejectedError):
        store.put("drop", key, b"x", "text/plain")


def test_list_walks_subfolders_in_key_order_filtered_by_prefix(store: LocalFolderStore) -> None:
    for key in ("b.pdf", "in/z.pdf", "in/a.txt", "a.pdf"):
        store.put("drop", key, key.encode(), "application/octet-stream")
    (store.folder / ".hidden").write_bytes(b"not an object")

    assert [info.key for info in store.list("drop")] == ["a.pdf", "b.pdf", "in/a.txt", "in/z.pdf"]
    listed = list(store.list("drop", "in/"))
    assert [info.key for info in listed] == ["in/a.txt", "in/z.pdf"]
    assert listed[0].etag == hashlib.sha256(b"in/a.txt").hexdigest()
    assert listed[0].bucket == "drop"


def test_last_modified_is_the_file_modification_time(store: LocalFolderStore) -> None:
    written = store.put("drop", "in/a.txt", b"a", "text/plain")
    written_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    os.utime(store.folder / "in" / "a.txt", (written_at.timestamp(), written_at.timestamp()))

    assert written.last_modified is not None and written.last_modified.tzinfo is not None
    assert store.head("drop", "in/a.txt").last_modified == written_at
    assert [info.last_modified for info in store.list("drop")] == [written_at]
