"""versitygw: an S3 server over a POSIX folder that publishes bucket events to Kafka."""

from __future__ import annotations

import json
import os

import boto3
from botocore.config import Config

from .endpoints import S3Endpoint
from .processes import ManagedProcess, port_open, require_tool, run_checked, wait_until
from .settings import StackSettings

MODULE = "github.com/versity/versitygw"

# Only object creation is published: that is what starts the pipeline.
EVENT_FILTER: dict[str, bool] = {"s3:ObjectCreated:*": True}


def gateway_args(
    listen: str, region: str, kafka_url: str, topic: str, filter_file: str, data_dir: str
) -> list[str]:
    """versitygw arguments (after the binary). Credentials travel in the environment."""
    return [
        "--port", listen,
        "--region", region,
        "--event-kafka-url", kafka_url,
        "--event-kafka-topic", topic,
        "--event-filter", filter_file,
        "posix", data_dir,
    ]  # fmt: skip


def s3_healthy(s3: S3Endpoint) -> bool:
    """A real signed request: ListBuckets with the given credentials."""
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name=s3.region,
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )
    client.list_buckets()
    return True


class VersityGateway:
    """Install, start and probe versitygw for one state folder."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.home = settings.state_dir / "s3"
        self.data_dir = self.home / "data"
        self.binary = settings.cache_dir / f"versitygw-{settings.versitygw_version}" / "versitygw"
        self.process = ManagedProcess(
            name="s3",
            pid_file=self.home / "versitygw.pid",
            log_file=self.home / "versitygw.log",
            marker="versitygw",
        )

    def install(self) -> None:
        """Build the binary once with ``go install``; Go's own caches make rebuilds cheap."""
        if self.binary.is_file():
            return
        go = require_tool("go")
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        run_checked(
            [go, "install", f"{MODULE}/cmd/versitygw@{self.settings.versitygw_version}"],
            cwd=self.binary.parent,
            env={**os.environ, "GOBIN": str(self.binary.parent)},
            what="building versitygw",
        )

    def start(self) -> None:
        s = self.settings
        self.data_dir.mkdir(parents=True, exist_ok=True)
        filter_file = self.home / "event-filter.json"
        filter_file.write_text(json.dumps(EVENT_FILTER))
        args = gateway_args(
            listen=f"{s.host}:{s.s3_port}",
            region=s.s3_region,
            kafka_url=s.kafka_bootstrap,
            topic=s.s3_events_topic,
            filter_file=str(filter_file),
            data_dir=str(self.data_dir),
        )
        env = {
            **os.environ,
            "ROOT_ACCESS_KEY_ID": s.s3_access_key,
            "ROOT_SECRET_ACCESS_KEY": s.s3_secret_key,
        }
        self.process.start([str(self.binary), *args], env=env, cwd=self.home)

    def wait_ready(self) -> None:
        s, proc = self.settings, self.process
        endpoint = s.services().s3
        wait_until("the S3 port", lambda: port_open(s.host, s.s3_port), s.start_timeout, proc)
        wait_until("S3 ListBuckets", lambda: s3_healthy(endpoint), s.start_timeout, proc)
