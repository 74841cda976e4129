"""Bring files into the index: skip what is unchanged, replace what changed.

Every file is prepared on its own (`ingest.pipeline.prepare_file`), so one bad
file never stops the run; on a run of many files, in a worker process while this
one writes (index/preparation.py). Prepared documents are then embedded and written
in batches of about a thousand chunks: each Chroma write has a large fixed cost,
and one call to the model lets it sort all the batch's chunks by length. A
document becomes visible only when all of its chunks are stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.commit import DocumentWrite
from index.embed import Embedder
from index.preparation import prepare_all
from index.record import StoredDocument
from index.sentence_vectors import embed_with_sentences
from index.store import Store
from ingest.document import LoadError, PreparedDocument
from ingest.load import iter_files
from ingest.pipeline import ChunkingOptions


@dataclass(frozen=True)
class Kept:
    """How much of a file's text the cleaner kept as its article (non-space characters)."""

    name: str
    kept: int
    total: int

    @property
    def share(self) -> float:
        return self.kept / self.total if self.total else 1.0

    @property
    def low(self) -> bool:
        """Less than half: the file may hold more than the cleaner took for its article."""
        return self.share < LOW_KEPT_SHARE


LOW_KEPT_SHARE = 0.5


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[LoadError] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    # (file name, note): what a user should hear about a file that was still stored, such
    # as scanned pages left out for low recognition confidence.
    notes: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


# Chroma's fixed cost per write (about 0.7 s a document here when each was written
# on its own) is about a tenth of a 1,000-chunk batch's; a killed run loses at most
# one batch, about a minute of embedding on a CPU.
BATCH_CHUNKS = 1000
# Chunks embedded between two progress reports: a few seconds on a CPU, and large
# enough for the model's own batches (32) to stay full.
PROGRESS_SLICE = 256


def document_id(path: Path) -> str:
    """Stable across runs for the same file, so re-ingesting replaces rather than duplicates."""
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]


def ingest_paths(
    paths: Iterable[Path],
    store: Store,
    embedder: Embedder,
    options: ChunkingOptions,
    *,
    prune: bool = False,
    progress: Callable[[list[Path]], Iterable[Path]] = iter,
    chunk_progress: Callable[[int, int], None] = lambda done, found: None,
    batch_chunks: int = BATCH_CHUNKS,
    workers: int = 0,
) -> IngestSummary:
    """Prepare files one by one and write them in batches of about `batch_chunks` chunks.

    `progress` wraps the list of files to prepare (new or changed), e.g. in a
    progress bar; `workers` processes prepare them when the run is long enough
    (index/preparation.py), and the embedder's `count_tokens` must then pickle;
    `chunk_progress(done, found)` is told the chunks embedded so far and the
    chunks prepared so far, after each file and each slice embedded, for a bar
    that moves within one long file. A file
    that cannot be loaded is reported and left out of its batch; a batch is
    embedded in one call and written with one commit. With `prune`, documents
    whose files are gone are removed.
    """
    run = _Run(store, embedder, options, batch_chunks, chunk_progress)
    store.sweep(run.known.values())
    wanted = [item for item in iter_files(paths) if run.wanted(item)]
    prepared = prepare_all(
        wanted, options, embedder.count_tokens, workers=workers, progress=progress
    )
    try:
        for path, outcome in prepared:
            run.take(path, outcome)
    except Exception:
        # Store what was prepared before an unexpected error, as a run of
        # one document at a time would have.
        run.flush()
        raise
    run.flush()
    if prune:
        run.prune()
    return run.summary


@dataclass(frozen=True)
class _Pending:
    """A prepared document waiting for its batch to be embedded and written."""

    name: str
    prepared: PreparedDocument
    record: StoredDocument


