"""Embeddings for a corpus too large for the model on a CPU: cached real ones, recombined.

At two CPU cores the real model embeds only ~16-30 passages/s, which would take hours
for the 100,000 chunks of benchmarks/scaled_corpus.py. So every distinct real sentence
is embedded once by the real model (passage prompt, cached on disk under
.data/benchmarks/), and `CachedEmbedder` stands in for `index.embed.Embedder` while
the synthetic documents are ingested: a chunk's vector is the normalized mean of its
sentences' vectors. Everything else (load, clean, metadata, targets, chunking, Chroma
writes) is the real pipeline. `RecordingEmbedder` keeps the real vectors of the
bundled chunks, so that larger indexes reuse them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT
from ingest.sentences import split_sentences

CACHE = ROOT / ".data" / "benchmarks"


def _cache_paths(model: str) -> tuple[Path, Path]:
    safe = re.sub(r"[^\w.-]+", "_", model)
    stem = CACHE / f"sentence-vectors-{safe}"
    return stem.with_suffix(".json"), stem.with_suffix(".npy")


def sentence_vectors(
    embedder, texts: Sequence[str], log: Callable[[str], None] = print
) -> tuple[dict[str, np.ndarray], int, float]:
    """Real passage embeddings of `texts`, from the disk cache or the model.

    Returns (text -> vector, how many were embedded now, seconds spent embedding).
    """
    names, arrays = _cache_paths(embedder.name)
    cached: dict[str, np.ndarray] = {}
    if names.is_file() and arrays.is_file():
        stored = json.loads(names.read_text(encoding="utf-8"))
        matrix = np.load(arrays)
        if len(stored) == len(matrix):
            cached = dict(zip(stored, matrix, strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in cached]
    seconds = 0.0
    if missing:
        log(f"embedding {len(missing)} distinct real sentences with {embedder.name} (once) ...")
        started = time.perf_counter()
        vectors = embedder.embed_passages(list(missing))
        seconds = time.perf_counter() - started
        cached.update(zip(missing, vectors, strict=True))
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = list(cached)
        np.save(arrays, np.stack([cached[k] for k in keys]).astype(np.float32))
        names.write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        log(f"  {len(missing)} sentences in {seconds:.1f} s ({len(missing) / seconds:.1f}/s)")
    return {t: cached[t] for t in texts}, len(missing), seconds


class CachedEmbedder:
    """`index.embed.Embedder` for ingestion at scale: vectors from cached real embeddings.

    A chunk's vector is its exact real embedding when one was recorded (`remember`),
    otherwise the normalized mean of its sentences' cached vectors. A sentence not in
    the cache (none, when the corpus comes from `write_corpus`) is counted as a miss
    and gets a fixed pseudo-random vector, so the run never calls the model.
    """

    def __init__(
        self,
        name: str,
        sentences: dict[str, np.ndarray],
        measure: Callable[[str], int],
        dimension: int,
    ) -> None:
        self.name = name
        self.sentences = sentences
        self.chunks: dict[str, np.ndarray] = {}
        self.count_tokens = measure
        self.dimension = dimension
        self.misses = 0
        self._seen: set[bytes] = set()

    @property
    def distinct_passages(self) -> int:
        return len(self._seen)

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.chunks.update(zip(texts, vectors, strict=True))

    def _vector(self, text: str) -> np.ndarray:
        exact = self.chunks.get(text)
        if exact is not None:
            return exact
        parts = []
        for span in split_sentences(text):
            piece = text[span.start : span.end]
            vector = self.sentences.get(piece)
            if vector is None:
                self.misses += 1
                seed = int.from_bytes(hashlib.sha256(piece.encode()).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(self.dimension)
            parts.append(vector)
        mean = np.mean(parts, axis=0) if parts else np.ones(self.dimension)
        return mean / (np.linalg.norm(mean) or 1.0)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self._seen.update(hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


class RecordingEmbedder:
    """Wraps the real embedder and keeps every chunk vector it makes, for reuse at scale."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.count_tokens = embedder.count_tokens
        self.embed_query = embedder.embed_query
        self.texts: list[str] = []
        self.vectors: list[np.ndarray] = []

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        vectors = self.embedder.embed_passages(texts, show_progress)
        self.texts.extend(texts)
        self.vectors.extend(vectors)
        return vectors
