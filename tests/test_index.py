"""Ingestion into a real Chroma with the real model: idempotent, crash-safe, one model per index."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.components import chunking_options
from assistant.settings import Settings
from index import indexer, preparation
from index.indexer import ingest_paths
from index.retrieve import Searcher
from index.store import ModelMismatchError, Store, connect
from tests.conftest import ARTICLES, MODELS, ROOT

SOC_TRANG = "soc-trang-cam-ket-nguoi-dung-dau.txt"
OPTIONS = chunking_options(Settings())


def article(name: str) -> str:
    return (ARTICLES / name).read_text(encoding="utf-8")


def make_store(tmp_path: Path, embedder, url: str | None = None) -> Store:
    return Store(connect(str(tmp_path / "db"), url), embedder.name)


def consistent(store: Store) -> None:
    """No duplicates and no half-indexed document: every record's chunks are all there."""
    docs = store.list_documents()
    live = list(store.iter_chunks())
    assert len({c.chunk_id for c in live}) == len(live)
    for doc in docs:
        mine = sorted(c.index for c in live if c.doc_id == doc.doc_id)
        assert mine == list(range(doc.chunk_count)), doc.source
    assert store.chunks.count() == sum(d.chunk_count for d in docs)


def test_bundled_articles_are_cleaned_chunked_and_stored_with_metadata(corpus_store):
    docs = {d.source: d for d in corpus_store.list_documents()}
    assert len(docs) == 5
    soc = docs[SOC_TRANG]
    assert soc.provinces[0] == "Sóc Trăng" and "Cần Thơ" in soc.merged_provinces
    assert soc.byline and "Hiếu Đông" in soc.byline.title()
    assert len(soc.content_hash) == 64 and soc.ingested_at
    text = corpus_store.document_text(soc.doc_id)
    assert text == article(SOC_TRANG)
    for chunk in corpus_store.iter_chunks():
        assert corpus_store.document_text(chunk.doc_id)[chunk.start : chunk.end] == chunk.text
        assert "Lượt xem" not in chunk.text and "Thống kê truy cập" not in chunk.text
    consistent(corpus_store)


def test_chunks_fit_the_models_window(corpus_store, embedder):
    for chunk in corpus_store.iter_chunks():
        assert embedder.count_tokens(chunk.text) <= embedder.max_tokens


