"""Logging with redaction, Prometheus metrics, health endpoints and trace propagation."""

from workers.observability.health import HealthServer
from workers.observability.logs import configure_logging
from workers.observability.metrics import RuntimeMetrics
from workers.observability.redaction import redact, scrub
from workers.observability.tracing import TraceContext, child_context, propagate_trace

__all__ = [
    "HealthServer",
    "RuntimeMetrics",
    "TraceContext",
    "child_context",
    "configure_logging",
    "propagate_trace",
    "redact",
    "scrub",
]
