"""Prometheus metrics of the stage runtime, on a registry owned by the process (or a test)."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from workers import __version__

_SECONDS_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_FAILURE_KINDS = ("transient", "permanent")


@dataclass(frozen=True, slots=True)
class StageMetrics:
    """The series of one stage, labelled once instead of looked up again for every record."""

    messages_in: Counter
    messages_out: Counter
    messages_failed: Mapping[str, Counter]
    """By failure kind (``transient``, ``permanent``)."""
    dead_letters: Counter
    processing_seconds: Histogram
    dead_letter_reasons: Counter
    """All stages' dead letters by stage and reason (see :meth:`dead_lettered`)."""
    stage: str

    def dead_lettered(self, reason: str) -> None:
        """Count one dead letter of this stage, in total and under its ``reason``."""
        self.dead_letters.inc()
        self.dead_letter_reasons.labels(self.stage, reason).inc()


class RuntimeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.messages_in = Counter("imr_messages_in", "Records consumed", ["stage"], registry=r)
        self.messages_out = Counter(
            "imr_messages_out", "Records produced by handlers", ["stage"], registry=r
        )
        self.messages_failed = Counter(
            "imr_messages_failed", "Handler attempts that raised", ["stage", "kind"], registry=r
        )
        self.dead_letters = Counter(
            "imr_dead_letters", "Records sent to the dead-letter topic", ["stage"], registry=r
        )
        self.dead_letter_reasons = Counter(
            "imr_dead_letters_by_reason",
            "Records sent to the dead-letter topic, by the reason recorded with them",
            ["stage", "reason"],
            registry=r,
        )
        self.processing_seconds = Histogram(
            "imr_processing_seconds",
            "Time to settle one record, retries included",
            ["stage"],
            buckets=_SECONDS_BUCKETS,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "imr_consumer_lag",
            "Records not yet consumed",
            ["stage", "topic", "partition"],
            registry=r,
        )
        self._lag_series: dict[str, set[tuple[str, str]]] = {}
        self.broker_connected = Gauge(
            "imr_broker_connected",
            "1 while the stage's last broker request (group join, lag lookup every few seconds) "
            "succeeded, 0 while it fails",
            ["stage"],
            registry=r,
        )
        Info("imr_build", "Version of the workers and of Python", registry=r).info(
            {"version": __version__, "python": platform.python_version()}
        )

    def for_stage(self, stage: str) -> StageMetrics:
        """The stage's series, exported at zero from now on (before anything happens), for
        dashboards and alerts."""
        return StageMetrics(
            messages_in=self.messages_in.labels(stage),
            messages_out=self.messages_out.labels(stage),
            messages_failed={
                kind: self.messages_failed.labels(stage, kind) for kind in _FAILURE_KINDS
            },
            dead_letters=self.dead_letters.labels(stage),
            processing_seconds=self.processing_seconds.labels(stage),
            dead_letter_reasons=self.dead_letter_reasons,
            stage=stage,
        )

    def record_lag(self, stage: str, lag: Iterable[tuple[tuple[str, int], int]]) -> None:
        """``lag`` pairs ``(topic, partition)`` with the records not yet consumed there, for
        every partition the stage now owns; series of partitions it gave up are removed, so
        their last value is not reported (and summed with the new owner's) forever."""
        current = {(topic, str(partition)): value for (topic, partition), value in lag}
        for topic, partition in self._lag_series.get(stage, set()) - current.keys():
            self.consumer_lag.remove(stage, topic, partition)
        for (topic, partition), value in current.items():
            self.consumer_lag.labels(stage, topic, partition).set(value)
        self._lag_series[stage] = set(current)
