"""Answer a question from the index, with citations, or say plainly that it cannot."""

from __future__ import annotations

import time
from collections.abc import Sequence

from assistant.extractive import Candidate, candidates, passage_coverage, select
from assistant.generative import GenerativeAnswerer
from assistant.question import resolve
from assistant.record import AnswerRecord, Citation, Context, passage_citation
from assistant.targets_table import answer_list_question
from index.retrieve import Hit, Mode, Searcher
from ingest.normalize import lexical_terms
from ingest.provinces import find_provinces

# Share of the question's topic weight the best retrieved passage must hold;
# below it the documents most likely do not answer. Chosen on the bundled
# question set and checked on the UIT set (README, "Abstention").
MIN_COVERAGE = 0.4
NOT_FOUND = "Tôi không tìm thấy thông tin trả lời câu hỏi này trong các tài liệu hiện có."
NOT_COVERED = "Các tài liệu hiện có không có thông tin về {places}."
RELATED = "Các đoạn gần nhất được liệt kê dưới đây để tham khảo, không phải là câu trả lời."


class Assistant:
    """Retrieval plus the answerer; one per process, since the searcher holds the indexes."""

    def __init__(
        self,
        searcher: Searcher,
        *,
        k: int = 5,
        retrieval: Mode = "hybrid",
        generator: GenerativeAnswerer | None = None,
    ) -> None:
        """`generator`, when given, words answers with a language model; the extractive
        answer remains the fallback whenever its output fails the checks."""
        self.searcher = searcher
        self.k = k
        self.retrieval = retrieval
        self.generator = generator

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
        k = k or self.k
        resolved = resolve(question, list(history))
        hits = self.searcher.search(
            resolved, k=k, mode=retrieval or self.retrieval, province=province
        )
        named = find_provinces(resolved)
        preferred = self.searcher.province_documents(named) if named else set()
        missing = [p for p in named if not self.searcher.province_documents((p,))]
        covered = frozenset(t for p in named if p not in missing for t in lexical_terms(p))
        idf = self.searcher.lexical.idf
        # A question about a province is answered from that province's documents only.
        usable = [h for h in hits if h.chunk.doc_id in preferred] if preferred else hits
        found = candidates(resolved, usable, idf, preferred, covered)
        spread = (
            tuple(self.searcher.province_documents((p,)) for p in named) if len(named) > 1 else ()
        )
        chosen = select(found, spread=spread)
        record = AnswerRecord(
            question=question,
            answer="",
            abstained=True,
            contexts=[_context(h) for h in hits],
            resolved_question=resolved if resolved != question else None,
        )
        listed = answer_list_question(resolved, self.searcher.documents)
        if province and not self.searcher.province_documents((province,)):
            record.answer = NOT_COVERED.format(places=province)
        elif missing and not province:
            record.answer = NOT_COVERED.format(places=", ".join(missing)) + " " + RELATED
        elif listed is not None:
            record.abstained = False
            record.answer, record.citations = listed
            record.answerer = "targets-table"
        elif not chosen or passage_coverage(resolved, usable, idf, covered) < MIN_COVERAGE:
            record.answer = NOT_FOUND + (" " + RELATED if hits else "")
        else:
            record.abstained = False
            record.citations = [_citation(n, c) for n, c in enumerate(chosen, 1)]
            record.answer = " ".join(f"{c.text} [{n}]" for n, c in enumerate(chosen, 1))
        if record.abstained:
            record.related = [passage_citation(n, h) for n, h in enumerate(hits[:3], 1)]
        if self.generator is not None and listed is None and not missing and hits:
            record = self.generator.answer(resolved, hits, record)
        record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return record


def _citation(marker: int, chosen: Candidate) -> Citation:
    hit = chosen.hit
    return Citation(
        marker=marker,
        source=hit.document.source,
        title=hit.document.title,
        date=hit.document.date,
        page=hit.document.page_at(chosen.start),
        quote=chosen.text,
        start=chosen.start,
        end=chosen.end,
        chunk_id=hit.chunk.chunk_id,
        score=round(chosen.score, 4),
        doc_id=hit.chunk.doc_id,
        provinces=hit.document.provinces,
    )


def _context(hit: Hit) -> Context:
    return Context(
        source=hit.document.source,
        chunk_id=hit.chunk.chunk_id,
        text=hit.chunk.text,
        score=round(hit.score, 6),
        doc_id=hit.chunk.doc_id,
        start=hit.chunk.start,
        end=hit.chunk.end,
    )
