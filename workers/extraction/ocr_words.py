"""OCR'd words read against what a letter prints: section headings, labels, outcome words and
the patterns of case numbers and dates. Each repair names the slip it undoes; prose is left as
OCR read it."""

from __future__ import annotations

import re
from dataclasses import replace

from workers.extraction.vocabulary import LABEL_WORDS, OUTCOME_WORDS, SECTION_HEADINGS, closest
from workers.ocr import OcrPage, OcrWord

# Shortest word matched to a label, and the most edits allowed per this many characters.
_MIN_LABEL_CHARS = 7
_CHARS_PER_EDIT = 4
# Values OCR sometimes splits with a space ("CM16-021 8843", "1 1/22/2016"): two neighbouring
# words are joined when together they make one and the first alone does not.
_SPLIT_VALUES = re.compile(r"CM\d{2}-\d{7}|\d{1,2}(?P<sep>[/-])\d{1,2}(?P=sep)(?:\d{2}|\d{4})")


def read_words(page: OcrPage) -> OcrPage:
    """``page`` with its words checked against what a letter prints, so the parsers find them:
    a line in capitals a little off a section heading (``IMR ISSUERS, DECISIONS AND
    RATIONALES``) is spelled as the heading, a slightly misread label (``Certitication(s)/
    Specialty:``, ``guideline;``, even split in two) as the label, a semicolon before a
    heading's outcome word is read as the colon it is, and a case number or date split in two
    is joined. A word keeps its confidence (words made one take the lowest). Only words that end
    like a label (a colon, or a semicolon misread for one) or run into a case number or date are
    matched to labels, never prose."""
    headings = _section_heading_lines(page)
    groups: list[tuple[list[OcrWord], str]] = []
    index = 0
    while index < len(page.words):
        word = page.words[index]
        text = page.text[word.start : word.end]
        if index in headings:
            last, heading = headings[index]
            groups.append((list(page.words[index : last + 1]), heading))
            index = last + 1
            continue
        index += 1
        joined = _joined(groups[-1], word, text, page.text) if groups else None
        if joined is not None:
            groups.append(([*groups.pop()[0], word], joined))
            continue
        label = _label(text) or _unglued(text)
        if label is not None:
            text = label
        elif text.endswith(";") and _ends_heading(page, index):
            text = text[:-1] + ":"
        groups.append(([word], text))
    return _respelled(page, groups)


# At most one edit per this many characters of a section heading.
_HEADING_CHARS_PER_EDIT = 10


def _section_heading_lines(page: OcrPage) -> dict[int, tuple[int, str]]:
    """First word index -> (last word index, heading) for each line in capitals that is a
    slightly misread section heading."""
    found: dict[int, tuple[int, str]] = {}
    first = 0
    for index, word in enumerate(page.words):
        line_ends = index + 1 == len(page.words) or "\n" in page.text[word.end : word.end + 1]
        if not line_ends:
            continue
        line = page.text[page.words[first].start : word.end]
        if line.isupper() and line not in SECTION_HEADINGS:
            heading = closest(line, SECTION_HEADINGS, len(line) // _HEADING_CHARS_PER_EDIT)
            if heading is not None:
                found[first] = (index, heading)
        first = index + 1
    return found


def _ends_heading(page: OcrPage, index: int) -> bool:
    """Whether the word at ``index`` is an outcome word that ends its line."""
    if index >= len(page.words):
        return False
    word = page.words[index]
    at_line_end = page.text[word.end : word.end + 1] in ("", "\n")
    return (
        at_line_end and page.text[word.start : word.end].rstrip(".").capitalize() in OUTCOME_WORDS
    )


def _joined(
    group: tuple[list[OcrWord], str], word: OcrWord, text: str, page_text: str
) -> str | None:
    """The one word ``group`` and the next ``word`` make, if they were split by OCR: a case
    number or date whose first part alone is not one, or a label whose second part alone
    is not one (``Certification(s/ Specialty;``)."""
    words, previous = group
    if len(words) != 1 or page_text[words[0].end : word.start] != " ":
        return None
    if _SPLIT_VALUES.fullmatch(previous + text) and not _SPLIT_VALUES.fullmatch(previous):
        return previous + text
    if _label(text) is None and _label(previous) is None and text[-1] in ":;":
        return _label(previous + text)
    return None


def _respelled(page: OcrPage, groups: list[tuple[list[OcrWord], str]]) -> OcrPage:
    """``page`` with each group of neighbouring words replaced by one word spelled as given."""
    parts: list[str] = []
    words: list[OcrWord] = []
    cursor = length = 0
    for group, text in groups:
        gap = page.text[cursor : group[0].start]
        parts += [gap, text]
        start = length + len(gap)
        length = start + len(text)
        cursor = group[-1].end
        words.append(OcrWord(start, length, min(w.confidence for w in group), _union(group)))
    parts.append(page.text[cursor:])
    return replace(page, text="".join(parts), words=tuple(words))


def _union(words: list[OcrWord]) -> tuple[int, int, int, int]:
    left = min(word.box[0] for word in words)
    top = min(word.box[1] for word in words)
    right = max(word.box[0] + word.box[2] for word in words)
    bottom = max(word.box[1] + word.box[3] for word in words)
    return (left, top, right - left, bottom - top)


_GLUED = re.compile(rf"(?P<label>[A-Za-z()/]+)[:;]?(?P<value>{_SPLIT_VALUES.pattern})")


def _unglued(text: str) -> str | None:
    """A label and its value printed without a space (``Number:CM13-0023518``), its colon
    lost to OCR (``NumberCM13-0023518``), spelled with the colon."""
    glued = _GLUED.fullmatch(text)
    if glued is None:
        return None
    label = _label(glued["label"] + ":")
    return None if label is None else label + glued["value"]


def _label(text: str) -> str | None:
    """The label ``text`` is, or is a slight misreading of, if any."""
    if text in LABEL_WORDS:
        return text
    if len(text) < _MIN_LABEL_CHARS or text[-1] not in ":;":
        return None
    label = closest(text, LABEL_WORDS, len(text) // _CHARS_PER_EDIT)
    # A label printed in other capitals ("Guidelines:") keeps the letter's spelling.
    return text if label is not None and label.lower() == text.lower() else label
