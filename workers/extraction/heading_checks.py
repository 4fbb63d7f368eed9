"""Checks of one item's heading reading against itself and against its rationale.

Each :class:`HeadingSignal` says why the treatment (or its partial certification) may be read
wrong, with the confidence that field keeps. The item readers turn the signals into field
confidence; validation reads the same signals from the record as review reasons, so a doubtful
heading is never published as ``valid``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from schemas.letter import PartialCertification
from workers.extraction.fields import Evidence, Span, sentence_spans
from workers.extraction.heading import Heading, read_heading
from workers.extraction.restatement import GENERIC_WORDS, restated_request

_CONNECTORS: Final = frozenset({
    "of", "the", "a", "an", "and", "or", "for", "to", "with", "in", "on", "at", "by", "per",
    "x", "times", "from", "into", "than", "via", "plus",
})  # fmt: skip
_SIDES_AND_LIMBS: Final = frozenset({
    "left", "right", "bilateral", "both", "side", "sided", "extremity", "extremities", "limb",
    "limbs",
})  # fmt: skip
_NOT_CONTENT: Final = _CONNECTORS | GENERIC_WORDS | _SIDES_AND_LIMBS
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", re.IGNORECASE)
_SAME_THING: Final = {
    **dict.fromkeys(("ncv", "ncs", "nerve", "conduction"), "ncs"),
    **dict.fromkeys(("emg", "electromyography", "electromyogram"), "emg"),
    **dict.fromkeys(("arm", "arms", "upper", "ue"), "upper-limb"),
    **dict.fromkeys(("leg", "legs", "lower", "le"), "lower-limb"),
    **dict.fromkeys(("x-ray", "x-rays", "xray", "xrays", "radiograph", "radiographs"), "x-ray"),
    **dict.fromkeys(("mri", "magnetic"), "mri"),
    **dict.fromkeys(("ct", "cat", "computed", "tomography"), "ct"),
    **dict.fromkeys(("pt", "physiotherapy", "physical"), "pt"),
    **dict.fromkeys(("ot", "occupational"), "ot"),
    **dict.fromkeys(("esi", "epidural"), "esi"),
    **dict.fromkeys(("tens", "transcutaneous"), "tens"),
}
"""Abbreviations and plain words reviewers use for the same test, therapy or limb."""
_STARTS_MID_PHRASE = re.compile(r"^[a-z,;:)\]/&.-]")
# A treatment named inside a sentence (layout D: "... the request for a lumbar support brace")
# may open with an article in lower case.
_STARTS_MID_SENTENCE = re.compile(r"^(?:(?!(?:a|an|the)\s)[a-z]|[,;:)\]/&.-])")
_NOT_A_REQUEST = re.compile(
    r"\b(?:not|been|has|have|had|does|did|is|are|was|were|met|necessity|criteria|guidelines?|"
    r"documentation|evidence|requirements?|lack|rationale)\b",
    re.IGNORECASE,
)
"""Words of a verdict's reasoning: a subject holding one is a clause, not a request."""


@dataclass(frozen=True, slots=True)
class HeadingSignal:
    """One reason to doubt an item's heading reading."""

    code: str
    """``treatment_fragment``, ``treatment_disagrees_with_rationale``, ``partial_unread`` or
    ``partial_reviewed_portion_guessed``."""
    field: str
    """The item field in doubt: ``treatment`` or ``partial_certification``."""
    message: str
    """What a person should check; never quotes the letter."""
    confidence: float


