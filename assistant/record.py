"""The answer record: what `ask --json`, the evaluation runner and the app's API all return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.retrieve import Hit


@dataclass(frozen=True)
class Citation:
    """One piece of evidence; `quote == document_text[start:end]` always holds."""

    marker: int
    source: str
    title: str
    date: str | None
    page: int | None
    quote: str
    start: int
    end: int
    chunk_id: str
    score: float
    doc_id: str
    provinces: tuple[str, ...] = ()


def passage_citation(marker: int, hit: Hit) -> Citation:
    """A whole retrieved passage as a citation: its chunk's text and offsets."""
    return Citation(
        marker=marker,
        source=hit.document.source,
        title=hit.document.title,
        date=hit.document.date,
        page=hit.chunk.page,
        quote=hit.chunk.text,
        start=hit.chunk.start,
        end=hit.chunk.end,
        chunk_id=hit.chunk.chunk_id,
        score=round(hit.score, 4),
        doc_id=hit.chunk.doc_id,
        provinces=hit.document.provinces,
    )


@dataclass(frozen=True)
class Context:
    """A retrieved passage, in rank order, whether or not the answer used it."""

    source: str
    chunk_id: str
    text: str
    score: float
    doc_id: str
    start: int
    end: int


@dataclass
class AnswerRecord:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    id: str | None = None
    resolved_question: str | None = None
    answerer: str = "extractive"
    notice: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {"id": data.pop("id"), **data}
