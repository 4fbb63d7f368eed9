"""Calling podman, and finding what a compose project made."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


class PodmanError(RuntimeError):
    """A podman command failed."""


def podman(*args: str, cwd: Path | None = None, timeout: float = 600) -> str:
    """Run ``podman ARGS``; return its stdout, or raise with the tail of its output."""
    binary = shutil.which("podman")
    if binary is None:
        raise PodmanError("podman is not on PATH (deploy/podman/setup installs it)")
    return run([binary, *args], cwd=cwd, timeout=timeout)


def run(argv: Sequence[str], cwd: Path | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-3000:]
        raise PodmanError(f"{' '.join(argv[:4])} ... failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], check=False).returncode == 0


def project_containers(project: str, service: str | None = None) -> list[str]:
    """Names of the project's containers (running or not), optionally of one service."""
    filters = ["--filter", f"label={PROJECT_LABEL}={project}"]
    if service is not None:
        filters += ["--filter", f"label={SERVICE_LABEL}={service}"]
    out = podman("ps", "--all", *filters, "--format", "{{.Names}}")
    return sorted(out.split())


def project_networks(project: str) -> list[str]:
    out = podman("network", "ls", "--filter", f"label={PROJECT_LABEL}={project}", "--quiet")
    return sorted(out.split())


def project_volumes(project: str) -> list[str]:
    out = podman("volume", "ls", "--filter", f"label={PROJECT_LABEL}={project}", "--quiet")
    return sorted(out.split())
