"""`assistant verify`: is every document whole, and every stored chunk one a reader may see?

A document is whole when its live chunks are exactly the record's count, each
chunk's text is `text[start:end]` of the stored text, and each has a vector.
A stray is a chunk or details record no record names and no writer in flight may still commit
(index/writers.py). Checking reads the store only; repairing sweeps the strays
and rebuilds broken documents from their stored text and kept blocks, which
needs the embedding model, so it is asked for only then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index.commit import BATCH, DocumentWrite
from index.record import DocumentHead, StoredDocument, chunk_text, details_owner, is_live
from index.sentence_vectors import embed_with_sentences
from index.store import Store
from ingest.chunk import Measure, chunk_document
from ingest.document import Chunk, Span
from ingest.sentences import split_paragraphs


@dataclass(frozen=True)
class Fault:
    doc_id: str
    source: str
    kind: str
    detail: str

    def line(self) -> str:
        return f"{self.source}: {self.kind}: {self.detail}"


@dataclass
class Report:
    documents: int = 0
    chunks: int = 0
    faults: list[Fault] = field(default_factory=list)
    strays: int = 0

    @property
    def ok(self) -> bool:
        return not self.faults and not self.strays

    @property
    def broken(self) -> set[str]:
        return {f.doc_id for f in self.faults}

    def summary(self) -> str:
        kinds = Counter(f.kind for f in self.faults)
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no faults"
        return (
            f"checked {self.documents} documents, {self.chunks} live chunks: {found}; "
            f"{len(self.broken)} documents broken, {self.strays} stray records"
        )


@dataclass(frozen=True)
class _Seen:
    index: int
    start: int
    end: int
    text: str
    vector: Any


def check_index(store: Store) -> Report:
    """Every document against its record and stored text; every chunk against the records."""
    # Heads, not whole documents: a record whose details are gone is a fault to report,
    # where readers would leave it out.
    docs = store.document_heads()
    live = {d.doc_id: d.generation for d in docs}
    report = Report(documents=len(docs))
    seen: dict[str, list[_Seen]] = {d.doc_id: [] for d in docs}
    stray_owners: list[str] = []
    for meta, text, vector in _chunks(store):
        if is_live(meta, live):
            seen[meta["doc_id"]].append(
                _Seen(int(meta["index"]), int(meta["start"]), int(meta["end"]), text, vector)
            )
        else:
            stray_owners.append(str(meta["generation"]))
    report.chunks = sum(len(found) for found in seen.values())
    details = [details_owner(i) for i in store.details.get(include=[])["ids"]]
    stray_owners += [generation for d, generation in details if live.get(d) != generation]
    writing = store.leases.alive()  # read after the scan, as Store.sweep does
    report.strays = sum(1 for owner in stray_owners if owner not in writing)
    for doc in docs:
        report.faults.extend(_document_faults(store, doc, seen[doc.doc_id]))
    return report


def _chunks(store: Store) -> Iterator[tuple[dict[str, Any], str, Any]]:
    total = store.chunks.count()
    for offset in range(0, total, BATCH):
        got = store.chunks.get(
            include=["documents", "metadatas", "embeddings"], limit=BATCH, offset=offset
        )
        vectors = got["embeddings"] if got["embeddings"] is not None else [None] * len(got["ids"])
        for meta, document, vector in zip(got["metadatas"], got["documents"], vectors, strict=True):
            yield meta, chunk_text(document, meta), vector


def _document_faults(store: Store, doc: DocumentHead, found: list[_Seen]) -> Iterator[Fault]:
    def fault(kind: str, detail: str) -> Fault:
        return Fault(doc.doc_id, doc.source, kind, detail)

    indices = sorted(c.index for c in found)
    if indices != list(range(doc.chunk_count)):
        missing = sorted(set(range(doc.chunk_count)) - set(indices))
        yield fault(
            "chunks",
            f"{len(found)} live chunks for a record of {doc.chunk_count}"
            + (f", missing {missing[:5]}" if missing else ""),
        )
    try:
        text = store.document_text(doc.doc_id)
    except KeyError:
        text = None
    if not text:
        yield fault("text", "no stored text")
        return
    wrong = [c.index for c in found if text[c.start : c.end] != c.text]
    if wrong:
        yield fault("offsets", f"text[start:end] differs from chunks {sorted(wrong)[:5]}")
    novector = [c.index for c in found if not _usable(c.vector)]
    if novector:
        yield fault("vectors", f"no usable vector for chunks {sorted(novector)[:5]}")


def _usable(vector: Any) -> bool:
    if vector is None:
        return False
    array = np.asarray(vector, dtype=np.float32)
    return array.size > 0 and bool(np.isfinite(array).all()) and bool(np.abs(array).sum() > 0)


@dataclass(frozen=True)
class Rebuild:
    """What re-indexing needs, built only when a document is broken (it loads the model)."""

    embed: Callable[[list[str]], np.ndarray]
    measure: Measure
    max_tokens: int
    overlap_tokens: int


def repair_index(store: Store, report: Report, rebuild: Callable[[], Rebuild]) -> list[str]:
    """Sweep the strays and re-index each broken document; returns the sources re-indexed.

    A document without stored text cannot be rebuilt from it and is left for
    the caller to report (re-ingest its file).
    """
    if report.strays:
        store.sweep(trust_counts=False)
    broken = [d for d in store.list_documents() if d.doc_id in report.broken]
    fixable = [d for d in broken if _text_or_none(store, d.doc_id)]
    if not fixable:
        return []
    tools = rebuild()
    writes = []
    for doc in fixable:
        text = store.document_text(doc.doc_id)
        chunks = _rechunk(text, doc, tools)
        record = replace(doc, chunk_count=len(chunks))
        vectors, sentences = embed_with_sentences(tools.embed, [c.text for c in chunks])
        writes.append(DocumentWrite(record, text, chunks, vectors, sentences))
    store.write_documents(writes)
    return [d.source for d in fixable]


def _rechunk(text: str, doc: StoredDocument, tools: Rebuild) -> tuple[Chunk, ...]:
    paragraphs = split_paragraphs(text, [Span(start, end) for start, end in doc.blocks])
    return chunk_document(
        text,
        paragraphs,
        max_tokens=tools.max_tokens,
        overlap_tokens=tools.overlap_tokens,
        measure=tools.measure,
    )


def _text_or_none(store: Store, doc_id: str) -> str | None:
    try:
        return store.document_text(doc_id)
    except KeyError:
        return None
