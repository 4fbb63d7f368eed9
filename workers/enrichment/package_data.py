"""The JSON tables packaged in ``workers/enrichment/data/``."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def load_table(name: str, model: type[M]) -> M:
    """``data/<name>`` parsed and validated into ``model`` (callers cache the result)."""
    raw = files("workers.enrichment").joinpath(f"data/{name}").read_text("utf-8")
    return model.model_validate(json.loads(raw))
