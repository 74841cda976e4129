"""Chroma as the store of record for documents, chunks and their vectors.

Three collections: `documents` (one small record per document: what lists it, and
which chunk generation is live), `document-details` (per document generation: its
full text, pages, blocks and targets) and a chunks collection (text, offsets,
vector). A document's record is written only after its details and all its chunks,
so it acts as the commit marker: details and chunks of an uncommitted or replaced
generation are invisible to readers. The writing protocol is in index/commit.py, the
leases that keep a sweep off other writers' chunks in index/writers.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np

from index.commit import BATCH, Commit, DocumentWrite
from index.record import (
    DETAILED,
    DocumentHead,
    StoredChunk,
    StoredDocument,
    chunk_id,
    chunk_owner,
    chunk_text,
    chunks_of,
    commit_marker,
    details_id,
    details_owner,
    is_live,
)
from index.sentence_vectors import embed_with_sentences, with_sentence_vectors
from index.writers import Leases

DOCUMENTS = "documents"
DETAILS = "document-details"
DEFAULT_CHUNKS = "chunks-1"

Records = dict[str, Mapping[str, Any]]


class ModelMismatchError(RuntimeError):
    """Vectors from two embedding models cannot share one collection."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server named by the settings cannot be reached."""


def connect(db: str, url: str | None = None) -> chromadb.ClientAPI:
    """The embedded store at `db`, or the Chroma server at `url` when one is given."""
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
            )
        except ValueError as error:  # chromadb's word for a refused connection
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {url}: is it running?"
            ) from error
    return chromadb.PersistentClient(path=db)


