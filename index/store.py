"""Chroma as the store of record for documents, chunks and their vectors.

Two collections: `documents` (one record per document: its full text, its
metadata, and which chunk generation is live) and a chunks collection (text,
offsets, vector). A document's record is written only after all its chunks, so
it acts as the commit marker: chunks of an uncommitted or replaced generation
are invisible to readers and swept away by the next ingest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np

from index.record import (
    StoredChunk,
    StoredDocument,
    chunk_id,
    chunk_metadata,
    chunks_of,
    commit_marker,
    is_live,
)
from ingest.document import Chunk

DOCUMENTS = "documents"
DEFAULT_CHUNKS = "chunks-1"
_BATCH = 1000


class ModelMismatchError(RuntimeError):
    """Vectors from two embedding models cannot share one collection."""


@dataclass(frozen=True)
class DocumentWrite:
    """One document to store: its record, full text, chunks, and their vectors in order."""

    record: StoredDocument
    text: str
    chunks: Sequence[Chunk]
    vectors: np.ndarray


def connect(db: str, url: str | None = None) -> chromadb.ClientAPI:
    """The embedded store at `db`, or the Chroma server at `url` when one is given."""
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
        )
    return chromadb.PersistentClient(path=db)


class Store:
    """Reads and writes one index; holds the client and the live collections."""

    def __init__(self, client: chromadb.ClientAPI, model: str | None) -> None:
        """`model` None accepts whatever model the index holds (for re-embedding it)."""
        self.client = client
        self.documents = client.get_or_create_collection(
            DOCUMENTS, metadata={"chunks_collection": DEFAULT_CHUNKS}, embedding_function=None
        )
        if model is None:
            existing = self.client.get_or_create_collection(
                self.chunks_collection_name, embedding_function=None
            )
            model = (existing.metadata or {}).get("embedding_model")
            if model is None:
                raise ModelMismatchError("this index holds no chunks yet: nothing to re-embed")
        self.model = model
        self.chunks = self._chunks_collection(self.chunks_collection_name)

    @property
    def chunks_collection_name(self) -> str:
        return (self.documents.metadata or {}).get("chunks_collection", DEFAULT_CHUNKS)

    def _chunks_collection(self, name: str) -> Any:
        collection = self.client.get_or_create_collection(
            name,
            metadata={"embedding_model": self.model},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        stored = (collection.metadata or {}).get("embedding_model")
        if stored != self.model:
            raise ModelMismatchError(
                f"this index holds vectors of the embedding model {stored!r}, not {self.model!r}; "
                f"run `assistant reindex --embedding-model {self.model}` to re-embed it, "
                f"or choose another --db, or set ASSISTANT_EMBEDDING_MODEL={stored}"
            )
        return collection

    # Documents -----------------------------------------------------------

    def list_documents(self) -> list[StoredDocument]:
        got = self.documents.get(include=["metadatas"])
        docs = [
            StoredDocument.from_metadata(i, m)
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(docs, key=lambda d: d.source)

    def get_document(self, doc_id: str) -> StoredDocument | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return None
        return StoredDocument.from_metadata(got["ids"][0], got["metadatas"][0])

    def document_text(self, doc_id: str) -> str:
        got = self.documents.get(ids=[doc_id], include=["documents"])
        if not got["ids"]:
            raise KeyError(doc_id)
        return got["documents"][0]

    def is_empty(self) -> bool:
        return self.documents.count() == 0

    def revision(self) -> str:
        """Changes whenever a document is written or removed, by any process."""
        fresh = self.client.get_collection(DOCUMENTS, embedding_function=None)
        return str((fresh.metadata or {}).get("revision", ""))

    def _bump_revision(self, **changes: str) -> None:
        current = self.client.get_collection(DOCUMENTS, embedding_function=None).metadata or {}
        self.documents.modify(metadata={**current, **changes, "revision": uuid.uuid4().hex})

    def live_generations(self) -> dict[str, str]:
        """doc_id -> the generation of its chunks that readers may see."""
        got = self.documents.get(include=["metadatas"])
        return {i: commit_marker(m)[0] for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    # Writing -------------------------------------------------------------

    def write_documents(self, writes: Sequence[DocumentWrite]) -> None:
        """Write many documents with a handful of Chroma calls, whatever their number.

        All chunks first, then all records in one upsert (the commit marker of
        each document), one revision bump, and one delete of the chunks the
        records replaced, by id: the old record names them (generation and
        chunk count), so no search is needed, and new documents need no delete.
        Each Chroma write has a fixed cost of a good fraction of a second, which
        one call per document paid many times over. A crash before the records
        leaves only invisible chunks; a crash after them leaves replaced chunks;
        `sweep` removes both.
        """
        if not writes:
            return
        replaced = self._committed([w.record.doc_id for w in writes])
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for w in writes:
            for chunk in w.chunks:
                ids.append(chunk_id(w.record.doc_id, w.record.generation, chunk.index))
                texts.append(chunk.text)
                metadatas.append(chunk_metadata(w.record, chunk))
        vectors = np.concatenate([w.vectors for w in writes])
        for lo in range(0, len(ids), _BATCH):
            hi = lo + _BATCH
            self.chunks.upsert(
                ids=ids[lo:hi],
                embeddings=vectors[lo:hi],
                documents=texts[lo:hi],
                metadatas=metadatas[lo:hi],
            )
        for lo in range(0, len(writes), _BATCH):
            batch = writes[lo : lo + _BATCH]
            # Documents are found through their chunks; their own vector is a
            # placeholder so the record survives a change of embedding model.
            self.documents.upsert(
                ids=[w.record.doc_id for w in batch],
                documents=[w.text for w in batch],
                metadatas=[w.record.to_metadata() for w in batch],
                embeddings=[[1.0]] * len(batch),
            )
        self._bump_revision()
        written = set(ids)
        stale = [
            stale_id
            for doc_id, (generation, count) in replaced.items()
            for stale_id in (chunk_id(doc_id, generation, i) for i in range(count))
            if stale_id not in written
        ]
        for lo in range(0, len(stale), _BATCH):
            self.chunks.delete(ids=stale[lo : lo + _BATCH])

    def _committed(self, doc_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """doc_id -> (generation, chunk count) of those documents that have a record."""
        got = self.documents.get(ids=list(doc_ids), include=["metadatas"])
        return {i: commit_marker(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def remove_document(self, doc_id: str) -> None:
        """Drop the record first, so a crash in between leaves only invisible chunks."""
        self.documents.delete(ids=[doc_id])
        self._bump_revision()
        self.chunks.delete(where=chunks_of([doc_id]))

    def sweep(self, documents: Iterable[StoredDocument] | None = None) -> int:
        """Delete chunks no committed document points to; returns how many.

        Every committed record's chunks are all stored, so when the collection
        holds exactly as many chunks as the records count there is nothing to
        sweep, and the scan of every chunk's metadata (34 s at 100,000 chunks
        here) is only paid after an interrupted write. `documents`: the
        records as the caller has just listed them, to save reading them again
        (4 s at 13,000 documents).
        """
        docs = self.list_documents() if documents is None else list(documents)
        live = {d.doc_id: d.generation for d in docs}
        if self.chunks.count() == sum(d.chunk_count for d in docs):
            return 0
        stale = [i for i, meta in self._iter_chunk_metadata() if not is_live(meta, live)]
        for lo in range(0, len(stale), _BATCH):
            self.chunks.delete(ids=stale[lo : lo + _BATCH])
        return len(stale)

    # Reading chunks ------------------------------------------------------

    def _iter_chunk_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        total = self.chunks.count()
        for offset in range(0, total, _BATCH):
            got = self.chunks.get(include=["metadatas"], limit=_BATCH, offset=offset)
            yield from zip(got["ids"], got["metadatas"], strict=True)

    def iter_chunk_records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, raw metadata) of every live chunk, in store order."""
        live = self.live_generations()
        total = self.chunks.count()
        for offset in range(0, total, _BATCH):
            got = self.chunks.get(include=["documents", "metadatas"], limit=_BATCH, offset=offset)
            for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if is_live(meta, live):
                    yield i, text, meta

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every live chunk, in store order."""
        for i, text, meta in self.iter_chunk_records():
            yield StoredChunk.from_metadata(i, text, meta)

    def query(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Iterable[str] | None = None,
        live: dict[str, str] | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest live chunks by cosine similarity, optionally within some documents.

        `live` (from `live_generations`) may be passed in by a caller that keeps it.
        """
        live = self.live_generations() if live is None else live
        allowed = list(live if doc_ids is None else (d for d in doc_ids if d in live))
        if not allowed:
            return []
        where = chunks_of(allowed) if doc_ids is not None else None
        # Stale generations may still sit beside live ones: ask for a few more.
        n = min(k * 2 + 10, self.chunks.count())
        if n == 0:
            return []
        got = self.chunks.query(
            query_embeddings=[vector],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for i, text, meta, distance in zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        ):
            if is_live(meta, live):
                hits.append((StoredChunk.from_metadata(i, text, meta), 1.0 - float(distance)))
        return hits[:k]

    # Re-embedding --------------------------------------------------------

    def reembed(
        self,
        model: str,
        embed: Callable[[list[str]], np.ndarray],
        progress: Callable[[int], None] = lambda n: None,
    ) -> int:
        """Copy every live chunk into a new collection with new vectors, then switch to it.

        Readers keep using the old collection until the new one is complete,
        so an interrupted re-embedding leaves the index working as it was.
        """
        old = self.chunks_collection_name
        name = f"chunks-{uuid.uuid4().hex[:12]}"
        fresh = self.client.create_collection(
            name,
            metadata={"embedding_model": model},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        records = list(self.iter_chunk_records())
        try:
            for lo in range(0, len(records), _BATCH):
                batch = records[lo : lo + _BATCH]
                fresh.upsert(
                    ids=[r[0] for r in batch],
                    documents=[r[1] for r in batch],
                    metadatas=[r[2] for r in batch],
                    embeddings=embed([r[1] for r in batch]),
                )
                progress(len(batch))
        except BaseException:
            self.client.delete_collection(name)
            raise
        self._bump_revision(chunks_collection=name)
        self.model = model
        self.chunks = fresh
        self.client.delete_collection(old)
        return len(records)
