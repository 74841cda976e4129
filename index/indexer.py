"""Bring files into the index: skip what is unchanged, replace what changed.

Every file is handled on its own, so one bad file never stops the run, and a
document becomes visible only when all of its chunks are stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.embed import Embedder
from index.store import Store, StoredDocument
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
) -> IngestSummary:
    """`progress` wraps the list of files found, e.g. in a progress bar."""
    summary = IngestSummary()
    store.sweep()
    known = {doc.doc_id: doc for doc in store.list_documents()}
    seen: set[str] = set()
    for item in progress(list(iter_files(paths))):
        if isinstance(item, LoadError):
            summary.failed.append(item)
            continue
        doc_id = document_id(item)
        seen.add(doc_id)
        try:
            outcome = _ingest_one(item, doc_id, known.get(doc_id), store, embedder, options)
        except LoadError as error:
            summary.failed.append(error)
            continue
        getattr(summary, outcome[0]).append(item.name)
        summary.chunks += outcome[1]
    if prune:
        for doc_id, doc in known.items():
            if doc_id not in seen and not Path(doc.path).exists():
                store.remove_document(doc_id)
                summary.removed.append(doc.source)
    return summary


def _ingest_one(
    path: Path,
    doc_id: str,
    previous: StoredDocument | None,
    store: Store,
    embedder: Embedder,
    options: ChunkingOptions,
) -> tuple[str, int]:
    if previous is not None and previous.content_hash == _file_hash(path, options.max_bytes):
        return "skipped", 0
    prepared = prepare_file(
        path,
        max_bytes=options.max_bytes,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        measure=embedder.count_tokens,
    )
    write_prepared(doc_id, prepared, store, embedder)
    return ("updated" if previous is not None else "added"), len(prepared.chunks)


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
    loaded, meta = prepared.loaded, prepared.meta
    vectors = embedder.embed_passages([c.text for c in prepared.chunks])
    record = {
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
    chunks = [
        {
            "index": c.index,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "page": loaded.page_at(c.start),
        }
        for c in prepared.chunks
    ]
    store.write_document(doc_id, loaded.text, record, chunks, vectors)
