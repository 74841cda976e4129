"""Answer a question from the index, with citations, or say plainly that it cannot.

`Assistant.ask` does the I/O (the search, the store's documents and term rarities, the
optional language model); `draft_answer` decides the answer from what they returned and
touches nothing else, so it is tested over hand-built hits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.coverage import (
    asked_quantity,
    best_coverage,
    holds_name,
    names_asked,
    states_quantity_of,
)
from assistant.extractive import Candidate, Closeness, candidates, select
from assistant.faithful import (
    allowed_documents,
    faithful_hits,
    question_provinces,
    with_canonical_names,
)
from assistant.question import resolve
from assistant.record import AnswerRecord, Citation, Context, passage_citation, span_citation
from assistant.short_answer import short_answer, supported
from assistant.target_answer import answer_target_question
from assistant.targets_table import answer_list_question, document_rows
from assistant.trim import fit
from index.record import StoredDocument
from index.retrieve import Hit, Mode, Searcher, documents_about
from index.sentence_vectors import SentenceVectors
from index.weights import SELECTION
from ingest.normalize import lexical_terms, words

if TYPE_CHECKING:  # these pull in langchain and the model; only the types are needed
    from assistant.generative import GenerativeAnswerer

NOT_FOUND = "Tôi không tìm thấy thông tin trả lời câu hỏi này trong các tài liệu hiện có."
NOT_COVERED = "Các tài liệu hiện có không có thông tin về {places}."
NOT_FOUND_FOR = "Các tài liệu về {places} không có thông tin trả lời câu hỏi này."
RELATED = "Các đoạn gần nhất được liệt kê dưới đây để tham khảo, không phải là câu trả lời."


class Assistant:
    """Retrieval plus the answerer; one per process, since the searcher holds the indexes."""

    def __init__(
        self,
        searcher: Searcher,
        *,
        k: int,
        retrieval: Mode,
        generator: GenerativeAnswerer | None = None,
    ) -> None:
        """`generator`, when given, words answers with a language model; the extractive
        answer remains the fallback whenever its output fails the checks."""
        self.searcher = searcher
        self.k = k
        self.retrieval = retrieval
        self.generator = generator
        embedder = searcher.embedder
        self.sentences = (
            SentenceVectors(searcher.dense.sentence_fields, embedder.embed_passages)
            if embedder is not None
            else None
        )

    def ask(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        province: str | None = None,
        k: int | None = None,
        retrieval: Mode | None = None,
    ) -> AnswerRecord:
        started = time.perf_counter()
        resolved = with_canonical_names(
            resolve(with_canonical_names(question), [with_canonical_names(h) for h in history])
        )
        mode = retrieval or self.retrieval
        hits = self.searcher.search(resolved, k=k or self.k, mode=mode, province=province)
        closeness = None
        if self.sentences is not None and mode != "lexical":
            closeness = _closeness(
                self.sentences.of(h.chunk for h in hits), self.searcher.query_vector(resolved)
            )
        draft = draft_answer(
            question,
            resolved,
            hits,
            self.searcher.documents,
            self.searcher.lexical.idf,
            province=province,
            closeness=closeness,
        )
        record = draft.record
        if self.generator is not None and draft.rewordable:
            allowed = allowed_documents(question_provinces(resolved), self.searcher.documents)
            record = self.generator.answer(resolved, faithful_hits(hits, allowed), record)
            record.short_answer = short_answer_for(record, resolved, self.searcher.documents)
        record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return record


def _closeness(vectors: Mapping[str, np.ndarray], question: np.ndarray) -> Closeness:
    """The cosines of the hits' sentences (`vectors`) to the question's unit vector."""

    def cosines(texts: list[str]) -> list[float]:
        return [float(vectors[t] @ question) for t in texts]

    return cosines


@dataclass
class Draft:
    """The answer from the documents alone, and whether a language model may reword it.

    A list answer from the targets table, a question naming a province no document
    covers, and a question without passages are never reworded.
    """

    record: AnswerRecord
    rewordable: bool


def draft_answer(
    question: str,
    resolved: str,
    hits: list[Hit],
    documents: Mapping[str, StoredDocument],
    idf: Callable[[str], float],
    *,
    province: str | None = None,
    closeness: Closeness | None = None,
) -> Draft:
    """The answer to `resolved` (the standalone form of `question`) from the retrieved hits.

    `documents` are all the stored documents by id (the province and targets-table
    answers look beyond the hits); `idf` weighs question terms by rarity; `province` is
    the filter the search was run with; `closeness` gives the dense model's cosine between
    `resolved` and sentences (None: lexical evidence alone).
    """
    named = question_provinces(resolved)
    about = {place: documents_about(documents, (place,)) for place in named}
    missing = [place for place in named if not about[place]]
    listed = answer_list_question(resolved, documents)
    target = None if listed or not hits else answer_target_question(resolved, documents)
    record = AnswerRecord(
        question=question,
        answer="",
        abstained=True,
        contexts=[_context(h) for h in hits],
        resolved_question=resolved if resolved != question else None,
    )
    if province and not documents_about(documents, (province,)):
        record.answer = NOT_COVERED.format(places=province)
    elif missing and not province:
        record.answer = NOT_COVERED.format(places=", ".join(missing)) + " " + RELATED
    elif listed is not None:
        record.abstained = False
        record.answer, record.citations = listed
        record.answerer = "targets-table"
    elif target is not None:
        record.abstained = False
        record.answer, record.citations, short = target
        record.short_answer = short if short and supported(short, record.citations) else None
        record.answerer = "targets-table"
    else:
        _answer_from_sentences(record, resolved, hits, about, idf, closeness)
    if record.abstained:
        related = hits[: SELECTION.related]
        record.related = [passage_citation(n, h) for n, h in enumerate(related, 1)]
    elif listed is None and target is None:
        record.short_answer = short_answer_for(record, resolved, documents)
    rewordable = listed is None and target is None and not missing and bool(hits)
    return Draft(record, rewordable=rewordable)


def short_answer_for(
    record: AnswerRecord, question: str, documents: Mapping[str, StoredDocument]
) -> str | None:
    """The record's short answer from its citations and the cited documents' table rows."""
    if record.abstained:
        return None
    cited = {c.doc_id for c in record.citations if c.doc_id in documents}
    rows = [row for doc_id in cited for row in document_rows(documents[doc_id])]
    return short_answer(question, record.citations, rows)


def _answer_from_sentences(
    record: AnswerRecord,
    resolved: str,
    hits: list[Hit],
    about: dict[str, set[str]],
    idf: Callable[[str], float],
    closeness: Closeness | None,
) -> None:
    """Fill `record` with the best sentences, or with NOT_FOUND when the passages hold too
    little of the question. A question about provinces is answered from their documents."""
    preferred = set().union(*about.values())
    covered = frozenset(t for place, docs in about.items() if docs for t in lexical_terms(place))
    usable = [h for h in hits if h.chunk.doc_id in preferred] if preferred else hits
    found = candidates(resolved, usable, idf, preferred, covered, closeness)
    spread = tuple(about.values()) if len(about) > 1 else ()
    chosen = fit(select(found, spread=spread), idf)
    if not chosen or not holds_answer(resolved, usable, idf, about) or too_far(found):
        places = ", ".join(about)
        record.answer = NOT_FOUND_FOR.format(places=places) if about else NOT_FOUND
        record.answer += " " + RELATED if hits else ""
        return
    record.abstained = False
    record.citations = [_sentence_citation(n, c) for n, c in enumerate(chosen, 1)]
    record.answer = " ".join(f"{c.text} [{n}]" for n, c in enumerate(chosen, 1))


def holds_answer(
    question: str, hits: list[Hit], idf: Callable[[str], float], about: dict[str, set[str]]
) -> bool:
    """Whether the passages say what the question asks: enough of its phrases, and for a
    "bao nhiêu X" question some number of X; for a question about a name, some
    passage naming it. Passages, not sentences, decide: the
    answering sentence often leaves its subject to its neighbours."""
    places = [w for place, docs in about.items() if docs for w in words(place)]
    texts = [h.chunk.text for h in hits]
    if best_coverage(question, texts, idf, places) < SELECTION.min_coverage:
        return False
    if any(not any(holds_name(n, t) for t in texts) for n in names_asked(question)):
        return False
    asked = asked_quantity(question)
    return asked is None or any(states_quantity_of(asked, t) for t in texts)


def too_far(found: list[Candidate]) -> bool:
    """Whether even the sentence the dense model finds closest to the question is far
    from it: the question's words may all stand in the passages while none of them is
    about what it asks ("Thủ đô của nước Pháp là gì?" beside "giải pháp", "nhà nước")."""
    cosines = [c.cosine for c in found if c.cosine is not None]
    return bool(cosines) and max(cosines) < SELECTION.min_cosine


def _sentence_citation(marker: int, chosen: Candidate) -> Citation:
    """A chosen sentence as a citation, scored by its sentence score."""
    hit = chosen.hit
    return span_citation(
        marker,
        hit.document,
        start=chosen.start,
        end=chosen.end,
        quote=chosen.text,
        chunk_id=hit.chunk.chunk_id,
        score=chosen.score,
    )


def _context(hit: Hit) -> Context:
    """A retrieved passage as the record lists it, used or not."""
    return Context(
        source=hit.document.source,
        chunk_id=hit.chunk.chunk_id,
        text=hit.chunk.text,
        score=round(hit.score, 6),
        doc_id=hit.chunk.doc_id,
        start=hit.chunk.start,
        end=hit.chunk.end,
    )
