"""`imr reconcile --every`: a failing pass is counted and the loop goes on; SIGTERM ends it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import structlog

from workers.cli.reconcile import PassMetrics, TooRecent, reconcile_every
from workers.runtime import TransientError


def test_a_failed_pass_is_counted_and_the_next_one_runs_on_schedule() -> None:
    stop, metrics = threading.Event(), PassMetrics()
    outcomes: list[str] = ["fail", "ok", "ok"]

    def run_pass() -> Iterator[TooRecent]:
        outcome = outcomes.pop(0)
        if not outcomes:
            stop.set()
        if outcome == "fail":
            raise TransientError("store unavailable")
        yield TooRecent("in/new.pdf", 1.0)

    with structlog.testing.capture_logs() as logs:
        reconcile_every(0.01, run_pass, stop, metrics)

    def passes(outcome: str) -> float | None:
        return metrics.registry.get_sample_value("imr_reconcile_passes_total", {"outcome": outcome})

    assert (passes("failed"), passes("completed")) == (1.0, 2.0)
    assert metrics.ready
    assert [entry["event"] for entry in logs] == [
        "reconcile pass failed",
        "reconcile pass done",
        "reconcile pass done",
    ]
    assert logs[1]["too_recent"] == 1 and "in/new.pdf" not in repr(logs)  # keys stay out