def heading_signals(
    heading: Heading,
    partial: PartialCertification | None,
    rationale: str,
    *,
    in_sentence: bool = False,
) -> list[HeadingSignal]:
    """Every doubt about ``heading`` (as read) given the item's ``partial`` certification and
    ``rationale``; ``in_sentence`` when the letter names the treatment inside a sentence rather
    than in a heading of its own."""
    signals: list[HeadingSignal] = []
    fragment = _fragment(heading, _STARTS_MID_SENTENCE if in_sentence else _STARTS_MID_PHRASE)
    if fragment:
        signals.append(HeadingSignal("treatment_fragment", "treatment", fragment, 0.3))
    if heading.speaks_of_partial and partial is None:
        signals.append(
            HeadingSignal(
                "partial_unread",
                "partial_certification",
                "the heading speaks of an original request or an authorized part, but its "
                "parts were not read",
                0.3,
            )
        )
    if heading.reviewed_guessed:
        signals.append(
            HeadingSignal(
                "partial_reviewed_portion_guessed",
                "partial_certification",
                "the letter does not state the portion IMR reviewed; the whole original request "
                "stands in for it",
                0.5,
            )
        )
    restated = restated_request(rationale)
    if restated is not None:
        disagreement = _disagreement(heading.treatment, partial, restated)
        if disagreement:
            signals.append(
                HeadingSignal("treatment_disagrees_with_rationale", "treatment", disagreement, 0.4)
            )
    return signals


def item_signals(
    treatment: str, partial: PartialCertification | None, rationale: str, *, in_sentence: bool
) -> list[HeadingSignal]:
    """:func:`heading_signals` for an item as the record holds it (a second reading)."""
    return list(_item_signals(treatment, partial, rationale, in_sentence))


@lru_cache(maxsize=256)
def _item_signals(
    treatment: str, partial: PartialCertification | None, rationale: str, in_sentence: bool
) -> tuple[HeadingSignal, ...]:
    """Read once per item: each validation rule of :mod:`workers.validation.headings` asks."""
    return tuple(
        heading_signals(read_heading(treatment), partial, rationale, in_sentence=in_sentence)
    )


def add_heading_evidence(
    evidence: Evidence,
    span: Span,
    heading: Heading,
    rationale: str,
    *,
    located: float = 1.0,
    in_sentence: bool = False,
) -> None:
    """Record where ``heading`` was read (``span``) with the confidence its signals leave:
    ``located`` is how surely the heading's bounds were found."""
    signals = heading_signals(heading, heading.partial, rationale, in_sentence=in_sentence)
    evidence.add("treatment", span, field_confidence(signals, "treatment", located))
    if heading.speaks_of_partial:
        confidence = field_confidence(signals, "partial_certification")
        evidence.add("partial_certification", span, confidence)


def field_confidence(signals: list[HeadingSignal], field: str, read: float = 1.0) -> float:
    """The confidence of ``field``: ``read`` (how surely its text was located) lowered to the
    weakest signal about it."""
    return min([read, *(signal.confidence for signal in signals if signal.field == field)])


def _fragment(heading: Heading, mid_phrase: re.Pattern[str]) -> str | None:
    treatment = heading.treatment
    words = _WORD.findall(treatment)
    if not words:
        return "the heading holds no words"
    if mid_phrase.match(treatment):
        return "the heading starts in the middle of a phrase"
    if words[0].lower() in _CONNECTORS - {"a", "an", "the", "x", "times"}:
        return "the heading starts with a joining word"
    if words[-1].lower() in _CONNECTORS - {"x", "times"}:
        return "the heading ends with a joining word"
    if heading.speaks_of_partial:
        if heading.unread_sentences:
            return "the heading holds sentences that are not part of a partial certification"
    elif len(sentence_spans(treatment)) > 1:
        return "the heading holds more than one sentence"
    return None


def _content(text: str) -> list[str]:
    words = (word.lower() for word in _WORD.findall(text))
    return [_SAME_THING.get(word, word) for word in words if word not in _NOT_CONTENT]


def _same(word: str, other: str) -> bool:
    """Same word, or one a spelling variant of the other (shared stem of four letters)."""
    return word == other or (len(word) >= 4 and len(other) >= 4 and word[:4] == other[:4])


def _disagreement(
    treatment: str, partial: PartialCertification | None, restated: str
) -> str | None:
    """Why the rationale's restated request contradicts the heading, if it does."""
    if _NOT_A_REQUEST.search(restated):
        return None
    said = _content(restated)
    named = _content(f"{partial.original_request} {partial.remaining}" if partial else treatment)
    if len(said) >= 2 and not any(_same(w, n) for w in said for n in named):
        return "the rationale's closing verdict names a different request than the heading"
    return None
