"""Bad input never crashes a worker and never disappears (real broker, S3 and worker processes).

Each case of :data:`benchmarks.bad_inputs.CASES` (empty, not a letter, UR letter, image-only,
encrypted, corrupted, truncated, 500 pages, decompression bomb, over the size limit, wrong content
type, malformed and unknown notifications, a key with spaces and unicode, an object deleted
before its fetch or overwritten after its notification) must reach its outcome: a dead letter of
the right stage with the reason and attempt headers and the original record, or a determination.
The handling worker must keep running with bounded memory, and a good letter after all of them
must still become a determination. ``benchmarks/bad_inputs.py`` reports the same cases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.bad_inputs import (
    CASES,
    GOOD_AFTERWARDS,
    RSS_AFTER_LIMIT_KIB,
    BadInputRun,
    Case,
)
from benchmarks.services import S3Endpoint, Services
from schemas.events import LetterReceived, from_kafka
from workers.config import STAGES
from workers.runtime.dead_letter import DLQ_SOURCE_TOPIC
from workers.stages import source_topic

pytestmark = pytest.mark.integration

BOMB_BYTES = 256 << 20
"""Smaller than the benchmark's 1 GiB bomb, to keep the suite quick; the same code path."""


@pytest.fixture(scope="module")
def run(kafka_bootstrap: str, s3_endpoint: S3Endpoint) -> Iterator[BadInputRun]:
    services = Services(kafka_bootstrap, s3_endpoint, None, origin="test services")
    with BadInputRun(services, bomb_bytes=BOMB_BYTES) as pipeline:
        yield pipeline


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_reaches_its_outcome_and_the_worker_survives(
    run: BadInputRun, case: Case
) -> None:
    outcome, rss_kib, _ = run.run(case)

    assert outcome is not None, f"no outcome for {case.name}; worker logs in {run.pool.log_dir}"
    assert case.accepts(outcome), f"{case.name}: expected {case.expected()}, got {outcome}"
    if case.stage is not None:
        assert outcome.headers[DLQ_SOURCE_TOPIC] == source_topic(case.stage, run.settings)
        assert outcome.record is not None
        original = outcome.record
        if case.stage == "ingest":
            assert original.value == run.published[original.key or b""]
        else:
            event = from_kafka(original.value, original.headers)
            assert isinstance(event, LetterReceived)
            assert (original.key or b"").decode() == event.data.letter_id
    exited = [(w.stage, run.pool.tail(w)) for w in run.pool.dead()]
    assert not exited, f"worker exited: {exited}"
    assert rss_kib is not None and rss_kib < RSS_AFTER_LIMIT_KIB, (
        f"{case.name}: worker holds {rss_kib} KiB afterwards"
    )


def test_a_good_letter_after_the_bad_ones_becomes_a_determination(run: BadInputRun) -> None:
    outcome, _, _ = run.run(GOOD_AFTERWARDS)

    assert outcome is not None and GOOD_AFTERWARDS.accepts(outcome), outcome
    assert len(run.pool.alive()) == len(STAGES)
