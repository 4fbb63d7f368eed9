"""Object storage: where letters are dropped and read back, pinned to one version."""

from workers.storage.errors import (
    ObjectChangedError,
    ObjectMissingError,
    ObjectTooLargeError,
    StorageRejectedError,
    StorageUnavailableError,
)
from workers.storage.local import LocalFolderStore
from workers.storage.objects import ObjectInfo, ObjectStore, StoredObject, normalise_etag
from workers.storage.s3 import S3ObjectStore, s3_client

__all__ = [
    "LocalFolderStore",
    "ObjectChangedError",
    "ObjectInfo",
    "ObjectMissingError",
    "ObjectStore",
    "ObjectTooLargeError",
    "S3ObjectStore",
    "StorageRejectedError",
    "StorageUnavailableError",
    "StoredObject",
    "normalise_etag",
    "s3_client",
]
