"""The answer record: what `ask --json`, the evaluation runner and the app's API all return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.record import StoredDocument
    from index.retrieve import Hit


# How every interface says that a quote was read from a scanned page by OCR.
RECOGNISED_NOTE = "văn bản nhận dạng từ bản quét (OCR)"


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
    # The quote was read from a scanned page by OCR: its characters may differ from the paper.
    recognised: bool = False


def span_citation(
    marker: int,
    document: StoredDocument,
    *,
    start: int,
    end: int,
    quote: str,
    chunk_id: str,
    score: float,
) -> Citation:
    """Every citation is built here, so a passage, a sentence and a targets-table row are
    cited alike: `quote` is the document's text[start:end], the page is the one holding
    `start`, and `chunk_id` is "" for a span that comes from no chunk (a table row)."""
    return Citation(
        marker=marker,
        source=document.source,
        title=document.title,
        date=document.date,
        page=document.page_at(start),
        quote=quote,
        start=start,
        end=end,
        chunk_id=chunk_id,
        score=round(score, 4),
        doc_id=document.doc_id,
        provinces=document.provinces,
        recognised=document.kind == "pdf-ocr",
    )


def passage_citation(marker: int, hit: Hit) -> Citation:
    """A whole retrieved passage as a citation: its chunk's text and offsets."""
    chunk = hit.chunk
    return span_citation(
        marker,
        hit.document,
        start=chunk.start,
        end=chunk.end,
        quote=chunk.text,
        chunk_id=chunk.chunk_id,
        score=hit.score,
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
    # A few words cut from the cited quotes that answer directly; None on abstention.
    short_answer: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {"id": data.pop("id"), **data}
