"""What an IMR outcome means for authorization, including partial certifications."""

from __future__ import annotations

from schemas.enrichment import Authorization
from schemas.letter import Item, PartialCertification
from workers.enrichment.text import clean
from workers.extraction.heading import reviews_whole_request


def authorization(item: Item) -> Authorization:
    """Upheld: the denied request (or the reviewed portion) stays denied. Overturned: authorize
    it.

    For a partial certification UR already authorized part of the request and IMR decided the
    rest (or, when the letter says so, the whole original request again): what IMR reviewed is
    the scope either way.
    """
    partial = item.partial_certification
    upheld = item.outcome == "upheld"
    if partial is None:
        scope = clean(item.treatment)
        if upheld:
            return Authorization(
                action="remains_denied",
                scope=scope,
                explanation="IMR upheld the UR denial: not medically necessary, not authorized.",
            )
        return Authorization(
            action="authorize",
            scope=scope,
            explanation="IMR overturned the UR denial: medically necessary, must be authorized.",
        )
    if reviews_whole_request(partial):
        return _whole_request(partial, upheld=upheld)
    already = f" ({clean(partial.authorized)})"
    if upheld:
        return Authorization(
            action="remains_denied",
            scope=clean(partial.remaining),
            explanation=(
                f"IMR upheld the UR modification: the part UR authorized{already} stays "
                "authorized; the remaining portion is not medically necessary and stays denied."
            ),
        )
    return Authorization(
        action="authorize_remaining_portion",
        scope=clean(partial.remaining),
        explanation=(
            f"IMR overturned the UR modification: the remaining portion is medically necessary "
            f"and must be authorized in addition to the part UR authorized{already}."
        ),
    )


def _whole_request(partial: PartialCertification, *, upheld: bool) -> Authorization:
    """IMR reviewed the whole original request, the part UR authorized included."""
    already = f" ({clean(partial.authorized)})"
    if upheld:
        return Authorization(
            action="remains_denied",
            scope=clean(partial.remaining),
            explanation=(
                f"IMR upheld the UR modification of the original request: the part UR "
                f"authorized{already} stays authorized; the original request beyond it is not "
                "medically necessary and stays denied."
            ),
        )
    return Authorization(
        action="authorize",
        scope=clean(partial.remaining),
        explanation=(
            f"IMR overturned the UR modification: the whole original request is medically "
            f"necessary and must be authorized; it includes the part UR authorized{already}."
        ),
    )
