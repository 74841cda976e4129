"""Question files: every field is read, and every mistake is refused naming file, line, field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.questions import EvalQuestion, QuestionFileError, load_questions


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_question_file_loads_every_field_and_numbers_missing_ids_by_line(tmp_path):
    path = write_lines(
        tmp_path,
        json.dumps(
            {
                "id": "st-01",
                "question": "Sóc Trăng đặt mục tiêu gì?",
                "key_facts": [["20%"], ["2025", "năm 2025"]],
                "sources": ["soc-trang.txt"],
                "reference_answer": "20% GRDP",
                "conversation": "c",
                "turn": 1,
            },
            ensure_ascii=False,
        ),
        "",
        '{"question": "Đà Nẵng thì sao?", "answerable": false}',
    )
    first, second = load_questions(path)
    assert first == EvalQuestion(
        id="st-01",
        question="Sóc Trăng đặt mục tiêu gì?",
        key_facts=(("20%",), ("2025", "năm 2025")),
        sources=("soc-trang.txt",),
        answerable=True,
        reference_answer="20% GRDP",
        conversation="c",
        turn=1,
        line=1,
    )
    assert (second.id, second.answerable, second.key_facts, second.line) == ("q3", False, (), 3)


def test_repository_question_file_loads():
    questions = load_questions(Path(__file__).parent / "data" / "qa.jsonl")
    assert len(questions) > 50
    assert any(q.conversation for q in questions)


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('{"question": "a", ', None, "invalid JSON"),
        ('["a question"]', None, "JSON object"),
        ('{"id": "x"}', "question", "missing"),
        ('{"question": 3}', "question", "non-empty string"),
        ('{"question": null}', "question", "non-empty string, got null"),
        ('{"question": "a", "id": " "}', "id", "non-empty string, got a string"),
        ('{"question": "a", "key_facts": ["20%", "2025"]}', "key_facts", "list of lists"),
        ('{"question": "a", "key_facts": [[]]}', "key_facts", "empty list"),
        ('{"question": "a", "key_facts": [[20]]}', "key_facts", "strings"),
        ('{"question": "a", "sources": "x.txt"}', "sources", "list"),
        ('{"question": "a", "answerable": "no"}', "answerable", "true or false"),
        ('{"question": "a", "answerable": null}', "answerable", "true or false, got null"),
        ('{"question": "a", "reference_answer": 1}', "reference_answer", "a string, got a number"),
        ('{"question": "a", "conversation": ""}', "conversation", "non-empty string"),
        ('{"question": "a", "conversation": "c", "turn": true}', "turn", "got a boolean"),
        ('{"question": "a", "conversation": "c", "turn": "1"}', "turn", "integer"),
        ('{"question": "a", "conversation": "c"}', "turn", "required"),
    ],
)
def test_bad_question_line_is_refused_naming_file_line_and_field(tmp_path, line, field, words):
    path = write_lines(tmp_path, '{"question": "fine"}', line)
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line, error.field) == (str(path), 2, field)
    assert str(error).startswith(f"{path}:2: ")
    if field:
        assert f"field '{field}'" in str(error)
    assert words in str(error)


def test_null_optional_fields_read_as_absent(tmp_path):
    line = '{"question": "a", "id": null, "sources": null, "turn": null, "key_facts": null}'
    [question] = load_questions(write_lines(tmp_path, line))
    assert (question.id, question.sources, question.turn, question.key_facts) == (
        "q1",
        (),
        None,
        (),
    )


def test_a_repeated_id_is_kept_apart_by_its_line_number(tmp_path):
    path = write_lines(tmp_path, '{"id": "a", "question": "x"}', '{"id": "a", "question": "y"}')
    assert [q.id for q in load_questions(path)] == ["a", "a#L2"]


def test_a_repeated_turn_is_refused_naming_the_first_line(tmp_path):
    path = write_lines(
        tmp_path,
        '{"question": "x", "conversation": "c", "turn": 1}',
        '{"question": "y", "conversation": "c", "turn": 1}',
    )
    with pytest.raises(QuestionFileError, match=r":2: field 'turn'.*line 1"):
        load_questions(path)


def test_empty_question_file_is_refused(tmp_path):
    with pytest.raises(QuestionFileError, match="no questions"):
        load_questions(write_lines(tmp_path, "", "  "))
