"""The lexical index: Vietnamese variants find each other, and as a cache of the store it
catches up after writes, removals and re-embedding, survives a restart, and rebuilds the same.

The store is a real embedded Chroma; vectors are made up (the lexical half never reads
them), so these tests need no model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import paragraphs_write
from index.lexical import LexicalIndex
from index.lexical_cache import LexicalCache, cache_dir_beside, cache_dir_for_server
from index.record import StoredChunk
from index.store import DocumentWrite, Store, connect

MODEL = "test-model"


def chunk(chunk_id: str, text: str, doc_id: str = "d1") -> StoredChunk:
    return StoredChunk(chunk_id, doc_id, f"{doc_id}.txt", 0, 0, len(text), text, None)


CHUNKS = [
    chunk("d1:g1:0", "Kinh tế số chiếm 7,41% GRDP của tỉnh Sóc Trăng năm 2022."),
    chunk("d1:g1:1", "Tỷ lệ hồ sơ dịch vụ công trực tuyến toàn trình đạt 45%."),
    chunk("d2:g1:0", "Tuyên Quang phấn đấu hoà mạng cáp quang tới mọi thôn.", doc_id="d2"),
]


def test_questions_find_passages_whatever_their_accents_tones_or_abbreviations():
    index = LexicalIndex.of(CHUNKS)
    assert index.search("Soc Trang kinh te so", 1)[0][0].chunk_id == "d1:g1:0"
    assert index.search("tổng sản phẩm trên địa bàn", 1)[0][0].chunk_id == "d1:g1:0"
    assert index.search("DVCTT toàn trình", 1)[0][0].chunk_id == "d1:g1:1"
    assert index.search("hòa mạng cáp quang", 1)[0][0].chunk_id == "d2:g1:0"
    assert index.search("7,41%", 1)[0][0] == CHUNKS[0]


def test_a_repeated_word_counts_every_time():
    index = LexicalIndex.of(
        [chunk("d1:g:0", "số số số liệu"), chunk("d2:g:0", "số liệu"), chunk("d3:g:0", "khác")]
    )
    best, score = index.search("số", 2)[0]
    assert best.chunk_id == "d1:g:0"
    # BM25 with tf 3 against tf 1: idf * tf / (tf + norm), norms from the lengths 8 and 4.
    average = (8 + 4 + 2) / 3
    norm = 1.5 * (0.25 + 0.75 * 8 / average)
    assert score == pytest.approx(2 * index.idf("số") * 3 / (3 + norm))


def test_allowed_documents_limit_the_results():
    index = LexicalIndex.of(CHUNKS)
    hits = index.search("cáp quang kinh tế số", 5, allowed={"d2"})
    assert [hit.doc_id for hit, _ in hits] == ["d2"]
    assert index.search("cáp quang", 5, allowed=set()) == []


def test_rarer_terms_weigh_more():
    index = LexicalIndex.of(CHUNKS)
    assert index.idf("chưa-từng-thấy") > index.idf("tuyên") > index.idf("~so") > 0


def test_an_empty_index_finds_nothing():
    assert LexicalIndex(None).search("kinh tế số", 5) == []


# --- the cache of a store -------------------------------------------------------------------


def document(doc_id: str, texts: list[str], generation: str) -> DocumentWrite:
    vectors = np.random.default_rng(0).normal(size=(len(texts), 4)).astype(np.float32)
    return paragraphs_write(doc_id, texts, vectors, version=generation)


SOC_TRANG = ["Kinh tế số chiếm 7,41% GRDP của tỉnh Sóc Trăng.", "Cáp quang phủ 100% hộ dân."]
TUYEN_QUANG = ["Tuyên Quang phấn đấu hòa mạng cáp quang tới mọi thôn."]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(connect(str(tmp_path / "db")), MODEL)


def generation(store: Store, doc_id: str = "st") -> str:
    """The live generation of a document (the store may choose it at each write)."""
    return store.live_generations()[doc_id]


def ranking(cache: LexicalCache, query: str) -> list[tuple[str, float]]:
    return [(c.chunk_id, round(s, 5)) for c, s in cache.index.search(query, 10)]


def test_the_cache_lives_beside_an_embedded_store(store: Store, tmp_path: Path):
    assert cache_dir_beside(store) == (tmp_path / "db-lexical").resolve()


def test_the_cache_catches_up_after_writes_replacements_and_removals(store: Store, tmp_path):
    cache = LexicalCache(tmp_path / "cache")
    store.write_documents([document("st", SOC_TRANG, "aaa"), document("tq", TUYEN_QUANG, "bbb")])
    cache.catch_up(store)
    assert {c.doc_id for c, _ in cache.index.search("cáp quang", 10)} == {"st", "tq"}
    assert cache.index.size == 3

    store.write_documents([document("st", ["Sóc Trăng đạt 9% GRDP kinh tế số."], "ccc")])
    cache.catch_up(store)
    found = cache.index.search("Sóc Trăng kinh tế số", 10)
    assert [c.chunk_id for c, _ in found if c.doc_id == "st"] == [f"st:{generation(store)}:0"]
    assert cache.index.size == 2

    store.remove_document("tq")
    cache.catch_up(store)
    assert cache.index.search("Tuyên Quang", 10) == []
    assert cache.held == {"st": (generation(store), 1)}


def test_reading_only_what_changed(store: Store, tmp_path: Path, monkeypatch):
    cache = LexicalCache(tmp_path / "cache")
    store.write_documents([document("st", SOC_TRANG, "aaa")])
    cache.catch_up(store)
    store.write_documents([document("tq", TUYEN_QUANG, "bbb")])
    read: list[str] = []
    original = store.chunks.get

    def counting_get(*args, **kwargs):
        read.extend(kwargs.get("ids") or ["(everything)"])
        return original(*args, **kwargs)

    monkeypatch.setattr(store.chunks, "get", counting_get)
    cache.catch_up(store)
    assert read == [f"tq:{generation(store, 'tq')}:0"]
    read.clear()
    cache.catch_up(store)  # nothing changed: nothing read
    assert read == []


def test_re_embedding_changes_nothing_in_the_cache(store: Store, tmp_path: Path):
    cache = LexicalCache(tmp_path / "cache")
    store.write_documents([document("st", SOC_TRANG, "aaa"), document("tq", TUYEN_QUANG, "bbb")])
    cache.catch_up(store)
    before = ranking(cache, "cáp quang Sóc Trăng")
    reembedded = Store(store.client, None)
    reembedded.reembed("other-model", lambda texts: np.ones((len(texts), 4), dtype=np.float32))
    cache.catch_up(reembedded)
    assert ranking(cache, "cáp quang Sóc Trăng") == before


def test_rebuilding_gives_the_same_rankings(store: Store, tmp_path: Path):
    cache = LexicalCache(tmp_path / "cache")
    store.write_documents([document("st", SOC_TRANG, "aaa")])
    cache.catch_up(store)
    store.write_documents([document("tq", TUYEN_QUANG, "bbb")])
    cache.catch_up(store)
    store.write_documents([document("st", [*SOC_TRANG, "Sóc Trăng có 1.880 thôn."], "ccc")])
    cache.catch_up(store)
    queries = ["cáp quang", "Soc Trang GRDP", "hòa mạng tới mọi thôn"]
    caught_up = [ranking(cache, q) for q in queries]
    fresh = LexicalCache(tmp_path / "fresh")
    fresh.catch_up(store)
    assert [ranking(fresh, q) for q in queries] == caught_up
    cache.rebuild(store)
    assert [ranking(cache, q) for q in queries] == caught_up


def test_the_cache_survives_a_restart_without_a_rebuild(store: Store, tmp_path: Path, monkeypatch):
    store.write_documents([document("st", SOC_TRANG, "aaa")])
    LexicalCache(tmp_path / "cache").catch_up(store)
    reopened = LexicalCache(tmp_path / "cache")
    assert reopened.held == {"st": (generation(store), 2)}
    monkeypatch.setattr(store.chunks, "get", lambda *a, **k: pytest.fail("read chunks again"))
    reopened.catch_up(store)
    best = reopened.index.search("Sóc Trăng", 1)[0][0]
    assert best.chunk_id.startswith(f"st:{generation(store)}:")


def test_a_damaged_state_file_starts_the_cache_over(store: Store, tmp_path: Path):
    store.write_documents([document("st", SOC_TRANG, "aaa")])
    LexicalCache(tmp_path / "cache").catch_up(store)
    (tmp_path / "cache" / "state.json").write_text("{not json", encoding="utf-8")
    cache = LexicalCache(tmp_path / "cache")
    assert cache.held == {} and cache.index.size == 0
    cache.catch_up(store)
    assert cache.index.size == 2


def test_two_caches_on_one_directory_take_turns(store: Store, tmp_path: Path):
    """The app and `assistant ask` on one embedded store share its cache."""
    first, second = LexicalCache(tmp_path / "cache"), LexicalCache(tmp_path / "cache")
    store.write_documents([document("st", SOC_TRANG, "aaa")])
    first.catch_up(store)
    store.write_documents([document("tq", TUYEN_QUANG, "bbb")])
    second.catch_up(store)
    first.catch_up(store)
    for cache in (first, second):
        assert cache.index.size == 3
        assert set(cache.held) == {"st", "tq"}


def test_a_servers_cache_lives_under_the_data_dir_one_per_server(tmp_path: Path):
    first = cache_dir_for_server(tmp_path, "http://127.0.0.1:8000")
    assert first == tmp_path / "lexical" / "127.0.0.1_8000"
    assert cache_dir_for_server(tmp_path, "https://chroma.example:443/") != first
