"""Start and stop a compose project on podman level by level, waiting on health ourselves.

podman-compose 1.6 cannot honour ``depends_on`` conditions on podman 4.3 (it skips
``service_healthy`` below podman 4.6, and its ``--requires`` flags hit a podman bug), and
podman runs healthchecks only from systemd timers, which these machines lack. So services start
with ``up -d --no-deps`` one dependency level at a time, and before the next level each one is
settled the way its dependents ask: run to completion with exit 0, or healthy by running its
healthcheck with ``podman healthcheck run`` until it passes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .podman import PodmanError, podman, project_containers, project_networks, project_volumes, run

COMPLETED = "service_completed_successfully"
POLL_SECONDS = 1.0
MAX_RESTARTS = 2
"""Times a service that stops before it is running or healthy is started again."""


@dataclass(frozen=True)
class Service:
    name: str
    depends_on: Mapping[str, str]
    """Each dependency with its condition."""
    healthcheck: bool
    stop_grace_seconds: int


@dataclass(frozen=True)
class Plan:
    """The compose file's services in start order and what each must reach before the next."""

    project: str
    services: Mapping[str, Service]
    levels: list[list[str]]

    def settle_as(self, name: str) -> str:
        """``completed`` when a dependent waits for it to finish, ``healthy`` when it has a
        healthcheck, otherwise ``running``."""
        conditions = {s.depends_on.get(name) for s in self.services.values()}
        if COMPLETED in conditions:
            return "completed"
        return "healthy" if self.services[name].healthcheck else "running"


def plan(compose: Mapping[str, Any], project: str | None = None) -> Plan:
    services = {name: _service(name, spec) for name, spec in compose["services"].items()}
    return Plan(project or str(compose["name"]), services, start_levels(services))


def start_levels(services: Mapping[str, Service]) -> list[list[str]]:
    """Services grouped by dependency depth: level 0 needs nothing, level n needs level < n."""
    depth: dict[str, int] = {}

    def level(name: str, path: tuple[str, ...]) -> int:
        if name in path:
            raise ValueError(f"dependency cycle: {' -> '.join((*path, name))}")
        if name not in depth:
            deps = services[name].depends_on
            depth[name] = 1 + max((level(d, (*path, name)) for d in deps), default=-1)
        return depth[name]

    for name in services:
        level(name, ())
    return [
        sorted(n for n, d in depth.items() if d == lvl) for lvl in range(max(depth.values()) + 1)
    ]


def duration_seconds(value: str | int | None, default: int) -> int:
    """A compose duration (``30s``, ``1m30s``, ``90``) in whole seconds."""
    if value is None:
        return default
    text, total, number = str(value), 0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in text:
        if char.isdigit():
            number += char
        elif char in units and number:
            total, number = total + int(number) * units[char], ""
        else:
            raise ValueError(f"unsupported duration {text!r}")
    return total + int(number or 0)


def _service(name: str, spec: Mapping[str, Any]) -> Service:
    raw = spec.get("depends_on") or {}
    if isinstance(raw, list):
        depends = {d: "service_started" for d in raw}
    else:
        depends = {d: (c or {}).get("condition", "service_started") for d, c in raw.items()}
    check = spec.get("healthcheck") or {}
    has_check = bool(check.get("test")) and not check.get("disable") and check["test"][0] != "NONE"
    grace = duration_seconds(spec.get("stop_grace_period"), 10)
    return Service(name, depends, has_check, grace)


Compose = Callable[..., str]
"""Runs the compose tool with the given arguments (``compose("up", "-d", ...)``)."""


def podman_compose(compose_file: Path) -> Compose:
    """podman-compose (the project's pinned version) on ``compose_file``."""

    def call(*args: str) -> str:
        argv = [sys.executable, "-m", "podman_compose", "-f", str(compose_file), *args]
        return run(argv, cwd=compose_file.parent)

    return call


