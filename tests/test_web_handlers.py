"""The app's event handlers called directly, as Gradio calls them, without Blocks or a server.

Fast over an empty index (logins, feedback); slow over the bundled articles (chat,
documents, targets) and over an index of its own (uploads and removals).
"""

from __future__ import annotations

import csv
import io
import json

import gradio as gr
import pytest

from assistant.settings import Settings
from assistant.targets_table import COLUMNS
from assistant.web.export import session_folder
from assistant.web.filters import ALL_PROVINCES
from assistant.web.handlers import Handlers
from assistant.web.library import Library
from assistant.web.render import DOCUMENT_GONE, NOT_FOUND_HEADING
from assistant.web.targets_view import ALL_INDICATORS
from tests.conftest import ARTICLES
from tests.web_samples import XSS_IMG, empty_assistant, evil_record

SOC_TRANG = "Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?"


def _request(username: str | None = None, session: str = "s1") -> gr.Request:
    return gr.Request(username=username, session_hash=session)


def _handlers(assistant, tmp_path, users: str | None = None) -> Handlers:
    settings = Settings(data_dir=tmp_path / "data", users=users)
    return Handlers(Library(assistant, settings), settings, exports=tmp_path / "exports")


@pytest.fixture
def empty(tmp_path) -> Handlers:
    return _handlers(empty_assistant(tmp_path), tmp_path, users="an:1:admin,binh:2")


@pytest.fixture
def corpus(corpus_assistant, tmp_path) -> Handlers:
    return _handlers(corpus_assistant, tmp_path)


def test_only_admins_may_upload_or_remove(empty):
    *_, manage, note, account = empty.on_load(_request("binh"))
    assert manage.visible is False and note.visible and "Chỉ quản trị viên" in note.value
    assert "binh" in account and 'href="logout"' in account and "Đăng xuất" in account
    with pytest.raises(gr.Error, match="Chỉ quản trị viên mới được tải lên"):
        empty.upload(["x.txt"], _request("binh"))
    with pytest.raises(gr.Error, match="Chỉ quản trị viên mới được xóa"):
        empty.remove("d1", _request("binh"))
    *_, manage, note, _ = empty.on_load(_request("an"))
    assert manage.visible is True and note.visible is False
    assert empty.upload(None, _request("an"))[0] == '<p class="vd-note">Chưa chọn tệp nào.</p>'
    assert "Chọn một tài liệu để xóa" in empty.remove(None, _request("an"))[0]
    gone = empty.remove("no-such-doc", _request("an"))[0]
    assert gone == '<p class="vd-bad">Tài liệu không còn trong thư viện.</p>'


def test_feedback_and_likes_are_logged_for_the_turn_meant(empty):
    log = empty.feedback.path
    turns = [evil_record(), evil_record(abstained=True)]
    comment, status = empty.useful_feedback(turns, 0, " Rất tốt ", _request("an"))
    assert comment == "" and status.startswith('<p class="vd-ok">Đã ghi góp ý (hữu ích)')
    assert "“Hỏi &lt;img" in status and XSS_IMG not in status
    # No turn selected: the last answer is rated.
    empty.not_useful_feedback(turns, -1, "", _request())
    # A thumbs-down on the second answer (message 3 of the chat).
    empty.like(turns, gr.LikeData(None, {"index": 3, "value": "", "liked": False}), _request())
    empty.like(turns, gr.LikeData(None, {"index": 1, "value": "", "liked": None}), _request())
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(e["rating"], e["abstained"], e["user"]) for e in entries] == [
        ("useful", False, "an"),
        ("not_useful", True, None),
        ("not_useful", True, None),
    ]
    assert entries[0]["comment"] == "Rất tốt"
    with pytest.warns(UserWarning):
        skipped, note = empty.useful_feedback([], -1, "", _request())
    assert skipped == gr.skip() and "Chưa có câu trả lời nào để góp ý" in note


@pytest.mark.slow
def test_chat_turns_follow_ups_selection_and_export(corpus):
    request = _request()
    messages, turns, selected, panel, question, download = corpus.respond(
        SOC_TRANG, [], ALL_PROVINCES, 5, request
    )
    assert "7,41%" in panel and selected == 0 and question == "" and len(messages) == 2
    assert download.interactive is True
    out = corpus.respond("Còn Tuyên Quang thì sao?", turns, ALL_PROVINCES, 5, request)
    turns = out[1]
    assert len(turns) == 2 and "Tuyên Quang đặt chỉ tiêu" in turns[1]["resolved_question"]
    exported = (session_folder(corpus.exports, "s1") / "hoi-dap.md").read_text(encoding="utf-8")
    assert SOC_TRANG in exported and "Còn Tuyên Quang thì sao?" in exported
    assert corpus.respond("   ", turns, ALL_PROVINCES, 5, request) == (gr.skip(),) * 6
    # A click on the first answer (message 1) shows it again.
    shown = corpus.select_turn(turns, gr.SelectData(None, {"index": 1, "value": ""}))
    assert shown[0] == 0 and SOC_TRANG in shown[1]
    assert corpus.select_turn(turns, gr.SelectData(None, {"index": 9, "value": ""})) == (
        gr.skip(),
        gr.skip(),
    )
    cleared = corpus.new_conversation()
    assert cleared[:3] == ([], [], -1) and "vd-empty" in cleared[3]
    assert cleared[5].interactive is False


