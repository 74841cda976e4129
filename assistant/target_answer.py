"""Questions about one province's target or result, answered from the targets table.

"Mục tiêu kinh tế số của Sóc Trăng là bao nhiêu?" names no words the target sentence
shares beyond the indicator, so sentence selection finds other sentences; the table
row, extracted at ingestion from that very sentence, answers it, cited by the row's span.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.faithful import question_provinces
from assistant.record import Citation, span_citation
from assistant.short_answer import describe_short, row_answers, row_question
from assistant.targets_table import is_list_question, rows
from index.record import StoredDocument

MAX_ROWS = 3


def answer_target_question(
    question: str, documents: Mapping[str, StoredDocument]
) -> tuple[str, list[Citation], str | None] | None:
    """The rows' sentences as the answer with their citations and the short answer, or
    None when the question is not about one province's target or the table lacks it."""
    named = question_provinces(question)
    indicator = row_question(question)
    if len(named) != 1 or indicator is None or is_list_question(question):
        return None
    found = [
        row
        for row in rows(documents.values(), named[0], indicator)
        if row.get("indicator") == indicator and row_answers(question, row)
    ]
    spans = {(row["doc_id"], row["start"], row["end"]): row for row in found}
    chosen = list(spans.values())[:MAX_ROWS]
    if not chosen:
        return None
    citations = [
        span_citation(
            marker,
            documents[row["doc_id"]],
            start=row["start"],
            end=row["end"],
            quote=row["quote"],
            chunk_id="",
            score=1.0,
        )
        for marker, row in enumerate(chosen, 1)
    ]
    answer = " ".join(f"{c.quote} [{c.marker}]" for c in citations)
    return answer, citations, describe_short(chosen[0], [c.quote for c in citations])
