"""Sentence vectors made at ingestion, stored with their chunk, and read back by the answerer."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from assistant.answer import Assistant
from index.record import StoredChunk, chunk_text
from index.retrieve import Searcher
from index.sentence_vectors import (
    METADATA_KEY,
    SentenceVectors,
    decode,
    embed_with_sentences,
    encode,
    sentence_texts,
)

CHUNK = (
    "Tỉnh đặt mục tiêu kinh tế số chiếm 20% GRDP vào năm 2025. "
    "Năm 2022, tỷ trọng này đạt 7,41%. Toàn tỉnh có 1.871 tổ công nghệ số cộng đồng."
)
NEXT = "Toàn tỉnh có 1.871 tổ công nghệ số cộng đồng. Hạ tầng 5G phủ 40% dân số."


class Recorder:
    """A stand-in model that gives each text a fixed unit vector and notes what it embeds."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([unit(t) for t in texts])


def unit(text: str, dimensions: int = 16) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    vector = np.random.default_rng(seed).normal(size=dimensions).astype(np.float32)
    return vector / np.linalg.norm(vector)


def chunk(chunk_id: str, text: str) -> StoredChunk:
    return StoredChunk(chunk_id, "d", "d.txt", 0, 0, len(text), text, None)


def test_encoding_keeps_each_vectors_direction():
    vectors = np.stack([unit(f"câu {n}", 384) for n in range(5)])
    back = decode(encode(vectors), 5)
    assert back is not None and back.shape == vectors.shape
    assert np.min(np.sum(back * vectors, axis=1)) > 0.999
    assert len(encode(vectors)) < 5 * 384 * 1.4  # int8 in base64, not floats


def test_a_field_for_another_number_of_sentences_is_not_used():
    field = encode(np.stack([unit("a"), unit("b")]))
    assert decode(field, 3) is None
    assert decode(field, 2) is not None
    assert decode("16:not*base64", 2) is None and decode("garbage", 2) is None


def test_chunks_and_sentences_come_from_one_call_and_shared_sentences_once():
    embed = Recorder()
    vectors, sentences = embed_with_sentences(embed, [CHUNK, NEXT])
    assert len(embed.calls) == 1
    asked = embed.calls[0]
    assert len(asked) == len(set(asked))  # the shared sentence is embedded once
    assert np.allclose(vectors[1], unit(NEXT))
    for text, found in zip([CHUNK, NEXT], sentences, strict=True):
        expected = np.stack([unit(s) for s in sentence_texts(text)])
        assert np.allclose(found, expected)


def test_stored_vectors_are_read_once_and_missing_ones_embedded():
    embed = Recorder()
    _, (stored, _) = embed_with_sentences(embed, [CHUNK, NEXT])
    fields = {"c1": encode(stored)}  # c2 was written without its vectors
    reads: list[list[str]] = []

    def read(ids: list[str]) -> dict[str, str]:
        reads.append(ids)
        return {i: fields[i] for i in ids if i in fields}

    model = Recorder()
    vectors = SentenceVectors(read, model)
    got = vectors.of([chunk("c1", CHUNK), chunk("c2", NEXT)])
    assert set(got) == set(sentence_texts(CHUNK)) | set(sentence_texts(NEXT))
    assert model.calls == [["Hạ tầng 5G phủ 40% dân số."]]  # only what no record held
    for text in sentence_texts(CHUNK):
        assert float(got[text] @ unit(text)) > 0.99
    again = vectors.of([chunk("c1", CHUNK), chunk("c2", NEXT)])
    assert reads == [["c1", "c2"]] and len(model.calls) == 1
    assert set(again) == set(got)


def test_ingestion_stores_every_chunks_sentence_vectors(corpus_store, embedder):
    got = corpus_store.chunks.get(include=["metadatas"])
    assert got["ids"]
    for meta in got["metadatas"]:
        text = chunk_text(None, meta)
        sentences = sentence_texts(text)
        vectors = decode(meta[METADATA_KEY], len(sentences))
        assert vectors is not None, text[:60]
        fresh = embedder.embed_passages(sentences)
        assert np.min(np.sum(fresh * vectors, axis=1)) > 0.99, text[:60]


def test_questions_embed_no_sentence_when_the_store_holds_them(corpus_store, embedder):
    def refuse(texts: list[str]) -> np.ndarray:
        pytest.fail(f"embedded {len(texts)} sentences at question time")

    assistant = Assistant(Searcher(corpus_store, embedder), k=5, retrieval="hybrid")
    assistant.sentences = SentenceVectors(assistant.searcher.dense.sentence_fields, refuse)
    record = assistant.ask("Sóc Trăng đặt chỉ tiêu kinh tế số bao nhiêu phần trăm GRDP?")
    assert not record.abstained and record.citations


def test_reembedding_replaces_the_sentence_vectors(tmp_path, embedder):
    from assistant.components import chunking_options
    from assistant.settings import Settings
    from index.indexer import ingest_paths
    from index.store import Store, connect
    from tests.conftest import ARTICLES

    store = Store(connect(str(tmp_path / "db")), embedder.name)
    source = ARTICLES / "soc-trang-cam-ket-nguoi-dung-dau.txt"
    ingest_paths([source], store, embedder, chunking_options(Settings()))
    small = Recorder()
    store.reembed("other-model", small)
    got = store.chunks.get(include=["metadatas"])
    for meta in got["metadatas"]:
        vectors = decode(meta[METADATA_KEY], len(sentence_texts(chunk_text(None, meta))))
        assert vectors is not None and vectors.shape[1] == 16
