"""Text for PDF pages that have none: pages rendered by pypdfium2, read by Tesseract.

Scanned plans and resolutions (stamps, signatures) are images only. Each page
is rendered at `DPI` and read with Tesseract's Vietnamese model (the
`tesseract` command, installed by `make` from Debian's `tesseract-ocr` and
`tesseract-ocr-vie`); its TSV output gives each word's confidence, and a
page's confidence is the mean over its words. A page below
`MIN_PAGE_CONFIDENCE` is left out of the document and reported: its text
would be wrong too often to cite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdfium2

from ingest.normalize import nfc

# 300 dpi is Tesseract's documented sweet spot for body text; lower loses tone marks.
DPI = 300
LANGUAGE = "vie"
# Tesseract's mean word confidence on full Vietnamese pages rendered at 300 dpi
# (benchmarks/ocr.py): 96 clean (character accuracy 0.998), 95 under a 3-pixel
# blur (0.99); under a 5-pixel blur 66 (0.80: figures misread, "45%" as "49%");
# under 7 pixels about 45, and the text is noise.
MIN_PAGE_CONFIDENCE = 75.0
_PAGE_TIMEOUT_S = 120
_TSV_WORD_LEVEL = "5"


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese model is not installed."""


@dataclass(frozen=True)
class RecognisedPage:
    """One page's recognised text (its lines) and mean word confidence (0-100)."""

    number: int
    text: str
    confidence: float


def check_tesseract() -> str:
    """The tesseract command, or OcrUnavailable saying what to install."""
    command = shutil.which("tesseract")
    if command is None:
        raise OcrUnavailable("Tesseract is not installed (apt-get install tesseract-ocr-vie)")
    languages = subprocess.run(
        [command, "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    if LANGUAGE not in languages:
        raise OcrUnavailable(
            "Tesseract lacks its Vietnamese model (apt-get install tesseract-ocr-vie)"
        )
    return command


def recognise_pages(pdf: bytes, numbers: list[int]) -> list[RecognisedPage]:
    """Render and read the given 1-based pages, several at a time on several cores."""
    command = check_tesseract()
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise OcrUnavailable(f"its pages cannot be rendered: {exc}") from exc
    try:
        with tempfile.TemporaryDirectory(prefix="ocr-") as folder:
            images = []
            for number in numbers:  # pdfium is not thread-safe: render one by one
                image = Path(folder, f"page-{number}.pgm")
                page = document[number - 1]
                _write_pgm(page.render(scale=DPI / 72, grayscale=True), image)
                page.close()
                images.append((number, image))
            workers = max(1, min(len(images), os.cpu_count() or 1))
            with ThreadPoolExecutor(workers) as pool:
                return list(pool.map(lambda item: _read_page(command, *item), images))
    finally:
        document.close()


def _write_pgm(bitmap: pypdfium2.PdfBitmap, path: Path) -> None:
    """The grey page as a PGM file: Tesseract reads it, and nothing needs compressing."""
    data = bytes(bitmap.buffer)
    width, stride = bitmap.width, bitmap.stride
    with path.open("wb") as out:
        out.write(f"P5\n{width} {bitmap.height}\n255\n".encode("ascii"))
        for row in range(bitmap.height):
            out.write(data[row * stride : row * stride + width])


def _read_page(command: str, number: int, image: Path) -> RecognisedPage:
    # One thread per Tesseract: pages run in parallel instead, which scales better.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(
            [command, str(image), "stdout", "-l", LANGUAGE, "--dpi", str(DPI), "tsv"],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
            timeout=_PAGE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise OcrUnavailable(f"Tesseract took over {_PAGE_TIMEOUT_S} s on page {number}") from None
    if result.returncode != 0:
        detail = " ".join(result.stderr.split())[-200:]
        raise OcrUnavailable(f"Tesseract failed on page {number}: {detail}")
    text, confidence = page_from_tsv(result.stdout)
    return RecognisedPage(number=number, text=text, confidence=confidence)


def page_from_tsv(tsv: str) -> tuple[str, float]:
    """The page's lines and its mean word confidence.

    Tesseract's blocks and paragraphs are not kept: it often splits one
    paragraph in two, and `ingest.pdf_reflow` finds paragraphs from the lines.
    """
    lines: dict[tuple[int, int, int, int], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) < 12 or fields[0] != _TSV_WORD_LEVEL or not fields[11].strip():
            continue
        key = (int(fields[1]), int(fields[2]), int(fields[3]), int(fields[4]))
        lines.setdefault(key, []).append(fields[11].strip())
        confidences.append(float(fields[10]))
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return nfc("\n".join(" ".join(words) for words in lines.values())), confidence