class _Run:
    """One ingestion: what the store held before it, what it has seen, what waits."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        options: ChunkingOptions,
        batch_chunks: int,
        chunk_progress: Callable[[int, int], None],
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.options = options
        self.batch_chunks = batch_chunks
        self.chunk_progress = chunk_progress
        self.found = self.done = 0
        self.summary = IngestSummary()
        self.known = {doc.doc_id: doc for doc in store.document_heads()}
        self.seen: set[str] = set()
        self.pending: list[_Pending] = []

    def wanted(self, item: Path | LoadError) -> bool:
        """Whether a file found is to be prepared: new or changed (a failure is recorded)."""
        if isinstance(item, LoadError):
            self.summary.failed.append(item)
            return False
        doc_id = document_id(item)
        if doc_id in self.seen:  # named twice, e.g. a folder and a file in it
            return False
        self.seen.add(doc_id)
        previous = self.known.get(doc_id)
        if previous is not None and previous.content_hash == _file_hash(
            item, self.options.max_bytes
        ):
            self.summary.skipped.append(item.name)
            return False
        return True

    def take(self, path: Path, outcome: PreparedDocument | LoadError) -> None:
        """Add one prepared file to the batch (or record why it failed); write a full batch."""
        if isinstance(outcome, LoadError):
            self.summary.failed.append(outcome)
            return
        prepared = outcome
        ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        record = StoredDocument.from_prepared(document_id(path), prepared, ingested_at)
        self.pending.append(_Pending(path.name, prepared, record))
        self.found += len(prepared.chunks)
        self.chunk_progress(self.done, self.found)
        if sum(len(p.prepared.chunks) for p in self.pending) >= self.batch_chunks:
            self.flush()

    def flush(self) -> None:
        """Embed and write what is pending, with one commit."""
        batch = self.pending[:]
        self.pending.clear()
        _write_batch(batch, self.store, self._embed)
        for item in batch:
            updated = item.record.doc_id in self.known
            (self.summary.updated if updated else self.summary.added).append(item.name)
            self.summary.chunks += len(item.prepared.chunks)
            self.summary.kept.append(_kept(item))
            self.summary.notes.extend((item.name, n) for n in item.prepared.loaded.notes)

    def _embed(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The passages' vectors and their sentences' (index/sentence_vectors.py), embedded
        in slices of similar length, reporting after each.

        Sorting first keeps the padding as low as one call over all of them would.
        """
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = []
        sentences: list[np.ndarray] = [np.empty(0)] * len(texts)
        for lo in range(0, len(order), PROGRESS_SLICE):
            rows = order[lo : lo + PROGRESS_SLICE]
            vectors, per_chunk = embed_with_sentences(
                self.embedder.embed_passages, [texts[i] for i in rows]
            )
            parts.append(vectors)
            for i, found in zip(rows, per_chunk, strict=True):
                sentences[i] = found
            self.done += len(rows)
            self.chunk_progress(self.done, self.found)
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=parts[0].dtype)
        vectors[order] = np.concatenate(parts)
        return vectors, sentences

    def prune(self) -> None:
        """Remove the documents whose files this run did not see and that are gone."""
        for doc_id, doc in self.known.items():
            if doc_id not in self.seen and not Path(doc.path).exists():
                self.store.remove_document(doc_id)
                self.summary.removed.append(doc.source)


def _kept(item: _Pending) -> Kept:
    text = item.prepared.loaded.text
    kept = sum(_letters(text[b.start : b.end]) for b in item.prepared.blocks)
    return Kept(item.name, kept, _letters(text))


def _letters(text: str) -> int:
    return sum(len(word) for word in text.split())


def _file_hash(path: Path, max_bytes: int) -> str | None:
    """The raw-bytes hash the loader records, without decoding the file again."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_batch(
    batch: Sequence[_Pending],
    store: Store,
    embed: Callable[[list[str]], tuple[np.ndarray, list[np.ndarray]]],
) -> None:
    """Embed the chunks of every document together, then store them with one commit.

    Texts are sorted by length before they are cut into the model's batches, so
    mixing many documents' chunks pads far less than one call per document; and
    the store's cost is mostly per call (`Store.write_documents`).
    """
    if not batch:
        return
    vectors, sentences = embed([c.text for p in batch for c in p.prepared.chunks])
    writes = []
    lo = 0
    for item in batch:
        hi = lo + len(item.prepared.chunks)
        text = item.prepared.loaded.text
        chunks = item.prepared.chunks
        writes.append(DocumentWrite(item.record, text, chunks, vectors[lo:hi], sentences[lo:hi]))
        lo = hi
    store.write_documents(writes)
