"""What an IMR outcome means for authorization, including partial certifications."""

from __future__ import annotations

from typing import Final, Literal

from schemas.enrichment import Authorization, AuthorizationAction
from schemas.letter import Item
from workers.enrichment.text import clean
from workers.extraction.heading import reviews_whole_request

_Reviewed = Literal["request", "remaining_portion", "whole_original_request"]

_MEANING: Final[dict[tuple[_Reviewed, bool], tuple[AuthorizationAction, str]]] = {
    ("request", True): (
        "remains_denied",
        "IMR upheld the UR denial: not medically necessary, not authorized.",
    ),
    ("request", False): (
        "authorize",
        "IMR overturned the UR denial: medically necessary, must be authorized.",
    ),
    ("remaining_portion", True): (
        "remains_denied",
        "IMR upheld the UR modification: the part UR authorized ({authorized}) stays "
        "authorized; the remaining portion is not medically necessary and stays denied.",
    ),
    ("remaining_portion", False): (
        "authorize_remaining_portion",
        "IMR overturned the UR modification: the remaining portion is medically necessary and "
        "must be authorized in addition to the part UR authorized ({authorized}).",
    ),
    ("whole_original_request", True): (
        "remains_denied",
        "IMR upheld the UR modification of the original request: the part UR authorized "
        "({authorized}) stays authorized; the original request beyond it is not medically "
        "necessary and stays denied.",
    ),
    ("whole_original_request", False): (
        "authorize",
        "IMR overturned the UR modification: the whole original request is medically "
        "necessary and must be authorized; it includes the part UR authorized ({authorized}).",
    ),
}
"""Action and explanation by what IMR reviewed and whether it upheld the UR decision."""


def authorization(item: Item) -> Authorization:
    """Upheld: the denied request (or the reviewed portion) stays denied. Overturned: authorize
    it.

    For a partial certification UR already authorized part of the request and IMR decided the
    rest (or, when the letter says so, the whole original request again): what IMR reviewed is
    the scope either way.
    """
    partial = item.partial_certification
    reviewed: _Reviewed
    if partial is None:
        reviewed, scope, authorized = "request", item.treatment, ""
    else:
        whole = reviews_whole_request(partial)
        reviewed = "whole_original_request" if whole else "remaining_portion"
        scope, authorized = partial.remaining, clean(partial.authorized)
    action, explanation = _MEANING[(reviewed, item.outcome == "upheld")]
    return Authorization(
        action=action, scope=clean(scope), explanation=explanation.format(authorized=authorized)
    )
