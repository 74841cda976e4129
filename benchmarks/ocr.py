"""OCR of scanned PDFs: pages per second, character accuracy and Tesseract's confidence.

A scanned document is drawn from Vietnamese text at 300 dpi (the tests' `tests/scanned.py`:
the bundled articles wrapped into full A4 pages of 38 lines of 11 pt DejaVu Sans, an
image-only PDF as a scanner makes), `--pages` pages long,
optionally blurred (`--blur` pixels, a worn or out-of-focus scan). Its pages are read as
`assistant ingest` reads a scan (`ingest.ocr.recognise_pages`: pypdfium2 renders each page,
Tesseract `vie` reads them, several pages at a time on several cores), and the report gives
the wall time, pages per second, the character accuracy of each page's text against the
drawn text (weighted by length; whitespace runs count as one space), Tesseract's mean word
confidence, and how many pages fall under the floor below which ingestion leaves a page out.

    .venv/bin/python benchmarks/ocr.py --pages 8
    .venv/bin/python benchmarks/ocr.py --pages 4 --blur 5 --json /tmp/ocr.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import log, machine_info, machine_table
from ingest.ocr import DPI, MIN_PAGE_CONFIDENCE, recognise_pages
from tests.scanned import article_pages, character_accuracy, scanned_pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=8, help="pages in the scanned document")
    parser.add_argument("--blur", type=float, default=0.0, help="Gaussian blur, in pixels")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    pages = article_pages(args.pages)
    log(f"drawing {args.pages} pages at {DPI} dpi (blur {args.blur})")
    pdf = scanned_pdf(pages, blur=args.blur)
    log("rendering and reading every page")
    started = time.perf_counter()
    recognised = recognise_pages(pdf, list(range(1, args.pages + 1)))
    seconds = time.perf_counter() - started
    confidences = [page.confidence for page in recognised]
    lengths = [len(" ".join(lines)) for lines in pages]
    accuracy = sum(
        character_accuracy(page.text, " ".join(lines)) * n
        for page, lines, n in zip(recognised, pages, lengths, strict=True)
    ) / sum(lengths)
    results = {
        "pages": args.pages,
        "blur_px": args.blur,
        "dpi": DPI,
        "workers": os.cpu_count(),
        "seconds": round(seconds, 2),
        "pages_per_second": round(args.pages / seconds, 3),
        "character_accuracy": round(accuracy, 4),
        "mean_confidence": round(sum(confidences) / len(confidences), 1),
        "lowest_confidence": round(min(confidences), 1),
        "pages_under_floor": sum(c < MIN_PAGE_CONFIDENCE for c in confidences),
        "confidence_floor": MIN_PAGE_CONFIDENCE,
    }
    info = machine_info(["pypdfium2"])
    info["tesseract"] = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n", 1)[0]
    print(machine_table(info))
    print()
    print("| measure | value |\n| --- | --- |")
    for key, value in results.items():
        print(f"| {key.replace('_', ' ')} | {value} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
