"""The indexes benchmarks/query.py measures: the bundled articles, plus synthetic documents.

Each size is built once under the working folder and marked with `benchmark-build.json`,
so a later run with the same folder reuses it. The bundled chunks are embedded by the
real model the first time, and their vectors reused for every larger size; the synthetic
documents (benchmarks/scaled_corpus.py) get cached real sentence embeddings
(benchmarks/cached_embeddings.py).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from benchmarks.cached_embeddings import CachedEmbedder, RecordingEmbedder, sentence_vectors
from benchmarks.common import ARTICLES, log
from benchmarks.scaled_corpus import MemoMeasure, harvest, source_dirs, write_corpus
from index.indexer import BATCH_CHUNKS, ChunkingOptions, ingest_paths
from index.store import Store, connect


class IndexBuilder:
    """Builds each index once; the bundled chunks' real vectors are reused at every size."""

    def __init__(self, embedder, work: Path, seed: int | None, options: ChunkingOptions) -> None:
        self.embedder = embedder
        self.work = work
        self.seed = seed
        self.options = options
        self.recorded: dict[str, np.ndarray] = {}
        self._bundled_chunks = 0
        self._pool = None
        self._vectors = None
        self.notes: list[str] = []

    def path(self, size: str) -> Path:
        return self.work / f"index-{size}"

    def build(self, size: str) -> dict:
        path = self.path(size)
        marker = path / "benchmark-build.json"
        if marker.is_file():
            log(f"index {size}: reusing {path}")
            return {**json.loads(marker.read_text()), "reused": True}
        shutil.rmtree(path, ignore_errors=True)
        started = time.perf_counter()
        store = Store(connect(str(path)), self.embedder.name)
        bundled = self._bundled_chunks = self._bundled(store)
        synthetic = 0
        if size != "bundled":
            synthetic = self._scaled(
                store, int(size) - bundled, path.with_name(path.name + "-docs")
            )
        info = {
            "build_s": round(time.perf_counter() - started, 1),
            "documents": store.documents.count(),
            "chunks": store.chunks.count(),
            "bundled_chunks": bundled,
            "synthetic_chunks": synthetic,
        }
        marker.write_text(json.dumps(info))
        log(f"index {size}: {info['chunks']} chunks built in {info['build_s']} s")
        return {**info, "reused": False}

    def _bundled(self, store: Store) -> int:
        if self.recorded:
            cached = CachedEmbedder(self.embedder.name, {}, self.embedder.count_tokens, 0)
            cached.remember(list(self.recorded), np.stack(list(self.recorded.values())))
            summary = ingest_paths([ARTICLES], store, cached, self.options)
            assert cached.misses == 0, "bundled chunks changed between builds"
        else:
            recording = RecordingEmbedder(self.embedder)
            summary = ingest_paths([ARTICLES], store, recording, self.options)
            self.recorded = dict(zip(recording.texts, recording.vectors, strict=True))
        return summary.chunks

    def _scaled(self, store: Store, chunks: int, folder: Path) -> int:
        if chunks <= 0:
            return 0
        started = time.perf_counter()
        if self._pool is None:
            measure = MemoMeasure(self.embedder.count_tokens)
            self._pool = harvest(source_dirs(), measure, self.options)
            self._vectors, _, _ = sentence_vectors(self.embedder, self._pool.texts, log)
        measure = MemoMeasure(self.embedder.count_tokens)
        seed = {"seed": self.seed} if self.seed is not None else {}
        corpus = write_corpus(folder, self._pool, measure, chunks, self.options, **seed)
        dimension = len(next(iter(self._vectors.values())))
        cached = CachedEmbedder(self.embedder.name, self._vectors, measure, dimension)
        log(f"  ingesting {len(corpus.files)} documents ({corpus.expected_chunks} chunks) ...")
        summary = ingest_paths([folder], store, cached, self.options)
        shutil.rmtree(folder, ignore_errors=True)
        self.notes.append(
            f"index of {chunks + self._bundled_chunks}+ chunks: {len(corpus.files)} synthetic "
            f"documents ({summary.chunks} chunks) recombining {len(self._pool.sentences)} real "
            f"sentences (seed {corpus.seed}), {cached.distinct_passages} distinct chunk texts, "
            f"sentence misses {cached.misses}; built in {time.perf_counter() - started:.0f} s "
            f"(Chroma writes in batches of about {BATCH_CHUNKS} chunks)"
        )
        return summary.chunks
