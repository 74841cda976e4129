"""What leaves the app as files: the Markdown export, feedback lines, download folders."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from assistant.web.export import FeedbackLog, export_markdown, feedback_record, session_folder
from assistant.web.render import NOT_FOUND_HEADING, RELATED_HEADING
from tests.web_samples import evil_record


def test_markdown_export_has_questions_answers_and_sources():
    turns = [evil_record(), evil_record(abstained=True)]
    text = export_markdown(turns, now=datetime(2025, 1, 2, tzinfo=UTC))
    assert text.startswith("# Cuộc trò chuyện với trợ lý tài liệu")
    assert "## Câu hỏi 1" in text and "## Câu hỏi 2" in text
    assert "**Trả lời:** Kinh tế số đạt 7,41% GRDP" in text
    assert "**Nguồn:**" in text and "bai-viet.txt; 01/02/2024; trang 2; Sóc Trăng" in text
    assert "  > Kinh tế số đạt 7,41% GRDP" in text
    assert f"**{NOT_FOUND_HEADING}.**" in text and f"**{RELATED_HEADING}:**" in text
    # Nothing from a document or question becomes a link, an image or raw HTML.
    assert not re.search(r"(?<!\\)[<\]]", text), "an unescaped < or ] would let Markdown act"
    assert "\\<img src=x" in text
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in text


def test_feedback_record_keeps_question_answer_and_sources():
    entry = feedback_record(evil_record(), "useful", "  Rất tốt ", "an")
    assert entry["rating"] == "useful" and entry["comment"] == "Rất tốt" and entry["user"] == "an"
    assert entry["question"].startswith("Hỏi") and "7,41%" in entry["answer"]
    assert entry["citations"][0]["source"] == "bai-viet.txt"
    assert entry["timestamp"].endswith("+00:00")
    json.dumps(entry, ensure_ascii=False)


def test_feedback_log_appends_one_json_line_per_rating(tmp_path):
    log = FeedbackLog(tmp_path / "data" / "feedback.jsonl")
    log.append(feedback_record(evil_record(), "useful", "", None))
    log.append(feedback_record(evil_record(abstained=True), "not_useful", "Thiếu số liệu", "an"))
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["rating"] for line in lines] == ["useful", "not_useful"]
    assert json.loads(lines[1])["abstained"] is True and "Thiếu số liệu" in lines[1]


def test_each_session_downloads_into_its_own_folder(tmp_path):
    first, second = session_folder(tmp_path, "abc"), session_folder(tmp_path, "xyz")
    assert first.is_dir() and second.is_dir() and first != second
    assert first.parent == tmp_path and "abc" not in first.name
    assert session_folder(tmp_path, "abc") == first
    assert session_folder(tmp_path, None) == session_folder(tmp_path, "")
