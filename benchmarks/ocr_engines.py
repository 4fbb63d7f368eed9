"""Two OCR engines on the same scanned pages: words read right and seconds per page.

The first page of each of ``--letters`` gold letters is scanned at run time
(tests/fixtures/scans.py), cleaned as the pipeline cleans it (``workers/ocr/preprocess.py``)
and read by each engine on one thread:

* Tesseract 5 (Debian ``tesseract-ocr``, the engine the pipeline uses), through its CLI;
* RapidOCR (``rapidocr-onnxruntime``: PaddleOCR PP-OCRv4 models shipped in the wheel, run by
  ONNX Runtime), when installed; the pipeline does not depend on it.

Word recall is the share of the text layer's words (case-folded, punctuation kept) that the
engine's page text holds, counted with multiplicity; label recall the share of the header labels
(``Case Number:``, ...) found as printed. Writes benchmarks/results/ocr_engines.{json,md}.

    python -m benchmarks.ocr_engines [--letters N]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from benchmarks.reporting import markdown_table, write_report
from tests.fixtures.scans import page_images, scanned
from workers.extraction.text_layer import read_pdf
from workers.ocr import default_engine
from workers.ocr.preprocess import despeckled, from_image, levelled

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"
LABELS = ("Case Number:", "Date Assigned:", "Date of Injury:", "Decision Date:", "Priority:")

Reader = Callable[[Image.Image], str]


def tesseract_reader() -> Reader | None:
    engine = default_engine()
    if engine is None:
        return None
    return lambda image: engine.read_page(from_image(image, 300)).text


def rapidocr_reader() -> Reader | None:
    try:
        import numpy
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-not-found]
    except ImportError:
        return None
    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def read(image: Image.Image) -> str:
        lines, _ = engine(numpy.array(image.convert("RGB")))
        return "\n".join(text for _, text, _ in lines or [])

    return read


def _words(text: str) -> Counter[str]:
    return Counter(text.casefold().split())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    golds = sorted((CORPUS / "gold").glob("*.json"))[: args.letters]
    if not golds:
        print(f"corpus not found at {CORPUS}: nothing measured")
        return 0
    pages = []
    for gold in golds:
        data = (CORPUS / "pdf" / f"{gold.stem}.pdf").read_bytes()
        document = read_pdf(data)
        first_page = document.text[: document.page_starts[1] if document.pages > 1 else None]
        image = levelled(despeckled(page_images(scanned(data), 300)[0]))[0]
        pages.append((first_page, image))
    readers = {"tesseract": tesseract_reader(), "rapidocr": rapidocr_reader()}
    rows: dict[str, dict[str, object]] = {}
    for name, reader in readers.items():
        if reader is None:
            rows[name] = {"installed": False}
            continue
        found = wanted = labels = 0
        started = time.perf_counter()
        texts = [reader(image) for _, image in pages]
        seconds = time.perf_counter() - started
        for (truth, _), text in zip(pages, texts, strict=True):
            want = _words(truth)
            found += sum((want & _words(text)).values())
            wanted += sum(want.values())
            labels += sum(label in text for label in LABELS)
        rows[name] = {
            "installed": True,
            "pages": len(pages),
            "seconds_per_page_one_thread": round(seconds / len(pages), 2),
            "word_recall": round(found / wanted, 3),
            "label_recall": round(labels / (len(LABELS) * len(pages)), 3),
        }
    table = markdown_table(
        ["engine", "pages", "s/page (1 thread)", "word recall", "label recall"],
        [
            [name, r.get("pages", "-"), r.get("seconds_per_page_one_thread", "-"),
             r.get("word_recall", "-"), r.get("label_recall", "-")]
            if r["installed"] else [name, "not installed", "-", "-", "-"]
            for name, r in rows.items()
        ],
    )  # fmt: skip
    markdown = "\n".join(
        [
            "# OCR engines on the same scanned pages",
            "",
            f"First pages of {len(pages)} gold letters, scanned at 200 dpi (tilt, specks, JPEG),"
            " cleaned as the pipeline does, read at 300 dpi on one thread. Tesseract is the"
            " baseline (the pipeline's engine).",
            "",
            table,
        ]
    )
    print(write_report("ocr_engines", {"engines": rows}, markdown).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
