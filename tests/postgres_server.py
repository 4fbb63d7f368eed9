"""A real PostgreSQL server for the tests, found or started in this order:

1. ``IMR_TEST_DATABASE_URL`` (a server someone else runs; tests create databases on it);
2. a container, when a Docker daemon answers (unless ``IMR_TEST_SERVICES=local``);
3. the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``;
   ``scripts/test`` installs it under CI when missing). The cluster lives
   in a temporary folder, listens on a free loopback port, runs as ``nobody`` when the tests run
   as root (PostgreSQL refuses root), and is stopped at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "IMR_TEST_DATABASE_URL"
_SUPERUSER = "imr"
_UNPRIVILEGED = "nobody"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_binaries() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<major>/bin`` with initdb and pg_ctl."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    """A throw-away cluster; yields the URL of its ``postgres`` database."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(
            "no PostgreSQL server: install Debian's postgresql package (scripts/test does "
            f"under CI as root), set {ENV_URL}, or run Docker"
        )
    as_root = os.geteuid() == 0
    work = Path(tempfile.mkdtemp(prefix="imr-pg-"))
    if as_root:
        shutil.chown(work, user=_UNPRIVILEGED)
    user = _UNPRIVILEGED if as_root else None
    data, port = work / "data", free_port()
    initdb = [binaries / "initdb", "-D", data, "-U", _SUPERUSER, "-A", "trust", "-E", "UTF8"]
    pg_ctl = [binaries / "pg_ctl", "-D", data, "-w", "-t", "60", "-l", work / "server.log"]
    options = f"-p {port} -h 127.0.0.1 -k {work} -F -c max_connections=50"
    for command in ([*initdb, "--no-sync", "--no-instructions"], [*pg_ctl, "-o", options, "start"]):
        subprocess.run(
            command, check=True, user=user, stdin=subprocess.DEVNULL, capture_output=True
        )
    try:
        yield f"postgresql://{_SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
            check=False,
            user=user,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def container_server() -> Iterator[str]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield container.get_connection_url()


def create_database(server_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
