"""Chroma as the store of record for documents, chunks and their vectors.

Two collections: `documents` (one record per document: its full text, its
metadata, and which chunk generation is live) and a chunks collection (text,
offsets, vector). A document's record is written only after all its chunks, so
it acts as the commit marker: chunks of an uncommitted or replaced generation
are invisible to readers and swept away by the next ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np

DOCUMENTS = "documents"
DEFAULT_CHUNKS = "chunks-1"
_BATCH = 1000


class ModelMismatchError(RuntimeError):
    """Vectors from two embedding models cannot share one collection."""


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    source: str
    path: str
    title: str
    date: str | None
    byline: str | None
    provinces: tuple[str, ...]
    merged_provinces: tuple[str, ...]
    content_hash: str
    generation: str
    ingested_at: str
    kind: str
    chunk_count: int
    pages: tuple[tuple[int, int, int], ...]
    blocks: tuple[tuple[int, int], ...]

    def page_at(self, offset: int) -> int | None:
        for number, start, end in self.pages:
            if start <= offset < end:
                return number
        return None


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    source: str
    index: int
    start: int
    end: int
    text: str
    page: int | None


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

    def __init__(self, client: chromadb.ClientAPI, model: str) -> None:
        self.client = client
        self.model = model
        self.documents = client.get_or_create_collection(
            DOCUMENTS, metadata={"chunks_collection": DEFAULT_CHUNKS}, embedding_function=None
        )
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
                f"run `assistant reindex --model {self.model}` to re-embed it, "
                f"or choose another --db, or set ASSISTANT_EMBEDDING_MODEL={stored}"
            )
        return collection

    # Documents -----------------------------------------------------------

    def list_documents(self) -> list[StoredDocument]:
        got = self.documents.get(include=["metadatas"])
        docs = [_document(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        return sorted(docs, key=lambda d: d.source)

    def get_document(self, doc_id: str) -> StoredDocument | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        return _document(got["ids"][0], got["metadatas"][0]) if got["ids"] else None

    def document_text(self, doc_id: str) -> str:
        got = self.documents.get(ids=[doc_id], include=["documents"])
        if not got["ids"]:
            raise KeyError(doc_id)
        return got["documents"][0]

    def is_empty(self) -> bool:
        return self.documents.count() == 0

    def live_generations(self) -> dict[str, str]:
        """doc_id -> the generation of its chunks that readers may see."""
        got = self.documents.get(include=["metadatas"])
        return {i: m["generation"] for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    # Writing -------------------------------------------------------------

    def write_document(
        self,
        doc_id: str,
        text: str,
        metadata: dict[str, Any],
        chunks: Sequence[dict[str, Any]],
        vectors: np.ndarray,
    ) -> None:
        """Write the chunks, then the document record that makes them live, then drop the old ones.

        A crash before the record is written leaves only invisible chunks; a
        crash after it leaves old chunks that `sweep` removes.
        """
        generation = metadata["generation"]
        ids = [f"{doc_id}:{generation}:{c['index']}" for c in chunks]
        for lo in range(0, len(ids), _BATCH):
            hi = lo + _BATCH
            self.chunks.upsert(
                ids=ids[lo:hi],
                embeddings=vectors[lo:hi],
                documents=[c["text"] for c in chunks[lo:hi]],
                metadatas=[_chunk_metadata(doc_id, generation, metadata, c) for c in chunks[lo:hi]],
            )
        mean = vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1])
        norm = float(np.linalg.norm(mean)) or 1.0
        record = {**metadata, "chunk_count": len(chunks), "embedding_model": self.model}
        self.documents.upsert(
            ids=[doc_id],
            documents=[text],
            metadatas=[_encode(record)],
            embeddings=[(mean / norm).astype(np.float32)],
        )
        self.chunks.delete(
            where={"$and": [{"doc_id": doc_id}, {"generation": {"$ne": generation}}]}
        )

    def remove_document(self, doc_id: str) -> None:
        """Drop the record first, so a crash in between leaves only invisible chunks."""
        self.documents.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})

    def sweep(self) -> int:
        """Delete chunks no committed document points to; returns how many."""
        live = self.live_generations()
        stale = [
            chunk_id
            for chunk_id, meta in self._iter_chunk_metadata()
            if live.get(meta["doc_id"]) != meta["generation"]
        ]
        for lo in range(0, len(stale), _BATCH):
            self.chunks.delete(ids=stale[lo : lo + _BATCH])
        return len(stale)

    # Reading chunks ------------------------------------------------------

    def _iter_chunk_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        total = self.chunks.count()
        for offset in range(0, total, _BATCH):
            got = self.chunks.get(include=["metadatas"], limit=_BATCH, offset=offset)
            yield from zip(got["ids"], got["metadatas"], strict=True)

    def iter_chunks(self, include_vectors: bool = False) -> Iterator[tuple[StoredChunk, Any]]:
        """Every live chunk (and its vector when asked), in store order."""
        live = self.live_generations()
        include = ["documents", "metadatas"] + (["embeddings"] if include_vectors else [])
        total = self.chunks.count()
        for offset in range(0, total, _BATCH):
            got = self.chunks.get(include=include, limit=_BATCH, offset=offset)
            vectors = got["embeddings"] if include_vectors else [None] * len(got["ids"])
            for chunk_id, text, meta, vector in zip(
                got["ids"], got["documents"], got["metadatas"], vectors, strict=True
            ):
                if live.get(meta["doc_id"]) == meta["generation"]:
                    yield _chunk(chunk_id, text, meta), vector

    def query(
        self, vector: np.ndarray, k: int, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest live chunks by cosine similarity, optionally within some documents."""
        live = self.live_generations()
        allowed = list(live if doc_ids is None else (d for d in doc_ids if d in live))
        if not allowed:
            return []
        where = {"doc_id": {"$in": allowed}} if doc_ids is not None else None
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
        for chunk_id, text, meta, distance in zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        ):
            if live.get(meta["doc_id"]) == meta["generation"]:
                hits.append((_chunk(chunk_id, text, meta), 1.0 - float(distance)))
        return hits[:k]

    # Re-embedding --------------------------------------------------------

    def replace_chunks_collection(self, name: str, model: str) -> None:
        """Point readers at a fully built chunks collection, then drop the old one."""
        old = self.chunks_collection_name
        meta = {**(self.documents.metadata or {}), "chunks_collection": name}
        self.documents.modify(metadata=meta)
        self.model = model
        self.chunks = self._chunks_collection(name)
        if old != name:
            self.client.delete_collection(old)


