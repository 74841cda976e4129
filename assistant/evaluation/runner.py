"""Asking a question set: conversations in turn order, each answer saved as it arrives."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.questions import EvalQuestion
from assistant.evaluation.scoring import Result, score
from assistant.record import AnswerRecord


def asking_order(questions: Sequence[EvalQuestion]) -> list[tuple[EvalQuestion, list[str]]]:
    """Each question with its history, in the order they are to be asked.

    Questions keep their file order, except that a conversation is asked as a
    whole, in turn order, where its first line appears: a follow-up only makes
    sense after the turns before it. The history of a turn is the texts of the
    earlier turns of its conversation.
    """
    conversations: dict[str, list[EvalQuestion]] = {}
    for question in questions:
        if question.conversation is not None:
            conversations.setdefault(question.conversation, []).append(question)

    order: list[tuple[EvalQuestion, list[str]]] = []
    for question in questions:
        if question.conversation is None:
            order.append((question, []))
            continue
        turns = conversations.pop(question.conversation, None)
        if turns is None:  # already asked with its first line
            continue
        turns.sort(key=lambda q: (q.turn is None, q.turn or 0))
        for index, turn in enumerate(turns):
            order.append((turn, [earlier.question for earlier in turns[:index]]))
    return order


def run_questions(
    questions: Sequence[EvalQuestion],
    ask: Callable[[EvalQuestion, list[str]], AnswerRecord],
    out: Path,
    *,
    document_text: Callable[[str], str | None],
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> list[Result]:
    """Ask every question, write each answer record to `out` and score it.

    `out` gets one JSON line per question, in asking order (see `asking_order`),
    flushed as each answer arrives: an exception from `ask` propagates, and the
    answers before it are kept. `document_text` maps a citation's `doc_id` to
    the document's full text (None when unknown); texts are fetched once per
    document. `progress` may wrap the work list, e.g. with tqdm.
    """
    texts: dict[str, str | None] = {}

    def cached_text(doc_id: str) -> str | None:
        if doc_id not in texts:
            texts[doc_id] = document_text(doc_id)
        return texts[doc_id]

    work: Iterable[tuple[EvalQuestion, list[str]]] = asking_order(questions)
    if progress is not None:
        work = progress(work)
    results: list[Result] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as stream:
        for question, history in work:
            # Copy rather than set the id: `ask` may hand back a shared record.
            record = dataclasses.replace(ask(question, list(history)), id=question.id)
            stream.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            stream.flush()
            results.append(score(question, record, cached_text, history=history))
    return results
