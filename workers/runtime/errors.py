"""Failure vocabulary for handlers, and the runtime's classification of what they raise.

Domain packages translate their own failures at the edge, where they happen: the object store
raises :class:`TransientError` or :class:`PermanentError` subclasses for every S3 failure, and the
parse handler turns extraction errors into :class:`PermanentError` with the extractor's reason.
The runtime therefore knows only its own vocabulary, the Kafka client it drives, and the
standard library's connection and timeout errors; anything else is an unexpected (permanent)
error. A :class:`Failure` carries only an exception *class name* and a stable reason code:
exception messages can quote document text, so they are never logged or written to a dead letter.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Literal

import structlog

log = structlog.get_logger(__name__)

FailureKind = Literal["transient", "permanent"]


class TransientError(Exception):
    """A failure worth retrying with backoff (a dependency was slow, down or throttling)."""


class PermanentError(Exception):
    """A failure no retry will fix: the record goes to the dead-letter topic at once.

    ``reason`` is a short stable code (e.g. ``"invalid_json"``) and must not contain document text.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryError(Exception):
    """Publishing or committing failed; the batch is not committed and will be consumed again."""


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    error_class: str
    reason: str

    @property
    def retryable(self) -> bool:
        return self.kind == "transient"


_TRANSIENT_BUILTINS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


def _qualified_name(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_transient_kafka(exc: BaseException) -> bool:
    from kafka import errors as kafka_errors

    if not isinstance(exc, kafka_errors.KafkaError):
        return False
    return bool(getattr(exc, "retriable", False)) or isinstance(
        exc, kafka_errors.KafkaTimeoutError | kafka_errors.KafkaConnectionError
    )


def classify(exc: BaseException) -> Failure:
    """Decide whether ``exc`` is worth retrying.

    Our own errors (and the domain errors built on them) say so themselves; timeouts,
    connection errors and retriable Kafka errors are transient; anything else is permanent and
    logged by class name only.
    """
    name = _qualified_name(exc)
    if isinstance(exc, TransientError):
        return Failure("transient", name, "transient")
    if isinstance(exc, PermanentError):
        return Failure("permanent", name, exc.reason)
    if isinstance(exc, _TRANSIENT_BUILTINS) or _is_transient_kafka(exc):
        return Failure("transient", name, "dependency_unavailable")
    if isinstance(exc, UnicodeDecodeError | ValueError):
        return Failure("permanent", name, "undecodable")
    log.warning("unexpected_handler_error", error_class=name)
    return Failure("permanent", name, "unexpected_error")
