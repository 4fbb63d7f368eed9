"""Finding the files of a drop folder that still need processing."""

from __future__ import annotations

import time
from collections.abc import Collection, Container
from dataclasses import dataclass

from schemas.events import letter_id_for
from workers.stages.notifications import ObjectFilter
from workers.storage import LocalFolderStore, ObjectInfo


@dataclass(frozen=True, slots=True)
class DroppedFile:
    """One letter file found in the drop folder. ``sha256`` is also its etag there."""

    info: ObjectInfo
    sha256: str

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def letter_id(self) -> str:
        """The id the ingest stage gives the letter announced for this file."""
        return letter_id_for(self.info.bucket, self.info.key, self.info.version_id, self.sha256)


def scan(
    store: LocalFolderStore,
    accept: ObjectFilter,
    processed: Container[str],
    exclude_prefixes: Collection[str] = (),
    min_age_s: float = 0.0,
) -> tuple[list[DroppedFile], int]:
    """Letter files whose content is not in ``processed``, and how many were skipped as done.

    Keys under ``exclude_prefixes`` (the run's own output when it lies inside the folder) and
    files the ingest stage would not accept (suffixes) are ignored, and so are files modified
    less than ``min_age_s`` ago: they may still be being written.
    """
    pending: list[DroppedFile] = []
    skipped = 0
    seen: set[str] = set()
    settled_before = time.time() - min_age_s
    for info in store.list(store.bucket):
        if not accept.accepts(info.bucket, info.key) or info.etag is None:
            continue
        if any(info.key.startswith(prefix) for prefix in exclude_prefixes):
            continue
        if min_age_s and _modified_at(store, info.key) > settled_before:
            continue
        if info.etag in processed or info.etag in seen:
            skipped += 1
            continue
        seen.add(info.etag)
        pending.append(DroppedFile(info, info.etag))
    return pending, skipped


def _modified_at(store: LocalFolderStore, key: str) -> float:
    try:
        return store.folder.joinpath(*key.split("/")).stat().st_mtime
    except OSError:  # gone since it was listed
        return float("inf")
