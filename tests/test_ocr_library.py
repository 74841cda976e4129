"""A scan's OCR confidences kept in the library: stored with the document record in a real
Chroma, listed by `assistant sources`, shown in the web library, and the pages left out
named in the web app's upload report.

The index is written with the record and chunks the pipeline prepares and vectors drawn
at random: what is tested is the record, not retrieval, so the shared machine is spared
loading the model.
"""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from assistant.cli import main
from assistant.settings import Settings
from assistant.web.library import library_rows
from assistant.web.uploads import note_message, upload_files
from index.commit import DocumentWrite
from index.indexer import IngestSummary
from index.record import StoredDocument
from index.store import Store, connect
from ingest.chunk import approximate_tokens
from ingest.load import load_file
from ingest.ocr import MIN_PAGE_CONFIDENCE
from ingest.pipeline import ChunkingOptions, prepare_file
from tests.conftest import ROOT
from tests.scanned import DEJAVU, PAGES, scanned_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None or not DEJAVU.exists(),
    reason="needs tesseract with vie and the DejaVu fonts (make installs both)",
)
BLURRED = 7  # pixels of blur that leave a page unreadable (tests/test_ocr.py)
TYPED = "Trang đánh máy: Sóc Trăng đặt chỉ tiêu kinh tế số đạt 20% GRDP."


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A PDF of a typed page, a readable scanned page and an unreadable one."""
    typed = FPDF()
    typed.add_font("dejavu", fname=str(DEJAVU))
    typed.set_font("dejavu", size=12)
    typed.add_page()
    typed.cell(text=TYPED)
    writer = PdfWriter()
    for data in (
        bytes(typed.output()),
        scanned_pdf(PAGES[:1]),
        scanned_pdf(PAGES[1:], blur=BLURRED),
    ):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    path = tmp_path_factory.mktemp("scan") / "ke-hoach-quet.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return path


@pytest.fixture(scope="module")
def db(scan, tmp_path_factory):
    """A real Chroma index holding the scan, as `assistant ingest` would write it."""
    settings = Settings()
    options = ChunkingOptions(
        max_bytes=settings.max_bytes,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap,
    )
    prepared = prepare_file(scan, options, measure=approximate_tokens)
    record = StoredDocument.from_prepared("scan", prepared, "2026-01-02T03:04:05+00:00")
    vectors = np.random.default_rng(0).normal(size=(len(prepared.chunks), 384))
    path = tmp_path_factory.mktemp("ocr-db") / "db"
    store = Store(connect(str(path)), settings.embedding_model)
    store.write_documents(
        [DocumentWrite(record, prepared.loaded.text, prepared.chunks, vectors.astype(np.float32))]
    )
    return path


def _sources(db, *args: str):
    env = {"ASSISTANT_DATA_DIR": str(ROOT / ".data")}
    result = CliRunner().invoke(main, ["sources", "--db", str(db), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_each_pages_confidence_is_stored_with_the_document(db):
    (doc,) = Store(connect(str(db)), Settings().embedding_model).list_documents()
    assert doc.kind == "pdf-ocr"
    typed, readable, blurred = doc.confidences
    assert typed is None
    assert readable > 90 and blurred < MIN_PAGE_CONFIDENCE


def test_sources_lists_each_pages_confidence_in_text_and_json(db):
    text = _sources(db)
    line = next(row for row in text.splitlines() if "OCR confidence by page" in row)
    assert line.strip().startswith("OCR confidence by page: 1: text layer, 2: 9")
    assert line.endswith("% (left out)") and ", 3: " in line
    (record,) = [json.loads(row) for row in _sources(db, "--json").splitlines()]
    assert record["kind"] == "pdf-ocr"
    assert record["confidences"][0] is None and record["confidences"][1] > 90
    assert record["confidences"][2] < MIN_PAGE_CONFIDENCE


def test_the_web_library_shows_the_least_certain_page_kept(db):
    (doc,) = Store(connect(str(db)), Settings().embedding_model).list_documents()
    (row,) = library_rows([doc])
    kept = round(doc.confidences[1])
    assert row[1] == f"PDF quét (OCR), độ tin cậy {kept}%", "the page left out does not count"


def test_the_upload_report_names_the_pages_left_out(scan, tmp_path):
    def ingest(paths):
        """What the indexer reports of the files it stored: their names and loaders' notes."""
        summary = IngestSummary()
        for path in paths:
            summary.added.append(path.name)
            loaded = load_file(path, max_bytes=Settings().max_bytes)
            summary.notes.extend((path.name, note) for note in loaded.notes)
        return summary

    (result,) = upload_files([scan], tmp_path / "uploads", ingest, Settings().max_bytes)
    assert result.status == "ok"
    assert result.message.startswith("đã thêm vào thư viện; trang 3 bị bỏ qua: ")
    assert f"dưới ngưỡng {MIN_PAGE_CONFIDENCE:.0f}%" in result.message


def test_loader_notes_in_vietnamese():
    no_ocr = "pages 2, 3 have no text layer and were left out: Tesseract is not installed"
    assert note_message(no_ocr).startswith("trang 2, 3 bị bỏ qua: không có lớp văn bản")
    assert note_message("something new") == "lưu ý: something new"
