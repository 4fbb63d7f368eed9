"""One fixed, synthetic example of every event: documentation (AsyncAPI ``examples``) and test
material. Nothing here comes from a real letter."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schemas.cloudevents import stage_source
from schemas.deadletter import DeadLetterData
from schemas.determination import DeterminationData, DeterminedItem
from schemas.enrichment import (
    Authorization,
    CatalogMatch,
    EnrichedCitation,
    ItemEnrichment,
    ServiceDetails,
)
from schemas.events import (
    AnyEvent,
    DeadLetter,
    DeterminationExtracted,
    DeterminationReviewed,
    LetterParsed,
    LetterParsedData,
    LetterReceived,
    LetterReceivedData,
    LetterValidated,
    LetterValidatedData,
)
from schemas.letter import (
    Citation,
    Item,
    LetterRecord,
    PartialCertification,
    Patient,
    Provenance,
    Reviewer,
)
from schemas.review import REVIEW_SOURCE, FieldReview, ReviewedData
from schemas.source import SourceObject, letter_id_for
from schemas.validation import ValidationResult

EXAMPLE_TIME = datetime(2017, 1, 20, 14, 30, tzinfo=UTC)
EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

_CITATION = "MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids"

SOURCE = SourceObject(
    bucket="imr-letters",
    key="2017/01/CM16-0000000.pdf",
    version_id="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
    etag="d41d8cd98f00b204e9800998ecf8427e",
    size=48213,
    content_type="application/pdf",
    received_at=EXAMPLE_TIME,
    event_name="s3:ObjectCreated:Put",
)
LETTER_ID = letter_id_for(SOURCE.bucket, SOURCE.key, SOURCE.version_id, SOURCE.etag)
PARSED_SOURCE = SOURCE.model_copy(update={"sha256": "0" * 63 + "1", "pages": 3})

ITEM = Item(
    treatment=(
        "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the "
        "Claims Administrator. The remaining IMR eligible portion of the original request, "
        "Norco 10/325mg #35"
    ),
    outcome="upheld",
    partial_certification=PartialCertification(
        original_request="Norco 10/325mg #60",
        authorized="Norco 10/325mg #25",
        remaining="Norco 10/325mg #35",
    ),
    claims_administrator_guidelines=[Citation(raw=_CITATION)],
    reviewer_guidelines=[Citation(raw=_CITATION)],
    rationale="There is no documented functional improvement; the request is not medically "
    "necessary.",
    provenance={"treatment": Provenance(page=2, start=4120, end=4321)},
    confidence={"treatment": 0.95, "outcome": 0.99},
)

RECORD = LetterRecord(
    layout="A-2016",
    pages=3,
    case_number="CM16-0000000",
    date_assigned=date(2016, 12, 16),
    date_of_injury=date(2014, 10, 14),
    decision_date=date(2017, 1, 20),
    ur_denial_date=date(2016, 11, 8),
    application_received=date(2016, 12, 6),
    priority="Standard",
    patient=Patient(age=52, sex="female"),
    reviewer=Reviewer(specialty="Anesthesiology", license_states=["California"]),
    items=[ITEM],
    provenance={"case_number": Provenance(page=1, start=212, end=224)},
    confidence={"case_number": 0.99, "decision_date": 0.98},
)

VALIDATION = ValidationResult.from_reasons([])

_ENRICHED_CITATION = EnrichedCitation(
    raw=_CITATION,
    guideline_id="mtus-cpmtg-2016",
    matches=[
        CatalogMatch(
            guideline_id="mtus-cpmtg-2016",
            score=0.97,
            family="MTUS",
            title="Chronic Pain Medical Treatment Guidelines",
            edition="2016",
            sections=["Opioids"],
            mtus=True,
            evidence_tier=1,
        )
    ],
    sections=["Opioids"],
    mtus=True,
)

ENRICHMENT = ItemEnrichment(
    service=ServiceDetails(
        name="Norco 10/325mg #35",
        drug="Norco",
        generic="hydrocodone/acetaminophen",
        strength="10/325mg",
        quantity=35,
        quantity_text="#35",
    ),
    category="Pharmaceuticals",
    subcategory="opioids",
    authorization=Authorization(
        action="remains_denied",
        scope="Norco 10/325mg #35",
        explanation="IMR upheld the denial of the remaining portion; the authorized part stands.",
    ),
    claims_administrator_guidelines=[_ENRICHED_CITATION],
    reviewer_guidelines=[_ENRICHED_CITATION],
)


def example_events() -> list[AnyEvent]:
    """One event of every type, with fixed ids and times."""
    received = LetterReceivedData(letter_id=LETTER_ID, source=SOURCE)
    parsed = LetterParsedData(
        letter_id=LETTER_ID, source=PARSED_SOURCE, record=RECORD, extractor_version="0.1.0"
    )
    validated = LetterValidatedData(**dict(parsed), validation=VALIDATION)
    determination = DeterminationData(
        **{**dict(RECORD), "items": [DeterminedItem.combine(ITEM, ENRICHMENT)]},
        letter_id=LETTER_ID,
        source=PARSED_SOURCE,
        extractor_version="0.1.0",
        validation=VALIDATION,
    )
    corrected = determination.model_copy(
        update={
            "decision_date": date(2017, 1, 19),
            "confidence": {**determination.confidence, "decision_date": 1.0},
        }
    )
    reviewed = ReviewedData(
        letter_id=LETTER_ID,
        extracted_event_id="c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e44",
        approved_by="reviewer-1",
        approved_at=EXAMPLE_TIME,
        changes=[
            FieldReview(
                field="decision_date",
                action="edit",
                old_value="2017-01-20",
                new_value="2017-01-19",
                reviewer="reviewer-1",
                at=EXAMPLE_TIME,
            ),
            FieldReview(
                field="items[1].outcome",
                action="confirm",
                old_value="upheld",
                new_value="upheld",
                reviewer="reviewer-1",
                at=EXAMPLE_TIME,
            ),
        ],
        determination=corrected,
    )
    dead = DeadLetterData.capture(
        stage="parse",
        error_class="NoTextLayerError",
        reason="no_text_layer",
        attempt=1,
        source_topic="imr.letters.received.v1",
        source_partition=2,
        source_offset=1041,
        failed_at=EXAMPLE_TIME,
        key=LETTER_ID.encode(),
        value=b'{"letter_id": "..."}',
        headers=[("ce_type", b"org.imr.letter.received.v1")],
    )
    common = {"time": EXAMPLE_TIME, "traceparent": EXAMPLE_TRACEPARENT}
    return [
        LetterReceived(
            id="0b7e5d7c-1f4e-4d2a-9a57-3f1f0c6a2b11",
            source=stage_source("ingest"),
            data=received,
            **common,
        ),
        LetterParsed(
            id="5a3c1c8e-8d8b-4c1e-b0a4-2f6f4a9d7e22",
            source=stage_source("parse"),
            data=parsed,
            **common,
        ),
        LetterValidated(
            id="9f1d2e3c-4b5a-4c6d-8e7f-1a2b3c4d5e33",
            source=stage_source("validate"),
            data=validated,
            **common,
        ),
        DeterminationExtracted(
            id="c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e44",
            source=stage_source("enrich"),
            data=determination,
            **common,
        ),
        DeterminationReviewed(
            id="d4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f66",
            source=REVIEW_SOURCE,
            data=reviewed,
            **common,
        ),
        DeadLetter(
            id="e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a855",
            source=stage_source("parse"),
            data=dead,
            time=EXAMPLE_TIME,
        ),
    ]
