"""Runtime settings, read from ``IMR_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Stage = Literal["ingest", "parse", "ocr", "validate", "enrich"]
STAGES: tuple[Stage, ...] = ("ingest", "parse", "ocr", "validate", "enrich")
"""In flow order; ``ocr`` reads the scanned pages parse routes to it and hands the letter back."""
Role = Stage | Literal["sink"]
"""A consumer group the runtime runs: a pipeline stage, or the ``sink`` that lands
determinations in the claims database."""
ROLES: tuple[Role, ...] = (*STAGES, "sink")
DeliveryMode = Literal["at_least_once", "exactly_once"]
STAGE_HTTP_PORTS: dict[Role, int] = {
    "ingest": 8081,
    "parse": 8082,
    "validate": 8083,
    "enrich": 8084,
    "sink": 8086,
    "ocr": 8087,
}
"""Default health and metrics port of each stage and the sink (``IMR_HTTP_PORT`` overrides)."""
RECONCILE_HTTP_PORT = 8085
"""Default health and metrics port of ``imr reconcile --every`` (``IMR_HTTP_PORT`` overrides)."""


class Settings(BaseSettings):
    """Every knob of every worker. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="IMR_", env_file=".env", extra="ignore")

    # Kafka connection (security options are passed through to kafka-python unchanged).
    kafka_bootstrap_servers: str = "localhost:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    kafka_client_id: str = "imr-workers"
    # How long a client waits for its first broker connection before giving up.
    kafka_bootstrap_timeout_ms: int = Field(default=30_000, ge=1)
    group_id_prefix: str = "imr"

    # Delivery.
    delivery_mode: DeliveryMode = "at_least_once"
    # Unique per replica (e.g. a StatefulSet pod name): names the transactional id and the static
    # group membership, so a restarted replica aborts its predecessor's open transaction and
    # takes its partitions back at once.
    instance_id: str | None = None
    max_poll_records: int = Field(default=16, ge=1)
    # Exactly-once: the broker aborts a transaction left open longer (at most the broker's
    # transaction.max.timeout.ms, 15 min by default).
    transaction_timeout_ms: int = Field(default=60_000, ge=1_000)
    # The ocr stage takes this many letters per poll and keeps a transaction open this long: a
    # page takes seconds to read, and a letter must be done well within max_poll_interval_ms
    # (20 pages x ~4 s < 300 s) and the transaction timeout.
    ocr_max_poll_records: int = Field(default=1, ge=1)
    ocr_transaction_timeout_ms: int = Field(default=600_000, ge=1_000)
    max_poll_interval_ms: int = Field(default=300_000, ge=10_000)
    retry_max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    retry_max_seconds: float = Field(default=30.0, gt=0)
    shutdown_grace_seconds: float = Field(default=20.0, gt=0)

    # Topics.
    topic_s3_events: str = "imr.s3-events"
    topic_letters_received: str = "imr.letters.received.v1"
    # Letters parse routes to the ocr stage (pages without a text layer).
    topic_letters_ocr: str = "imr.letters.ocr-requested.v1"
    topic_letters_parsed: str = "imr.letters.parsed.v1"
    topic_letters_validated: str = "imr.letters.validated.v1"
    topic_determinations: str = "imr.determinations.extracted.v1"
    topic_reviewed: str = "imr.determinations.reviewed.v1"
    topic_dlq_template: str = "imr.{stage}.dlq"
    # Which dead letters `imr dlq replay` has re-published, per stage (compacted).
    topic_replay_ledger_template: str = "imr.{stage}.dlq.replayed"
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)

    # Object store (the document drop).
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_bucket: str = "imr-letters"
    s3_prefix: str = ""
    s3_suffixes: tuple[str, ...] = (".pdf", ".txt")
    # `imr reconcile` passes over objects younger than this: they may still be in flight.
    reconcile_min_age_seconds: float = Field(default=300.0, ge=0)

    # Document limits.
    max_object_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_pages: int = Field(default=200, ge=1)
    # What a PDF's Flate streams may inflate to in all (decompression bombs).
    max_inflated_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    # The largest letter the ocr stage hands back to parse with its page text (JSON bytes); a
    # larger one is dead-lettered as too_large (Kafka's default record limit is 1 MiB).
    max_ocr_event_bytes: int = Field(default=900_000, ge=1)

    # The claims database (`imr sink`, `imr review`, `imr report`): postgresql://user:pw@host/db
    # or sqlite:///path/file.sqlite. Secret because the URL may hold a password.
    database_url: SecretStr | None = None
    # Who may use the review console: "name:password" pairs separated by commas (HTTP basic).
    review_users: SecretStr | None = None

    # Observability: /healthz, /readyz and /metrics. Unset, each stage has a port of its own
    # (STAGE_HTTP_PORTS) so that several stages run side by side on one host; 0 binds any free
    # port (the worker logs which); http_enabled=false serves nothing.
    http_port: int | None = Field(default=None, ge=0, le=65535)
    http_enabled: bool = True
    log_level: str = "INFO"

    def for_stage(self, stage: Role) -> Settings:
        """These settings as ``stage`` runs with them: the ocr stage polls and commits by its
        own limits."""
        if stage != "ocr":
            return self
        return self.model_copy(
            update={
                "max_poll_records": self.ocr_max_poll_records,
                "transaction_timeout_ms": self.ocr_transaction_timeout_ms,
            }
        )

    def stage_http_port(self, stage: Role) -> int:
        """The health and metrics port of ``stage``: ``http_port`` when set, else its own."""
        return STAGE_HTTP_PORTS[stage] if self.http_port is None else self.http_port

    def dlq_topic(self, stage: Role) -> str:
        return self.topic_dlq_template.format(stage=stage)

    def replay_ledger_topic(self, stage: Stage) -> str:
        return self.topic_replay_ledger_template.format(stage=stage)
