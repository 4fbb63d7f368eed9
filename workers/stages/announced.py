"""The object a ``letter.received`` event announces, read as parse and ocr read it."""

from __future__ import annotations

from schemas.source import SourceObject
from workers.config import Settings
from workers.storage import ObjectStore, StoredObject


def read_announced(store: ObjectStore, source: SourceObject, settings: Settings) -> StoredObject:
    """The announced object version (or etag), at most ``settings.max_object_bytes`` long; the
    store's errors keep their own permanent or transient kind."""
    return store.get(
        source.bucket,
        source.key,
        version_id=source.version_id,
        etag=source.etag,
        max_bytes=settings.max_object_bytes,
    )
