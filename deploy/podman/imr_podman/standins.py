"""Images docker-compose.yml needs, built here because no image registry can be reached.

- ``localhost/debian:bookworm``: ``debootstrap --variant=minbase`` imported as an image (the
  root file system is cached as a tarball under ``~/.cache/imr-podman``);
- the Python base image ``deploy/Dockerfile`` starts from, the Kafka image and the versitygw
  image the compose file names, each built on that base from ``deploy/podman/images/<name>``
  with the artifacts the local stack uses (Kafka's jars from Maven Central, the versitygw
  binary and its own entry point script).

Each is tagged with the exact name the compose file or Dockerfile uses, so podman finds it
without a pull. Builds always run; podman's layer cache makes an unchanged rebuild a no-op.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from imr_stack.kafka_broker import render_pom, resolve_jars
from imr_stack.processes import require_tool, run_checked
from imr_stack.s3_server import MODULE as VERSITYGW_MODULE
from imr_stack.s3_server import VersityGateway
from imr_stack.settings import StackSettings

from .podman import image_exists, podman

BASE_IMAGE = "localhost/debian:bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
IMAGES_DIR = Path(__file__).resolve().parents[1] / "images"
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")
STAND_IN_LABEL = "org.imr-workers.stand-in=true"


def qualified(name: str) -> str:
    """The full reference a Docker client would pull for ``name`` (docker.io defaults)."""
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"


def python_base_from(dockerfile: str) -> str:
    """The default of the Dockerfile's ``PYTHON_IMAGE`` build argument."""
    found = re.search(r"^ARG\s+PYTHON_IMAGE=(\S+)", dockerfile, re.MULTILINE)
    if found is None:
        raise ValueError("the Dockerfile declares no ARG PYTHON_IMAGE=<default>")
    return found.group(1)


def image_tag(compose: Mapping[str, Any], service: str) -> str:
    return str(compose["services"][service]["image"])


def version_of(image: str) -> str:
    return image.rsplit(":", 1)[1]


@dataclasses.dataclass(frozen=True)
class StandIns:
    """Builds the base and stand-in images for one repository checkout."""

    repo: Path
    cache_dir: Path
    stack: StackSettings

    @classmethod
    def for_repo(cls, repo: Path) -> StandIns:
        stack = StackSettings.from_env()
        return cls(repo, stack.cache_dir.parent / "imr-podman", stack)

    def build_all(self, compose: Mapping[str, Any]) -> list[str]:
        """Every image the compose stack needs but cannot pull; returns their names."""
        self.base()
        python = qualified(python_base_from((self.repo / "deploy" / "Dockerfile").read_text()))
        kafka = qualified(image_tag(compose, "kafka"))
        s3 = qualified(image_tag(compose, "s3"))
        self.python(python)
        self.kafka(kafka)
        self.versitygw(s3)
        return [BASE_IMAGE, python, kafka, s3]

    def base(self) -> None:
        if image_exists(BASE_IMAGE):
            return
        tarball = self.cache_dir / "debian-bookworm-minbase.tar"
        if not tarball.is_file():
            self._debootstrap(tarball)
        podman("import", "--change", "CMD /bin/bash", str(tarball), BASE_IMAGE)

    def python(self, tag: str) -> None:
        with self._context("python") as context:
            (context / "ca").mkdir()
            for cert in LOCAL_CA_DIR.glob("*.crt"):
                shutil.copy(cert, context / "ca" / cert.name)
            self._build(context, tag)

    def kafka(self, tag: str) -> None:
        version = version_of(tag)
        libs = self.stack.cache_dir / f"kafka-{version}-tools" / "lib"
        resolve_jars(render_pom(version, "kafka-tools"), libs)
        with self._context("kafka") as context:
            shutil.copytree(libs, context / "libs")
            self._build(context, tag)

    def versitygw(self, tag: str) -> None:
        version = version_of(tag)
        gateway = VersityGateway(dataclasses.replace(self.stack, versitygw_version=version))
        gateway.install()
        with self._context("versitygw") as context:
            shutil.copy(gateway.binary, context / "versitygw")
            entrypoint = context / "docker-entrypoint.sh"
            shutil.copy(versitygw_source(version) / entrypoint.name, entrypoint)
            entrypoint.chmod(0o755)  # files in Go's module cache are read-only
            self._build(context, tag)

    def _build(self, context: Path, tag: str) -> None:
        podman(
            "build", "--format", "docker", "--network", "host", "--layers",
            "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "--label", STAND_IN_LABEL,
            "--file", str(context / "Containerfile"), "--tag", tag, str(context),
        )  # fmt: skip

    @staticmethod
    @contextmanager
    def _context(name: str) -> Iterator[Path]:
        """A temporary copy of ``deploy/podman/images/<name>`` to add build artifacts to."""
        with tempfile.TemporaryDirectory(prefix=f"imr-{name}-") as tmp:
            context = Path(tmp) / "context"
            shutil.copytree(IMAGES_DIR / name, context)
            yield context

    def _debootstrap(self, tarball: Path) -> None:
        debootstrap = require_tool("debootstrap")
        tarball.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="imr-debootstrap-") as work:
            root = Path(work) / "root"
            run_checked(
                [debootstrap, "--variant=minbase", "bookworm", str(root), DEBIAN_MIRROR],
                cwd=Path(work),
                what="bootstrapping Debian bookworm",
            )
            for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (root / leftover).glob("*"):
                    if path.is_file():
                        path.unlink()
            partial = tarball.with_suffix(".partial")
            run_checked(
                ["tar", "-C", str(root), "-cf", str(partial), "."],
                cwd=Path(work),
                what="packing the Debian root file system",
            )
            partial.rename(tarball)


def build_compose_images(repo: Path, compose: Mapping[str, Any]) -> list[str]:
    """Build every image a ``build:`` section of the compose file describes, once each, as
    ``docker compose build`` would; with ``--format docker`` (OCI drops HEALTHCHECK) on the
    host network (the builder stage installs from the package index)."""
    built: dict[str, Mapping[str, Any]] = {}
    for spec in compose["services"].values():
        if "build" in spec:
            built.setdefault(str(spec["image"]), spec["build"])
    for image, build in built.items():
        podman(
            "build", "--format", "docker", "--network", "host", "--layers",
            "--file", str(repo / build["dockerfile"]), "--tag", image,
            str(repo / build["context"]),
        )  # fmt: skip
    return list(built)


def versitygw_source(version: str) -> Path:
    """The versitygw module's source folder in Go's module cache (downloaded if missing)."""
    go = require_tool("go")
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{VERSITYGW_MODULE}@{version}"],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    return Path(json.loads(done.stdout)["Dir"])
