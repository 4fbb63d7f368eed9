"""Stack settings, read from ``IMR_STACK_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .endpoints import S3Endpoint, Services

REPO_ROOT = Path(__file__).resolve().parents[3]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class StackSettings:
    """Where the stack keeps its files and how its services are reached."""

    state_dir: Path
    cache_dir: Path
    host: str
    kafka_port: int
    kafka_controller_port: int
    kafka_version: str
    kafka_heap: str
    s3_port: int
    versitygw_version: str
    s3_access_key: str
    s3_secret_key: str
    s3_region: str
    s3_events_topic: str
    start_timeout: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackSettings:
        env = os.environ if env is None else env
        cache_home = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        kafka_port = _int(env, "IMR_STACK_KAFKA_PORT", 19092)
        return cls(
            state_dir=Path(env.get("IMR_STACK_DIR") or REPO_ROOT / ".state" / "stack").resolve(),
            cache_dir=Path(env.get("IMR_STACK_CACHE_DIR") or cache_home / "imr-stack").resolve(),
            host="127.0.0.1",
            kafka_port=kafka_port,
            kafka_controller_port=_int(env, "IMR_STACK_KAFKA_CONTROLLER_PORT", kafka_port + 1),
            kafka_version=env.get("IMR_STACK_KAFKA_VERSION") or "4.4.0",
            kafka_heap=env.get("IMR_STACK_KAFKA_HEAP") or "768m",
            s3_port=_int(env, "IMR_STACK_S3_PORT", 17070),
            versitygw_version=env.get("IMR_STACK_VERSITYGW_VERSION") or "v1.8.0",
            s3_access_key=env.get("IMR_STACK_S3_ACCESS_KEY") or "imr-local",
            s3_secret_key=env.get("IMR_STACK_S3_SECRET_KEY") or "imr-local-secret",
            s3_region=env.get("IMR_STACK_S3_REGION") or "us-east-1",
            s3_events_topic=env.get("IMR_STACK_S3_EVENTS_TOPIC") or "imr.s3-events",
            start_timeout=float(_int(env, "IMR_STACK_START_TIMEOUT", 120)),
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def s3_endpoint_url(self) -> str:
        return f"http://{self.host}:{self.s3_port}"

    def services(self) -> Services:
        s3 = S3Endpoint(
            self.s3_endpoint_url, self.s3_access_key, self.s3_secret_key, self.s3_region
        )
        return Services(self.kafka_bootstrap, s3, self.s3_events_topic, origin="local stack")
