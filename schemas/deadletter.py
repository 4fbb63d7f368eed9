"""A record a stage gave up on, described for people and tools (``imr dlq``).

On Kafka, dead letters keep the original key, value and headers and add ``imr.dlq.*`` headers
(see ``docs/event-contract.md``). This model is their JSON form: original bytes as base64.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from workers.config import Stage

_BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class OriginalHeader(_Model):
    name: str
    value: str | None = Field(default=None, pattern=_BASE64, description="Base64.")


class DeadLetterData(_Model):
    stage: Stage
    error_class: str = Field(min_length=1)
    """Exception class name, e.g. ``NoTextLayerError``."""
    reason: str = Field(min_length=1)
    """Stable reason code or short description; never document text."""
    attempt: int = Field(ge=1)
    source_topic: str = Field(min_length=1)
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    failed_at: AwareDatetime
    original_key: str | None = Field(default=None, pattern=_BASE64, description="Base64.")
    original_value: str = Field(pattern=_BASE64, description="Base64.")
    original_headers: list[OriginalHeader] = Field(default_factory=list)

    @classmethod
    def capture(
        cls,
        *,
        stage: Stage,
        error_class: str,
        reason: str,
        attempt: int,
        source_topic: str,
        source_partition: int,
        source_offset: int,
        failed_at: datetime,
        key: bytes | None,
        value: bytes,
        headers: Iterable[tuple[str, bytes | None]],
    ) -> DeadLetterData:
        """The dead letter of the record ``key``/``value``/``headers`` (raw bytes)."""
        return cls(
            stage=stage,
            error_class=error_class,
            reason=reason,
            attempt=attempt,
            source_topic=source_topic,
            source_partition=source_partition,
            source_offset=source_offset,
            failed_at=failed_at,
            original_key=None if key is None else _encode(key),
            original_value=_encode(value),
            original_headers=[
                OriginalHeader(name=name, value=None if raw is None else _encode(raw))
                for name, raw in headers
            ],
        )

    def original_key_bytes(self) -> bytes | None:
        return None if self.original_key is None else _decode(self.original_key)

    def original_value_bytes(self) -> bytes:
        return _decode(self.original_value)

    def original_header_bytes(self) -> list[tuple[str, bytes | None]]:
        return [
            (header.name, None if header.value is None else _decode(header.value))
            for header in self.original_headers
        ]