def up(compose: Compose, stack: Plan, timeout: float = 300) -> None:
    """Start every service, level by level; raise if one fails to settle within ``timeout``."""
    deadline = time.monotonic() + timeout
    for level in stack.levels:
        compose("up", "-d", "--no-deps", *level)
        for name in level:
            containers = project_containers(stack.project, name)
            if not containers:
                raise PodmanError(f"{name}: no container was created")
            for container in containers:
                settle(container, stack.settle_as(name), deadline)


def settle(container: str, goal: str, deadline: float) -> None:
    if goal == "completed":
        remaining = max(1.0, deadline - time.monotonic())
        try:
            code = podman("wait", container, timeout=remaining).strip()
        except subprocess.TimeoutExpired as exc:
            raise PodmanError(f"{container} did not finish:\n{logs(container)}") from exc
        if code != "0":
            raise PodmanError(f"{container} exited {code}:\n{logs(container)}")
        return
    restarts = 0
    while True:
        if state(container) != "running":
            # A service that gave up early (a server whose dependency was slow to answer) is
            # started again a few times before the start fails, as a restart policy would.
            if restarts >= MAX_RESTARTS or time.monotonic() > deadline:
                raise PodmanError(f"{container} is {state(container)}:\n{logs(container)}")
            restarts += 1
            time.sleep(POLL_SECONDS)
            podman("start", container)
            continue
        if goal == "running" or healthy(container):
            return
        if time.monotonic() > deadline:
            raise PodmanError(f"{container} not healthy in time:\n{logs(container)}")
        time.sleep(POLL_SECONDS)


def healthy(container: str) -> bool:
    """Run the container's healthcheck now; podman records the result in its health log."""
    probe = ["podman", "healthcheck", "run", container]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def state(container: str) -> str:
    return podman("inspect", "--format", "{{.State.Status}}", container).strip()


def logs(container: str, lines: int = 40) -> str:
    done = subprocess.run(
        ["podman", "logs", "--tail", str(lines), container],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return (done.stdout + done.stderr).strip()


@dataclass(frozen=True)
class Leftovers:
    containers: list[str]
    networks: list[str]
    volumes: list[str]

    def __bool__(self) -> bool:
        return bool(self.containers or self.networks or self.volumes)


def leftovers(project: str) -> Leftovers:
    return Leftovers(
        project_containers(project), project_networks(project), project_volumes(project)
    )


def down(compose: Compose, stack: Plan) -> Leftovers:
    """Stop dependents before what they depend on (workers before the broker), then remove
    containers, networks and volumes with the compose tool.

    Returns what the compose tool left behind; it is removed by force before returning, so
    the machine is clean either way.
    """
    for level in reversed(stack.levels):
        for name in level:
            running = [c for c in project_containers(stack.project, name) if state(c) == "running"]
            if running:
                grace = stack.services[name].stop_grace_seconds
                podman("stop", "--time", str(grace), *running, timeout=grace + 30)
    try:
        compose("down", "--volumes", "--remove-orphans")
    finally:
        left = leftovers(stack.project)
        if left.containers:
            podman("rm", "--force", "--volumes", *left.containers)
        if left.networks:
            podman("network", "rm", "--force", *left.networks)
        if left.volumes:
            podman("volume", "rm", "--force", *left.volumes)
    return left


def status(stack: Plan) -> dict[str, list[str]]:
    """The state of each service's containers: ``healthy``/``unhealthy`` after running its
    healthcheck, ``running`` without one, or ``exited N``."""
    found: dict[str, list[str]] = {}
    for level in stack.levels:
        for name in level:
            states = found.setdefault(name, [])
            for container in project_containers(stack.project, name):
                current = state(container)
                if current == "exited":
                    code = podman("inspect", "--format", "{{.State.ExitCode}}", container)
                    states.append(f"exited {code.strip()}")
                elif current == "running" and stack.services[name].healthcheck:
                    states.append("healthy" if healthy(container) else "unhealthy")
                else:
                    states.append(current)
    return found
