"""Which scored sentences make the answer (assistant/extractive.py `select`), over the
hand-built articles of test_answer_logic.py."""

from __future__ import annotations

from dataclasses import replace

from assistant.extractive import Candidate, candidates, select
from index.weights import SELECTION
from tests.test_answer_logic import ALL, FIGURE, IDF

QUESTION = "Kinh tế số của tỉnh đạt bao nhiêu phần trăm GRDP?"
FIBRE = "Đến cuối năm 2023, cáp quang đã phủ 100% hộ dân toàn tỉnh Sóc Trăng."


def _sentences() -> dict[str, Candidate]:
    return {c.text: c for c in candidates(QUESTION, ALL, IDF)}


def room(*chosen: Candidate) -> int:
    """A budget the given sentences fill exactly: runner-ups fit, nothing is added."""
    return sum(len(c.text) for c in chosen)


def _scored(c: Candidate, score: float, answers: float | None, *terms: str) -> Candidate:
    return replace(c, score=score, lexical=score, answers=answers, terms=frozenset(terms))


def test_candidates_know_how_much_of_what_is_asked_they_hold():
    found = _sentences()
    assert found[FIGURE].answers == 1.0
    assert found["Tuyên Quang xây dựng chính quyền điện tử"].answers == 0.0
    assert all(c.answers is None for c in candidates("Kinh tế số là gì?", ALL, IDF))


def test_the_sentence_after_the_best_joins_it_when_it_holds_what_the_best_lacks():
    found = _sentences()
    # The best names its subject without the figure; the next sentence gives the figure.
    subject = _scored(found[FIBRE], 1.0, 0.0, "a")
    figure = _scored(found[FIGURE], 0.1, 1.0, "a")
    other = _scored(found["Tỉnh có 1.880 tổ công nghệ số cộng đồng."], 0.9, 1.0, "b")
    both, rest = select([subject, other, figure], budget=room(subject, other, figure))
    assert both.text == f"{FIBRE} {FIGURE}" and rest == other
    # Not when the best holds some of what is asked, nor when nothing is asked.
    fits = room(subject, other)
    assert select([replace(subject, answers=1.0), other, figure], budget=fits)[1:] == [other]
    assert select([replace(subject, answers=0.5), other, figure], budget=fits)[1:] == [other]
    assert select([replace(subject, answers=None), other, figure], budget=fits)[1:] == [other]
    # Not a sentence before the best one.
    assert select([replace(figure, score=1.0, answers=0.0), subject], budget=0) == [
        replace(figure, score=1.0, answers=0.0)
    ]


def test_neighbouring_sentences_are_quoted_as_one_span_in_the_documents_order():
    found = _sentences()
    figure = _scored(found[FIGURE], 1.0, 1.0, "a")
    fibre = _scored(found[FIBRE], 0.9, 1.0, "b")
    other = _scored(found["Tỉnh có 1.880 tổ công nghệ số cộng đồng."], 0.95, 1.0, "c")
    first, second = select([figure, other, fibre], budget=room(figure, other, fibre))
    assert first.text == f"{FIBRE} {FIGURE}" and second == other
    assert (first.start, first.end) == (fibre.start, figure.end)
    assert first.terms == {"a", "b"} and first.score == 1.0
    chunk = first.hit.chunk
    assert chunk.text[first.start - chunk.start : first.end - chunk.start] == first.text
    # Sentences of different passages, or with another sentence between, stay apart.
    heading = found["Những con số ấn tượng"]
    heading = _scored(heading, 0.9, 0.0, "d")
    apart = select([figure, heading], budget=room(figure, heading))
    assert [c.text for c in apart] == [FIGURE, heading.text]


def test_close_sentences_fill_the_answer_within_the_budget_and_the_limit():
    found = list(_sentences().values())
    same = [_scored(c, 1 - n / 100, None, "a") for n, c in enumerate(found)]
    # No runner-up adds a term, so only filling takes the next best.
    size = sum(len(c.text) for c in same[: SELECTION.sentences])
    assert select(same, budget=size) == same[: SELECTION.sentences]
    assert select(same, budget=len(same[0].text)) == same[:1]
    assert select(same, budget=0) == same[:1]
    far = [same[0], *(replace(c, score=SELECTION.filler * c.score - 0.01) for c in same[1:])]
    assert select(far, budget=10_000) == far[:1]


def test_filling_skips_a_sentence_too_long_for_the_budget_and_takes_a_shorter_one():
    found = _sentences()
    best = _scored(found[FIGURE], 1.0, None, "a")
    long = _scored(found[FIBRE], 0.95, None, "a")
    short = _scored(found["Tỉnh có 1.880 tổ công nghệ số cộng đồng."], 0.9, None, "a")
    budget = len(best.text) + len(short.text)
    assert len(best.text) + len(long.text) > budget
    assert select([best, long, short], budget=budget) == [best, short]
