"""The container engine that runs docker-compose.yml for the compose check.

Docker when a daemon answers (``docker compose`` does everything, healthchecks included);
otherwise rootful podman with the stand-in images and the staged start of ``deploy/podman``.
In CI (``CI=true``) as root, podman is installed and configured when missing; elsewhere the
check is skipped when neither engine can be used.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
PODMAN_DIR = REPO / "deploy" / "podman"
sys.path.insert(0, str(PODMAN_DIR))

from imr_podman import staged  # noqa: E402
from imr_podman.podman import PROJECT_LABEL  # noqa: E402
from imr_podman.standins import StandIns, build_compose_images  # noqa: E402
from imr_stack.containers import docker_available  # noqa: E402

UP_TIMEOUT_S = 300
LOCK_FILE = Path.home() / ".cache" / "imr-podman" / "compose-check.lock"


class Engine(Protocol):
    name: str

    def build(self) -> None:
        """Every image the compose file uses, the project image built from deploy/Dockerfile."""

    def up(self) -> None:
        """Start every service and return once each is healthy or has completed."""

    def status(self) -> dict[str, list[str]]:
        """Each service's containers: ``healthy``, ``unhealthy``, ``running``, ``exited N``..."""

    def down(self) -> staged.Leftovers:
        """Stop and remove everything; return what ``compose down`` itself left behind."""


def _run(*argv: str, timeout: float = 900) -> str:
    done = subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Docker:
    compose: dict[str, Any]
    name: str = "docker"
    project: str = field(init=False)

    def __post_init__(self) -> None:
        self.project = str(self.compose["name"])

    def _compose(self, *args: str, timeout: float = 900) -> str:
        return _run("docker", "compose", "-f", str(COMPOSE_FILE), *args, timeout=timeout)

    def build(self) -> None:
        self._compose("build")

    def up(self) -> None:
        self._compose("up", "-d", "--wait", "--wait-timeout", str(UP_TIMEOUT_S))

    def status(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {name: [] for name in self.compose["services"]}
        out = self._compose("ps", "--all", "--format", "json").strip()
        # Compose before 2.21 prints one JSON array, later versions one object per line.
        entries = json.loads(out) if out.startswith("[") else map(json.loads, out.splitlines())
        for entry in entries:
            if entry["State"] == "exited":
                state = f"exited {entry['ExitCode']}"
            else:
                state = entry.get("Health") or entry["State"]
            found.setdefault(entry["Service"], []).append(state)
        return found

    def down(self) -> staged.Leftovers:
        self._compose("down", "--volumes", "--remove-orphans", "--timeout", "30")
        label = f"label={PROJECT_LABEL}={self.project}"
        return staged.Leftovers(
            _run("docker", "ps", "--all", "--quiet", "--filter", label).split(),
            _run("docker", "network", "ls", "--quiet", "--filter", label).split(),
            _run("docker", "volume", "ls", "--quiet", "--filter", label).split(),
        )


@dataclass
class Podman:
    compose: dict[str, Any]
    name: str = "podman"
    plan: staged.Plan = field(init=False)
    tool: staged.Compose = field(init=False)

    def __post_init__(self) -> None:
        self.plan = staged.plan(self.compose)
        self.tool = staged.podman_compose(COMPOSE_FILE)

    def build(self) -> None:
        StandIns.for_repo(REPO).build_all(self.compose)
        build_compose_images(REPO, self.compose)

    def up(self) -> None:
        staged.up(self.tool, self.plan, UP_TIMEOUT_S)

    def status(self) -> dict[str, list[str]]:
        return staged.status(self.plan)

    def down(self) -> staged.Leftovers:
        return staged.down(self.tool, self.plan)


def _podman_usable() -> bool:
    if shutil.which("podman") is None:
        return False
    probe = subprocess.run(["podman", "info"], capture_output=True, check=False, timeout=60)
    return probe.returncode == 0


def choose_engine(compose: dict[str, Any]) -> Engine:
    """Docker if a daemon answers; else podman, set up first in CI when running as root."""
    if docker_available():
        return Docker(compose)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if in_ci and os.geteuid() == 0 and shutil.which("apt-get"):
        _run(str(PODMAN_DIR / "setup"), timeout=600)
    elif not _podman_usable():
        pytest.skip(
            "compose check: no Docker daemon answers and podman is not usable; install "
            "podman (as root: deploy/podman/setup) or start Docker to run it"
        )
    return Podman(compose)


@pytest.fixture(scope="session")
def compose_file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture
def compose_engine(compose_file: dict[str, Any]) -> Iterator[Engine]:
    """The chosen engine, held exclusively: one compose check per machine at a time (the
    project name and host ports are fixed by the compose file)."""
    engine = choose_engine(compose_file)
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield engine
