"""The sample questions under the chat box are ones the bundled articles answer (slow)."""

from __future__ import annotations

from assistant.web.layout import EXAMPLES, FOLLOW_UPS


def test_every_sample_question_is_answered(corpus_assistant):
    for question in EXAMPLES:
        history = [FOLLOW_UPS[question]] if question in FOLLOW_UPS else []
        record = corpus_assistant.ask(question, history=history)
        assert not record.abstained, (question, record.answer)
        assert record.citations, question
        if history:
            assert record.resolved_question and "Tuyên Quang" in record.resolved_question
