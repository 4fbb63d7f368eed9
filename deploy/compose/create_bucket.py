"""Create the drop bucket named by ``IMR_S3_BUCKET`` if it does not exist yet.

Run once by the compose ``init-bucket`` service, with the same ``IMR_S3_*`` settings as the
workers. Retries while the S3 server is still starting.
"""

from __future__ import annotations

import sys
import time

from botocore.exceptions import BotoCoreError, ClientError

from workers.config import Settings
from workers.storage import s3_client

ATTEMPTS = 30
PAUSE_SECONDS = 2.0


def main() -> int:
    settings = Settings()
    client = s3_client(settings)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            client.create_bucket(Bucket=settings.s3_bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                break
            print(f"create_bucket failed ({code}), attempt {attempt}", file=sys.stderr)
        except BotoCoreError as error:
            print(f"S3 not reachable ({type(error).__name__}), attempt {attempt}", file=sys.stderr)
        else:
            break
        time.sleep(PAUSE_SECONDS)
    else:
        return 1
    print(f"bucket {settings.s3_bucket} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
