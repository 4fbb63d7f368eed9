"""Prometheus metrics of the stage runtime, on a registry owned by the process (or a test)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_SECONDS_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


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

    def register_stage(self, stage: str) -> None:
        """Export the stage's series at zero before anything happens, for dashboards and alerts."""
        for metric in (self.messages_in, self.messages_out, self.dead_letters):
            metric.labels(stage)
        for kind in ("transient", "permanent"):
            self.messages_failed.labels(stage, kind)
        self.processing_seconds.labels(stage)

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
