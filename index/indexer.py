"""Bring files into the index: skip what is unchanged, replace what changed.

Every file is loaded and chunked on its own, so one bad file never stops the
run. Prepared documents are then embedded and written in batches of about a
thousand chunks: each Chroma write has a large fixed cost, and one call to the
model lets it sort all the batch's chunks by length. A document becomes visible
only when all of its chunks are stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.embed import Embedder
from index.store import DocumentWrite, Store
from ingest.document import LoadError, PreparedDocument
from ingest.load import iter_files
from ingest.pipeline import prepare_file
from ingest.targets import extract_targets


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[LoadError] = field(default_factory=list)
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class ChunkingOptions:
    max_bytes: int = 20 * 1024 * 1024
    max_tokens: int = 256
    overlap_tokens: int = 48


# Chroma's fixed cost per write (about 0.7 s a document here when each was written
# on its own) is about a tenth of a 1,000-chunk batch's; a killed run loses at most
# one batch, about a minute of embedding on a CPU.
BATCH_CHUNKS = 1000


def document_id(path: Path) -> str:
    """Stable across runs for the same file, so re-ingesting replaces rather than duplicates."""
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]


def ingest_paths(
    paths: Iterable[Path],
    store: Store,
    embedder: Embedder,
    options: ChunkingOptions = ChunkingOptions(),
    *,
    prune: bool = False,
    progress: Callable[[list[Path | LoadError]], Iterable[Path | LoadError]] = iter,
    batch_chunks: int = BATCH_CHUNKS,
) -> IngestSummary:
    """Prepare files one by one and write them in batches of about `batch_chunks` chunks.

    `progress` wraps the list of files found, e.g. in a progress bar. A file
    that cannot be loaded is reported and left out of its batch; a batch is
    embedded in one call and written with one commit (`write_batch`).
    """
    summary = IngestSummary()
    known = {doc.doc_id: doc for doc in store.list_documents()}
    store.sweep(known.values())
    seen: set[str] = set()
    pending: list[Pending] = []

    def flush() -> None:
        batch = pending[:]
        pending.clear()
        write_batch(batch, store, embedder)
        for item in batch:
            getattr(summary, "updated" if item.doc_id in known else "added").append(item.name)
            summary.chunks += len(item.prepared.chunks)

    try:
        for item in progress(list(iter_files(paths))):
            if isinstance(item, LoadError):
                summary.failed.append(item)
                continue
            doc_id = document_id(item)
            if doc_id in seen:  # named twice, e.g. a folder and a file in it
                continue
            seen.add(doc_id)
            previous = known.get(doc_id)
            if previous is not None and previous.content_hash == _file_hash(
                item, options.max_bytes
            ):
                summary.skipped.append(item.name)
                continue
            try:
                pending.append(_prepare(item, doc_id, options, embedder))
            except LoadError as error:
                summary.failed.append(error)
                continue
            if sum(len(p.prepared.chunks) for p in pending) >= batch_chunks:
                flush()
    except Exception:
        # Store what was prepared before an unexpected error, as a run of
        # one document at a time would have.
        flush()
        raise
    flush()
    if prune:
        for doc_id, doc in known.items():
            if doc_id not in seen and not Path(doc.path).exists():
                store.remove_document(doc_id)
                summary.removed.append(doc.source)
    return summary


@dataclass(frozen=True)
class Pending:
    """A prepared document waiting for its batch to be embedded and written."""

    name: str
    doc_id: str
    prepared: PreparedDocument
    record: dict[str, Any]


def _prepare(path: Path, doc_id: str, options: ChunkingOptions, embedder: Embedder) -> Pending:
    """Load, clean, chunk and describe one file; raises LoadError for a file that cannot be."""
    prepared = prepare_file(
        path,
        max_bytes=options.max_bytes,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        measure=embedder.count_tokens,
    )
    return Pending(path.name, doc_id, prepared, _document_record(prepared))


def _file_hash(path: Path, max_bytes: int) -> str | None:
    """The raw-bytes hash the loader records, without decoding the file again."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def write_prepared(
    doc_id: str, prepared: PreparedDocument, store: Store, embedder: Embedder
) -> None:
    """Embed and store one prepared document."""
    name = prepared.loaded.path.name
    write_batch([Pending(name, doc_id, prepared, _document_record(prepared))], store, embedder)


def write_batch(batch: Sequence[Pending], store: Store, embedder: Embedder) -> None:
    """Embed the chunks of every document in one call, then store them with one commit.

    The embedder sorts the texts by length before cutting its own batches, so
    mixing many documents' chunks in one call pads far less than one call per
    document; and the store's cost is mostly per call (`Store.write_documents`).
    """
    if not batch:
        return
    vectors = embedder.embed_passages([c.text for p in batch for c in p.prepared.chunks])
    writes = []
    lo = 0
    for item in batch:
        loaded, chunks = item.prepared.loaded, item.prepared.chunks
        hi = lo + len(chunks)
        rows = [
            {
                "index": c.index,
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "page": loaded.page_at(c.start),
            }
            for c in chunks
        ]
        writes.append(DocumentWrite(item.doc_id, loaded.text, item.record, rows, vectors[lo:hi]))
        lo = hi
    store.write_documents(writes)


def _document_record(prepared: PreparedDocument) -> dict[str, Any]:
    """The document's metadata as the store keeps it (generation: which chunks are live)."""
    loaded, meta = prepared.loaded, prepared.meta
    return {
        "source": loaded.source,
        "path": str(loaded.path.resolve()),
        "title": meta.title,
        "date": meta.date,
        "byline": meta.byline,
        "provinces": list(meta.provinces),
        "merged_provinces": list(meta.merged_provinces),
        "content_hash": loaded.content_hash,
        "generation": loaded.content_hash[:12],
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": loaded.kind,
        "pages": [[p.number, p.start, p.end] for p in loaded.pages],
        "blocks": [[b.start, b.end] for b in prepared.blocks],
        "targets": [
            row.to_dict()
            for row in extract_targets(loaded.text, prepared.blocks, loaded.source, meta.provinces)
        ],
    }
