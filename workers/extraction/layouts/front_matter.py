"""What every layout reads around its items: the header, the patient and the reviewer, with
the evidence and warnings gathered on the way, and the record they end in."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.letter import ExtractionWarning, Item, Layout, LetterRecord, Patient, Reviewer
from workers.extraction.document import Document
from workers.extraction.fields import Evidence, Span
from workers.extraction.layouts.header import Header, read_header
from workers.extraction.layouts.reviewer import read_reviewer
from workers.extraction.layouts.summary import read_patient


@dataclass(slots=True)
class FrontMatter:
    """Letter-level values read so far; parsers add warnings and may correct header dates."""

    doc: Document
    header: Header
    patient: Patient
    reviewer: Reviewer
    evidence: Evidence
    warnings: list[ExtractionWarning]

    def record(self, layout: Layout, items: list[Item]) -> LetterRecord:
        """The letter record of ``layout`` with these values and ``items``."""
        return LetterRecord(
            layout=layout,
            pages=self.doc.pages,
            patient=self.patient,
            reviewer=self.reviewer,
            items=items,
            provenance=self.evidence.provenance,
            confidence=self.evidence.confidence,
            warnings=self.warnings,
            **self.header,
        )


def read_front_matter(
    doc: Document, *, header_end: int, summary: Span | None, reviewer_block: Span | None
) -> FrontMatter:
    """The header before ``header_end``, the patient from the case ``summary`` and the
    reviewer's credentials from ``reviewer_block`` (either may be missing)."""
    evidence = Evidence(doc)
    warnings: list[ExtractionWarning] = []
    header = read_header(doc, evidence, end=header_end)
    patient = read_patient(summary, evidence, header, warnings)
    reviewer = read_reviewer(doc, reviewer_block, evidence)
    return FrontMatter(doc, header, patient, reviewer, evidence, warnings)
