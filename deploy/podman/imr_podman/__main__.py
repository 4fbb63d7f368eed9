"""deploy/podman/compose images|build|up|down|status: docker-compose.yml on rootful podman."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import staged
from .podman import PodmanError
from .standins import StandIns, build_compose_images

REPO = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/podman/compose", description=__doc__)
    parser.add_argument(
        "command",
        choices=["images", "build", "up", "down", "status"],
        help="images: base and stand-in images; build: the project image; up: staged start; "
        "down: stop and remove containers, networks and volumes; status: health of each",
    )
    parser.add_argument("-f", "--file", type=Path, default=REPO / "docker-compose.yml")
    parser.add_argument("--timeout", type=float, default=300, help="seconds for up (default 300)")
    args = parser.parse_args(argv)
    compose_file: Path = args.file.resolve()
    compose = yaml.safe_load(compose_file.read_text())
    stack = staged.plan(compose)
    run = staged.podman_compose(compose_file)
    try:
        if args.command == "images":
            print("\n".join(StandIns.for_repo(REPO).build_all(compose)))
        elif args.command == "build":
            print("\n".join(build_compose_images(compose_file.parent, compose)))
        elif args.command == "up":
            staged.up(run, stack, args.timeout)
        elif args.command == "down":
            left = staged.down(run, stack)
            if left:
                print(f"removed by force after compose down: {left}", file=sys.stderr)
        else:
            for name, states in staged.status(stack).items():
                print(f"{name}\t{' '.join(states) or 'absent'}")
    except PodmanError as error:
        print(f"compose: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
