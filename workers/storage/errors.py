"""Why a read from the object store failed, sorted into permanent and transient.

Messages never include bucket keys or content: keys may name a person. The failing event
itself is kept in the dead-letter record.
"""

from __future__ import annotations

from workers.runtime import PermanentError, TransientError


class ObjectMissingError(PermanentError):
    """The object (or the requested version of it) does not exist."""

    def __init__(self) -> None:
        super().__init__("object_missing")


class ObjectChangedError(PermanentError):
    """The object was overwritten: its current etag is not the one the event announced."""

    def __init__(self) -> None:
        super().__init__("object_changed")


class ObjectTooLargeError(PermanentError):
    """The object is larger than the configured ``max_object_bytes``."""

    def __init__(self) -> None:
        super().__init__("too_large")


class StorageRejectedError(PermanentError):
    """The store refused the request for a reason a retry cannot fix (e.g. an invalid key)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"storage_rejected:{code}")


class StorageUnavailableError(TransientError):
    """Timeouts, throttling, 5xx answers, refused connections, bad credentials: retry later."""
