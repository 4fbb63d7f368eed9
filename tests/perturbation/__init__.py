"""Meaning-preserving rewrites of corpus letters, with the result each rewrite must give.

A :class:`~tests.perturbation.letter.Letter` is a letter's text plus what extraction must read
from it (:mod:`~tests.perturbation.expected`). Each kind of rewrite in
:data:`~tests.perturbation.kinds.KINDS` turns one letter into another and changes the expectation
with it; :func:`~tests.perturbation.verdict.judge` runs the rewritten text through the normal
path (extract as text, validate, enrich) and says whether it came out right, flagged for review,
silently wrong, or failed. The corpus test and the accuracy benchmark both use these modules.
"""
