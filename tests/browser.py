"""The system Chromium for browser tests: Debian's ``chromium`` package, never a browser
downloaded by a test tool. ``scripts/test`` installs it under CI; elsewhere a test that needs it
is skipped with the reason, but under CI its absence is a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def chromium_executable() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found is not None:
        return found
    reason = "no system Chromium: install Debian's chromium package"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (scripts/test does under CI as root)", pytrace=False)
    pytest.skip(reason)
