"""Readers follow writers: a searcher built before another writer's changes sees new,
replaced and removed documents on its next question, in both halves and with a province
filter, without a restart.

Embedded: the writer is another process (within one process Chroma shares one client per
directory, which would hide the fault). Server: a second Store on the same server, which
also re-embeds the index under the reader's feet.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import paragraphs_write
from index.retrieve import Searcher
from index.store import DocumentWrite, Store, connect
from tests.conftest import ROOT

SOC_TRANG = [
    "Kinh tế số của tỉnh Sóc Trăng chiếm 7,41% GRDP năm 2022.",
    "Sóc Trăng phủ cáp quang tới 100% hộ dân vào cuối năm 2023.",
]
TUYEN_QUANG = [
    "Tuyên Quang đưa nền tảng du lịch thông minh vào vận hành tại các khu di tích.",
    "Tỉnh Tuyên Quang có 2.140 điểm phát sóng wifi miễn phí.",
]
TUYEN_QUANG_NEW = ["Tuyên Quang khai trương trung tâm điều hành đô thị thông minh IOC năm 2024."]

WRITER = """
import pickle, sys
from index.store import Store, connect
db, model, job = sys.argv[1:4]
store = Store(connect(db), model)
op, payload = pickle.loads(open(job, "rb").read())
if op == "write":
    store.write_documents(payload)
else:
    store.remove_document(payload)
"""


def write(doc_id: str, texts: list[str], province: str, embedder) -> DocumentWrite:
    generation = f"{abs(hash(tuple(texts))):012d}"[:12]
    vectors = embedder.embed_passages(texts)
    return paragraphs_write(doc_id, texts, vectors, version=generation, provinces=(province,))


def sources(searcher: Searcher, question: str, mode: str, province: str | None = None) -> set:
    hits = searcher.search(question, k=5, mode=mode, province=province)
    return {hit.chunk.doc_id for hit in hits}


def check_sees(searcher: Searcher, question: str, doc_id: str, present: bool) -> None:
    for mode in ("dense", "lexical", "hybrid"):
        for province in (None, "Tuyên Quang"):
            found = doc_id in sources(searcher, question, mode, province)
            assert found == present, (mode, province)


def check_follows(searcher: Searcher, apply, embedder) -> None:
    """Writes through `apply(op, payload)` and asks `searcher` after each."""
    question = "Tuyên Quang có bao nhiêu điểm phát sóng wifi miễn phí?"
    assert sources(searcher, question, "hybrid") == {"st"}
    assert searcher.search(question, k=5, mode="dense", province="Tuyên Quang") == []

    apply("write", [write("tq", TUYEN_QUANG, "Tuyên Quang", embedder)])
    check_sees(searcher, question, "tq", present=True)
    assert "tq" in searcher.documents
    assert searcher.province_documents(("Tuyên Quang",)) == {"tq"}

    apply("write", [write("tq", TUYEN_QUANG_NEW, "Tuyên Quang", embedder)])
    replaced = "trung tâm điều hành đô thị thông minh IOC"
    for mode in ("dense", "lexical", "hybrid"):
        texts = [h.chunk.text for h in searcher.search(replaced, k=5, mode=mode)]
        assert TUYEN_QUANG_NEW[0] in texts and not set(TUYEN_QUANG) & set(texts), mode
    filtered = searcher.search(replaced, k=5, mode="dense", province="Tuyên Quang")
    assert [h.chunk.text for h in filtered] == TUYEN_QUANG_NEW

    apply("remove", "tq")
    check_sees(searcher, replaced, "tq", present=False)
    assert "tq" not in searcher.documents
    assert searcher.province_documents(("Tuyên Quang",)) == set()


def test_an_app_follows_another_process_writing_its_embedded_store(tmp_path: Path, embedder):
    db = tmp_path / "db"
    store = Store(connect(str(db)), embedder.name)
    store.write_documents([write("st", SOC_TRANG, "Sóc Trăng", embedder)])
    searcher = Searcher(store, embedder)

    def in_another_process(op: str, payload: object) -> None:
        job = tmp_path / "job.pickle"
        job.write_bytes(pickle.dumps((op, payload)))
        subprocess.run(
            [sys.executable, "-c", WRITER, str(db), embedder.name, str(job)],
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": ""},
        )

    check_follows(searcher, in_another_process, embedder)


@pytest.fixture
def server_store(empty_chroma_server, embedder):
    return Store(connect("", empty_chroma_server), embedder.name)


def test_an_app_follows_another_writer_on_a_chroma_server(server_store, chroma_server, embedder):
    server_store.write_documents([write("st", SOC_TRANG, "Sóc Trăng", embedder)])
    searcher = Searcher(server_store, embedder)
    writer = Store(connect("", chroma_server), embedder.name)

    def through_the_writer(op: str, payload: object) -> None:
        if op == "write":
            writer.write_documents(payload)
        else:
            writer.remove_document(payload)

    check_follows(searcher, through_the_writer, embedder)

    # Re-embedding by another process swaps the chunks collection; the reader follows.
    question = "Sóc Trăng phủ cáp quang tới bao nhiêu hộ dân?"
    assert "st" in sources(searcher, question, "dense")
    Store(connect("", chroma_server), None).reembed(embedder.name, embedder.embed_passages)
    assert "st" in sources(searcher, question, "dense", "Sóc Trăng")
