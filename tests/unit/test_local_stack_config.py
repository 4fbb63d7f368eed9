"""Settings, endpoints and rendered configuration of the local stack (deploy/local)."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from imr_stack.containers import kafka_container_env
from imr_stack.endpoints import S3Endpoint, Services
from imr_stack.kafka_broker import (
    new_cluster_id,
    render_log4j2,
    render_pom,
    render_server_properties,
)
from imr_stack.s3_server import gateway_args
from imr_stack.settings import StackSettings

from workers.config import Settings


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_defaults_live_under_the_repository_and_avoid_standard_ports() -> None:
    settings = StackSettings.from_env({})
    assert settings.state_dir == Path(__file__).resolve().parents[2] / ".state" / "stack"
    assert (settings.kafka_port, settings.kafka_controller_port, settings.s3_port) == (
        19092,
        19093,
        17070,
    )
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert settings.s3_endpoint_url == "http://127.0.0.1:17070"


def test_environment_overrides_folders_and_ports(tmp_path: Path) -> None:
    settings = StackSettings.from_env(
        {
            "IMR_STACK_DIR": str(tmp_path / "state"),
            "IMR_STACK_CACHE_DIR": str(tmp_path / "cache"),
            "IMR_STACK_KAFKA_PORT": "29092",
            "IMR_STACK_S3_PORT": "27070",
        }
    )
    assert settings.state_dir == tmp_path / "state"
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.kafka_controller_port == 29093
    assert settings.s3_endpoint_url == "http://127.0.0.1:27070"


def test_non_numeric_port_is_rejected_with_its_name() -> None:
    with pytest.raises(ValueError, match="IMR_STACK_S3_PORT"):
        StackSettings.from_env({"IMR_STACK_S3_PORT": "seventy"})


def test_services_survive_a_round_trip_through_the_environment(tmp_path: Path) -> None:
    services = StackSettings.from_env({"IMR_STACK_DIR": str(tmp_path)}).services()
    back = Services.from_env(services.to_env())
    assert back is not None
    assert (back.kafka_bootstrap, back.s3, back.s3_events_topic) == (
        services.kafka_bootstrap,
        services.s3,
        "imr.s3-events",
    )


def test_environment_without_services_names_none() -> None:
    assert Services.from_env({"PATH": "/usr/bin"}) is None


def test_half_configured_environment_is_an_error() -> None:
    with pytest.raises(ValueError, match="S3_ENDPOINT_URL"):
        Services.from_env({"KAFKA_BOOTSTRAP_SERVERS": "broker:9092"})


def test_environment_services_without_events_topic_publish_nothing() -> None:
    services = Services.from_env(
        {"KAFKA_BOOTSTRAP_SERVERS": "broker:9092", "S3_ENDPOINT_URL": "http://s3:9000"}
    )
    assert services is not None
    assert services.s3_events_topic is None
    assert services.s3 == S3Endpoint("http://s3:9000", "", "", "us-east-1")


def test_server_properties_bind_loopback_and_single_node_durability(tmp_path: Path) -> None:
    settings = StackSettings.from_env({"IMR_STACK_KAFKA_PORT": "29092"})
    props = _properties(render_server_properties(settings, tmp_path / "data"))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:29093"
    assert "controller.quorum.voters" not in props  # --standalone formatting forbids it
    assert props["log.dirs"] == str(tmp_path / "data")
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
    ):
        assert props[key] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "4"
    assert props["auto.create.topics.enable"] == "true"


def test_log4j2_config_writes_to_the_given_file(tmp_path: Path) -> None:
    props = _properties(render_log4j2(tmp_path / "server.log").replace(" = ", "="))
    assert props["appender.file.fileName"] == str(tmp_path / "server.log")
    assert props["rootLogger.appenderRef.file.ref"] == props["appender.file.name"]


def test_pom_pins_the_broker_and_an_slf4j_binding() -> None:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.fromstring(render_pom("4.3.1"))
    deps = {
        d.findtext("m:artifactId", namespaces=ns): d.findtext("m:version", namespaces=ns)
        for d in root.iterfind("m:dependencies/m:dependency", ns)
    }
    assert deps["kafka_2.13"] == "4.3.1"
    assert deps["log4j-core"] == deps["log4j-slf4j-impl"]
    assert "kafka-tools" not in deps


def test_pom_adds_other_kafka_modules_at_the_broker_version() -> None:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.fromstring(render_pom("4.1.1", "kafka-tools"))
    deps = {
        (d.findtext("m:groupId", namespaces=ns), d.findtext("m:artifactId", namespaces=ns)): (
            d.findtext("m:version", namespaces=ns)
        )
        for d in root.iterfind("m:dependencies/m:dependency", ns)
    }
    assert deps[("org.apache.kafka", "kafka-tools")] == deps[("org.apache.kafka", "kafka_2.13")]
    assert deps[("org.apache.kafka", "kafka-tools")] == "4.1.1"


def test_cluster_ids_are_16_random_bytes_in_url_safe_base64() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cluster_id in ids:
        assert len(cluster_id) == 22 and not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_gateway_arguments_wire_kafka_events_before_the_backend() -> None:
    args = gateway_args(
        listen="127.0.0.1:17070",
        region="us-east-1",
        kafka_url="127.0.0.1:19092",
        topic="imr.s3-events",
        filter_file="/state/filter.json",
        data_dir="/state/data",
    )
    flags = dict(zip(args[:-2:2], args[1:-2:2], strict=True))
    assert flags["--event-kafka-url"] == "127.0.0.1:19092"
    assert flags["--event-kafka-topic"] == "imr.s3-events"
    assert flags["--event-filter"] == "/state/filter.json"
    assert args[-2:] == ["posix", "/state/data"]


def test_container_broker_advertises_the_bound_host_port() -> None:
    env = kafka_container_env(40123)
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "HOST://127.0.0.1:40123" in advertised
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"


def test_worker_variables_configure_the_workers_settings(tmp_path: Path) -> None:
    services = StackSettings.from_env({"IMR_STACK_DIR": str(tmp_path)}).services()
    settings = Settings(_env_file=None, **_settings_kwargs(services.to_worker_env()))
    assert settings.kafka_bootstrap_servers == services.kafka_bootstrap
    assert settings.s3_endpoint_url == services.s3.endpoint_url
    assert settings.topic_s3_events == "imr.s3-events"
    assert settings.s3_secret_access_key is not None


def _settings_kwargs(env: dict[str, str]) -> dict[str, str]:
    """``IMR_NAME=value`` variables as the ``name`` arguments the settings read them into."""
    assert all(key.startswith("IMR_") for key in env)
    names = set(Settings.model_fields)
    kwargs = {key.removeprefix("IMR_").lower(): value for key, value in env.items()}
    assert set(kwargs) <= names
    return kwargs
