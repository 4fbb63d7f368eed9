"""Reworded rationale prose: other words in the sentences before the verdict, and the verdict
said another way with the same meaning. The expectation does not change."""

from __future__ import annotations

import random
import re

from tests.perturbation.anatomy import fill, items, replace_spans
from tests.perturbation.letter import Letter

RATIONALE_WIDTH = 95
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_VERDICT = re.compile(r"medically\s+necessary|medical\s+necessity|medically\s+appropriate", re.I)

# Words of the reasoning with others of the same meaning.
_SYNONYMS = (
    (r"\bThe patient\b", "The injured worker"),
    (r"\bthe patient\b", "the injured worker"),
    (r"\bsubmitted for review\b", "provided for this review"),
    (r"\bdocumentation\b", "medical documentation"),
    (r"\bHowever,", "Nevertheless,"),
    (r"\bIn addition,", "Additionally,"),
    (r"\bAccording to\b", "As stated in"),
    (r"\bThere was no\b", "There was not any"),
    (r"\bthere is no\b", "there is not any"),
)
_OPENERS = ("Of note, ", "In this case, ", "On review of the records, ")
_PLAIN_FIRST_WORDS = {"The", "This", "There", "These", "It", "In", "A", "An", "He", "She", "On"}

# The verdict said another way: (pattern, replacements).
_VERDICTS = (
    (
        re.compile(r"\b(?:this|the)\s+request\s+(is)\s+not\s+medically\s+necessary\b"),
        (
            "medical necessity for this request has not been established",
            "this request {0} not medically necessary and appropriate",
        ),
    ),
    (
        re.compile(r"\b(is|are)\s+not\s+medically\s+necessary\b"),
        (
            "{0} not medically necessary and appropriate",
            "{0} therefore not supported as medically necessary",
        ),
    ),
    (
        re.compile(r"\b(is|are)\s+medically\s+necessary\b"),
        (
            "{0} medically necessary and appropriate",
            "{0} therefore supported as medically necessary",
        ),
    ),
)


def _reword(sentence: str, rng: random.Random) -> str:
    for pattern, replacement in _SYNONYMS:
        if rng.random() < 0.7:
            sentence = re.sub(pattern, replacement, sentence)
    first = sentence.split(" ", 1)[0]
    if first in _PLAIN_FIRST_WORDS and rng.random() < 0.3:
        sentence = rng.choice(_OPENERS) + sentence[:1].lower() + sentence[1:]
    return sentence


def _reword_verdict(sentence: str, rng: random.Random) -> str:
    for pattern, replacements in _VERDICTS:
        found = pattern.search(sentence)
        if found:
            new = rng.choice(replacements).format(found.group(1))
            return sentence[: found.start()] + new + sentence[found.end() :]
    return sentence


def rationale_reworded(letter: Letter, rng: random.Random) -> Letter:
    """Every rationale reworded: synonyms and openers in the sentences before the last one that
    states a medical-necessity verdict, and that verdict rephrased ("is not medically
    necessary" -> "is not medically necessary and appropriate" or "is therefore not supported
    as medically necessary"; "the request is not medically necessary" -> "medical necessity
    for this request has not been established"); sentences after it are kept."""
    edits = []
    for part in items(letter):
        sentences = _SENTENCE_END.split(
            " ".join(letter.text[part.rationale.start : part.rationale.end].split())
        )
        verdicts = [i for i, sentence in enumerate(sentences) if _VERDICT.search(sentence)]
        last = verdicts[-1] if verdicts else len(sentences) - 1
        reworded = [_reword(s, rng) for s in sentences[:last]]
        reworded += [_reword_verdict(sentences[last], rng), *sentences[last + 1 :]]
        edits.append(
            (part.rationale, " " + fill(" ".join(reworded), RATIONALE_WIDTH, after=20) + "\n")
        )
    return letter.with_text(replace_spans(letter.text, edits))
