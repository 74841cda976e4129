"""How a document is stored: a small marker read on every refresh, its details (full
text, pages, blocks, targets) in a record of their own, its chunks' text in their
metadata; and an index written before that layout reads, answers and converts as it is
rewritten. Real Chroma, made-up vectors (tests/test_concurrency.py)."""

from __future__ import annotations

import json

from index.record import DETAIL_FIELDS, chunk_id, details_id
from index.retrieve import Searcher
from index.verify import check_index
from tests.test_concurrency import document, open_store, visible

OLD_TEXT = "Sóc Trăng đặt mục tiêu kinh tế số chiếm 20% GRDP vào năm 2025."


def old_layout(store, doc_id: str = "old") -> None:
    """A document as indexes before details held it: text as the record's document, every
    field in its metadata, the chunk's text as its document."""
    meta = {
        "source": "old.txt", "path": "/x/old.txt", "title": "Bài cũ", "date": "17/10/2022",
        "provinces": json.dumps(["Sóc Trăng"]), "merged_provinces": json.dumps(["Cần Thơ"]),
        "content_hash": "o" * 64, "generation": "0ld0ld0ld0ld", "ingested_at": "",
        "kind": "text", "pages": "[]", "blocks": json.dumps([[0, len(OLD_TEXT)]]),
        "targets": "[]", "chunk_count": 1,
    }  # fmt: skip
    store.chunks.upsert(
        ids=[chunk_id(doc_id, meta["generation"], 0)],
        documents=[OLD_TEXT],
        metadatas=[{"doc_id": doc_id, "generation": meta["generation"], "source": "old.txt",
                    "index": 0, "start": 0, "end": len(OLD_TEXT), "page": 0}],
        embeddings=[[1.0] * 8],
    )  # fmt: skip
    store.documents.upsert(ids=[doc_id], documents=[OLD_TEXT], metadatas=[meta],
                           embeddings=[[1.0]])  # fmt: skip
    store.bump_revision()


def test_a_document_is_a_small_marker_and_a_details_record_of_its_generation(tmp_path):
    store = open_store(str(tmp_path / "db"))
    store.write_documents([document("d", "a", chunks=3)])
    (marker,) = store.documents.get(include=["metadatas", "documents"])["metadatas"]
    assert marker["detailed"] is True
    assert not set(DETAIL_FIELDS) & set(marker), "read on every refresh: kept small"
    got = store.details.get(ids=[details_id("d", marker["generation"])], include=["metadatas"])
    assert got["metadatas"][0]["text"] == store.document_text("d")
    chunks = store.chunks.get(include=["documents", "metadatas"])
    assert chunks["documents"] == [None] * 3, "the chunk's text is in its metadata"
    assert visible(store) == {"d": "a"}


def test_an_index_written_before_details_reads_answers_and_converts(tmp_path):
    store = open_store(str(tmp_path / "db"))
    old_layout(store)
    store.write_documents([document("new", "b", chunks=2)])
    (old,) = [d for d in store.list_documents() if d.doc_id == "old"]
    assert (old.title, old.provinces, old.blocks) == ("Bài cũ", ("Sóc Trăng",), ((0, 62),))
    assert store.document_text("old") == OLD_TEXT
    searcher = Searcher(store, None)
    (hit,) = searcher.search("kinh tế số GRDP", k=1, mode="lexical")
    assert (hit.chunk.doc_id, hit.chunk.text, hit.document.title) == ("old", OLD_TEXT, "Bài cũ")
    assert searcher.province_documents(("Cần Thơ",)) == {"old"}
    assert store.sweep() == 0, "old and new layouts side by side are consistent"

    store.write_documents([document("old", "c", chunks=2)])  # the file changed
    (marker,) = store.documents.get(ids=["old"], include=["metadatas"])["metadatas"]
    assert not set(DETAIL_FIELDS) & set(marker), "the old record's fields are cleared"
    assert marker["title"] == "old" and "date" not in marker
    assert visible(store) == {"old": "c", "new": "b"}
    hits = searcher.search("kinh tế số GRDP", k=5, mode="lexical")
    assert all(h.chunk.text != OLD_TEXT for h in hits), "the replaced chunk is gone"
    assert store.chunks.count() == 4 and store.details.count() == 2


def test_removing_a_document_removes_its_details(tmp_path):
    store = open_store(str(tmp_path / "db"))
    store.write_documents([document("d", "a"), document("e", "a")])
    store.remove_document("d")
    assert store.details.count() == 1 and visible(store) == {"e": "a"}


def test_details_of_an_unfinished_write_are_found_and_swept(tmp_path):
    store = open_store(str(tmp_path / "db"))
    store.write_documents([document("d", "a")])
    store.details.upsert(
        ids=[details_id("d", "deadbeef0000")],
        metadatas=[{"doc_id": "d", "generation": "deadbeef0000", "text": "bỏ dở"}],
        embeddings=[[1.0]],
    )
    report = check_index(store)
    assert (report.strays, report.faults) == (1, []), "a stray, not a broken document"
    store.sweep()
    assert store.details.count() == 1 and visible(store) == {"d": "a"}
    assert check_index(store).ok
