"""How S3 error answers are sorted into permanent and transient storage errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from workers.runtime import PermanentError, TransientError
from workers.storage import (
    ObjectChangedError,
    ObjectMissingError,
    StorageRejectedError,
    StorageUnavailableError,
)
from workers.storage.s3 import storage_error


def answer(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetObject",
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("NoSuchKey", 404, ObjectMissingError),
        ("NoSuchVersion", 404, ObjectMissingError),
        ("NoSuchBucket", 404, ObjectMissingError),
        ("404", 404, ObjectMissingError),  # HEAD answers carry no body, only the status
        ("PreconditionFailed", 412, ObjectChangedError),
        ("412", 412, ObjectChangedError),
        ("SlowDown", 503, StorageUnavailableError),
        ("Throttling", 400, StorageUnavailableError),
        ("RequestTimeout", 400, StorageUnavailableError),
        ("InternalError", 500, StorageUnavailableError),
        ("SomethingNew", 502, StorageUnavailableError),
        ("TooManyRequests", 429, StorageUnavailableError),
        ("AccessDenied", 403, StorageUnavailableError),
        ("InvalidAccessKeyId", 403, StorageUnavailableError),
        ("InvalidArgument", 400, StorageRejectedError),
        ("InvalidObjectState", 403, StorageRejectedError),
        ("403", 403, StorageUnavailableError),
    ],
)
def test_error_answers_map_to_storage_errors(code: str, status: int, kind: type) -> None:
    assert type(storage_error(answer(code, status))) is kind


def test_kinds_follow_the_runtime_failure_vocabulary() -> None:
    assert isinstance(storage_error(answer("NoSuchKey", 404)), PermanentError)
    assert isinstance(storage_error(answer("PreconditionFailed", 412)), PermanentError)
    assert isinstance(storage_error(answer("InvalidArgument", 400)), PermanentError)
    assert isinstance(storage_error(answer("SlowDown", 503)), TransientError)


def test_rejections_carry_the_error_code_as_reason() -> None:
    error = storage_error(answer("InvalidArgument", 400))
    assert isinstance(error, StorageRejectedError)
    assert error.reason == "storage_rejected:InvalidArgument"
