"""How tests and tools reach a Kafka broker and an S3 server, wherever those run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class S3Endpoint:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str


@dataclass(frozen=True)
class Services:
    """A broker and an S3 server; ``s3_events_topic`` is ``None`` when S3 publishes no events."""

    kafka_bootstrap: str
    s3: S3Endpoint
    s3_events_topic: str | None
    origin: str

    def to_env(self) -> dict[str, str]:
        """The variables that ``from_env`` reads back."""
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "S3_ENDPOINT_URL": self.s3.endpoint_url,
            "S3_ACCESS_KEY_ID": self.s3.access_key,
            "S3_SECRET_ACCESS_KEY": self.s3.secret_key,
            "S3_REGION": self.s3.region,
        }
        if self.s3_events_topic:
            env["S3_EVENTS_TOPIC"] = self.s3_events_topic
        return env

    def to_worker_env(self) -> dict[str, str]:
        """The ``IMR_*`` variables the workers and the ``imr`` commands read."""
        env = {
            "IMR_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "IMR_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "IMR_S3_ACCESS_KEY_ID": self.s3.access_key,
            "IMR_S3_SECRET_ACCESS_KEY": self.s3.secret_key,
            "IMR_S3_REGION": self.s3.region,
        }
        if self.s3_events_topic:
            env["IMR_TOPIC_S3_EVENTS"] = self.s3_events_topic
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Services | None:
        """Services named by environment variables, or ``None`` when none are named.

        ``KAFKA_BOOTSTRAP_SERVERS`` and ``S3_ENDPOINT_URL`` go together: one without the
        other is a configuration mistake, not a request to start the missing half.
        """
        kafka, url = env.get("KAFKA_BOOTSTRAP_SERVERS", ""), env.get("S3_ENDPOINT_URL", "")
        if not kafka and not url:
            return None
        if not (kafka and url):
            raise ValueError("set both KAFKA_BOOTSTRAP_SERVERS and S3_ENDPOINT_URL, or neither")
        s3 = S3Endpoint(
            endpoint_url=url,
            access_key=env.get("S3_ACCESS_KEY_ID", ""),
            secret_key=env.get("S3_SECRET_ACCESS_KEY", ""),
            region=env.get("S3_REGION") or "us-east-1",
        )
        return cls(kafka, s3, env.get("S3_EVENTS_TOPIC") or None, origin="environment")
