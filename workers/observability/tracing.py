"""W3C Trace Context propagation from an inbound record to the records it causes."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runtime imports this module; keep the dependency one-way at run time
    from workers.runtime.messages import Message, Output

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


@dataclass(frozen=True, slots=True)
class TraceContext:
    trace_id: str
    span_id: str
    flags: str = "01"

    def header(self) -> bytes:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}".encode()


def parse_traceparent(value: bytes | None) -> TraceContext | None:
    """The context in a ``traceparent`` header, or ``None`` when absent or malformed."""
    if value is None:
        return None
    match = _TRACEPARENT.fullmatch(value.decode("ascii", "replace").strip())
    if match is None:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or set(trace_id) == {"0"} or set(span_id) == {"0"}:
        return None
    return TraceContext(trace_id, span_id, flags)


def new_id(bits: int) -> str:
    """A random, non-zero id of ``bits`` bits in lowercase hex.

    W3C trace and span ids must be unique, not secret, so they come from ``random`` (reseeded
    in each forked process) rather than the slower ``secrets``; all-zero ids are invalid.
    """
    return f"{random.getrandbits(bits) or 1:0{bits // 4}x}"


def child_context(message: Message) -> TraceContext:
    """A new span under the message's trace, or the root of a new trace when it carries none."""
    parent = parse_traceparent(message.header(TRACEPARENT))
    span_id = new_id(64)
    if parent is None:
        return TraceContext(new_id(128), span_id)
    return TraceContext(parent.trace_id, span_id, parent.flags)


def propagate_trace(
    message: Message, outputs: Sequence[Output], context: TraceContext | None = None
) -> list[Output]:
    """``outputs`` carrying the child span of ``message`` (and its ``tracestate``, if any)."""
    context = context or child_context(message)
    added = [(TRACEPARENT, context.header())]
    state = message.header(TRACESTATE)
    if state is not None:
        added.append((TRACESTATE, state))
    added_headers = tuple(added)
    replaced = {name for name, _ in added}
    return [
        replace(
            o,
            headers=tuple(h for h in o.headers if h[0] not in replaced) + added_headers
            if o.headers
            else added_headers,
        )
        for o in outputs
    ]
