"""Scanned PDFs: pages without a text layer read by Tesseract (`vie`), with confidences.

The scans are drawn from Vietnamese text at 300 dpi (tests/scanned.py), so the
recognised text can be measured against what was drawn.
"""

from __future__ import annotations

import io
import shutil

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from ingest.document import LoadError
from ingest.load import load_file
from ingest.ocr import MIN_PAGE_CONFIDENCE, page_from_tsv
from tests.scanned import DEJAVU, PAGES, character_accuracy, scanned_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or not DEJAVU.exists(),
    reason="needs tesseract with vie and the DejaVu fonts (make installs both)",
)
LIMIT = 10_000_000
BLURRED = 7  # pixels of blur that leave a page unreadable


def test_a_scanned_pdf_is_read_page_by_page_with_accuracy_and_confidence(tmp_path):
    path = tmp_path / "ke-hoach-scan.pdf"
    path.write_bytes(scanned_pdf())
    document = load_file(path, max_bytes=LIMIT)
    assert document.kind == "pdf-ocr"
    truth = " ".join(" ".join(lines) for lines in PAGES)
    assert character_accuracy(document.text, truth) >= 0.97
    assert len(document.confidences) == 2
    assert all(c is not None and c > 90 for c in document.confidences)
    assert document.notes == ()
    # wrapped lines are joined into sentences, and every offset keeps its page
    assert "có 85% hồ sơ thủ tục hành chính được tiếp nhận" in document.text
    assert document.page_at(document.text.index("1.250.000")) == 2
    assert document.page_at(document.text.index("85%")) == 1


def test_a_page_below_the_confidence_floor_is_left_out_and_reported(tmp_path):
    readable = scanned_pdf(PAGES[:1])
    blurred = scanned_pdf(PAGES[1:], blur=BLURRED)
    path = tmp_path / "mo.pdf"
    path.write_bytes(_join_pdfs(readable, blurred))
    document = load_file(path, max_bytes=LIMIT)
    assert "85%" in document.text
    assert "1.250.000" not in document.text
    first, second = document.confidences
    assert first > MIN_PAGE_CONFIDENCE > second
    assert len(document.notes) == 1
    assert document.notes[0].startswith("page 2 was left out")
    assert f"{MIN_PAGE_CONFIDENCE:.0f}% floor" in document.notes[0]


def test_a_scan_with_no_readable_page_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "mo-het.pdf"
    path.write_bytes(scanned_pdf(PAGES[1:], blur=BLURRED))
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=LIMIT)
    assert caught.value.code == "no_text"
    assert "no text layer" in caught.value.reason
    assert "confidence" in caught.value.reason


def test_pages_with_a_text_layer_are_not_ocred(tmp_path):
    typed = FPDF()
    typed.add_font("dejavu", fname=str(DEJAVU))
    typed.set_font("dejavu", size=12)
    typed.add_page()
    typed.cell(text="Trang đánh máy: Sóc Trăng đặt chỉ tiêu 20% GRDP.")
    path = tmp_path / "tron.pdf"
    path.write_bytes(_join_pdfs(bytes(typed.output()), scanned_pdf(PAGES[1:])))
    document = load_file(path, max_bytes=LIMIT)
    assert document.kind == "pdf-ocr"
    assert document.confidences[0] is None and document.confidences[1] > 90
    assert document.page_at(document.text.index("Trang đánh máy")) == 1
    assert document.page_at(document.text.index("1.250.000")) == 2


def test_tesseract_tsv_becomes_lines_and_a_mean_confidence():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t..."
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tTỉnh",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tđạt",
        "4\t1\t1\t1\t2\t0\t0\t0\t1\t1\t-1\t",
        "5\t1\t1\t2\t1\t1\t0\t0\t1\t1\t70\t85%",
    ]
    text, confidence = page_from_tsv("\n".join([header, *rows]))
    assert text == "Tỉnh đạt\n85%"
    assert confidence == pytest.approx(80)


def _join_pdfs(*documents: bytes) -> bytes:
    writer = PdfWriter()
    for data in documents:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
