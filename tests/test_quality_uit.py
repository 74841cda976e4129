"""The outside question set (UIT, 1,225 questions on 142 documents) meets issue #14's aims.

Skipped where the shared data is not beside the checkout; the bundled set's thresholds
are in test_quality.py.
"""

from __future__ import annotations

import pytest

from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import run_questions
from assistant.evaluation.thresholds import check_thresholds
from assistant.evaluation.totals import summarize
from tests.conftest import SHARED

UIT = SHARED / "data" / "uit-qa"

# Set from measured results on this machine, a little below them (README "Quality").
THRESHOLDS = {
    "key_facts": 0.85,
    "key_facts_within_length": 0.85,
    "cites_right_source": 0.95,
    "citation_integrity": 1.0,
    "false_abstention_rate": 0.02,
}


def test_the_uit_question_set_meets_its_thresholds(tmp_path, embedder):
    if not (UIT / "questions.jsonl").is_file() or not (UIT / "docs").is_dir():
        pytest.skip("UIT questions not found beside the checkout")
    from assistant.answer import Assistant
    from assistant.components import chunking_options
    from assistant.settings import Settings
    from index.indexer import ingest_paths
    from index.retrieve import Searcher
    from index.store import Store, connect

    settings = Settings()
    store = Store(connect(str(tmp_path / "db")), embedder.name)
    summary = ingest_paths([UIT / "docs"], store, embedder, chunking_options(settings))
    assert summary.ok and len(summary.added) == 142
    assistant = Assistant(Searcher(store, embedder), k=settings.k, retrieval=settings.retrieval)
    questions = load_questions(UIT / "questions.jsonl")
    results = run_questions(
        questions,
        lambda q, history: assistant.ask(q.question, history=history),
        tmp_path / "results.jsonl",
        document_text=store.document_text,
    )
    assert len(results) == 1225
    assert check_thresholds(summarize(results), THRESHOLDS) == []