@pytest.mark.slow
def test_a_citation_or_a_pick_opens_the_document(corpus):
    record = corpus.ask(SOC_TRANG, "Sóc Trăng", 500)
    assert record["abstained"] is False and NOT_FOUND_HEADING not in record["answer"]
    cite = record["citations"][0]
    data = {"doc_id": cite["doc_id"], "start": cite["start"], "end": cite["end"]}
    markup, picker = corpus.open_cited(gr.EventData(None, data))
    assert 'id="vd-target"' in markup and picker.value == cite["doc_id"]
    gone, picker = corpus.open_cited(gr.EventData(None, {"doc_id": "no-such-doc"}))
    assert gone == DOCUMENT_GONE and picker.value is None
    assert cite["title"] in corpus.open_picked(cite["doc_id"])
    assert "Chọn một tài liệu" in corpus.open_picked(None)


@pytest.mark.slow
def test_targets_filters_write_the_csv_and_a_row_opens_its_sentence(corpus):
    request = _request()
    table, rows, indicator, count, export = corpus.show_targets(
        "Sóc Trăng", "không có chỉ tiêu này", "status", request
    )
    assert rows and {r["province"] for r in rows} == {"Sóc Trăng"}
    assert rows[0]["status"] == "chưa đạt" and len(table) == len(rows)
    assert indicator.value == ALL_INDICATORS and ALL_INDICATORS in [c[0] for c in indicator.choices]
    assert count == f'<p class="vd-note">{len(rows)} dòng.</p>' and export.interactive is True
    text = (session_folder(corpus.exports, "s1") / "chi-tieu.csv").read_text(encoding="utf-8")
    read = list(csv.reader(io.StringIO(text)))
    assert tuple(read[0]) == COLUMNS and len(read) == len(rows) + 1
    i = next(i for i, r in enumerate(rows) if r["achieved"] == "7,41%")
    click = gr.SelectData(None, {"index": [0, 1], "value": "", "row_value": table[i]})
    markup, picker, tabs = corpus.open_target(rows, click)
    assert f'<mark id="vd-target" class="vd-target">{rows[i]["quote"]}' in markup
    assert picker.value == rows[i]["doc_id"] and tabs.selected == "chat"
    missed = gr.SelectData(None, {"index": [0, 0], "value": "", "row_value": ["x"] * 8})
    assert corpus.open_target(rows, missed) == (gr.skip(),) * 3
    _, none, _, count, export = corpus.show_targets("Cà Mau", ALL_INDICATORS, None, request)
    assert none == [] and "Không có chỉ tiêu nào khớp bộ lọc" in count
    assert export.interactive is False


@pytest.mark.slow
def test_upload_then_remove_through_the_handlers(embedder, tmp_path):
    from assistant.answer import Assistant
    from index.retrieve import Searcher
    from index.store import Store, connect

    store = Store(connect(str(tmp_path / "chroma")), embedder.name)
    handlers = _handlers(Assistant(Searcher(store, embedder), k=5, retrieval="hybrid"), tmp_path)
    article = ARTICLES / "tay-ninh-lo-trinh-chuyen-doi-so.txt"
    first, second = tmp_path / "in" / "a" / "tây ninh.txt", tmp_path / "in" / "b" / "tây ninh.txt"
    for copy in (first, second):
        copy.parent.mkdir(parents=True)
        copy.write_bytes(article.read_bytes())
    fake = tmp_path / "in" / "gia-mao.pdf"
    fake.write_text("Đây không phải PDF.", encoding="utf-8")
    report, table, remove_picker, _ = handlers.upload(
        [str(first), str(second), str(fake)], _request()
    )
    assert report.count("<li") == 3, report
    assert "✓ <strong>tây ninh.txt</strong>: đã thêm vào thư viện (lưu với tên tây_ninh.txt)" in (
        report
    )
    assert "= <strong>tây ninh.txt</strong>: trùng nội dung với tây ninh.txt" in report
    assert "✗ <strong>gia-mao.pdf</strong>: Nội dung tệp không khớp với đuôi tệp" in report
    assert [row[-1] for row in table] == ["tây_ninh.txt"]
    assert sorted(p.name for p in handlers.library.uploads.iterdir()) == ["tây_ninh.txt"]
    doc_id = remove_picker.choices[0][1]
    message, table, *_ = handlers.remove(doc_id, _request())
    assert message.startswith('<p class="vd-ok">Đã xóa:') and table == []
    assert list(handlers.library.uploads.iterdir()) == []
