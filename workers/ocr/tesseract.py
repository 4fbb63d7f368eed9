"""Tesseract through its command-line program (Debian package ``tesseract-ocr``).

The page goes to ``tesseract`` on stdin as PGM and comes back as TSV on stdout: no temporary
files, no network, no language data fetched at run time. Tesseract runs single-threaded
(``OMP_THREAD_LIMIT=1``): a worker scales by processes, one page per core.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Final

from workers.ocr.engine import OcrPage, PageImage
from workers.ocr.tsv import page_from_tsv

LANGUAGE: Final = "eng"
# Page segmentation mode 4: one column of text of variable sizes. Measured on scanned letters,
# it keeps a header table's label and value cells on one line per row, where mode 6 (one
# uniform block) lost labels printed on a grey cell fill.
PAGE_SEGMENTATION: Final = "4"
PAGE_TIMEOUT_SECONDS: Final = 120.0


class OcrEngineError(RuntimeError):
    """The OCR program failed or timed out on a page."""


class TesseractEngine:
    """Runs ``program`` once per page."""

    name = "tesseract"

    def __init__(self, program: str) -> None:
        self.program = program

    def read_page(self, image: PageImage) -> OcrPage:
        command = [
            self.program,
            "stdin",
            "stdout",
            "-l",
            LANGUAGE,
            "--psm",
            PAGE_SEGMENTATION,
            "--dpi",
            str(image.dpi),
            "tsv",
        ]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                command,
                input=image.pgm(),
                capture_output=True,
                env=env,
                timeout=PAGE_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OcrEngineError(type(exc).__name__) from exc
        if done.returncode != 0:
            raise OcrEngineError(f"{self.program} exited with {done.returncode}")
        return page_from_tsv(done.stdout.decode("utf-8", errors="replace"))


@functools.cache
def default_engine() -> TesseractEngine | None:
    """Tesseract when its program and English data are installed; ``IMR_OCR=off`` disables it."""
    if os.environ.get("IMR_OCR", "").lower() in ("off", "0", "false", "no"):
        return None
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    languages = listed.stdout.decode("utf-8", errors="replace").split()
    return TesseractEngine(program) if LANGUAGE in languages else None
