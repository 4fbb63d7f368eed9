"""Finding the files of a drop folder that still need processing."""

from __future__ import annotations

import time
from collections.abc import Collection, Container, Iterator
from dataclasses import dataclass

from schemas.events import letter_id_for
from workers.stages.notifications import ObjectFilter
from workers.storage import LocalFolderStore, ObjectInfo, ObjectMissingError
from workers.storage.local import is_hidden


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


_Stamp = tuple[int, int, int, int]
"""Size, modification and change times (ns) and inode of a file: same stamp, same content."""


class FolderScanner:
    """Lists the letter files of ``store`` whose content still needs processing.

    Keys under ``exclude_prefixes`` (the run's own output when it lies inside the folder),
    hidden files and files the ingest stage would not accept (suffixes) are ignored. A file is
    read (to hash it) only when its size or modification time changed since the last scan.
    """

    def __init__(
        self,
        store: LocalFolderStore,
        accept: ObjectFilter,
        exclude_prefixes: Collection[str] = (),
    ) -> None:
        self._store = store
        self._accept = accept
        self._exclude = tuple(exclude_prefixes)
        self._known: dict[str, tuple[_Stamp, ObjectInfo]] = {}

    def scan(
        self, processed: Container[str], min_age_s: float = 0.0
    ) -> tuple[list[DroppedFile], int]:
        """Files whose content is not in ``processed``, and how many were skipped as done.

        Files modified less than ``min_age_s`` ago are left for a later scan: they may still
        be being written.
        """
        pending: list[DroppedFile] = []
        skipped = 0
        seen: set[str] = set()
        settled_before = time.time_ns() - int(min_age_s * 1e9)
        known, self._known = self._known, {}
        for key, stamp in self._candidates():
            if min_age_s and stamp[1] > settled_before:
                continue
            info = self._info(key, stamp, known)
            if info is None or info.etag is None:
                continue
            if info.etag in processed or info.etag in seen:
                skipped += 1
                continue
            seen.add(info.etag)
            pending.append(DroppedFile(info, info.etag))
        return pending, skipped

    def _candidates(self) -> Iterator[tuple[str, _Stamp]]:
        folder = self._store.folder
        for path in sorted(folder.rglob("*")):
            key = path.relative_to(folder).as_posix()
            if is_hidden(path.relative_to(folder)) or key.startswith(self._exclude):
                continue
            if not self._accept.accepts(self._store.bucket, key):
                continue
            try:
                stat = path.stat()
            except OSError:  # gone since it was listed
                continue
            if path.is_file():
                yield key, (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)

    def _info(
        self, key: str, stamp: _Stamp, known: dict[str, tuple[_Stamp, ObjectInfo]]
    ) -> ObjectInfo | None:
        cached = known.get(key)
        if cached is not None and cached[0] == stamp:
            info = cached[1]
        else:
            try:
                info = self._store.head(self._store.bucket, key)
            except ObjectMissingError:
                return None
        self._known[key] = (stamp, info)
        return info
