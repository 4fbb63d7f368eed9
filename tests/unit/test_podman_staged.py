"""The staged start of deploy/podman: start order and what each service must reach first."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from workers.config import STAGES

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "deploy" / "podman"))

from imr_podman.staged import duration_seconds, plan  # noqa: E402
from imr_podman.standins import python_base_from, qualified  # noqa: E402

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _compose(services: dict[str, dict[str, object]]) -> dict[str, object]:
    return {"name": "t", "services": services}


def test_the_compose_file_starts_broker_topics_s3_bucket_then_workers() -> None:
    stack = plan(COMPOSE)
    level = {name: n for n, names in enumerate(stack.levels) for name in names}
    order = ["kafka", "init-topics", "s3", "init-bucket"]
    assert [level[name] for name in order] == sorted({level[name] for name in order})
    assert all(level[stage] > level["init-bucket"] for stage in STAGES)
    assert stack.project == COMPOSE["name"]
    assert [stack.settle_as(name) for name in order] == [
        "healthy",
        "completed",
        "healthy",
        "completed",
    ]
    assert {stack.settle_as(stage) for stage in STAGES} == {"healthy"}
    assert stack.services["parse"].stop_grace_seconds == 30


def test_a_service_sits_one_level_above_its_deepest_dependency() -> None:
    stack = plan(
        _compose(
            {
                "a": {},
                "b": {"depends_on": ["a"]},
                "c": {"depends_on": {"a": None, "b": {"condition": "service_started"}}},
                "d": {},
            }
        )
    )
    assert stack.levels == [["a", "d"], ["b"], ["c"]]
    assert {n: stack.settle_as(n) for n in "abcd"} == dict.fromkeys("abcd", "running")


def test_a_disabled_healthcheck_is_no_healthcheck() -> None:
    stack = plan(
        _compose(
            {
                "on": {"healthcheck": {"test": ["CMD", "true"]}},
                "off": {"healthcheck": {"test": ["CMD", "true"], "disable": True}},
                "none": {"healthcheck": {"test": ["NONE"]}},
            }
        )
    )
    assert [stack.settle_as(n) for n in ("on", "off", "none")] == ["healthy", "running", "running"]


def test_a_dependency_cycle_is_reported() -> None:
    with pytest.raises(ValueError, match="cycle: a -> b -> a"):
        plan(_compose({"a": {"depends_on": ["b"]}, "b": {"depends_on": ["a"]}}))


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("1m30s", 90), ("2h", 7200), (45, 45), (None, 10)]
)
def test_compose_durations_in_seconds(text: str | int | None, seconds: int) -> None:
    assert duration_seconds(text, default=10) == seconds


@pytest.mark.parametrize("text", ["1.5s", "10ms", "s"])
def test_unsupported_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unsupported duration"):
        duration_seconds(text, default=10)


@pytest.mark.parametrize(
    ("name", "full"),
    [
        ("python:3.11-slim", "docker.io/library/python:3.11-slim"),
        ("apache/kafka:4.1.1", "docker.io/apache/kafka:4.1.1"),
        ("quay.io/org/image:1", "quay.io/org/image:1"),
        ("localhost/debian:bookworm", "localhost/debian:bookworm"),
        ("registry:5000/team/app:2", "registry:5000/team/app:2"),
    ],
)
def test_image_names_are_qualified_as_docker_does(name: str, full: str) -> None:
    assert qualified(name) == full


def test_the_python_base_is_the_dockerfile_default() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert python_base_from(dockerfile).startswith("python:3.11")
    with pytest.raises(ValueError, match="PYTHON_IMAGE"):
        python_base_from("FROM python:3.12\n")
