"""What the object store hands back, and the interface every store implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """Metadata of one stored object version. ``etag`` is unquoted; ``last_modified`` (timezone
    aware) is when the version was written, ``None`` where the store did not say."""

    bucket: str
    key: str
    size: int
    etag: str | None = None
    version_id: str | None = None
    content_type: str | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredObject:
    """The bytes of one object version and the identity they were read under."""

    data: bytes
    version_id: str | None
    etag: str | None
    content_type: str | None
    size: int


class ObjectStore(Protocol):
    """A bucket-and-key object store: S3, or a local folder in the embedded mode.

    Every method raises :class:`~workers.storage.errors.ObjectMissingError` for an absent
    object, and reads never return a different version than the one asked for.
    """

    def get(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        etag: str | None = None,
        max_bytes: int,
    ) -> StoredObject:
        """Read one object version, at most ``max_bytes`` long.

        With ``version_id`` that exact version is read; otherwise, with ``etag``, the read
        succeeds only while the current object still has that etag.
        """
        ...

    def head(
        self, bucket: str, key: str, *, version_id: str | None = None, etag: str | None = None
    ) -> ObjectInfo: ...

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Current objects whose key starts with ``prefix``, in key order."""
        ...

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> ObjectInfo: ...


def normalise_etag(etag: str | None) -> str | None:
    """ETags without the surrounding quotes S3 puts on them (notifications omit them)."""
    if etag is None:
        return None
    stripped = etag.strip().strip('"')
    return stripped or None