def test_reingesting_skips_unchanged_replaces_changed_and_prunes_removed(tmp_path, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (SOC_TRANG, "tay-ninh-lo-trinh-chuyen-doi-so.txt"):
        shutil.copy(ARTICLES / name, folder / name)
    store = make_store(tmp_path, embedder)
    first = ingest_paths([folder], store, embedder, OPTIONS)
    assert sorted(first.added) == sorted(p.name for p in folder.iterdir())

    again = ingest_paths([folder], store, embedder, OPTIONS)
    assert again.added == [] and len(again.skipped) == 2 and again.chunks == 0

    changed = folder / "tay-ninh-lo-trinh-chuyen-doi-so.txt"
    changed.write_text(
        article(changed.name) + "\nTỉnh đặt mục tiêu mới là 99 điểm chuyển đổi số vào năm 2030.\n",
        encoding="utf-8",
    )
    updated = ingest_paths([folder], store, embedder, OPTIONS)
    assert updated.updated == [changed.name]
    assert any("99 điểm" in c.text for c in store.iter_chunks())
    consistent(store)

    (folder / SOC_TRANG).unlink()
    pruned = ingest_paths([folder], store, embedder, OPTIONS, prune=True)
    assert pruned.removed == [SOC_TRANG]
    assert [d.source for d in store.list_documents()] == [changed.name]
    consistent(store)


def test_bad_files_are_reported_and_nothing_stored_is_lost(tmp_path, embedder, corpus_store):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(ARTICLES / SOC_TRANG, folder / SOC_TRANG)
    store = make_store(tmp_path, embedder)
    ingest_paths([folder], store, embedder, OPTIONS)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    summary = ingest_paths([folder, tmp_path / "missing.txt"], store, embedder, OPTIONS)
    assert {e.code for e in summary.failed} == {"empty", "binary", "corrupt_pdf", "missing"}
    assert all(e.path for e in summary.failed)
    assert summary.skipped == [SOC_TRANG]
    assert [d.source for d in store.list_documents()] == [SOC_TRANG]
    consistent(store)


def test_an_index_refuses_vectors_from_another_model(tmp_path, embedder):
    store = make_store(tmp_path, embedder)
    ingest_paths([ARTICLES / SOC_TRANG], store, embedder, OPTIONS)
    with pytest.raises(ModelMismatchError, match="assistant reindex"):
        Store(connect(str(tmp_path / "db")), "another-model")


def test_chunks_of_an_uncommitted_write_are_invisible_and_swept(tmp_path, embedder):
    store = make_store(tmp_path, embedder)
    ingest_paths([ARTICLES / SOC_TRANG], store, embedder, OPTIONS)
    before = [c.chunk_id for c in store.iter_chunks()]
    vector = embedder.embed_passages(["Đoạn mồ côi của một lần ghi bị ngắt giữa chừng."])
    store.chunks.upsert(
        ids=["ghost:000000000000:0"],
        embeddings=vector,
        documents=["Đoạn mồ côi của một lần ghi bị ngắt giữa chừng."],
        metadatas=[{"doc_id": "ghost", "generation": "0", "source": "x.txt", "index": 0,
                    "start": 0, "end": 10, "page": 0}],
    )  # fmt: skip
    assert [c.chunk_id for c in store.iter_chunks()] == before
    hits = Searcher(store, embedder).search("đoạn mồ côi bị ngắt giữa chừng", k=20, mode="hybrid")
    assert all(h.chunk.doc_id != "ghost" for h in hits)
    assert store.sweep() == 1
    consistent(store)


def test_a_run_killed_mid_ingestion_leaves_a_consistent_index(tmp_path, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    uit = ROOT.parent / "shared" / "data" / "uit-qa" / "docs"
    sources = sorted(uit.glob("*.txt"))[:25] if uit.exists() else []
    for path in [*ARTICLES.glob("*.txt"), *sources]:
        shutil.copy(path, folder / path.name)
    db = tmp_path / "db"
    command = [sys.executable, "-m", "assistant.cli", "ingest", str(folder), "--db", str(db)]
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(ROOT / ".data"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # Kill once the progress bar shows chunks embedded: files are prepared in moments,
    # so this lands while their batch is embedded or written, before its commit;
    # test_a_run_killed_between_two_batches_* kills after a commit.
    deadline = time.monotonic() + 180
    seen = ""
    while time.monotonic() < deadline and not re.search(r"\| [1-9]\d*/", seen):
        char = process.stderr.read(1)
        if not char:  # it finished (or failed) first
            break
        seen += char
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, seen

    store = Store(connect(str(db)), embedder.name)
    done = len(store.list_documents())
    assert done < len(list(folder.iterdir()))
    consistent_after_sweep = ingest_paths([folder], store, embedder, OPTIONS)
    assert consistent_after_sweep.ok
    assert len(store.list_documents()) == len(list(folder.iterdir()))
    consistent(store)


def test_the_same_code_works_against_a_chroma_server(empty_chroma_server, tmp_path, embedder):
    chroma_server = empty_chroma_server
    store = make_store(tmp_path, embedder, url=chroma_server)
    summary = ingest_paths([ARTICLES], store, embedder, OPTIONS)
    assert summary.ok and len(summary.added) == 5
    hits = Searcher(store, embedder).search("kinh tế số chiếm 7,41% GRDP", k=3, mode="hybrid")
    assert hits[0].document.source == SOC_TRANG
    consistent(store)
    again = Store(connect("unused", chroma_server), embedder.name)
    assert len(again.list_documents()) == 5


def test_reembedding_swaps_collections_only_when_complete(tmp_path, embedder):
    store = make_store(tmp_path, embedder)
    ingest_paths([ARTICLES / SOC_TRANG], store, embedder, OPTIONS)
    old_name = store.chunks_collection_name
    count = store.chunks.count()

    def failing(texts):
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        store.reembed(embedder.name, failing)
    reopened = Store(connect(str(tmp_path / "db")), embedder.name)
    assert reopened.chunks_collection_name == old_name and reopened.chunks.count() == count
    assert [c.name for c in reopened.client.list_collections()].count(old_name) == 1
    names = sorted(c.name for c in reopened.client.list_collections())
    assert names == sorted([old_name, "documents", "document-details", "writers"]), (
        "the half-built one is dropped"
    )

    assert reopened.reembed(embedder.name, embedder.embed_passages) == count
    assert reopened.chunks_collection_name != old_name
    hits = Searcher(reopened, embedder).search("kinh tế số 7,41% GRDP", k=1, mode="hybrid")
    assert hits and hits[0].document.source == SOC_TRANG


def test_a_searcher_sees_documents_written_after_it_was_built(tmp_path, embedder):
    store = make_store(tmp_path, embedder)
    ingest_paths([ARTICLES / SOC_TRANG], store, embedder, OPTIONS)
    searcher = Searcher(store, embedder)
    assert len(searcher.documents) == 1
    other = Store(connect(str(tmp_path / "db")), embedder.name)
    ingest_paths([ARTICLES / "tay-ninh-lo-trinh-chuyen-doi-so.txt"], other, embedder, OPTIONS)
    hits = searcher.search("lộ trình chuyển đổi số Tây Ninh", k=3, mode="hybrid")
    assert hits[0].document.source == "tay-ninh-lo-trinh-chuyen-doi-so.txt"


def copy_articles(folder: Path, names: list[str] | None = None) -> list[str]:
    folder.mkdir()
    names = names or sorted(p.name for p in ARTICLES.glob("*.txt"))
    for name in names:
        shutil.copy(ARTICLES / name, folder / name)
    return names


class Calls:
    """Counts the calls of one method of a Chroma collection, letting them through."""

    def __init__(self, collection, method: str) -> None:
        self.count = 0
        original = getattr(collection, method)

        def counted(**kwargs):
            self.count += 1
            return original(**kwargs)

        setattr(collection, method, counted)


def test_a_batch_is_one_commit_and_a_bad_file_in_it_loses_nothing(tmp_path, embedder):
    folder = tmp_path / "docs"
    names = copy_articles(folder, [SOC_TRANG, "tay-ninh-lo-trinh-chuyen-doi-so.txt"])
    store = make_store(tmp_path, embedder)
    ingest_paths([folder], store, embedder, OPTIONS)
    soc = (folder / SOC_TRANG).read_text(encoding="utf-8")
    (folder / SOC_TRANG).write_text("")  # a stored document's file turns bad
    (folder / "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt").write_text(
        article("quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt"), encoding="utf-8"
    )
    (folder / "r-broken.pdf").write_bytes(b"%PDF-1.4 garbage")  # sorts between the others
    changed = folder / "tay-ninh-lo-trinh-chuyen-doi-so.txt"
    changed.write_text(
        article(changed.name) + "\nTỉnh đặt mục tiêu mới là 99 điểm chuyển đổi số vào năm 2030.\n",
        encoding="utf-8",
    )
    commits, deletes = Calls(store.documents, "upsert"), Calls(store.chunks, "delete")

    summary = ingest_paths([folder], store, embedder, OPTIONS)
    assert summary.added == ["quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt"]
    assert summary.updated == [changed.name] and summary.skipped == []
    assert sorted(e.code for e in summary.failed) == ["corrupt_pdf", "empty"]
    docs = {d.source: d for d in store.list_documents()}
    assert summary.chunks == docs[summary.added[0]].chunk_count + docs[changed.name].chunk_count
    assert commits.count == 1 and deletes.count == 1, "one commit and one delete per batch"
    assert store.document_text(docs[SOC_TRANG].doc_id) == soc, "the bad file's last good version"
    assert any("99 điểm" in c.text for c in store.iter_chunks())
    consistent(store)
    assert sorted(docs) == sorted([*names, "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt"])


def test_new_documents_need_no_delete_and_batching_changes_nothing_stored(tmp_path, embedder):
    folder = tmp_path / "docs"
    copy_articles(folder, [SOC_TRANG, "tay-ninh-lo-trinh-chuyen-doi-so.txt"])
    one = Store(connect(str(tmp_path / "one")), embedder.name)
    many = Store(connect(str(tmp_path / "many")), embedder.name)
    deletes = Calls(many.chunks, "delete")
    by_document = ingest_paths([folder], one, embedder, OPTIONS, batch_chunks=1)
    named_twice = [folder, folder / SOC_TRANG]
    batched = ingest_paths(named_twice, many, embedder, OPTIONS)
    assert deletes.count == 0
    assert (by_document.added, by_document.chunks) == (batched.added, batched.chunks)

    def scan():
        raise AssertionError("nothing to sweep, so no need to read every chunk")

    many._iter_chunk_metadata = scan
    assert many.sweep() == 0
    first = one.chunks.get(include=["documents", "metadatas", "embeddings"])
    second = many.chunks.get(include=["documents", "metadatas", "embeddings"])

    def place(meta):  # each write has its own generation: chunks match by document and index
        return meta["doc_id"], meta["index"]

    where = {place(m): n for n, m in enumerate(second["metadatas"])}
    order = [where[place(m)] for m in first["metadatas"]]
    assert len(first["ids"]) == len(second["ids"]) == len(set(order))
    assert first["documents"] == [second["documents"][i] for i in order]
    same = [{**m, "generation": ""} for m in first["metadatas"]]
    assert same == [{**second["metadatas"][i], "generation": ""} for i in order]
    assert abs(first["embeddings"] - second["embeddings"][order]).max() < 1e-4


KILL_AT_SECOND_COMMIT = """
import os, signal, sys
from pathlib import Path
from assistant.components import chunking_options
from assistant.settings import Settings
from index.embed import Embedder
from index.indexer import ingest_paths
from index.store import Store, connect

folder, db, models, batch = sys.argv[1:5]
settings = Settings()
embedder = Embedder(
    settings.embedding_model, models_dir=Path(models), device="cpu", form=settings.embedding_form
)
store = Store(connect(db), embedder.name)
commit = store.documents.upsert
commits = []

def upsert(**records):
    commits.append(records["ids"])
    if len(commits) == 2:  # the second batch's chunks are stored, not yet its records
        os.kill(os.getpid(), signal.SIGKILL)
    return commit(**records)

store.documents.upsert = upsert
ingest_paths([Path(folder)], store, embedder, chunking_options(Settings()), batch_chunks=int(batch))
"""


def test_a_run_killed_between_two_batches_commits_whole_batches_only(tmp_path, embedder):
    folder = tmp_path / "docs"
    names = copy_articles(folder)
    db = tmp_path / "db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_SECOND_COMMIT, str(folder), str(db), str(MODELS), "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    store = Store(connect(str(db)), embedder.name)
    committed = {d.source: d for d in store.list_documents()}
    assert 0 < len(committed) < len(names)
    live = list(store.iter_chunks())
    assert {c.source for c in live} == set(committed)
    assert len(live) == sum(d.chunk_count for d in committed.values())
    assert store.chunks.count() > len(live), "the second batch's chunks, uncommitted"

    again = ingest_paths([folder], store, embedder, OPTIONS, batch_chunks=12)
    assert again.ok and sorted(again.skipped) == sorted(committed)
    assert sorted(again.added) == sorted(set(names) - set(committed))
    docs = store.list_documents()
    assert again.chunks == sum(d.chunk_count for d in docs if d.source in again.added)
    assert sorted(d.source for d in docs) == names
    consistent(store)
    last = ingest_paths([folder], store, embedder, OPTIONS, batch_chunks=12)
    assert sorted(last.skipped) == names and last.chunks == 0


def test_a_crash_after_a_batch_commit_leaves_replaced_chunks_for_the_sweep(tmp_path, embedder):
    folder = tmp_path / "docs"
    names = copy_articles(folder, [SOC_TRANG, "tay-ninh-lo-trinh-chuyen-doi-so.txt"])
    store = make_store(tmp_path, embedder)
    ingest_paths([folder], store, embedder, OPTIONS)
    for name in names:
        (folder / name).write_text(article(name) + "\nCập nhật.\n", encoding="utf-8")

    def crash(**_):
        raise RuntimeError("killed before the replaced chunks were deleted")

    store.chunks.delete = crash
    with pytest.raises(RuntimeError):
        ingest_paths([folder], store, embedder, OPTIONS)
    del store.chunks.delete
    assert all("Cập nhật." in store.document_text(d.doc_id) for d in store.list_documents())
    live = list(store.iter_chunks())
    assert store.chunks.count() > len(live), "the old generation is still there, invisible"
    for doc in store.list_documents():
        mine = sorted(c.index for c in live if c.doc_id == doc.doc_id)
        assert mine == list(range(doc.chunk_count)), "readers see the new generation only"

    again = ingest_paths([folder], store, embedder, OPTIONS)
    assert sorted(again.skipped) == names and again.chunks == 0
    consistent(store)


def test_an_unexpected_error_keeps_what_was_prepared_before_it(tmp_path, embedder, monkeypatch):
    folder = tmp_path / "docs"
    names = copy_articles(folder, [SOC_TRANG, "tay-ninh-lo-trinh-chuyen-doi-so.txt"])
    prepare_file = preparation.prepare_file

    def failing(path: Path, options, *, measure):
        if path.name == names[1]:
            raise RuntimeError("a bug in the cleaner")
        return prepare_file(path, options, measure=measure)

    monkeypatch.setattr(preparation, "prepare_file", failing)
    store = make_store(tmp_path, embedder)
    with pytest.raises(RuntimeError, match="a bug"):
        ingest_paths([folder], store, embedder, OPTIONS)
    assert [d.source for d in store.list_documents()] == [names[0]]
    consistent(store)


def test_each_file_reports_how_much_text_was_kept_and_a_low_share_is_flagged(tmp_path, embedder):
    folder = tmp_path / "docs"
    copy_articles(folder, [SOC_TRANG])
    menus = "\n".join(f"Tin tức {i}" for i in range(400))  # short lines: a menu, dropped
    (folder / "mostly-menu.txt").write_text(article(SOC_TRANG)[:1500] + "\n" + menus + "\n")
    summary = ingest_paths([folder], make_store(tmp_path, embedder), embedder, OPTIONS)
    kept = {k.name: k for k in summary.kept}
    assert kept[SOC_TRANG].share > 0.9 and not kept[SOC_TRANG].low
    assert kept["mostly-menu.txt"].low and kept["mostly-menu.txt"].kept > 0


def test_the_progress_moves_by_chunks_within_one_file(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(indexer, "PROGRESS_SLICE", 4)
    reports: list[tuple[int, int]] = []
    store = make_store(tmp_path, embedder)
    summary = ingest_paths(
        [ARTICLES / SOC_TRANG], store, embedder, OPTIONS,
        chunk_progress=lambda done, found: reports.append((done, found)),
    )  # fmt: skip
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == summary.chunks == reports[-1][1]
    assert len(reports) >= summary.chunks // 4 + 1, "one report per slice embedded"
    consistent(store)
