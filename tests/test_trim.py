"""Long answers cut to the clauses that answer (assistant/trim.py), over hand-built quotes."""

from __future__ import annotations

from assistant.extractive import Candidate
from assistant.trim import clauses_within, fit
from index.weights import SELECTION
from tests.test_answer_logic import ALL

LIST = (
    "Riêng năm 2022, dự thảo kế hoạch đã chỉ rõ 90 nhiệm vụ cụ thể như: "
    "Tỷ lệ các giao dịch được xác thực sử dụng chữ ký số đạt 100%; "
    "Tỷ lệ hóa đơn điện tử đạt 100%; "
    "Tỷ lệ người dân trưởng thành có smartphone cài đặt ứng dụng bảo hiểm xã hội số đạt 95%..."
)


def idf(term: str) -> float:
    return 1.0


def quote(text: str, start: int, *terms: str) -> Candidate:
    return Candidate(
        ALL[0], 0, start, start + len(text), text, 1.0, 1.0, 1.0, frozenset(terms), None
    )


def test_a_long_sentence_is_cut_to_the_clause_holding_the_question_words():
    long = quote(LIST, 1000, "hóa", "đơn", "điện", "tử")
    cut = clauses_within(long, 80, idf)
    assert cut is not None
    assert cut.text == "Tỷ lệ hóa đơn điện tử đạt 100%;"
    # Still the document's own characters, at their own offsets.
    assert LIST[cut.start - 1000 : cut.end - 1000] == cut.text
    assert cut.terms == long.terms


def test_neighbouring_clauses_that_hold_question_words_join_while_they_fit():
    long = quote(LIST, 0, "hóa", "đơn", "smartphone")
    cut = clauses_within(long, 400, idf)
    assert cut is not None and cut.text.startswith("Tỷ lệ hóa đơn") and "smartphone" in cut.text
    assert "chữ ký số" not in cut.text  # that clause holds none of the words


def test_a_sentence_is_left_whole_when_no_clause_can_stand_for_it():
    plain = quote("Một câu không có dấu chấm phẩy nào cả.", 0, "câu")
    assert clauses_within(plain, 10, idf) is None
    assert clauses_within(quote(LIST, 0, "xyz"), 400, idf) is None  # no clause holds a word
    assert clauses_within(quote(LIST, 0, "hóa"), 10, idf) is None  # the clause is too long


def test_only_answers_over_the_budget_are_cut():
    short = quote("Tỷ lệ hóa đơn điện tử đạt 100%; còn lại đạt 95%.", 0, "hóa")
    assert fit([short], idf) == [short]
    padding = quote("x" * (SELECTION.budget - 200), 5000, "y")
    long = quote(LIST, 0, "hóa", "đơn")
    fitted = fit([padding, long], idf)
    assert fitted[0] == padding and fitted[1].text == "Tỷ lệ hóa đơn điện tử đạt 100%;"
    assert sum(len(c.text) + len(" [1] ") for c in fitted) <= SELECTION.budget


def test_a_time_is_not_a_clause_end():
    text = "Hội nghị bắt đầu lúc 10:30 tại hội trường tỉnh; đại biểu bàn về hóa đơn điện tử."
    cut = clauses_within(quote(text, 0, "hóa", "đơn"), 60, idf)
    assert cut is not None and cut.text == "đại biểu bàn về hóa đơn điện tử."
    assert clauses_within(quote(text, 0, "hội", "nghị"), 60, idf).text.endswith("tỉnh;")
