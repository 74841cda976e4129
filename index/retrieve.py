"""Hybrid retrieval: dense vectors from Chroma and BM25, fused by reciprocal rank.

Reciprocal rank fusion needs no score calibration between the two halves,
which matters because cosine similarities and BM25 scores live on unrelated
scales and shift with every corpus. Its constant and weights, and where they
came from, are in index/weights.py. Questions that name a province rank that
province's passages first; an explicit province filter keeps only them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from index.catalog import Catalog, markers
from index.dense_reader import DenseReader
from index.lexical import LexicalIndex
from index.lexical_cache import LexicalCache, cache_dir_beside
from index.record import StoredChunk, StoredDocument, chunk_owner
from index.store import Store
from index.weights import FUSION, RETRIEVAL
from ingest.provinces import expand, find_provinces

if TYPE_CHECKING:  # index.embed loads sentence-transformers; only the type is needed here
    from index.embed import Embedder

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")


# Chunk ids, best first, with their scores: the dense half gives ids alone (`Store.query`).
Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float
    document: StoredDocument


class Searcher:
    """The store, the model, and what this process keeps up to date from the store:
    the documents and their provinces, the lexical index, the dense reader."""

    def __init__(
        self, store: Store, embedder: Embedder | None, lexical_dir: Path | None = None
    ) -> None:
        """`lexical_dir`: where the lexical index is kept; None: beside an embedded
        store's directory, and in memory (rebuilt per process) for a Chroma server."""
        self.store = store
        self.embedder = embedder
        self.cache = LexicalCache(lexical_dir or cache_dir_beside(store))
        self.catalog = Catalog()
        self.dense = DenseReader(store)
        self._revision: str | None = None
        self._live: dict[str, str] = {}
        self._lock = threading.Lock()
        # The answerer compares the question with sentences right after the search
        # embedded it; this spares it a second pass of the model.
        self.query_vector = lru_cache(maxsize=64)(self._embed_query)

    def _embed_query(self, query: str) -> np.ndarray:
        if self.embedder is None:
            raise ValueError("dense retrieval needs an embedding model")
        return self.embedder.embed_query(query)

    def refresh(self) -> None:
        """Follow the store if its revision moved, whoever moved it.

        Checking the revision is one small read, so every search can afford it,
        and documents added, replaced or removed by another process (the CLI, an
        upload) show up in both halves at once.
        """
        revision = self.store.revision()
        if revision == self._revision:
            return
        with self._lock:
            if revision == self._revision:
                return
            records = self.cache.catch_up(self.store)
            self.catalog.update(records, self.store)
            self._live = {d: generation for d, (generation, _) in markers(records).items()}
            self.dense.follow()
            self._revision = revision

    @property
    def lexical(self) -> LexicalIndex:
        if self._revision is None:
            self.refresh()
        return self.cache.index

    @property
    def documents(self) -> dict[str, StoredDocument]:
        if self._revision is None:
            self.refresh()
        return self.catalog.documents

    def province_documents(self, names: tuple[str, ...]) -> set[str]:
        """Documents about any of the given provinces, in the store as last refreshed."""
        return self.catalog.about(names)

    def search(self, query: str, *, k: int, mode: Mode, province: str | None = None) -> list[Hit]:
        self.refresh()
        documents, live = self.catalog.documents, self._live
        allowed = self.province_documents((province,)) if province else None
        if allowed is not None and not allowed:
            return []
        ranked: list[tuple[float, Ranking]] = []
        known: dict[str, StoredChunk] = {}
        if mode in ("hybrid", "dense"):
            vector = self.query_vector(query)
            dense = self.dense.query(vector, FUSION.pool, allowed, live)
            ranked.append((FUSION.dense, dense))
        if mode in ("hybrid", "lexical"):
            lexical = self.cache.index.search(query, FUSION.pool, allowed)
            known = {chunk.chunk_id: chunk for chunk, _ in lexical}
            ranked.append((FUSION.lexical, [(chunk.chunk_id, score) for chunk, score in lexical]))
        fused = ranked[0][1] if len(ranked) == 1 else fuse(ranked)
        named = find_provinces(query)
        if named and not province:
            fused = prefer(fused, self.province_documents(named))
        # A document another process removed since the refresh may still be in a list.
        top = [(cid, score) for cid, score in fused if chunk_owner(cid)[0] in documents][:k]
        missing = [cid for cid, _ in top if cid not in known]
        if missing:  # found by the dense half alone: read now, only those kept
            known |= self.dense.chunks(missing)
        kept = [(known[cid], score) for cid, score in top if cid in known]
        return [Hit(chunk, score, documents[chunk.doc_id]) for chunk, score in kept]


def documents_about(documents: Mapping[str, StoredDocument], names: Iterable[str]) -> set[str]:
    """Documents about any of the given provinces, old or merged names alike."""
    wanted = {old for name in names for old in expand(name)}
    return {
        doc_id
        for doc_id, doc in documents.items()
        if wanted.intersection(doc.provinces[: RETRIEVAL.about])
    }


def fuse(lists: list[tuple[float, Ranking]], rrf_k: int = FUSION.rrf_k) -> Ranking:
    """Weighted reciprocal rank fusion: each list adds weight / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    for weight, ranking in lists:
        for rank, (cid, _) in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank + 1)
    order = sorted(scores, key=lambda cid: -scores[cid])
    return [(cid, scores[cid]) for cid in order]


def prefer(ranking: Ranking, documents: set[str]) -> Ranking:
    """The ranking with the given documents' chunks first, each group in its own order."""
    return sorted(ranking, key=lambda pair: chunk_owner(pair[0])[0] not in documents)
