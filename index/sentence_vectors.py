"""The dense model's vector of every sentence of a chunk, made at ingestion and stored with it.

The answerer picks sentences partly by their cosine to the question. Embedding the
candidate sentences at question time cost a model pass per unseen sentence (the bundled
corpus's warm p95 went from 84 to 246 ms); made once when the chunk is embedded and
stored in the chunk's record, the question pays only a dot product.

Each sentence is encoded on its own, with the passage prompt. Mean-pooling the chunk
pass's token states over each sentence's span would cost no extra model pass, but it
measured worse (`benchmarks/sentence_vectors.py`, README "Quality"), so ingestion embeds
the sentences too; sentences that several overlapping chunks share are embedded once.

A chunk's vectors travel in its Chroma metadata, so they are written and replaced in
the same upsert as the chunk itself: a chunk is never visible without them. They are
stored as int8, one row per sentence (384 bytes instead of 1,536): only their direction
matters, and rounding moves a cosine by less than 0.01.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from index.record import StoredChunk
from ingest.sentences import split_sentences

METADATA_KEY = "sentence_vectors"
"""The chunk metadata field that holds them."""

Embed = Callable[[list[str]], np.ndarray]


def sentence_texts(chunk_text: str) -> list[str]:
    """The chunk's sentences, as the answerer splits them."""
    return [chunk_text[s.start : s.end] for s in split_sentences(chunk_text)]


def embed_with_sentences(embed: Embed, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The chunks' vectors, and each chunk's sentence vectors, from one call of the model.

    One call lets the model sort chunks and sentences together by length, so its
    batches carry little padding; a sentence shared by overlapping chunks, or equal to a
    whole chunk, is embedded once.
    """
    per_chunk = [sentence_texts(text) for text in texts]
    row = {text: n for n, text in enumerate(dict.fromkeys(texts))}
    for sentence in (s for sentences in per_chunk for s in sentences):
        row.setdefault(sentence, len(row))
    vectors = embed(list(row))
    chunks = vectors[[row[text] for text in texts]]
    sentences = [vectors[[row[s] for s in ss]] if ss else vectors[:0] for ss in per_chunk]
    return chunks, sentences


def encode(vectors: np.ndarray) -> str:
    """Rows of unit vectors as metadata text: their length, then each scaled to int8, base64."""
    if not len(vectors):
        return ""
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    scaled = np.round(vectors / np.where(peak > 0, peak, 1.0) * 127).astype(np.int8)
    return f"{vectors.shape[1]}:" + base64.b64encode(scaled.tobytes()).decode("ascii")


def decode(text: str, count: int) -> np.ndarray | None:
    """The `count` unit vectors `encode` wrote; None when the field holds another number
    of them (the chunk was split into sentences otherwise when it was stored) or cannot
    be read."""
    length, _, payload = text.partition(":")
    try:
        raw = np.frombuffer(base64.b64decode(payload), dtype=np.int8).astype(np.float32)
    except ValueError:  # not base64: a damaged field is embedded again, like a missing one
        return None
    if not length.isdigit() or len(raw) != count * int(length) or not count:
        return None
    rows = raw.reshape(count, int(length))
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def with_sentence_vectors(meta: Mapping[str, Any], vectors: np.ndarray) -> dict[str, Any]:
    """Chunk metadata with its sentence vectors set (replaced, when it had some)."""
    return {**meta, METADATA_KEY: encode(vectors)}


class SentenceVectors:
    """Sentence vectors by sentence text, for the chunks questions retrieve.

    Chunks come back question after question, so what was read is kept (chunk ids
    name one generation of a chunk, whose sentences never change). A chunk stored
    without vectors (written before they were, or by a splitter that has since changed)
    has its sentences embedded here instead, as at ingestion.
    """

    LIMIT = 20_000  # sentences; 384 floats each: about 30 MiB

    def __init__(self, read: Callable[[list[str]], Mapping[str, str]], embed: Embed) -> None:
        """`read` maps chunk ids to their stored field (chunks without one left out)."""
        self.read = read
        self.embed = embed
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, chunks: Iterable[StoredChunk]) -> dict[str, np.ndarray]:
        """Every sentence of the chunks with its vector."""
        wanted = {c.chunk_id: sentence_texts(c.text) for c in chunks}
        texts = list(dict.fromkeys(s for sentences in wanted.values() for s in sentences))
        with self._lock:
            have = {s: self._kept[s] for s in texts if s in self._kept}
        unread = [i for i, sentences in wanted.items() if any(s not in have for s in sentences)]
        for chunk_id, field in (self.read(unread) if unread else {}).items():
            vectors = decode(field, len(wanted[chunk_id]))
            if vectors is not None:
                have.update(zip(wanted[chunk_id], vectors, strict=True))
        missing = [s for s in texts if s not in have]
        if missing:
            have.update(zip(missing, self.embed(missing), strict=True))
        with self._lock:
            self._keep(have)
        return have

    def _keep(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Add vectors (caller holds the lock), dropping the least recently used."""
        self._kept.update(vectors)
        for text in vectors:
            self._kept.move_to_end(text)
        while len(self._kept) > self.LIMIT:
            self._kept.popitem(last=False)


def stored_fields(get: Callable[..., Mapping[str, Any]], ids: Sequence[str]) -> dict[str, str]:
    """Chunk id -> stored sentence-vector field, for the ids a Chroma `get` finds with one."""
    got = get(ids=list(ids), include=["metadatas"])
    return {
        i: meta[METADATA_KEY]
        for i, meta in zip(got["ids"], got["metadatas"], strict=True)
        if meta and METADATA_KEY in meta
    }
