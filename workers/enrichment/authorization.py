"""What an IMR outcome means for authorization, including partial certifications."""

from __future__ import annotations

from schemas.enrichment import Authorization
from schemas.letter import Item
from workers.enrichment.services import remaining_portion
from workers.enrichment.text import clean


def authorization(item: Item) -> Authorization:
    """Upheld: the denied request (or the remaining portion) stays denied. Overturned: authorize it.

    For a partial certification UR already authorized part of the request; IMR decided only the
    remaining portion, so that portion is the scope either way.
    """
    partial = item.partial_certification
    remaining = partial.remaining if partial else remaining_portion(item.treatment)
    upheld = item.outcome == "upheld"
    if remaining is None:
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
    already = f" ({clean(partial.authorized)})" if partial else ""
    if upheld:
        return Authorization(
            action="remains_denied",
            scope=clean(remaining),
            explanation=(
                f"IMR upheld the UR modification: the part UR authorized{already} stays "
                "authorized; the remaining portion is not medically necessary and stays denied."
            ),
        )
    return Authorization(
        action="authorize_remaining_portion",
        scope=clean(remaining),
        explanation=(
            f"IMR overturned the UR modification: the remaining portion is medically necessary "
            f"and must be authorized in addition to the part UR authorized{already}."
        ),
    )
