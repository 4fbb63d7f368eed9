"""What a rationale's closing verdict says was requested: a second reading of the treatment.

Reviewers usually close with "the request for X is (not) medically necessary" or "Therefore,
the requested X is not supported". ``X`` restates the treatment in the reviewer's words, so it
can confirm (or contradict) the heading an item was read from. Generic subjects ("this
request", "the requested ancillary service") restate nothing and give ``None``.
"""

from __future__ import annotations

import re
from typing import Final

from workers.extraction.fields import conclusion

_VERB = re.compile(
    r"\s(?:is|are|was|were|remains?|(?:cannot|can\s+not|would(?:\s+not)?|will(?:\s+not)?)\s+be"
    r"|(?:has|have)(?:\s+not)?\s+been)\s",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s(?:that|because|since|therefore|so|hence|thus)\s", re.I)
_LEADING = re.compile(
    r"^(?:(?:as|since|because|therefore|thus|hence|so|consequently|accordingly|overall|"
    r"ultimately|then|and|but|at\s+this\s+time|in\s+summary|in\s+conclusion)\s+)*"
    r"(?:(?:the|this|that|these|those|such|a|an)\s+)?(?:(?:current|present|above|previous|"
    r"prospective|retrospective|proposed|additional)\s+)*"
    r"(?:(?:requests?|requested|prescription|treatment\s+request)\s+(?:(?:for|of)\s+)?)?"
    r"(?:(?:the|a|an)\s+)?",
    re.IGNORECASE,
)
GENERIC_WORDS: Final = frozenset({
    "request", "requests", "requested", "service", "services", "treatment", "treatments",
    "item", "items", "it", "this", "that", "these", "those", "them", "medication",
    "medications", "procedure", "procedures", "ancillary", "associated", "related",
    "additional", "further", "such", "same", "above", "current", "proposed", "intervention",
    "device", "prescription", "therapy", "modality",
})  # fmt: skip
"""Words that name no particular service on their own."""


def restated_request(rationale: str) -> str | None:
    """The request the rationale's closing verdict names, or ``None`` when it names none."""
    found = conclusion(rationale)
    if found is None:
        return None
    sentence = found[1].text
    verbs = list(_VERB.finditer(sentence))
    if not verbs:
        return None
    head = sentence[: verbs[-1].start()]
    breaks = list(_CLAUSE_BREAK.finditer(head))
    subject = head[breaks[-1].end() :] if breaks else head
    subject = _LEADING.sub("", subject.strip()).strip(" ,.")
    words = re.findall(r"[a-z]+", subject.lower())
    if not words or all(word in GENERIC_WORDS for word in words):
        return None
    return subject
