"""``docker-compose.yml`` agrees with the code: stages, settings, topics, commands and files.

No Docker engine is needed: the file is read with PyYAML (which resolves the ``<<`` merge keys
compose uses) and every reference is checked against the package and the repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from workers.cli import build_parser
from workers.config import STAGES, Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
WORKER_IMAGE_SERVICES = [name for name, s in SERVICES.items() if "build" in s]


def _default(field: str) -> Any:
    return Settings.model_fields[field].default


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service].get("environment", {}).items()}


def _host_path(service: str, container_path: str) -> Path:
    """The repository file a bind mount of ``service`` puts at ``container_path``."""
    target = PurePosixPath(container_path)
    for volume in SERVICES[service].get("volumes", []):
        source, mounted = str(volume).split(":")[:2]
        if source.startswith(".") and target.is_relative_to(mounted):
            return REPO / source / target.relative_to(mounted)
    raise AssertionError(f"{service} mounts nothing at {container_path}")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_runs_as_a_worker_service(stage: str) -> None:
    service = SERVICES[stage]
    args = build_parser().parse_args(service["command"])
    assert (args.command, args.stage) == ("worker", stage)
    assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
    # Scaling with --scale needs containers without fixed names or host ports.
    assert "container_name" not in service and "ports" not in service


def test_workers_wait_for_topics_and_bucket() -> None:
    for stage in (*STAGES, "reconcile"):
        depends = SERVICES[stage]["depends_on"]
        assert depends["init-topics"]["condition"] == "service_completed_successfully"
        assert depends["init-bucket"]["condition"] == "service_completed_successfully"
    assert SERVICES["init-topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    # The S3 server writes a test notification at start-up: the topic must exist before.
    assert SERVICES["s3"]["depends_on"]["init-topics"]["condition"] == (
        "service_completed_successfully"
    )
    assert SERVICES["init-bucket"]["depends_on"]["s3"]["condition"] == "service_healthy"


def test_init_creates_topics_with_the_cli() -> None:
    args = build_parser().parse_args(SERVICES["init-topics"]["command"])
    assert args.command == "topics"
    assert SERVICES["init-topics"]["restart"] == "no"


def test_init_bucket_script_is_mounted_from_the_repository() -> None:
    service = SERVICES["init-bucket"]
    interpreter, script = service["entrypoint"]
    assert interpreter == "python"
    assert _host_path("init-bucket", script).is_file()


@pytest.mark.parametrize("service", WORKER_IMAGE_SERVICES)
def test_every_imr_variable_is_a_setting(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(service)
    assert env, f"{service} has no IMR_* settings"
    for name, value in env.items():
        assert name.startswith("IMR_"), name
        assert name.removeprefix("IMR_").lower() in Settings.model_fields, name
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.topic_partitions == _default("topic_partitions")


def test_services_share_one_s3_identity() -> None:
    s3 = _env("s3")
    worker = _env("parse")
    assert worker["IMR_S3_ENDPOINT_URL"] == f"http://s3:{s3['VGW_PORT'].lstrip(':')}"
    assert worker["IMR_S3_ACCESS_KEY_ID"] == s3["ROOT_ACCESS_KEY_ID"]
    assert worker["IMR_S3_SECRET_ACCESS_KEY"] == s3["ROOT_SECRET_ACCESS_KEY"]
    assert worker["IMR_S3_REGION"] == s3["VGW_REGION"]


def test_bucket_notifications_go_to_the_ingest_topic() -> None:
    s3 = _env("s3")
    assert s3["VGW_EVENT_KAFKA_TOPIC"] == _default("topic_s3_events")
    assert s3["VGW_EVENT_KAFKA_URL"] == _env("ingest")["IMR_KAFKA_BOOTSTRAP_SERVERS"]
    event_filter = json.loads(_host_path("s3", s3["VGW_EVENT_FILTER"]).read_text())
    assert event_filter == {"s3:ObjectCreated:*": True}


def test_kafka_advertises_the_address_workers_use() -> None:
    kafka = _env("kafka")
    advertised = dict(
        listener.split("://") for listener in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    assert advertised[kafka["KAFKA_INTER_BROKER_LISTENER_NAME"]] == "kafka:9092"
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert len(kafka["CLUSTER_ID"]) == 22


@pytest.mark.parametrize("service", ["kafka", "s3", *STAGES])
def test_long_running_services_have_healthchecks(service: str) -> None:
    test = SERVICES[service]["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1


@pytest.mark.parametrize("stage", STAGES)
def test_worker_healthcheck_probes_the_metrics_port(stage: str) -> None:
    probe = SERVICES[stage]["healthcheck"]["test"][-1]
    port = _env(stage)["IMR_HTTP_PORT"]
    assert f"http://127.0.0.1:{port}/healthz" in probe


def test_reconcile_runs_continuously_after_the_init_jobs() -> None:
    service = SERVICES["reconcile"]
    args = build_parser().parse_args(service["command"])
    assert (args.command, args.every) == ("reconcile", 120.0)
    assert service["restart"] == "unless-stopped"
    assert set(service["depends_on"]) == {"init-topics", "init-bucket"}
    # It serves /healthz on the workers' port, so the workers' check applies.
    assert service["healthcheck"] == SERVICES["parse"]["healthcheck"]


def test_every_service_has_an_image() -> None:
    for name, service in SERVICES.items():
        assert service.get("image"), name


def test_images_are_the_ones_the_integration_tests_run() -> None:
    """The test stack (``deploy/local``) starts these images when Docker is available."""
    containers = (REPO / "deploy" / "local" / "imr_stack" / "containers.py").read_text()
    tested = dict(re.findall(r'"IMR_TEST_(KAFKA|S3)_IMAGE", "([^"]+)"', containers))
    assert SERVICES["kafka"]["image"] == tested["KAFKA"]
    assert SERVICES["s3"]["image"] == tested["S3"]


def test_the_sink_and_the_console_use_the_compose_database() -> None:
    postgres = _env("postgres")
    url = (
        f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    for service in ("sink", "review"):
        assert _env(service)["IMR_DATABASE_URL"] == url
        assert SERVICES[service]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert build_parser().parse_args(SERVICES["sink"]["command"]).command == "sink"
    review = build_parser().parse_args(SERVICES["review"]["command"])
    assert (review.command, review.host) == ("review", "0.0.0.0")
    assert f"{review.port}:{review.port}" in SERVICES["review"]["ports"]
    assert f"127.0.0.1:{review.port}/healthz" in SERVICES["review"]["healthcheck"]["test"][-1]
