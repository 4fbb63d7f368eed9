"""The ``unique_name`` factory from tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Callable

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def test_names_carry_the_prefix_and_eight_hex_digits(unique_name: Callable[[str], str]) -> None:
    assert re.fullmatch(r"t-topic-[0-9a-f]{8}", unique_name("topic"))


def test_names_are_unique(unique_name: Callable[[str], str]) -> None:
    assert len({unique_name("bucket") for _ in range(500)}) == 500


def test_awkward_prefixes_become_valid_bucket_names(unique_name: Callable[[str], str]) -> None:
    for prefix in ("Letters_In", "a.b/c", "---", "x" * 200, "ÜBER"):
        name = unique_name(prefix)
        assert BUCKET_NAME.match(name), name
