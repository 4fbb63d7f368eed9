"""The Kafka broker and S3 server a benchmark runs against, found or started like the tests do.

:func:`shared_services` uses, in order: ``IMR_KAFKA_BOOTSTRAP_SERVERS`` + ``IMR_S3_ENDPOINT_URL``
(credentials ``IMR_S3_ACCESS_KEY_ID`` / ``IMR_S3_SECRET_ACCESS_KEY``, notifications topic
``IMR_TOPIC_S3_EVENTS`` if the server publishes to one); the test variables
``KAFKA_BOOTSTRAP_SERVERS`` + ``S3_ENDPOINT_URL``; otherwise ``deploy/local/stack up`` (left
running, as the stack is shared).

:class:`PrivateStack` runs a second instance of the local stack on its own ports and state folder,
for runs that restart the broker or the S3 server and must not disturb anyone else's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from types import TracebackType

from benchmarks.reporting import REPO

STACK_DIR = REPO / "deploy" / "local"
STACK_SCRIPT = STACK_DIR / "stack"
if str(STACK_DIR) not in sys.path:
    sys.path.insert(0, str(STACK_DIR))

from imr_stack.__main__ import up  # noqa: E402
from imr_stack.endpoints import S3Endpoint, Services  # noqa: E402
from imr_stack.kafka_broker import KafkaBroker  # noqa: E402
from imr_stack.s3_server import VersityGateway  # noqa: E402
from imr_stack.settings import StackSettings  # noqa: E402

__all__ = ["PrivateStack", "S3Endpoint", "Services", "service_pids", "shared_services"]


def _from_imr_env(env: Mapping[str, str]) -> Services | None:
    kafka, url = env.get("IMR_KAFKA_BOOTSTRAP_SERVERS", ""), env.get("IMR_S3_ENDPOINT_URL", "")
    if not (kafka and url):
        return None
    s3 = S3Endpoint(
        url,
        env.get("IMR_S3_ACCESS_KEY_ID", ""),
        env.get("IMR_S3_SECRET_ACCESS_KEY", ""),
        env.get("IMR_S3_REGION") or "us-east-1",
    )
    return Services(kafka, s3, env.get("IMR_TOPIC_S3_EVENTS") or None, origin="IMR_* variables")


def shared_services() -> Services:
    """The services named by the environment, else the local stack (started if needed)."""
    found = _from_imr_env(os.environ) or Services.from_env(os.environ)
    if found is not None:
        return found
    env = {**os.environ, "IMR_STACK_PYTHON": sys.executable}
    if subprocess.run([str(STACK_SCRIPT), "up"], env=env, check=False).returncode != 0:
        sys.exit(f"'{STACK_SCRIPT} up' failed; see its output above")
    return StackSettings.from_env().services()


def service_pids() -> dict[str, int]:
    """Process ids of the local stack's broker and S3 server when they run (for CPU
    accounting); empty when the services come from elsewhere."""
    if _from_imr_env(os.environ) is None and Services.from_env(os.environ) is not None:
        return {}
    settings = StackSettings.from_env()
    running = {
        "kafka": KafkaBroker(settings).process.pid(),
        "s3": VersityGateway(settings).process.pid(),
    }
    return {name: pid for name, pid in running.items() if pid is not None}


class PrivateStack:
    """A local stack of its own (ports from ``port_base``, state in a temporary folder).

    Use as a context manager: started on enter, stopped and deleted on exit.
    :meth:`restart_kafka` and :meth:`restart_s3` stop and start one service through the
    stack's own process control and wait until it answers again.
    """

    def __init__(self, port_base: int = 29092) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="imr-private-stack-")
        env = {
            **os.environ,
            "IMR_STACK_DIR": self._tmp.name,
            "IMR_STACK_KAFKA_PORT": str(port_base),
            "IMR_STACK_KAFKA_CONTROLLER_PORT": str(port_base + 1),
            "IMR_STACK_S3_PORT": str(port_base + 2),
        }
        self.settings = StackSettings.from_env(env)
        self.broker = KafkaBroker(self.settings)
        self.gateway = VersityGateway(self.settings)

    @property
    def services(self) -> Services:
        return self.settings.services()

    def __enter__(self) -> PrivateStack:
        try:
            up(self.settings)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for process in (self.gateway.process, self.broker.process):
            process.stop(grace=20)
        self._tmp.cleanup()

    def restart_kafka(self, down_s: float = 0.0) -> float:
        """Stop the broker (SIGTERM, SIGKILL after 20 s), stay down ``down_s``, start it and
        wait until it answers; returns the seconds it was unavailable."""
        began = time.monotonic()
        self.broker.process.stop(grace=20)
        time.sleep(down_s)
        self.broker.start()
        self.broker.wait_ready()
        return time.monotonic() - began

    def restart_s3(self, down_s: float = 0.0) -> float:
        """The same for the S3 server."""
        began = time.monotonic()
        self.gateway.process.stop(grace=20)
        time.sleep(down_s)
        self.gateway.start()
        self.gateway.wait_ready()
        return time.monotonic() - began
