"""Listing dead letters without their payloads, and replaying them once per replay group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from workers.config import Settings
from workers.runtime import MemoryTransport, Message, Output, PermanentError, StageRunner
from workers.runtime.replay import Selection, list_dead_letters, replay_dead_letters, replayed

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


def test_permanent_failures_are_refused_unless_forced() -> None:
    bus = dead_lettered_bus(b"a")
    refused = list(replay_dead_letters(bus, SETTINGS, "validate"))
    assert [(i.action, i.summary.kind) for i in refused] == [("refused_permanent", "permanent")]
    assert len(bus.records(SOURCE)) == 1


def test_replay_republishes_each_dead_letter_once() -> None:
    bus = dead_lettered_bus(b"a", b"b")
    dry = list(replay_dead_letters(bus, SETTINGS, "validate", force=True, dry_run=True))
    assert [i.action for i in dry] == ["would_replay", "would_replay"]
    assert len(bus.records(SOURCE)) == 2  # the dry run published nothing

    done = list(replay_dead_letters(bus, SETTINGS, "validate", force=True))
    assert [i.action for i in done] == ["replayed", "replayed"]
    republished = bus.records(SOURCE)[2:]
    assert [(m.key, m.value) for m in republished] == [(b"k-a", b"a"), (b"k-b", b"b")]
    assert all(not n.startswith("imr.dlq.") for m in republished for n, _ in m.headers)
    ledger = bus.records(SETTINGS.replay_ledger_topic("validate"))
    assert [m.key for m in ledger] == [s.summary.coordinates.encode() for s in done]

    again = list(replay_dead_letters(bus, SETTINGS, "validate", force=True))
    assert [i.action for i in again] == ["already_replayed", "already_replayed"]
    assert len(bus.records(SOURCE)) == 4


def test_a_selection_takes_reason_text_and_time_range() -> None:
    bus = dead_lettered_bus(b"one", b"two")
    second = bus.records("imr.validate.dlq")[1]
    stamp = int(dict(second.headers)["imr.dlq.timestamp"])

    def about(message: Message) -> dict[str, str | None]:
        return {"object_key": f"in/{message.value.decode()}.pdf"}

    def picked(selection: Selection) -> list[str | None]:
        found = list_dead_letters(bus, SETTINGS, ["validate"], selection=selection, describe=about)
        return [s.details["object_key"] for s in found]

    assert picked(Selection(text="two")) == ["in/two.pdf"]
    assert picked(Selection(reasons=frozenset({"rule_failed"}))) == ["in/one.pdf", "in/two.pdf"]
    assert picked(Selection(reasons=frozenset({"other"}))) == []
    assert picked(Selection(since_ms=stamp + 1)) == []
    assert picked(Selection(until_ms=stamp + 1)) == ["in/one.pdf", "in/two.pdf"]
    items = replay_dead_letters(
        bus, SETTINGS, "validate", selection=Selection(text="one"), force=True, describe=about
    )
    assert [(i.action, i.summary.details["object_key"]) for i in items] == [
        ("replayed", "in/one.pdf")
    ]


def test_the_listing_shows_kind_age_and_replay_count() -> None:
    bus = dead_lettered_bus(b"x")
    [summary] = list_dead_letters(bus, SETTINGS, ["validate"])
    shown = summary.as_json(now_ms=(summary.timestamp_ms or 0) + 61_000)
    assert (shown["kind"], shown["age_seconds"], shown["replay_count"]) == ("permanent", 61, 0)
