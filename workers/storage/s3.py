"""The S3 object store (any S3-compatible server), built on boto3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from workers.config import Settings
from workers.storage.errors import (
    ObjectChangedError,
    ObjectMissingError,
    ObjectTooLargeError,
    StorageRejectedError,
    StorageUnavailableError,
)
from workers.storage.objects import ObjectInfo, StoredObject, normalise_etag

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchBucket", "NotFound", "404"})
_CHANGED_CODES = frozenset({"PreconditionFailed", "412"})
# Credentials and permissions are operator-fixable, so they are retried like outages rather
# than dead-lettering every letter in the meantime.
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "ServiceUnavailable",
        "InternalError",
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "403",
    }
)


def s3_client(settings: Settings) -> S3Client:
    """A boto3 S3 client for ``settings``: path-style addressing on custom endpoints,
    bounded timeouts, and checksums only where the API requires them (S3-compatible servers
    differ in their support for the newer ones)."""
    secret = settings.s3_secret_access_key
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        config=config,
    )


class S3ObjectStore:
    """:class:`~workers.storage.objects.ObjectStore` over the S3 API.

    Reads are pinned to the announced object version: by ``VersionId`` when there is one,
    otherwise by ``If-Match`` on the etag (and the returned etag is checked as well, for
    servers that ignore the condition), so an overwrite is reported as
    :class:`ObjectChangedError` instead of silently reading newer bytes.
    """

    def __init__(self, client: S3Client) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        return cls(s3_client(settings))

    def get(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        etag: str | None = None,
        max_bytes: int,
    ) -> StoredObject:
        etag = normalise_etag(etag)
        with _translated_errors():
            response = self._client.get_object(**_pin(bucket, key, version_id, etag))
            body = response["Body"]
            try:
                if response.get("ContentLength", 0) > max_bytes:
                    raise ObjectTooLargeError()
                data = body.read(max_bytes + 1)
            finally:
                body.close()
        if len(data) > max_bytes:
            raise ObjectTooLargeError()
        found_etag = normalise_etag(response.get("ETag"))
        _check_etag(etag, found_etag)
        return StoredObject(
            data=data,
            version_id=response.get("VersionId") or version_id,
            etag=found_etag,
            content_type=response.get("ContentType"),
            size=len(data),
        )

    def head(
        self, bucket: str, key: str, *, version_id: str | None = None, etag: str | None = None
    ) -> ObjectInfo:
        etag = normalise_etag(etag)
        with _translated_errors():
            response = self._client.head_object(**_pin(bucket, key, version_id, etag))
        found_etag = normalise_etag(response.get("ETag"))
        _check_etag(etag, found_etag)
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=response.get("ContentLength", 0),
            etag=found_etag,
            version_id=response.get("VersionId") or version_id,
            content_type=response.get("ContentType"),
            last_modified=response.get("LastModified"),
        )

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        with _translated_errors():
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ObjectInfo(
                        bucket=bucket,
                        key=item["Key"],
                        size=item.get("Size", 0),
                        etag=normalise_etag(item.get("ETag")),
                        last_modified=item.get("LastModified"),
                    )

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> ObjectInfo:
        with _translated_errors():
            response = self._client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type
            )
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=len(data),
            etag=normalise_etag(response.get("ETag")),
            version_id=response.get("VersionId"),
            content_type=content_type,
        )


def _pin(bucket: str, key: str, version_id: str | None, etag: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    elif etag:
        request["IfMatch"] = f'"{etag}"'
    return request


def _check_etag(expected: str | None, found: str | None) -> None:
    if expected is not None and found is not None and expected != found:
        raise ObjectChangedError()


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn boto3/botocore failures into the storage error vocabulary."""
    try:
        yield
    except ClientError as error:
        raise storage_error(error) from error
    except ParamValidationError as error:
        raise StorageRejectedError("invalid_request") from error
    except BotoCoreError as error:
        raise StorageUnavailableError(type(error).__name__) from error


def storage_error(error: ClientError) -> Exception:
    """The storage error an S3 error answer stands for."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in _MISSING_CODES or status == 404:
        return ObjectMissingError()
    if code in _CHANGED_CODES or status == 412:
        return ObjectChangedError()
    if code in _TRANSIENT_CODES or status >= 500 or status == 429:
        return StorageUnavailableError(code or str(status))
    return StorageRejectedError(code or str(status))
