"""Text clean-up shared by the citation and service parsers."""

from __future__ import annotations

import re
import unicodedata

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_BREAK_HYPHEN = re.compile(r"[\ufffe\u00ad]\s*")
_MARKS = re.compile(r"[\u00ae\u2122\u00a9]")
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFKC, one dash kind, line-break hyphens rejoined, trademark marks dropped, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _BREAK_HYPHEN.sub("-", text).translate(_DASHES)
    text = _MARKS.sub("", text)
    return _SPACE.sub(" ", text).strip()
