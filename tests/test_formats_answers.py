"""Questions answered from the documents officials have: a Word plan with a targets table, a
wrapped multi-page PDF, a scanned PDF and a web page, ingested together with the real model.

One store for the whole module: the model is shared by every session on the machine.
"""

from __future__ import annotations

import shutil

import pytest

from assistant.cli import render_text
from assistant.record import RECOGNISED_NOTE
from assistant.web.render import answer_html
from tests.scanned import scanned_pdf
from tests.test_docx import plan_docx
from tests.test_html import PAGE
from tests.test_pdf import wrapped_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="needs tesseract with vie (make installs it)"
)


@pytest.fixture(scope="module")
def formats(tmp_path_factory, embedder):
    from assistant.answer import Assistant
    from assistant.components import chunking_options
    from assistant.settings import Settings
    from index.indexer import ingest_paths
    from index.retrieve import Searcher
    from index.store import Store, connect

    folder = tmp_path_factory.mktemp("formats")
    plan_docx(folder / "ke-hoach-lam-dong.docx")
    (folder / "ke-hoach-lam-dong.pdf").write_bytes(wrapped_pdf())
    (folder / "ban-scan.pdf").write_bytes(scanned_pdf())
    (folder / "soc-trang.html").write_text(PAGE, encoding="utf-8")
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")
    store = Store(connect(str(tmp_path_factory.mktemp("formats-db"))), embedder.name)
    settings = Settings()
    summary = ingest_paths([folder], store, embedder, chunking_options(settings))
    assistant = Assistant(Searcher(store, embedder), k=settings.k, retrieval=settings.retrieval)
    return summary, store, assistant


def test_every_format_is_ingested_and_a_looping_link_is_one_failure(formats):
    summary, _, _ = formats
    assert sorted(summary.added) == [
        "ban-scan.pdf",
        "ke-hoach-lam-dong.docx",
        "ke-hoach-lam-dong.pdf",
        "soc-trang.html",
    ]
    assert sorted(error.code for error in summary.failed) == ["unreadable", "unreadable"]


def test_stored_kinds_mark_the_recognised_document(formats):
    _, store, _ = formats
    kinds = {doc.source: doc.kind for doc in store.list_documents()}
    assert kinds["ban-scan.pdf"] == "pdf-ocr"
    assert kinds["ke-hoach-lam-dong.docx"] == "docx"


@pytest.mark.parametrize(
    ("question", "figure", "source", "page"),
    [
        (
            "Tỷ lệ dân số trưởng thành có chữ ký số mục tiêu bao nhiêu phần trăm vào năm 2026?",
            "50%",
            "ke-hoach-lam-dong.docx",
            None,
        ),
        (
            "Tỷ trọng kinh tế số trong tổng sản phẩm của Lâm Đồng phấn đấu đạt bao nhiêu "
            "vào năm 2030?",
            "30%",
            "ke-hoach-lam-dong.pdf",
            1,
        ),
        ("Chỉ số chuyển đổi số cấp tỉnh của Lâm Đồng xếp thứ mấy?", "18", "ban-scan.pdf", 2),
        (
            "Sóc Trăng đặt mục tiêu tỷ lệ thanh toán trực tuyến bao nhiêu?",
            "60%",
            "soc-trang.html",
            None,
        ),
    ],
)
def test_answers_hold_the_exact_figure_and_cite_its_page(formats, question, figure, source, page):
    _, store, assistant = formats
    record = assistant.ask(question)
    assert not record.abstained
    assert figure in record.answer
    citation = next(c for c in record.citations if c.source == source)
    assert store.document_text(citation.doc_id)[citation.start : citation.end] == citation.quote
    assert citation.page == page
    # a scanned page's quote says it was recognised, in the record and in every interface
    assert all(c.recognised == (c.source == "ban-scan.pdf") for c in record.citations)
    shown = [render_text(record), answer_html(record.to_json(), lambda _: None)]
    recognised = any(c.recognised for c in record.citations)
    assert all((RECOGNISED_NOTE in text) == recognised for text in shown)
