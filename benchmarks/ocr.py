"""OCR of scanned PDFs: pages per second, character accuracy and Tesseract's confidence.

A scanned document is drawn from Vietnamese text at 300 dpi (the tests' `tests/scanned.py`:
the bundled articles wrapped into full A4 pages of 38 lines of 11 pt DejaVu Sans, an
image-only PDF as a scanner makes), `--pages` pages long,
optionally blurred (`--blur` pixels, a worn or out-of-focus scan). It is loaded exactly as
`assistant ingest` loads it (`ingest.load.load_file`: pypdfium2 renders each page, Tesseract
`vie` reads them, several pages at a time on several cores, the text is reflowed), and the
report gives the wall time, pages per second, the character accuracy against the drawn text
and each page's mean word confidence.

    .venv/bin/python benchmarks/ocr.py --pages 8
    .venv/bin/python benchmarks/ocr.py --pages 4 --blur 5 --json /tmp/ocr.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import log, machine_info, machine_table
from ingest.load import load_file
from ingest.ocr import DPI, MIN_PAGE_CONFIDENCE
from tests.scanned import article_pages, character_accuracy, scanned_pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=8, help="pages in the scanned document")
    parser.add_argument("--blur", type=float, default=0.0, help="Gaussian blur, in pixels")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    pages = article_pages(args.pages)
    truth = " ".join(" ".join(lines) for lines in pages)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "scan.pdf")
        log(f"drawing {args.pages} pages at {DPI} dpi (blur {args.blur})")
        path.write_bytes(scanned_pdf(pages, blur=args.blur))
        log("loading: render, OCR, reflow")
        started = time.perf_counter()
        document = load_file(path, max_bytes=1 << 30)
        seconds = time.perf_counter() - started
    confidences = [c for c in document.confidences if c is not None]
    results = {
        "pages": args.pages,
        "blur_px": args.blur,
        "dpi": DPI,
        "workers": os.cpu_count(),
        "seconds": round(seconds, 2),
        "pages_per_second": round(args.pages / seconds, 3),
        "character_accuracy": round(character_accuracy(document.text, truth), 4),
        "mean_confidence": round(sum(confidences) / len(confidences), 1) if confidences else None,
        "lowest_confidence": round(min(confidences), 1) if confidences else None,
        "pages_left_out": len(document.notes),
        "confidence_floor": MIN_PAGE_CONFIDENCE,
        "kind": document.kind,
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
