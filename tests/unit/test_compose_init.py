"""The compose stack's ``init-bucket`` script, run against a real S3 server."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "compose" / "create_bucket.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("create_bucket", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
def test_creates_the_bucket_once_and_accepts_it_existing(
    s3_endpoint: Any,
    s3_client: Any,
    unique_name: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = unique_name("compose-init")
    monkeypatch.setenv("IMR_S3_ENDPOINT_URL", s3_endpoint.endpoint_url)
    monkeypatch.setenv("IMR_S3_ACCESS_KEY_ID", s3_endpoint.access_key)
    monkeypatch.setenv("IMR_S3_SECRET_ACCESS_KEY", s3_endpoint.secret_key)
    monkeypatch.setenv("IMR_S3_REGION", s3_endpoint.region)
    monkeypatch.setenv("IMR_S3_BUCKET", bucket)
    script = _script()
    try:
        assert script.main() == 0
        s3_client.head_bucket(Bucket=bucket)
        assert script.main() == 0
    finally:
        s3_client.delete_bucket(Bucket=bucket)


def test_gives_up_when_the_server_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMR_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("IMR_S3_ACCESS_KEY_ID", "nobody")
    monkeypatch.setenv("IMR_S3_SECRET_ACCESS_KEY", "nothing")
    script = _script()
    monkeypatch.setattr(script, "ATTEMPTS", 2)
    monkeypatch.setattr(script, "PAUSE_SECONDS", 0.0)
    assert script.main() == 1