def _chunk_metadata(
    doc_id: str, generation: str, doc: dict[str, Any], chunk: dict[str, Any]
) -> dict[str, Any]:
    meta = {
        "doc_id": doc_id,
        "generation": generation,
        "source": doc["source"],
        "index": chunk["index"],
        "start": chunk["start"],
        "end": chunk["end"],
        "page": chunk.get("page") or 0,
    }
    if doc.get("provinces"):
        meta["provinces"] = list(doc["provinces"])
    return meta


def _encode(record: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata holds scalars; structured fields travel as JSON."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None:
            continue
        out[key] = (
            json.dumps(value, ensure_ascii=False) if isinstance(value, list | tuple) else value
        )
    return out


def _document(doc_id: str, meta: dict[str, Any]) -> StoredDocument:
    def listed(key: str) -> tuple:
        return tuple(json.loads(meta.get(key, "[]")))

    return StoredDocument(
        doc_id=doc_id,
        source=meta["source"],
        path=meta.get("path", ""),
        title=meta.get("title", meta["source"]),
        date=meta.get("date"),
        byline=meta.get("byline"),
        provinces=listed("provinces"),
        merged_provinces=listed("merged_provinces"),
        content_hash=meta["content_hash"],
        generation=meta["generation"],
        ingested_at=meta.get("ingested_at", ""),
        kind=meta.get("kind", "text"),
        chunk_count=int(meta.get("chunk_count", 0)),
        pages=tuple(tuple(p) for p in listed("pages")),
        blocks=tuple(tuple(b) for b in listed("blocks")),
    )


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        source=meta["source"],
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        page=int(meta["page"]) or None,
    )
