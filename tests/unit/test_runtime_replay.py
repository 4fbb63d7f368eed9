"""Listing dead letters without their payloads, and replaying them once per replay group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from workers.config import Settings
from workers.runtime import MemoryTransport, Message, Output, PermanentError, StageRunner
from workers.runtime.replay import list_dead_letters, replay_dead_letters, replayed

SOURCE = "imr.letters.parsed.v1"
SETTINGS = Settings()


def reject_all(message: Message) -> Sequence[Output]:
    raise PermanentError("rule_failed")


def dead_lettered_bus(*values: bytes) -> MemoryTransport:
    bus = MemoryTransport()
    for value in values:
        bus.publish(SOURCE, value, key=b"k-" + value, headers=[("ce_id", value)])
    StageRunner("validate", SOURCE, reject_all, bus, SETTINGS).run_until_idle()
    return bus


def test_listing_shows_where_and_why_but_never_the_payload() -> None:
    bus = dead_lettered_bus(b"secret letter body", b"another")
    summaries = list(list_dead_letters(bus, SETTINGS, ["validate", "parse"]))
    assert [s.source_offset for s in summaries] == [0, 1]
    first = summaries[0].as_json()
    assert first["stage"] == "validate"
    assert first["reason"] == "rule_failed"
    assert first["error_class"] == "workers.runtime.errors.PermanentError"
    assert (first["source_topic"], first["source_partition"]) == (SOURCE, 0)
    assert (first["key_bytes"], first["value_bytes"]) == (len(b"k-secret letter body"), 18)
    assert first["timestamp"].endswith("+00:00")
    assert "secret letter body" not in repr(first)


def test_listing_honours_the_limit() -> None:
    bus = dead_lettered_bus(b"a", b"b", b"c")
    assert len(list(list_dead_letters(bus, SETTINGS, ["validate"], limit=2))) == 2


def test_a_replayed_record_is_the_original_with_a_replay_count() -> None:
    bus = dead_lettered_bus(b"x")
    [dead] = bus.records("imr.validate.dlq")
    expected = Output(SOURCE, b"k-x", b"x", (("ce_id", b"x"), ("imr.replay.count", b"1")))
    assert replayed(dead) == expected
    replayed_before = replace(dead, headers=(("imr.replay.count", b"1"), *dead.headers))
    again = replayed(replayed_before)
    assert again is not None and again.headers[-1] == ("imr.replay.count", b"2")
    assert replayed(replace(dead, headers=(("ce_id", b"x"),))) is None


def test_replay_republishes_each_dead_letter_once_per_replay_group() -> None:
    bus = dead_lettered_bus(b"a", b"b")
    dry = list(replay_dead_letters(bus, SETTINGS, "validate", dry_run=True))
    assert [i.action for i in dry] == ["would_replay", "would_replay"]
    assert len(bus.records(SOURCE)) == 2  # the dry run published nothing

    done = list(replay_dead_letters(bus, SETTINGS, "validate"))
    assert [i.action for i in done] == ["replayed", "replayed"]
    republished = bus.records(SOURCE)[2:]
    assert [(m.key, m.value) for m in republished] == [(b"k-a", b"a"), (b"k-b", b"b")]
    assert all(not n.startswith("imr.dlq.") for m in republished for n, _ in m.headers)

    assert list(replay_dead_letters(bus, SETTINGS, "validate")) == []


def test_replay_passes_over_dead_letters_older_than_since() -> None:
    bus = dead_lettered_bus(b"old")
    [dead] = bus.records("imr.validate.dlq")
    stamp = int(dict(dead.headers)["imr.dlq.timestamp"])
    items = list(replay_dead_letters(bus, SETTINGS, "validate", since_ms=stamp + 1))
    assert [i.action for i in items] == ["skipped_before_since"]
    assert len(bus.records(SOURCE)) == 1
