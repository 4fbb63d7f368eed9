"""The same two services as Docker containers, for machines whose Docker daemon answers.

Kafka listens twice: on a host port bound 1:1 (so the address it advertises is the one the
tests dial) and on the container network, where versitygw publishes its bucket events.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .endpoints import S3Endpoint, Services
from .kafka_broker import EVENTS_TOPIC_PARTITIONS, ensure_topic, kafka_healthy
from .processes import wait_until
from .s3_server import EVENT_FILTER, gateway_args, s3_healthy
from .settings import StackSettings

KAFKA_IMAGE = os.environ.get("IMR_TEST_KAFKA_IMAGE", "apache/kafka:4.1.1")
VERSITYGW_IMAGE = os.environ.get("IMR_TEST_S3_IMAGE", "versity/versitygw:v1.8.0")
NETWORK_LISTENER = "kafka:19094"


def docker_available() -> bool:
    """Whether a Docker daemon answers a ping (the CLI alone is not enough)."""
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def kafka_container_env(host_port: int) -> dict[str, str]:
    """KRaft settings for the ``apache/kafka`` image (it maps ``KAFKA_X_Y`` to ``x.y``)."""
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_LISTENERS": "HOST://0.0.0.0:9092,CONTROLLER://localhost:9093,NET://0.0.0.0:19094",
        "KAFKA_ADVERTISED_LISTENERS": f"HOST://127.0.0.1:{host_port},NET://{NETWORK_LISTENER}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "HOST:PLAINTEXT,CONTROLLER:PLAINTEXT,NET:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "NET",
        "KAFKA_NUM_PARTITIONS": "4",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "true",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }


@contextmanager
def container_services(settings: StackSettings, work_dir: Path) -> Iterator[Services]:
    """Run Kafka and versitygw in containers on a private network until the block exits."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.network import Network

    host_port = _free_port()
    bootstrap = f"127.0.0.1:{host_port}"
    filter_file = work_dir / "event-filter.json"
    filter_file.write_text(json.dumps(EVENT_FILTER))
    with Network() as network:
        kafka = (
            DockerContainer(KAFKA_IMAGE)
            .with_network(network)
            .with_network_aliases("kafka")
            .with_bind_ports(9092, host_port)
            .with_envs(**kafka_container_env(host_port))
        )
        with kafka:
            wait_until("the Kafka container", lambda: kafka_healthy(bootstrap), 120)
            ensure_topic(bootstrap, settings.s3_events_topic, EVENTS_TOPIC_PARTITIONS, 60)
            gateway = (
                DockerContainer(VERSITYGW_IMAGE)
                .with_network(network)
                .with_exposed_ports(7070)
                .with_env("ROOT_ACCESS_KEY_ID", settings.s3_access_key)
                .with_env("ROOT_SECRET_ACCESS_KEY", settings.s3_secret_key)
                .with_volume_mapping(str(filter_file), "/etc/imr/event-filter.json", "ro")
                .with_command(
                    gateway_args(
                        listen=":7070",
                        region=settings.s3_region,
                        kafka_url=NETWORK_LISTENER,
                        topic=settings.s3_events_topic,
                        filter_file="/etc/imr/event-filter.json",
                        data_dir="/tmp",
                    )
                )
            )
            with gateway:
                url = f"http://{gateway.get_container_host_ip()}:{gateway.get_exposed_port(7070)}"
                s3 = S3Endpoint(
                    url, settings.s3_access_key, settings.s3_secret_key, settings.s3_region
                )
                wait_until("the versitygw container", lambda: s3_healthy(s3), 60)
                yield Services(bootstrap, s3, settings.s3_events_topic, origin="docker")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
