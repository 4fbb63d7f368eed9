"""The bucket notification an S3 server would publish for a file found in the drop folder."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote_plus

from workers.storage import ObjectInfo

EVENT_NAME = "ObjectCreated:Put"


def created_notification(info: ObjectInfo, event_time: datetime, sequencer: int) -> bytes:
    """An AWS-shaped ``ObjectCreated:Put`` event for ``info``, as the ingest stage reads it.

    Keys are URL-encoded the way S3 encodes them (``+`` for spaces).
    """
    record = {
        "eventVersion": "2.1",
        "eventSource": "imr:embedded",
        "eventTime": event_time.isoformat().replace("+00:00", "Z"),
        "eventName": EVENT_NAME,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": info.bucket},
            "object": {
                "key": quote_plus(info.key, safe="/"),
                "size": info.size,
                "eTag": info.etag,
                "sequencer": f"{sequencer:016X}",
            },
        },
    }
    return json.dumps({"Records": [record]}, separators=(",", ":")).encode()
