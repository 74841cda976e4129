"""Scoring one answer record against its question.

* retrieval: hit@1, hit@5 and reciprocal rank of the first context whose file
  is one of the question's `sources`;
* key facts: every inner list of `key_facts` must have one string found in the
  answer, compared after `ingest.normalize.fold` (so NFD text, the old tone
  placement and case do not matter) and with whitespace collapsed;
* citations: whether an answered question cites one of its sources, and whether
  every citation's quote really is `document_text[start:end]`;
* abstention: whether the assistant declined exactly the unanswerable questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from assistant.evaluation.questions import EvalQuestion
from assistant.record import AnswerRecord, Citation
from ingest.normalize import fold

# How far down the ranked contexts the looser retrieval metric looks.
HIT_K = 5


@dataclass(frozen=True)
class Result:
    """One asked question, its answer record (with `id` set) and its scores.

    A score is None where it does not apply, so that totals average only over
    the questions that measure it: retrieval needs an answerable question with
    sources, key facts an answerable question, and citing the right source an
    answered answerable question with sources.
    """

    question: EvalQuestion
    record: AnswerRecord
    history: tuple[str, ...]
    first_relevant_rank: int | None
    hit_at_1: bool | None
    hit_at_5: bool | None
    reciprocal_rank: float | None
    facts_found: tuple[bool, ...]
    key_facts_passed: bool | None
    cites_right_source: bool | None
    citations_checked: int
    citation_failures: tuple[str, ...]
    abstention_correct: bool

    @property
    def short_answer_given(self) -> bool | None:
        """Whether an answered answerable question got a short answer (None otherwise)."""
        if not self.question.answerable or self.record.abstained:
            return None
        return self.record.short_answer is not None

    @property
    def short_answer_right(self) -> bool | None:
        """Whether a given short answer holds every key fact (None when none was given)."""
        short = self.record.short_answer
        if not self.short_answer_given or short is None:
            return None
        return all(any(contains_fact(short, f) for f in group) for group in self.question.key_facts)

    @property
    def latency_ms(self) -> float:
        return self.record.latency_ms

    @property
    def failed_checks(self) -> list[str]:
        """The names of the checks this question failed; empty when it passed all."""
        failed = []
        if self.key_facts_passed is False:
            failed.append("key_facts")
        if not self.abstention_correct:
            failed.append("false_abstention" if self.question.answerable else "missed_abstention")
        if self.hit_at_5 is False:
            failed.append("hit_at_5")
        if self.cites_right_source is False:
            failed.append("cites_right_source")
        if self.citation_failures:
            failed.append("citation_integrity")
        return failed

    def to_dict(self) -> dict[str, Any]:
        """The per-question metrics written to report.json."""
        q = self.question
        return {
            "id": q.id,
            "line": q.line,
            "question": q.question,
            "conversation": q.conversation,
            "turn": q.turn,
            "history": list(self.history),
            "answerable": q.answerable,
            "abstained": self.record.abstained,
            "answer": self.record.answer,
            "key_facts": [list(group) for group in q.key_facts],
            "facts_found": list(self.facts_found),
            "key_facts_passed": self.key_facts_passed,
            "sources": list(q.sources),
            "retrieved_sources": [context.source for context in self.record.contexts],
            "cited_sources": cited_sources(self.record),
            "first_relevant_rank": self.first_relevant_rank,
            "hit_at_1": self.hit_at_1,
            "hit_at_5": self.hit_at_5,
            "reciprocal_rank": self.reciprocal_rank,
            "cites_right_source": self.cites_right_source,
            "citations_checked": self.citations_checked,
            "citation_failures": list(self.citation_failures),
            "abstention_correct": self.abstention_correct,
            "latency_ms": self.latency_ms,
            "failed_checks": self.failed_checks,
        }


def score(
    question: EvalQuestion,
    record: AnswerRecord,
    document_text: Callable[[str], str | None],
    *,
    history: Sequence[str] = (),
) -> Result:
    """Score one answer record against its question."""
    measure_retrieval = question.answerable and bool(question.sources)
    wanted = {source_key(source) for source in question.sources}

    rank = None
    if measure_retrieval:
        rank = next(
            (
                position
                for position, context in enumerate(record.contexts, start=1)
                if source_key(context.source) in wanted
            ),
            None,
        )

    facts_found: tuple[bool, ...] = ()
    key_facts_passed = None
    if question.answerable:
        # An abstention answers nothing, even if its wording happens to hold a fact.
        facts_found = tuple(
            not record.abstained and any(contains_fact(record.answer, fact) for fact in group)
            for group in question.key_facts
        )
        key_facts_passed = not record.abstained and all(facts_found)

    cites_right = None
    if measure_retrieval and not record.abstained:
        cites_right = any(source_key(c.source) in wanted for c in record.citations)

    checked = [*record.citations, *record.related]
    failures = tuple(
        problem
        for citation in checked
        if (problem := citation_problem(citation, document_text(citation.doc_id))) is not None
    )

    return Result(
        question=question,
        record=record,
        history=tuple(history),
        first_relevant_rank=rank,
        hit_at_1=None if not measure_retrieval else rank == 1,
        hit_at_5=None if not measure_retrieval else rank is not None and rank <= HIT_K,
        reciprocal_rank=None if not measure_retrieval else (1 / rank if rank else 0.0),
        facts_found=facts_found,
        key_facts_passed=key_facts_passed,
        cites_right_source=cites_right,
        citations_checked=len(checked),
        citation_failures=failures,
        abstention_correct=record.abstained != question.answerable,
    )


def citation_problem(citation: Citation, text: str | None) -> str | None:
    """Why `citation` is not an exact span of its document, or None when it is."""
    label = f"[{citation.marker}] {citation.source}"
    if text is None:
        return f"{label}: document {citation.doc_id!r} not found"
    if not 0 <= citation.start <= citation.end <= len(text):
        return (
            f"{label}: span {citation.start}:{citation.end} lies outside "
            f"the document ({len(text)} characters)"
        )
    if text[citation.start : citation.end] != citation.quote:
        return f"{label}: quote differs from the document text at {citation.start}:{citation.end}"
    return None


def contains_fact(answer: str, fact: str) -> bool:
    """Whether `fact` occurs in `answer`, folded and with whitespace collapsed.

    A fact must stand on its own: "57" is not found in "2057" or "0,5787", nor
    "20%" in "120%", nor "20" in "20,5". Otherwise short numeric facts would
    pass on answers that state a different number.
    """
    return _fact_pattern(_comparable(fact)).search(_comparable(answer)) is not None


def _comparable(text: str) -> str:
    return " ".join(fold(text).split())


def _fact_pattern(fact: str) -> re.Pattern[str]:
    left = right = ""
    if fact[:1].isalnum():
        left = r"(?<![^\W_])(?<![\u0300-\u036f])"
        if fact[0].isdigit():
            left += r"(?<!\d[.,])"
    if fact[-1:].isalnum():
        right = r"(?![^\W_])(?![\u0300-\u036f])"
        if fact[-1].isdigit():
            right += r"(?![.,]\d)"
    return re.compile(left + re.escape(fact) + right)


def source_key(source: str) -> str:
    """A source as compared with a question's `sources`: its file name, folded.

    Sources are file names; a path, NFD names (macOS) and case are tolerated.
    """
    return fold(PurePosixPath(source.replace("\\", "/")).name)


def cited_sources(record: AnswerRecord) -> list[str]:
    """The files the answer cites, each once, in citation order."""
    return list(dict.fromkeys(citation.source for citation in record.citations))
