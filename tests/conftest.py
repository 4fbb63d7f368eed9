"""Shared fixtures: a real Kafka broker and S3 server for integration tests, and shared data.

Services are found in this order:
1. ``KAFKA_BOOTSTRAP_SERVERS`` + ``S3_ENDPOINT_URL`` (with ``S3_ACCESS_KEY_ID``,
   ``S3_SECRET_ACCESS_KEY``, optional ``S3_REGION`` and ``S3_EVENTS_TOPIC``) when set;
2. containers, when a Docker daemon answers (unless ``IMR_TEST_SERVICES=local``);
3. the local stack (``deploy/local/stack up``), stopped again at session end if this
   session started it.

Only tests marked ``integration`` or ``e2e`` may use the service fixtures, so unit test runs
never start anything.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
STACK_SCRIPT = REPO_ROOT / "deploy" / "local" / "stack"
sys.path.insert(0, str(REPO_ROOT / "deploy" / "local"))
# Tests share the pipeline helpers of ``benchmarks`` and the generators in ``tests/fixtures``.
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

from imr_stack.containers import container_services, docker_available  # noqa: E402
from imr_stack.endpoints import S3Endpoint, Services  # noqa: E402
from imr_stack.settings import StackSettings  # noqa: E402

from tests import postgres_server  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SERVICE_FIXTURES = frozenset(
    {"kafka_bootstrap", "s3_endpoint", "s3_client", "s3_events_topic", "postgres_database"}
)
SERVICE_MARKERS = ("integration", "e2e")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    uses_services = SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if uses_services and not any(item.get_closest_marker(m) for m in SERVICE_MARKERS):
        pytest.fail(
            f"{item.nodeid} uses {sorted(uses_services)} but is not marked "
            f"integration or e2e; unit tests must not need Kafka, S3 or PostgreSQL",
            pytrace=False,
        )


def _stack(command: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "IMR_STACK_PYTHON": sys.executable}
    return subprocess.run([str(STACK_SCRIPT), command], env=env, check=False)


def _start_containers(
    settings: StackSettings, work_dir: Path, cleanup: contextlib.ExitStack
) -> Services | None:
    """Containers when Docker answers and ``IMR_TEST_SERVICES`` is not ``local``.

    A daemon that cannot pull or run the images is reported and skipped, not fatal.
    """
    if os.environ.get("IMR_TEST_SERVICES") == "local" or not docker_available():
        return None
    try:
        return cleanup.enter_context(container_services(settings, work_dir))
    except Exception as exc:
        warnings.warn(f"containers failed ({exc!r}); using the local stack", stacklevel=1)
        return None


def _start_local_stack(settings: StackSettings, cleanup: contextlib.ExitStack) -> Services:
    """``deploy/local/stack up``; stopped at session end only if this session started it."""
    if _stack("status").returncode != 0:
        cleanup.callback(_stack, "down")
    if _stack("up").returncode != 0:
        pytest.fail(f"'{STACK_SCRIPT} up' failed; see its output above", pytrace=False)
    return settings.services()


@pytest.fixture(scope="session")
def _services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    try:
        from_env = Services.from_env(os.environ)
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    if from_env is not None:
        yield from_env
        return
    settings = StackSettings.from_env()
    with contextlib.ExitStack() as cleanup:
        work_dir = tmp_path_factory.mktemp("containers")
        yield _start_containers(settings, work_dir, cleanup) or _start_local_stack(
            settings, cleanup
        )


@pytest.fixture(scope="session")
def kafka_bootstrap(_services: Services) -> str:
    """``host:port`` of a real Kafka broker (transactions enabled, topics auto-created)."""
    return _services.kafka_bootstrap


@pytest.fixture(scope="session")
def s3_endpoint(_services: Services) -> S3Endpoint:
    return _services.s3


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: S3Endpoint) -> S3Client:
    """A boto3 S3 client for ``s3_endpoint`` (path-style addressing)."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint.endpoint_url,
        aws_access_key_id=s3_endpoint.access_key,
        aws_secret_access_key=s3_endpoint.secret_key,
        region_name=s3_endpoint.region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


@pytest.fixture(scope="session")
def s3_events_topic(_services: Services) -> str:
    """The Kafka topic the S3 server publishes bucket notifications (S3 event JSON) to.

    Every bucket of the server publishes there, so consumers must filter on bucket name.
    Skips when the S3 server is not known to publish events.
    """
    if _services.s3_events_topic is None:
        pytest.skip(
            f"S3 server from the {_services.origin} publishes no bucket events to Kafka "
            f"(set S3_EVENTS_TOPIC when it does)"
        )
    return _services.s3_events_topic


def make_unique_name(prefix: str) -> str:
    """``t-<prefix>-<8 hex>``: lowercase, valid as a Kafka topic and an S3 bucket name."""
    slug = re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-")[:40] or "x"
    return f"t-{slug}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Factory for collision-free topic, bucket and group names: ``unique_name("topic")``."""
    return make_unique_name


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[str]:
    """URL of a real PostgreSQL server (see ``tests/postgres_server.py``)."""
    from_env = os.environ.get(postgres_server.ENV_URL)
    if from_env:
        yield from_env
        return
    if os.environ.get("IMR_TEST_SERVICES") != "local" and docker_available():
        with postgres_server.container_server() as url:
            yield url
            return
    try:
        with postgres_server.local_server() as url:
            yield url
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"PostgreSQL server did not start: {exc}", pytrace=False)


@pytest.fixture
def postgres_database(_postgres_server: str) -> str:
    """URL of a new, empty database on a real PostgreSQL server, one per test."""
    return postgres_server.create_database(_postgres_server, f"t_{uuid.uuid4().hex[:12]}")


def _shared_path(relative: str, what: str) -> Path:
    path = SHARED_DIR / relative
    if not path.exists():
        pytest.skip(f"{what} not found at {path} (shared data lives beside the repository)")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``<repo>/../shared/corpus/dwc-imr-2016`` (``pdf/``, ``gold/``, README)."""
    return _shared_path("corpus/dwc-imr-2016", "letter corpus")


@pytest.fixture(scope="session")
def seed_letter() -> Path:
    """``<repo>/../shared/seed/imr-letter-seed.txt``: one example letter body."""
    return _shared_path("seed/imr-letter-seed.txt", "seed letter")
