"""A question about one province is answered from that province's documents only.

Users type questions with accents, without them, and in decomposed Unicode (NFD, as
some keyboards send it); each form must find the same provinces and never quote another
province's document as the answer.
"""

from __future__ import annotations

import unicodedata

import pytest

from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import asking_order
from assistant.faithful import question_provinces, with_canonical_names
from assistant.question import resolve
from index.retrieve import documents_about
from ingest.normalize import strip_diacritics
from tests.conftest import ROOT

FORMS = {
    "accented": lambda text: text,
    "bare": strip_diacritics,
    "nfd": lambda text: unicodedata.normalize("NFD", text),
}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tay ninh co bao nhieu to cong nghe so cong dong", ("Tây Ninh",)),
        ("tây ninh có bao nhiêu tổ công nghệ số cộng đồng?", ("Tây Ninh",)),
        ("Tay Ninh co bao nhieu", ("Tây Ninh",)),
        (unicodedata.normalize("NFD", "Tây Ninh có bao nhiêu"), ("Tây Ninh",)),
        ("Khánh Hoà đạt bao nhiêu?", ("Khánh Hòa",)),
        ("ha giang co bao nhieu xa", ("Hà Giang",)),
        ("Cần Thơ mới gồm những tỉnh nào?", ("Cần Thơ",)),
        ("Thủ đô của nước Pháp là gì?", ()),
        ("thu do cua nuoc phap la gi", ()),
    ],
)
def test_provinces_are_found_however_the_question_is_typed(typed, expected):
    assert question_provinces(typed) == expected


def test_a_bare_name_is_written_as_its_canonical_name():
    assert with_canonical_names("tay ninh co bao nhieu to").startswith("Tây Ninh co")
    assert with_canonical_names("Sóc Trăng có gì?") == "Sóc Trăng có gì?"


def test_no_answer_cites_another_provinces_document(corpus_assistant):
    documents = corpus_assistant.searcher.documents
    questions = load_questions(ROOT / "tests" / "data" / "qa.jsonl")
    wrong = []
    for question, history in asking_order(questions):
        named = question_provinces(resolve(question.question, history))
        if not named:
            continue
        allowed = documents_about(documents, named)
        for form, typed in FORMS.items():
            record = corpus_assistant.ask(
                typed(question.question), history=[typed(h) for h in history]
            )
            if record.abstained:
                continue
            foreign = {c.source for c in record.citations if c.doc_id not in allowed}
            if foreign:
                wrong.append((question.id, form, sorted(foreign)))
    assert wrong == [], wrong