class Store:
    """Reads and writes one index; holds the client and the live collections."""

    def __init__(self, client: chromadb.ClientAPI, model: str | None) -> None:
        """`model` None accepts whatever model the index holds (for re-embedding it)."""
        self.client = client
        self.leases = Leases(client)
        self.documents = client.get_or_create_collection(
            DOCUMENTS, metadata={"chunks_collection": DEFAULT_CHUNKS}, embedding_function=None
        )
        self.details = client.get_or_create_collection(DETAILS, embedding_function=None)
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

    def records(self) -> Records:
        """doc_id -> the marker metadata of every committed document, in one read."""
        got = self.documents.get(include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"], strict=True))

    def document_heads(self) -> list[DocumentHead]:
        return [DocumentHead.from_metadata(i, m) for i, m in self.records().items()]

    def documents_from(self, records: Records) -> dict[str, StoredDocument]:
        """Whole documents from their markers, reading the details of those that have them."""
        wanted = [details_id(d, m["generation"]) for d, m in records.items() if m.get(DETAILED)]
        details = {}
        for lo in range(0, len(wanted), BATCH):
            got = self.details.get(ids=wanted[lo : lo + BATCH], include=["metadatas"])
            details.update(zip(got["ids"], got["metadatas"], strict=True))
        found = {}
        for doc_id, meta in records.items():
            own = details.get(details_id(doc_id, meta["generation"]))
            if meta.get(DETAILED) and own is None:
                continue  # replaced or removed between the two reads: the next refresh has it
            found[doc_id] = StoredDocument.from_metadata(doc_id, meta, own)
        return found

    def list_documents(self) -> list[StoredDocument]:
        return sorted(self.documents_from(self.records()).values(), key=lambda d: d.source)

    def get_document(self, doc_id: str) -> StoredDocument | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        return self.documents_from(dict(zip(got["ids"], got["metadatas"], strict=True))).get(doc_id)

    def document_text(self, doc_id: str) -> str:
        """Raises KeyError when the store holds no text for the document."""
        got = self.documents.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            raise KeyError(doc_id)
        meta = got["metadatas"][0]
        if not meta.get(DETAILED):
            return got["documents"][0]
        details = self.details.get(ids=[details_id(doc_id, meta["generation"])])
        if not details["ids"]:
            raise KeyError(doc_id)
        return str(details["metadatas"][0]["text"])

    def is_empty(self) -> bool:
        return self.documents.count() == 0

    def revision(self) -> str:
        """Changes whenever a document is written or removed, by any process."""
        fresh = self.client.get_collection(DOCUMENTS, embedding_function=None)
        return str((fresh.metadata or {}).get("revision", ""))

    def current_chunks_collection(self) -> str:
        """The chunks collection as the store names it now (a re-embedding switches it)."""
        fresh = self.client.get_collection(DOCUMENTS, embedding_function=None)
        return (fresh.metadata or {}).get("chunks_collection", DEFAULT_CHUNKS)

    def bump_revision(self, **changes: str) -> None:
        """A new revision, for readers to notice; `changes` other collection metadata with it."""
        current = self.client.get_collection(DOCUMENTS, embedding_function=None).metadata or {}
        self.documents.modify(metadata={**current, **changes, "revision": uuid.uuid4().hex})

    def live_generations(self) -> dict[str, str]:
        """doc_id -> the generation of its chunks that readers may see."""
        return {i: commit_marker(m)[0] for i, m in self.records().items()}

    # Writing -------------------------------------------------------------

    def write_documents(self, writes: Sequence[DocumentWrite]) -> None:
        """Write many documents with a handful of Chroma calls, whatever their number.

        The steps and why each document is all there or not at all, whoever
        else writes at the same time, are in index/commit.py. Each Chroma write
        has a fixed cost of a good fraction of a second, which one call per
        document paid many times over.
        """
        if writes:
            Commit(self, writes).run()

    def remove_document(self, doc_id: str) -> None:
        """Drop the record first, then its generation's chunks by id.

        By id, not by document: another writer's staged chunks for the same
        document must survive, for that writer is about to commit them.
        """
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return
        generation, count = commit_marker(got["metadatas"][0])
        self.documents.delete(ids=[doc_id])
        self.bump_revision()
        self.details.delete(ids=[details_id(doc_id, generation)])
        ids = [chunk_id(doc_id, generation, i) for i in range(count)]
        for lo in range(0, len(ids), BATCH):
            self.chunks.delete(ids=ids[lo : lo + BATCH])

    def sweep(
        self, documents: Iterable[DocumentHead] | None = None, *, trust_counts: bool = True
    ) -> int:
        """Delete chunks and details that no record names and no live writer may commit;
        returns how many chunks.

        Every committed record's chunks and details are all stored, so when the
        collections hold exactly as many as the records count there is nothing to
        sweep, and the scan of every chunk's metadata (34 s at 100,000 chunks
        here) is only paid after an interrupted or concurrent write.
        `documents`: the records as the caller has just listed them, to save
        reading them again. `trust_counts` False scans anyway, for `assistant
        verify --repair`, which cannot assume every record's chunks are there.

        The order of the reads is what makes it safe beside other writers: the
        chunks first, then the live leases (a chunk seen was staged under a
        lease taken before it), then the records again (a writer whose lease
        is gone has committed for the last time).
        """
        docs = self.document_heads() if documents is None else list(documents)
        if (
            trust_counts
            and self.chunks.count() == sum(d.chunk_count for d in docs)
            and self.details.count() == sum(d.detailed for d in docs)
        ):
            self.leases.alive()  # drop the leases of killed writers
            return 0
        seen = {d.doc_id: d.generation for d in docs}
        candidates = [(i, m) for i, m in self._iter_chunk_metadata() if not is_live(m, seen)]
        owners = [details_owner(i) for i in self.details.get(include=[])["ids"]]
        details = [(d, g) for d, g in owners if seen.get(d) != g]
        writing = self.leases.alive()
        live = self.live_generations()
        stale = [
            i for i, m in candidates if m["generation"] not in writing and not is_live(m, live)
        ]
        for lo in range(0, len(stale), BATCH):
            self.chunks.delete(ids=stale[lo : lo + BATCH])
        gone = [details_id(d, g) for d, g in details if g not in writing and live.get(d) != g]
        for lo in range(0, len(gone), BATCH):
            self.details.delete(ids=gone[lo : lo + BATCH])
        return len(stale)

    # Reading chunks ------------------------------------------------------

    def _iter_chunk_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        total = self.chunks.count()
        for offset in range(0, total, BATCH):
            got = self.chunks.get(include=["metadatas"], limit=BATCH, offset=offset)
            yield from zip(got["ids"], got["metadatas"], strict=True)

    def iter_chunk_records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, raw metadata) of every live chunk, in store order."""
        live = self.live_generations()
        total = self.chunks.count()
        for offset in range(0, total, BATCH):
            got = self.chunks.get(include=["documents", "metadatas"], limit=BATCH, offset=offset)
            for i, document, meta in zip(
                got["ids"], got["documents"], got["metadatas"], strict=True
            ):
                if is_live(meta, live):
                    yield i, chunk_text(document, meta), meta

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
    ) -> list[tuple[str, float]]:
        """Ids of the nearest live chunks, with their cosine similarity, optionally within
        some documents.

        Ids only: a chunk's record (its text and sentence vectors) is about 3 KB, and
        returning those of every candidate was most of a query's time at 100,000
        chunks; the few chunks a search keeps are read by id (`chunks_by_id`).
        `live` (from `live_generations`) may be passed in by a caller that keeps it.
        """
        live = self.live_generations() if live is None else live
        allowed = list(live if doc_ids is None else (d for d in doc_ids if d in live))
        if not allowed:
            return []
        where = chunks_of(allowed) if doc_ids is not None else None
        # Stale generations may still sit beside live ones: ask for a few more. Chroma
        # returns fewer when the collection holds fewer (counting it first cost 20 ms a
        # question at 100,000 chunks).
        got = self.chunks.query(
            query_embeddings=[vector], n_results=k * 2 + 10, where=where, include=["distances"]
        )
        hits = []
        for i, distance in zip(got["ids"][0], got["distances"][0], strict=True):
            doc_id, generation = chunk_owner(i)
            if live.get(doc_id) == generation:
                hits.append((i, 1.0 - float(distance)))
        return hits[:k]

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The chunks these ids name that the store holds."""
        got = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        found = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        return {i: StoredChunk.from_metadata(i, document, meta) for i, document, meta in found}

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
        Documents other writers commit during the copy are copied after the
        switch; a write still staging in the old collection is refused at its
        commit (index/commit.py), so none is left pointing at chunks that are gone.
        """
        old = self.chunks_collection_name
        name = f"chunks-{uuid.uuid4().hex[:12]}"
        fresh = self.client.create_collection(
            name,
            metadata={"embedding_model": model},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        try:
            copied = self._copy_live(fresh, embed, progress, set())
        except BaseException:
            self.client.delete_collection(name)
            raise
        self.bump_revision(chunks_collection=name)
        copied = self._copy_live(fresh, embed, progress, copied)
        self.model = model
        self.chunks = fresh
        self.client.delete_collection(old)
        return len(copied)

    def _copy_live(
        self,
        fresh: Any,
        embed: Callable[[list[str]], np.ndarray],
        progress: Callable[[int], None],
        done: set[str],
    ) -> set[str]:
        """Copy the live chunks not in `done` into `fresh`; returns all copied so far."""
        records = [r for r in self.iter_chunk_records() if r[0] not in done]
        for lo in range(0, len(records), BATCH):
            batch = records[lo : lo + BATCH]
            vectors, sentences = embed_with_sentences(embed, [r[1] for r in batch])
            fresh.upsert(
                ids=[r[0] for r in batch],
                # A chunk written before chunks kept their text in metadata moves it there.
                metadatas=[
                    with_sentence_vectors({**meta, "text": text}, found)
                    for (_, text, meta), found in zip(batch, sentences, strict=True)
                ],
                embeddings=vectors,
            )
            progress(len(batch))
        return done | {r[0] for r in records}
