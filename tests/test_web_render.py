"""HTML from documents and users: escaped everywhere, citations linked, ranges marked."""

from __future__ import annotations

from assistant.web.render import (
    NOT_FOUND_HEADING,
    RELATED_HEADING,
    answer_html,
    chat_messages,
    document_html,
    message_html,
    upload_report_html,
)
from assistant.web.uploads import UploadResult
from tests.web_samples import (
    EVIL_TEXT,
    XSS_IMG,
    XSS_SCRIPT,
    assert_inert,
    document,
    evil_record,
    lookup,
)


def test_answer_panel_escapes_and_links_citations():
    markup = answer_html(evil_record(), lookup)
    assert_inert(markup)
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in markup
    assert "&lt;script&gt;" in markup
    # The marker and the title open the document at the quoted range.
    record = evil_record()
    cite = record["citations"][0]
    attrs = f'data-doc="d1" data-start="{cite["start"]}" data-end="{cite["end"]}"'
    assert markup.count(attrs) == 2 and 'class="vd-marker"' in markup
    # The quote is marked inside its paragraph, with the text around it.
    assert "<mark>Kinh tế số đạt 7,41% GRDP &lt;img" in markup
    assert "Đoạn đầu [x](javascript:alert(1)) nói về kinh tế số." in markup
    assert "Ngày 01/02/2024" in markup and "trang 2" in markup and "Sóc Trăng" in markup
    assert NOT_FOUND_HEADING not in markup


def test_abstained_answer_lists_related_passages_not_evidence():
    markup = answer_html(evil_record(abstained=True), lookup)
    assert_inert(markup)
    assert "vd-abstained" in markup and NOT_FOUND_HEADING in markup
    assert RELATED_HEADING in markup and "Nguồn trích dẫn" not in markup
    assert 'class="vd-marker"' not in markup


def test_chat_messages_are_escaped():
    messages = chat_messages([evil_record(), evil_record(abstained=True)])
    assert [m["role"] for m in messages] == ["user", "assistant"] * 2
    for message in messages:
        assert_inert(message["content"])
    assert messages[0]["content"].startswith("Hỏi &lt;img")
    assert NOT_FOUND_HEADING in messages[3]["content"]


def test_document_view_marks_the_range_in_the_whole_document():
    view = lookup("d1")
    start = EVIL_TEXT.index("Kinh tế số đạt")
    end = EVIL_TEXT.index(" Câu sau cùng")
    markup = document_html(view, start, end)
    assert_inert(markup)
    assert markup.count('<p class="vd-block">') == 3
    assert '<mark id="vd-target" class="vd-target">Kinh tế số đạt 7,41% GRDP &lt;img' in markup
    assert "Đoạn cuối." in markup
    unmarked = document_html(view)
    assert "<mark" not in unmarked and "Đoạn cuối." in unmarked
    assert "Chọn một tài liệu" in document_html(None)


def test_document_view_shows_pdf_pages():
    text = "Trang một.\n\nTrang hai có số liệu."
    view = document(text, "PDF", [(0, 10), (12, len(text))], pages=[(1, 0, 12), (2, 12, 40)])
    markup = document_html(view, 12, 17)
    assert "Trang 1" in markup and "Trang 2" in markup
    assert '<mark id="vd-target" class="vd-target">Trang</mark>' in markup


def test_messages_and_the_upload_report_are_escaped_text():
    assert message_html("vd-ok", f"Đã xóa: {XSS_SCRIPT}") == (
        '<p class="vd-ok">Đã xóa: &lt;script&gt;window.__xss=1&lt;/script&gt;</p>'
    )
    report = upload_report_html(
        [
            UploadResult("ok", "a.txt", "đã thêm vào thư viện"),
            UploadResult("same", "b.txt", "trùng nội dung với a.txt"),
            UploadResult("bad", f"{XSS_IMG}.txt", "Tệp không phải văn bản"),
        ]
    )
    assert_inert(report)
    assert report.startswith('<ul class="vd-results"><li class="vd-ok">✓ <strong>a.txt</strong>')
    assert '<li class="vd-same">= <strong>b.txt</strong>: trùng nội dung với a.txt</li>' in report
    assert '<li class="vd-bad">✗ <strong>&lt;img' in report
