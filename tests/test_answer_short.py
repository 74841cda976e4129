"""The short answer over hand-built quotes: cut from them, or none at all."""

from __future__ import annotations

from assistant.record import Citation
from assistant.short_answer import MAX_CHARS, short_answer, supported


def cite(quote: str, marker: int = 1, doc_id: str = "doc", start: int = 0) -> Citation:
    return Citation(
        marker=marker,
        source=f"{doc_id}.txt",
        title=doc_id,
        date=None,
        page=None,
        quote=quote,
        start=start,
        end=start + len(quote),
        chunk_id=f"{doc_id}:g1:0",
        score=1.0,
        doc_id=doc_id,
    )


TQ = cite("Toàn tỉnh hiện có 1.871 tổ công nghệ số cộng đồng với 10.257 thành viên.")
ST = cite(
    "Ngày 27/10/2021, Ban Chấp hành Đảng bộ tỉnh ban hành Nghị quyết số 07-NQ/TU về "
    "chuyển đổi số, hạ tầng cáp quang đã phủ 100% hộ dân, sớm hơn 3 năm so với chỉ tiêu."
)


def test_a_count_is_the_figure_followed_by_what_is_counted():
    short = short_answer("Tuyên Quang có bao nhiêu tổ công nghệ số cộng đồng?", [TQ])
    assert short is not None and short.startswith("1.871 tổ")
    assert short_answer("Các tổ có bao nhiêu thành viên?", [TQ]).startswith("10.257")


def test_dates_document_numbers_and_durations_come_from_the_quote():
    assert short_answer("Nghị quyết được ban hành ngày nào?", [ST]) == "27/10/2021"
    both = "Nghị quyết về chuyển đổi số có số hiệu gì và được ban hành ngày nào?"
    assert short_answer(both, [ST]) == "07-NQ/TU; 27/10/2021"
    assert "3 năm" in short_answer("Cáp quang phủ hộ dân sớm hơn mấy năm?", [ST])
    assert short_answer("Bao nhiêu phần trăm hộ dân có cáp quang?", [ST]) == "100% hộ dân"


def test_a_figure_the_question_states_is_not_its_answer():
    assert short_answer("Nghị quyết 07 đặt chỉ tiêu phủ bao nhiêu phần trăm?", [ST]) == "100%"


def test_no_short_answer_without_an_honest_short_form():
    assert short_answer("Chuyển đổi số ở Sóc Trăng có ý nghĩa gì?", [ST]) is None
    assert short_answer("Tổ công nghệ số có bao nhiêu tổ và bao nhiêu xã?", [TQ]) is None
    assert short_answer("Sóc Trăng và Tuyên Quang có bao nhiêu tổ?", [TQ]) is None
    assert short_answer("Có bao nhiêu tổ?", []) is None


def test_a_target_question_takes_the_cited_row():
    quote = "Tỉnh phấn đấu đến năm 2025 kinh tế số chiếm 20% GRDP."
    row = {
        "indicator": "kinh tế số / GRDP",
        "target": "20%",
        "deadline": "2025",
        "achieved": None,
        "as_of": None,
        "doc_id": "doc",
        "start": 0,
    }
    question = "Tuyên Quang đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP?"
    assert short_answer(question, [cite(quote)], [row]) == "20% (chỉ tiêu, 2025)"
    uncited = {**row, "doc_id": "other"}
    assert short_answer(question, [cite(quote)], [uncited]) == "20% GRDP"


def test_every_number_of_a_short_answer_stands_in_a_cited_quote():
    assert supported("1.871 tổ", [TQ])
    assert not supported("1.880 tổ", [TQ])
    long = cite("Có " + "rất " * 40 + "1.871 " + "tổ " * 40)
    short = short_answer("Có bao nhiêu tổ?", [long])
    assert short is None or len(short) <= MAX_CHARS


def test_the_chat_and_the_terminal_show_the_short_answer_first():
    from assistant.cli import render_text
    from assistant.record import AnswerRecord
    from assistant.web.render import answer_html

    record = AnswerRecord(
        question="Có bao nhiêu tổ?",
        answer=f"{TQ.quote} [1]",
        abstained=False,
        citations=[TQ],
        short_answer="1.871 tổ <b>",
    )
    markup = answer_html(record.to_json(), lambda doc_id: None)
    assert "<strong>1.871 tổ &lt;b&gt;</strong>" in markup
    assert markup.index("<strong>") < markup.index(TQ.quote[:20])
    assert render_text(record).startswith("Trả lời ngắn: 1.871 tổ <b>\n")
