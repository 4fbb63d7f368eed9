"""Health, readiness and Prometheus metrics over HTTP."""

from __future__ import annotations

import platform
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from workers import __version__
from workers.config import STAGES, Settings
from workers.observability.health import HealthServer
from workers.observability.metrics import RuntimeMetrics
from workers.runtime import MemoryTransport, Message, Output, PermanentError, StageRunner


def get(server: HealthServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def stage_and_server() -> Iterator[tuple[StageRunner, HealthServer, MemoryTransport]]:
    bus = MemoryTransport(default_partitions=2)

    def handler(message: Message) -> list[Output]:
        if message.value == b"bad":
            raise PermanentError("invalid")
        return [Output("out", message.key, message.value)]

    metrics = RuntimeMetrics()
    stage = StageRunner("validate", "in", handler, bus, Settings(), metrics=metrics)
    server = HealthServer(0, metrics.registry, lambda: stage.ready, host="127.0.0.1")
    server.start()
    yield stage, server, bus
    server.stop()


def test_liveness_always_answers_and_readiness_follows_the_assignment(
    stage_and_server: tuple[StageRunner, HealthServer, MemoryTransport],
) -> None:
    stage, server, _ = stage_and_server
    assert get(server, "/healthz") == (200, "ok\n")
    assert 'imr_dead_letters_total{stage="validate"} 0.0' in get(server, "/metrics")[1]
    assert get(server, "/readyz")[0] == 503
    stage.poll_once(timeout_s=0)
    assert get(server, "/readyz")[0] == 200
    stage.stop()
    assert get(server, "/readyz")[0] == 503
    assert get(server, "/nope")[0] == 404


def test_liveness_follows_the_alive_check() -> None:
    alive = [True]
    server = HealthServer(
        0, RuntimeMetrics().registry, lambda: True, host="127.0.0.1", alive=lambda: alive[0]
    )
    server.start()
    try:
        assert get(server, "/healthz") == (200, "ok\n")
        alive[0] = False
        assert get(server, "/healthz") == (503, "stuck\n")
        assert get(server, "/readyz")[0] == 200
    finally:
        server.stop()


def test_metrics_count_records_dead_letters_time_and_lag(
    stage_and_server: tuple[StageRunner, HealthServer, MemoryTransport],
) -> None:
    stage, server, bus = stage_and_server
    for value in (b"a", b"b", b"bad"):
        bus.publish("in", value, key=value)
    stage.run_until_idle()
    status, body = get(server, "/metrics")
    assert status == 200
    lines = set(body.splitlines())
    assert 'imr_messages_in_total{stage="validate"} 3.0' in lines
    assert 'imr_messages_out_total{stage="validate"} 2.0' in lines
    assert 'imr_messages_failed_total{kind="permanent",stage="validate"} 1.0' in lines
    assert 'imr_dead_letters_total{stage="validate"} 1.0' in lines
    assert 'imr_dead_letters_by_reason_total{reason="invalid",stage="validate"} 1.0' in lines
    assert 'imr_processing_seconds_count{stage="validate"} 3.0' in lines
    assert any(line.startswith('imr_consumer_lag{partition="0"') for line in lines)


def test_lag_of_partitions_given_up_is_no_longer_reported() -> None:
    metrics = RuntimeMetrics()

    def lag(partition: int) -> float | None:
        return metrics.registry.get_sample_value(
            "imr_consumer_lag", {"stage": "parse", "topic": "in", "partition": str(partition)}
        )

    metrics.record_lag("parse", [(("in", 0), 5), (("in", 1), 7)])
    metrics.record_lag("enrich", [(("in", 1), 2)])
    metrics.record_lag("parse", [(("in", 0), 3)])  # partition 1 moved to another member
    assert (lag(0), lag(1)) == (3.0, None)
    assert (
        metrics.registry.get_sample_value(
            "imr_consumer_lag", {"stage": "enrich", "topic": "in", "partition": "1"}
        )
        == 2.0
    )


def test_each_stage_has_its_own_default_port_and_the_setting_overrides_it() -> None:
    defaults = {stage: Settings(_env_file=None).stage_http_port(stage) for stage in STAGES}
    assert len(set(defaults.values())) == len(STAGES)
    assert {Settings(_env_file=None, http_port=9000).stage_http_port(s) for s in STAGES} == {9000}


def test_port_zero_binds_a_free_port() -> None:
    server = HealthServer(0, CollectorRegistry(), lambda: True, host="127.0.0.1")
    server.start()
    try:
        assert server.port > 0
    finally:
        server.stop()


def test_build_info_and_the_broker_connection_state_are_exported(
    stage_and_server: tuple[StageRunner, HealthServer, MemoryTransport],
) -> None:
    from kafka.errors import KafkaConnectionError

    stage, server, _ = stage_and_server
    connected = 'imr_broker_connected{stage="validate"} '
    lines = set(get(server, "/metrics")[1].splitlines())
    build = f'imr_build_info{{python="{platform.python_version()}",version="{__version__}"}} 1.0'
    assert build in lines
    assert connected + "0.0" in lines  # not joined yet

    stage.poll_once(timeout_s=0)
    assert connected + "1.0" in get(server, "/metrics")[1].splitlines()

    consumer = stage._consumer
    assert consumer is not None

    def refused(timeout_s: float, max_records: int) -> list[Message]:
        raise KafkaConnectionError("refused")

    consumer.poll = refused  # type: ignore[method-assign]
    stage._poll_or_back_off()
    assert connected + "0.0" in get(server, "/metrics")[1].splitlines()
