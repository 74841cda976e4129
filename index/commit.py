"""The commit protocol: how many documents are written so that each is all there or not at all.

Steps, in order (`Commit.STEPS`; the tests interleave two writers and kill -9 a
writer at each of them):

1. `lease`: take a lease (index/writers.py); its token is the generation of
   every chunk this write stages, unique to this write.
2. `stage`: upsert the chunks, then each document's details (full text, pages,
   blocks, targets: index/record.py), in batches, renewing the lease before
   each. Readers skip them: no record names their generation yet.
3. `commit`: upsert the records (the commit marker of each document) and bump
   the revision. The records this replaces are read just before, so the
   chunks to drop are the generations truly replaced.
4. `verify`: every staged chunk and details record is still there; any that a
   sweep removed (possible only if this writer was suspended past its lease) is
   staged again, before anyone would have to rely on it for long.
5. `drop_replaced`: delete, by id, the details and chunks of the generations
   replaced.
   A generation, once replaced, is never committed again, so no writer's
   work can be deleted by another's.
6. `release`: drop the lease. From now on this write's leftover chunks (none,
   unless another writer committed the same document in between) are strays
   for any sweep.

A crash before 3 leaves invisible chunks (and details) whose lease dies with the
process; after 3 it leaves replaced ones: the next sweep removes both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from index.record import StoredDocument, chunk_id, chunk_metadata, commit_marker, details_id
from index.sentence_vectors import with_sentence_vectors
from index.writers import Lease
from ingest.document import Chunk

if TYPE_CHECKING:  # the store runs a Commit; only the type is needed here
    from index.store import Store

BATCH = 1000


class WriteConflictError(RuntimeError):
    """The index changed under this write in a way it cannot follow (re-embedded)."""


@dataclass(frozen=True)
class DocumentWrite:
    """One document to store: its record, full text, chunks, and their vectors in order.

    `sentences` holds each chunk's sentence vectors (index/sentence_vectors.py); a write
    without them leaves the answerer to embed those sentences when it first needs them.
    """

    record: StoredDocument
    text: str
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    sentences: Sequence[np.ndarray] = ()


class Commit:
    """One write of many documents, step by step (see the module's docstring)."""

    STEPS = ("lease", "stage", "commit", "verify", "drop_replaced", "release")

    def __init__(self, store: Store, writes: Sequence[DocumentWrite]) -> None:
        self.store = store
        self.writes = list(writes)
        self.held: Lease | None = None
        self.ids: list[str] = []
        self.details_ids: list[str] = []
        self.replaced: dict[str, tuple[str, int]] = {}
        self.collection_name = store.chunks_collection_name

    def run(self) -> None:
        try:
            for step in self.STEPS[:-1]:
                getattr(self, step)()
        finally:
            self.release()

    def lease(self) -> None:
        self.held = self.store.leases.take()
        self.writes = [
            replace(w, record=replace(w.record, generation=self.held.token)) for w in self.writes
        ]
        self.ids = [
            chunk_id(w.record.doc_id, w.record.generation, c.index)
            for w in self.writes
            for c in w.chunks
        ]
        self.details_ids = [details_id(w.record.doc_id, w.record.generation) for w in self.writes]

    def stage(self, only: set[str] | None = None) -> None:
        """Upsert the chunks, then the details (those in `only`, when given), renewing the
        lease before each batch."""
        metadatas: list[dict[str, Any]] = []
        for w in self.writes:
            for n, chunk in enumerate(w.chunks):
                meta = chunk_metadata(w.record, chunk)
                if w.sentences:
                    meta = with_sentence_vectors(meta, w.sentences[n])
                metadatas.append(meta)
        vectors = np.concatenate([w.vectors for w in self.writes])
        self._upsert(
            self.store.chunks,
            self.ids,
            only,
            lambda rows: {"embeddings": vectors[rows], "metadatas": [metadatas[n] for n in rows]},
        )
        self._upsert(
            self.store.details,
            self.details_ids,
            only,
            lambda rows: {
                "embeddings": [[1.0]] * len(rows),
                "metadatas": [
                    self.writes[n].record.details_metadata(self.writes[n].text) for n in rows
                ],
            },
        )

    def _upsert(
        self,
        collection: Any,
        ids: list[str],
        only: set[str] | None,
        fields_of: Callable[[list[int]], dict[str, Any]],
    ) -> None:
        """Upsert the records `ids` names (those in `only`, when given) in batches, renewing
        the lease before each; `fields_of(rows)` gives the batch's other fields."""
        assert self.held is not None, "take the lease first"
        keep = [n for n, i in enumerate(ids) if only is None or i in only]
        for lo in range(0, len(keep), BATCH):
            rows = keep[lo : lo + BATCH]
            self.held = self.store.leases.renew(self.held)
            collection.upsert(ids=[ids[n] for n in rows], **fields_of(rows))

    def commit(self) -> None:
        if self.store.current_chunks_collection() != self.collection_name:
            raise WriteConflictError(
                "the index was re-embedded while this write ran; nothing of it was committed: "
                "run it again"
            )
        doc_ids = [w.record.doc_id for w in self.writes]
        got = self.store.documents.get(ids=doc_ids, include=["metadatas"])
        self.replaced = {
            i: commit_marker(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }
        for lo in range(0, len(self.writes), BATCH):
            batch = self.writes[lo : lo + BATCH]
            # Documents are found through their chunks; their own vector is a
            # placeholder so the record survives a change of embedding model.
            self.store.documents.upsert(
                ids=[w.record.doc_id for w in batch],
                metadatas=[w.record.to_metadata() for w in batch],
                embeddings=[[1.0]] * len(batch),
            )
        self.store.bump_revision()

    def verify(self) -> None:
        present: set[str] = set()
        for lo in range(0, len(self.ids), BATCH):
            present.update(self.store.chunks.get(ids=self.ids[lo : lo + BATCH], include=[])["ids"])
        for lo in range(0, len(self.details_ids), BATCH):
            got = self.store.details.get(ids=self.details_ids[lo : lo + BATCH], include=[])
            present.update(got["ids"])
        missing = set(self.ids + self.details_ids) - present
        if missing:
            self.stage(only=missing)

    def drop_replaced(self) -> None:
        # Details first: a crash between leaves only chunks, which the sweep's count sees.
        if self.replaced:
            replaced = [details_id(d, g) for d, (g, _) in self.replaced.items()]
            self.store.details.delete(ids=replaced)
        stale = [
            chunk_id(doc_id, generation, i)
            for doc_id, (generation, count) in self.replaced.items()
            for i in range(count)
        ]
        for lo in range(0, len(stale), BATCH):
            self.store.chunks.delete(ids=stale[lo : lo + BATCH])

    def release(self) -> None:
        if self.held is not None:
            self.store.leases.release(self.held)
            self.held = None
