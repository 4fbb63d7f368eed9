"""The system Chromium for browser tests: Debian's ``chromium`` package, never a browser
downloaded by a test tool. Installed with apt-get when missing and running as root under
``CI=true``; elsewhere the tests that need it are skipped with the reason."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def chromium_executable() -> str:
    if not CHROMIUM.exists() and os.environ.get("CI") == "true" and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        ):
            subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL)
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found is None:
        pytest.skip("no system Chromium: install Debian's chromium package")
    return found
