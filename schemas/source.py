"""The stored object a letter was read from, and the letter id derived from it."""

from __future__ import annotations

import hashlib
import json

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

LETTER_ID_LENGTH = 32
LETTER_ID_PATTERN = f"^[0-9a-f]{{{LETTER_ID_LENGTH}}}$"


class SourceObject(BaseModel):
    """One version of one object in the drop bucket (or a local file in embedded mode).

    The ingest stage fills what the bucket notification says; the parse stage adds ``sha256``
    and ``pages`` once it has read the bytes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    bucket: str = Field(min_length=1)
    key: str = Field(min_length=1)
    version_id: str | None = None
    etag: str | None = Field(default=None, pattern=r'^[^"]+$', description="Without quotes.")
    size: int | None = Field(default=None, ge=0)
    content_type: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    pages: int | None = Field(default=None, ge=1)
    received_at: AwareDatetime | None = None
    """When the store announced the object (the notification's ``eventTime``)."""
    event_name: str | None = None
    """The notification's event name, e.g. ``s3:ObjectCreated:Put``."""
    sequencer: str | None = None
    """The notification's sequencer: orders events for the same key."""

    @property
    def letter_id(self) -> str:
        return letter_id_for(self.bucket, self.key, self.version_id, self.etag)


def letter_id_for(bucket: str, key: str, version_id: str | None, etag: str | None) -> str:
    """Stable id of one object version: a hex sha256 prefix of its identity.

    ``etag`` is unquoted, as on :class:`SourceObject`. The same object version always gets the
    same id, so redelivered notifications and replays are recognisable.
    """
    identity = json.dumps([bucket, key, version_id, etag], separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()[:LETTER_ID_LENGTH]
