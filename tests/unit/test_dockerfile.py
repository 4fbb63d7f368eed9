"""``deploy/Dockerfile`` builds what the package declares and runs the way the CLI expects.

There is no Docker engine here, so the Dockerfile is read as a list of instructions (continued
lines joined) and each stage is checked against the repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from workers import __version__
from workers.cli import build_parser
from workers.config import STAGES
from workers.observability.health import HealthServer

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} in stage {self.name or self.base}"
        return found[-1]


def _instructions(text: str) -> list[tuple[str, str]]:
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    result = []
    for entry in logical:
        keyword, _, args = entry.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, value in _instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", value, re.I)
            assert match, value
            base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], match.group(1))
            stages.append(Stage(base, match.group(2)))
        elif not stages and keyword == "ARG":
            name, _, default = value.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, value))
    return args, stages


GLOBAL_ARGS, STAGES_OF_BUILD = _stages()
FINAL = STAGES_OF_BUILD[-1]


def test_builder_makes_a_wheel_and_the_final_stage_is_slim_python() -> None:
    assert len(STAGES_OF_BUILD) >= 2
    builder = STAGES_OF_BUILD[0]
    assert builder.name is not None
    assert any("pip wheel" in run for run in builder.all("RUN"))
    assert FINAL.base == "python:3.11-slim"
    assert FINAL.name is None


def test_final_stage_installs_the_wheels_and_no_build_tools() -> None:
    runs = " ".join(FINAL.all("RUN"))
    assert f"--mount=type=bind,from={STAGES_OF_BUILD[0].name}" in runs
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert f"install --no-cache-dir --no-index --find-links /wheels {project['name']}" in runs
    for tool in ("gcc", "build-essential", "curl", "-dev"):
        assert tool not in runs
    # The one system package is the OCR engine, without recommends and without the apt lists.
    installs = re.findall(r"apt-get install -y --no-install-recommends ([\w\- ]+?)\s+&&", runs)
    assert installs == ["tesseract-ocr"]
    assert "rm -rf /var/lib/apt/lists/*" in runs
    # Nothing is copied from the source tree into the final image.
    assert FINAL.all("COPY") == []


def test_builder_copies_files_that_exist() -> None:
    for copy in STAGES_OF_BUILD[0].all("COPY"):
        *sources, _destination = copy.split()
        for source in sources:
            assert (REPO / source).exists(), source


def test_runs_as_a_non_root_user() -> None:
    user = FINAL.last("USER").split(":")[0]
    assert user not in ("root", "0")
    assert int(user) >= 1000


def test_entrypoint_is_the_imr_console_script() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    entrypoint = json.loads(FINAL.last("ENTRYPOINT"))
    assert entrypoint == ["imr"]
    assert scripts["imr"] == "workers.cli:main"
    default_command = json.loads(FINAL.last("CMD"))
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(default_command)
    assert exited.value.code == 0


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_is_chosen_by_command(stage: str) -> None:
    args = build_parser().parse_args(["worker", stage])
    assert (args.command, args.stage) == ("worker", stage)


def test_healthcheck_uses_python_on_the_exposed_metrics_port() -> None:
    """One stage per container: the image pins the port it exposes."""
    port = FINAL.last("EXPOSE")
    assert f"IMR_HTTP_PORT={port}" in FINAL.last("ENV")
    healthcheck = FINAL.last("HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2] and "/healthz" in command[2]
    assert "IMR_HTTP_PORT" in command[2]


def test_labels_carry_the_package_version() -> None:
    labels = " ".join(FINAL.all("LABEL"))
    for key in ("title", "description", "version", "revision", "created", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels
    assert 'org.opencontainers.image.version="${VERSION}"' in labels
    defaults = dict(arg.partition("=")[::2] for arg in FINAL.all("ARG"))
    assert defaults["VERSION"] == __version__


def test_healthcheck_command_passes_only_while_the_worker_serves_healthz() -> None:
    healthcheck = json.loads(FINAL.last("HEALTHCHECK").split(" CMD ", 1)[1])
    command = [sys.executable, *healthcheck[1:]]
    server = HealthServer(0, CollectorRegistry(), lambda: False, host="127.0.0.1")
    server.start()
    env = {**os.environ, "IMR_HTTP_PORT": str(server.port)}
    try:
        assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 0
    finally:
        server.stop()
    assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode != 0


def test_build_context_ignore_file_lets_the_copied_sources_through() -> None:
    """BuildKit reads ``deploy/Dockerfile.dockerignore`` for this Dockerfile."""
    lines = (REPO / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"
    allowed = {p.removeprefix("!").rstrip("/") for p in patterns if p.startswith("!")}
    for copy in STAGES_OF_BUILD[0].all("COPY"):
        *sources, _destination = copy.split()
        assert set(sources) <= allowed
