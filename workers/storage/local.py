"""A local folder served as one bucket, for the embedded mode and tests."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from workers.storage.errors import (
    ObjectChangedError,
    ObjectMissingError,
    ObjectTooLargeError,
    StorageRejectedError,
)
from workers.storage.objects import ObjectInfo, StoredObject, normalise_etag


class LocalFolderStore:
    """:class:`~workers.storage.objects.ObjectStore` over the files below ``folder``.

    The folder is the bucket named ``bucket`` (default: the folder's name); keys are
    ``/``-separated paths relative to it. There are no versions: the etag is the sha256 of
    the content, so a read pinned to an etag detects an overwrite like S3's ``If-Match``.
    Hidden files (any path part starting with ``.``) are not listed.
    """

    def __init__(self, folder: Path, *, bucket: str | None = None) -> None:
        self.folder = folder.resolve()
        self.bucket = bucket if bucket is not None else self.folder.name

    def get(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        etag: str | None = None,
        max_bytes: int,
    ) -> StoredObject:
        path = self._existing(bucket, key, version_id)
        if path.stat().st_size > max_bytes:
            raise ObjectTooLargeError()
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ObjectTooLargeError()
        found = _etag(data)
        if etag is not None and normalise_etag(etag) != found:
            raise ObjectChangedError()
        return StoredObject(
            data=data, version_id=None, etag=found, content_type=_content_type(key), size=len(data)
        )

    def head(
        self, bucket: str, key: str, *, version_id: str | None = None, etag: str | None = None
    ) -> ObjectInfo:
        path = self._existing(bucket, key, version_id)
        info = self._info(key, path)
        if etag is not None and normalise_etag(etag) != info.etag:
            raise ObjectChangedError()
        return info

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        self._check_bucket(bucket)
        keys = sorted(
            path.relative_to(self.folder).as_posix()
            for path in self.folder.rglob("*")
            if path.is_file() and not is_hidden(path.relative_to(self.folder))
        )
        for key in keys:
            if key.startswith(prefix):
                yield self._info(key, self.folder / key)

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> ObjectInfo:
        path = self._path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader sees the old or the new bytes, never half.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=len(data),
            etag=_etag(data),
            content_type=content_type,
            last_modified=_modified(path),
        )

    def _check_bucket(self, bucket: str) -> None:
        if bucket != self.bucket:
            raise ObjectMissingError()

    def _path(self, bucket: str, key: str) -> Path:
        self._check_bucket(bucket)
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise StorageRejectedError("invalid_key")
        return self.folder.joinpath(*parts)

    def _existing(self, bucket: str, key: str, version_id: str | None) -> Path:
        path = self._path(bucket, key)
        if version_id is not None or not path.is_file():
            raise ObjectMissingError()
        return path

    def _info(self, key: str, path: Path) -> ObjectInfo:
        data = path.read_bytes()
        return ObjectInfo(
            bucket=self.bucket,
            key=key,
            size=len(data),
            etag=_etag(data),
            content_type=_content_type(key),
            last_modified=_modified(path),
        )


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def is_hidden(relative: Path) -> bool:
    """Whether a path relative to the folder is hidden, i.e. not listed: any part starts with
    ``.`` (``.imr-state.sqlite``, editors' temporary files)."""
    return any(part.startswith(".") for part in relative.parts)


def _etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content_type(key: str) -> str | None:
    return mimetypes.guess_type(key)[0]
