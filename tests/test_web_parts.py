"""Parts of the app added for officials' use, without a server or the model: the targets
chart, the note for a province filter that excludes the asked province, the question
length cap, the library row a click means, and orphaned uploads."""

from __future__ import annotations

import os
import time

import gradio as gr
import pytest

from assistant.settings import Settings
from assistant.web.chart import chart_notes_html, chart_rows, figure_value, write_chart
from assistant.web.filters import filter_conflict
from assistant.web.handlers import (
    Handlers,
    check_question,
    discard_temporary,
)
from assistant.web.library import KIND_NAMES, Library, library_row, pick_document
from assistant.web.render import panel_html
from assistant.web.targets_view import target_rows
from tests.web_samples import XSS_SCRIPT, assert_inert, empty_assistant, stored, target_docs


def test_figures_are_read_as_vietnamese_writes_them():
    assert figure_value("7,41%") == pytest.approx(7.41)
    assert figure_value("1.250 mét") == 1250
    assert figure_value("hạng 36") == 36
    assert figure_value(None) is None and figure_value("chưa rõ") is None


def test_chart_of_one_indicator_ties_each_bar_to_its_sentence(tmp_path):
    rows = target_rows(target_docs(), indicator="kinh tế số / GRDP")
    bars = chart_rows(rows)
    assert bars and {r["province"] for r in bars} >= {"Sóc Trăng"}
    png = write_chart(bars, "kinh tế số / GRDP", tmp_path / "c.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size < 200_000
    notes = chart_notes_html(bars)
    assert notes.count("<li>") == len(bars) and "[1]" in notes
    for row in bars:
        assert f'data-doc="{row["doc_id"]}"' in notes and f'data-start="{row["start"]}"' in notes
    evil = dict(bars[0], quote=XSS_SCRIPT, province=XSS_SCRIPT)
    assert_inert(chart_notes_html([evil]))


def test_a_filter_that_excludes_the_asked_province_is_said():
    question = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"
    note = filter_conflict(question, "Tuyên Quang")
    assert note and "Tuyên Quang" in note and "Sóc Trăng" in note and "Tất cả" in note
    assert filter_conflict(question, "Cần Thơ") is None  # Sóc Trăng merged into Cần Thơ
    assert filter_conflict(question, "Sóc Trăng") is None
    assert filter_conflict(question, "Tất cả") is None and filter_conflict(question, None) is None
    assert filter_conflict("Kinh tế số là gì?", "Tuyên Quang") is None
    turn = {"question": question, "abstained": True, "answer": "", "related": []}
    panel = panel_html({**turn, "province_filter": "Tuyên Quang"}, lambda _: None)
    assert panel.startswith('<div class="vd-filter-note"') and "Sóc Trăng" in panel
    assert "vd-filter-note" not in panel_html(turn, lambda _: None)


def test_a_question_over_the_cap_gets_a_vietnamese_message(tmp_path):
    assert check_question("  Hỏi?  ", 10) == "Hỏi?"
    assert check_question("x" * 10, 10) == "x" * 10
    settings = Settings(data_dir=tmp_path)
    handlers = Handlers(Library(empty_assistant(tmp_path), settings), settings, tmp_path / "x")
    with pytest.raises(gr.Error, match=r"Câu hỏi quá dài: 2\.001 ký tự, tối đa 2\.000"):
        handlers.ask("x" * (handlers.settings.max_question_chars + 1), None, 5)
    with pytest.raises(gr.Error, match="Câu hỏi quá dài"):
        handlers.respond("x" * 100_000, [], None, 5, gr.Request(session_hash="s"))


def test_library_rows_say_kind_and_pages_and_a_click_finds_its_document():
    text = stored("a.txt", [], provinces=("Sóc Trăng",))
    pdf = stored("b.pdf", [])
    assert library_row(text)[1:4] == [KIND_NAMES["text"], "—", 1]
    docs = [text, pdf]
    assert pick_document(docs, 1, library_row(pdf)) is pdf
    # A stale or re-sorted index: the clicked row's cells decide.
    assert pick_document(docs, 0, library_row(pdf)) is pdf
    assert pick_document(docs, [0, 3], None) is text
    assert pick_document(docs, 5, None) is None
    assert pick_document(docs, 0, ["gone", "", "", "", "", "", ""]) is None


def test_orphaned_uploads_are_removed_and_fresh_ones_kept(tmp_path):
    settings = Settings(data_dir=tmp_path)
    library = Library(empty_assistant(tmp_path), settings)
    assert library.remove_orphans() == []
    library.uploads.mkdir(parents=True)
    old, fresh = library.uploads / "cut-off.txt", library.uploads / "in-flight.txt"
    old.write_text("x", encoding="utf-8")
    fresh.write_text("y", encoding="utf-8")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    assert library.remove_orphans() == [old]
    assert not old.exists() and fresh.exists()


def test_gradio_temporary_uploads_are_discarded_but_not_other_files(tmp_path, monkeypatch):
    temporary = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(temporary))
    (temporary / "abc").mkdir(parents=True)
    copy, own = temporary / "abc" / "bai.txt", tmp_path / "bai.txt"
    copy.write_text("x", encoding="utf-8")
    own.write_text("x", encoding="utf-8")
    discard_temporary([copy, own])
    assert not copy.exists() and own.exists()
