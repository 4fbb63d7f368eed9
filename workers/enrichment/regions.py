"""Body regions and side named in a requested treatment."""

from __future__ import annotations

import re

from schemas.enrichment import Laterality

_REGION_TERMS: dict[str, tuple[str, ...]] = {
    "cervical spine": (r"\bcervical\b", r"\bneck\b", r"\bc-spine\b", r"\bc[1-7]\s*-\s*c?[1-7]\b"),
    "thoracic spine": (r"\bthoracic\b", r"\bt-spine\b", r"\bmid[- ]?back\b", r"\bupper back\b"),
    "lumbar spine": (
        r"\blumbar\b", r"\blumbosacral\b", r"\blow(?:er)? back\b", r"\bl-spine\b",
        r"\bl[1-5]\s*-\s*(?:l[1-5]|s1)\b",
    ),
    "back": (r"(?<!low )(?<!lower )(?<!upper )(?<!mid )(?<!mid-)\bback\b",),
    "sacroiliac joint": (r"\bsacroiliac\b", r"\bsi joints?\b"),
    "shoulder": (r"\bshoulders?\b",),
    "trapezius": (r"\btrapezius\b",),
    "elbow": (r"\belbows?\b",),
    "forearm": (r"\bforearms?\b",),
    "wrist": (r"\bwrists?\b", r"\bcarpal\b"),
    "hand": (r"\bhands?\b",),
    "finger": (r"\bfingers?\b", r"\bthumbs?\b"),
    "hip": (r"\bhips?\b",),
    "groin": (r"\bgroin\b",),
    "pelvis": (r"\bpelvi[sc]\b",),
    "knee": (r"\bknees?\b",),
    "lower leg": (r"\blower legs?\b", r"\bcalf\b", r"\bshin\b"),
    "ankle": (r"\bankles?\b",),
    "foot": (r"\bfoot\b", r"\bfeet\b", r"\btoes?\b"),
    "head": (r"\bhead\b", r"\bbrain(?:stem)?\b", r"\bskull\b"),
    "upper extremity": (
        r"\bupper extremit(?:y|ies)\b", r"\b[rlb]ue\b", r"\bupper limbs?\b", r"\barms?\b",
    ),
    "lower extremity": (
        r"\blower extremit(?:y|ies)\b", r"\b[rlb]le\b", r"\blower limbs?\b",
        r"(?<!lower )\blegs?\b",
    ),
    "abdomen": (r"\babdom\w*\b",),
    "chest": (r"\bchest\b",),
}  # fmt: skip
_REGIONS = {
    name: re.compile("|".join(terms), re.IGNORECASE) for name, terms in _REGION_TERMS.items()
}
_GENERIC_SPINE = re.compile(r"\bspin(?:e|al)\b", re.IGNORECASE)
_SPINE_REGIONS = {"cervical spine", "thoracic spine", "lumbar spine", "back"}

_BILATERAL = re.compile(
    r"\bbilateral(?:ly)?\b|\bboth\b|\bb/l\b|\b(?:bue|ble)\b|\bleft and right\b|\bright and left\b",
    re.IGNORECASE,
)
_LEFT = re.compile(r"\bleft\b|\blt\.?(?=\s)|\b(?:lue|lle)\b", re.IGNORECASE)
_RIGHT = re.compile(r"\bright\b|\brt\.?(?=\s)|\b(?:rue|rle)\b", re.IGNORECASE)


def body_regions(text: str) -> list[str]:
    """Canonical body regions named in a treatment, in a fixed anatomical order."""
    regions = [name for name, pattern in _REGIONS.items() if pattern.search(text)]
    if not _SPINE_REGIONS.intersection(regions) and _GENERIC_SPINE.search(text):
        regions.insert(0, "spine")
    return regions


def laterality(text: str) -> Laterality | None:
    """Side of the body; ``None`` when unstated or when different regions have different sides."""
    if _BILATERAL.search(text):
        return "bilateral"
    left, right = bool(_LEFT.search(text)), bool(_RIGHT.search(text))
    if left and right:
        return None  # different sides for different regions
    if left:
        return "left"
    return "right" if right else None
