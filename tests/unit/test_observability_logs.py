"""kafka-python's repeated connection complaints are rate-limited; other loggers are not."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from workers.observability.logs import RateLimit, configure_logging


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_one_line_per_template_and_interval_then_a_count_of_what_was_held_back() -> None:
    now = [0.0]
    limit = RateLimit(interval_s=30, clock=lambda: now[0])
    template = "Connect attempt to %s returned error %s"
    passed = []
    for second in range(0, 61):
        now[0] = float(second)
        for host in ("a:9092", "b:9092"):
            entry = record("kafka.conn", template, host, 111)
            if limit.filter(entry):
                passed.append((second, entry.getMessage()))
    assert [second for second, _ in passed] == [0, 30, 60]
    assert passed[0][1] == "Connect attempt to a:9092 returned error 111"
    assert passed[1][1].endswith("[59 more like this held back]")
    assert passed[2][1].endswith("[59 more like this held back]")


def test_other_templates_and_other_loggers_pass() -> None:
    limit = RateLimit(interval_s=30, clock=lambda: 0.0)
    assert limit.filter(record("kafka.conn", "first %s", 1))
    assert limit.filter(record("kafka.coordinator", "first %s", 1))  # another logger
    assert limit.filter(record("kafka.conn", "second"))
    assert not limit.filter(record("kafka.conn", "first %s", 2))
    assert all(limit.filter(record("imr.worker", "same")) for _ in range(3))
    assert all(limit.filter(record("kafkaesque", "same")) for _ in range(3))


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers, root.level
    configure_logging("INFO", stream)
    yield stream
    root.handlers, root.level = handlers, level


def test_the_worker_logging_applies_the_limit(logged: io.StringIO) -> None:
    for _ in range(50):
        logging.getLogger("kafka.net.manager").error("Connection failed: %s", "refused")
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["Connection failed: refused"]
