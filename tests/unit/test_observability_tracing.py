"""W3C traceparent propagation from inbound records to outputs."""

from __future__ import annotations

import pytest

from workers.observability.tracing import (
    TraceContext,
    child_context,
    new_id,
    parse_traceparent,
    propagate_trace,
)
from workers.runtime import Message, Output

PARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def message(*headers: tuple[str, bytes]) -> Message:
    return Message("in", 0, 0, None, b"{}", headers, None)


def test_a_valid_header_is_parsed() -> None:
    assert parse_traceparent(PARENT) == TraceContext(
        "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01"
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"garbage",
        b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        b"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    ],
)
def test_absent_or_malformed_headers_are_ignored(value: bytes | None) -> None:
    assert parse_traceparent(value) is None


def test_child_keeps_the_trace_and_flags_with_a_new_span() -> None:
    child = child_context(message(("traceparent", PARENT)))
    assert child.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert child.flags == "01"
    assert child.span_id != "00f067aa0ba902b7" and len(child.span_id) == 16


def test_a_record_without_context_starts_a_new_trace() -> None:
    first, second = child_context(message()), child_context(message())
    assert len(first.trace_id) == 32 and first.trace_id != second.trace_id


def test_new_ids_are_lowercase_hex_of_the_asked_width_and_never_all_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    span, trace = new_id(64), new_id(128)
    assert parse_traceparent(f"00-{trace}-{span}-01".encode()) == TraceContext(trace, span)
    monkeypatch.setattr("random.getrandbits", lambda bits: 0)
    assert (new_id(64), new_id(128)) == ("0" * 15 + "1", "0" * 31 + "1")


def test_outputs_get_one_traceparent_and_the_inbound_tracestate() -> None:
    inbound = message(("traceparent", PARENT), ("tracestate", b"vendor=1"))
    stale = Output("out", b"k", b"v", (("traceparent", b"old"), ("ce_id", b"1")))
    context = child_context(inbound)
    [out] = propagate_trace(inbound, [stale], context)
    assert out.headers == (
        ("ce_id", b"1"),
        ("traceparent", context.header()),
        ("tracestate", b"vendor=1"),
    )
    assert (out.topic, out.key, out.value) == ("out", b"k", b"v")
