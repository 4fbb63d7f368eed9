"""Logs never carry letter text, patient details or secrets, whoever writes them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import structlog

from schemas.letter import Item, LetterRecord, Patient
from workers.config import Settings
from workers.observability.logs import RepeatLimit, configure_logging
from workers.observability.redaction import REDACTED, is_sensitive_key, scrub, scrub_string
from workers.runtime import MemoryTransport, Message, Output, StageRunner

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "imr-letter-seed.txt"
SYNTHETIC_TEXT = (
    "The injured worker is a 47 year old female who sustained an injury on 03/14/2014. "
    "Request for lumbar epidural steroid injection L4-L5 was denied by utilization review."
)


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def letter_record() -> LetterRecord:
    return LetterRecord(
        layout="A-2016",
        pages=3,
        case_number="CM16-0012345",
        date_of_injury="2014-03-14",
        patient=Patient(age=47, sex="female"),
        items=[
            Item(
                treatment="Lumbar epidural steroid injection L4-L5",
                outcome="upheld",
                rationale="Radiculopathy is not corroborated by imaging or electrodiagnostics.",
            )
        ],
    )


def letter_text() -> str:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8") + SYNTHETIC_TEXT
    return SYNTHETIC_TEXT


def careless_handler(message: Message) -> Sequence[Output]:
    """Logs everything a hurried developer might, then fails with the text in the message."""
    text = message.value.decode()
    record = letter_record()
    log = structlog.get_logger("careless")
    log.info("parsed", record=record.model_dump(mode="json"), letter_text=text)
    log.info("patient", patient_age=record.patient.age, sex=record.patient.sex)
    log.info("connecting", url="https://svc:s3cr3tP4ss@s3.internal/", sasl_password="hunter2")
    logging.getLogger("kafka.producer").debug("Sending (key=%r value=%r)", message.key, text)
    try:
        raise ValueError(f"could not read {text[:80]}")
    except ValueError:
        log.exception("parse_failed")
        raise


def sensitive_fragments(text: str) -> list[str]:
    record = letter_record()
    item = record.items[0]
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 30]
    return [
        *lines,
        item.treatment,
        item.rationale,
        "CM16-0012345",
        "2014-03-14",
        "s3cr3tP4ss",
        "hunter2",
        "female",
    ]


def test_processing_a_letter_logs_no_text_no_patient_fields_and_no_secrets(
    log_stream: io.StringIO,
) -> None:
    text = letter_text()
    bus = MemoryTransport()
    bus.publish("imr.letters.received.v1", text.encode(), key=b"a" * 64)
    stage = StageRunner(
        "parse", "imr.letters.received.v1", careless_handler, bus, Settings(retry_max_attempts=1)
    )
    stage.run_until_idle()
    stage.close()

    output = log_stream.getvalue()
    entries = [json.loads(line) for line in output.splitlines()]
    events = [e["event"] for e in entries]
    assert {"parsed", "patient", "connecting", "parse_failed", "dead_lettered"} <= set(events)
    for fragment in sensitive_fragments(text):
        assert fragment not in output, fragment
    parsed = next(e for e in entries if e["event"] == "parsed")
    assert parsed["letter_text"] == REDACTED
    assert parsed["record"]["patient"] == REDACTED
    assert parsed["record"]["items"][0]["treatment"] == REDACTED
    assert parsed["record"]["layout"] == "A-2016"  # harmless fields survive
    failed = next(e for e in entries if e["event"] == "parse_failed")
    assert failed["error_class"] == "ValueError"
    assert len(bus.records("imr.parse.dlq")) == 1


@pytest.mark.parametrize(
    "key",
    ["text", "letter_text", "patientAge", "treatment", "rationale", "sasl_password", "api-key"],
)
def test_sensitive_keys_are_recognised_by_any_word(key: str) -> None:
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", ["stage", "topic", "offset", "letter_id", "error_class", "event"])
def test_operational_keys_are_kept(key: str) -> None:
    assert not is_sensitive_key(key)


@pytest.mark.parametrize(
    ("raw", "leaked"),
    [
        ("id AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
        ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", "wJalrXUtnFEMI"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("password=pa55word;", "pa55word"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "MIIE"),
    ],
)
def test_strings_that_look_like_secrets_are_masked(raw: str, leaked: str) -> None:
    masked = scrub_string(raw)
    assert leaked not in masked
    assert REDACTED in masked


def test_digests_survive_and_long_strings_are_truncated() -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert scrub_string(f"letter {digest}") == f"letter {digest}"
    assert len(scrub_string("x" * 5000)) < 300


def test_nested_values_are_scrubbed_and_bytes_become_sizes() -> None:
    scrubbed: Any = scrub({"outer": [{"rationale": "why"}], "blob": b"\x00\x01", "n": 3})
    assert scrubbed == {"outer": [{"rationale": REDACTED}], "blob": "<2 bytes>", "n": 3}


def test_repeated_client_log_lines_are_held_back_and_counted() -> None:
    now = [0.0]
    limit = RepeatLimit(window_s=30, clock=lambda: now[0])

    def record(name: str, msg: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, None, None)

    outage = [record("kafka.conn", "connect to %s failed") for _ in range(50)]
    assert sum(limit.filter(r) for r in outage) == 1
    assert limit.filter(record("kafka.client", "other message"))
    assert all(limit.filter(record("imr.worker", "ours")) for _ in range(5))
    now[0] = 31.0
    later = record("kafka.conn", "connect to %s failed")
    assert limit.filter(later)
    assert "49 more like this" in str(later.msg)
