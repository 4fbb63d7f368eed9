"""Meaning-preserving rewrites of the corpus gold letters and how their results are judged.

:mod:`.letters` loads a gold letter as text with what it must yield, :mod:`.rewrites` holds one
function per kind of rewrite, and :mod:`.judge` runs the pipeline's pure core over a rewritten
letter and says whether the result is right, flagged for review, silently wrong or an error.
The suite (``tests/unit/test_perturbations.py``) and ``benchmarks/accuracy.py`` share them.
"""
