"""Concurrent writers on one index: two writers interleaved at each step of the commit
protocol, and a writer killed (-9) at each step; after each, nothing is lost or half-visible.

Real Chroma (embedded, and a server for the interleavings), no model: the vectors are
made up, for the protocol does not look at them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.commit import Commit, DocumentWrite, WriteConflictError
from index.record import StoredDocument
from index.store import Store, connect
from index.writers import LEASE_SECONDS, Lease
from ingest.document import Chunk
from tests.conftest import ROOT

MODEL = "made-up-model"
STEPS = Commit.STEPS


def document(doc_id: str, version: str, chunks: int = 3) -> DocumentWrite:
    """A document whose every chunk says which version it belongs to."""
    sentences = [f"{doc_id} bản {version} câu {i}." for i in range(chunks)]
    text = " ".join(sentences)
    spans, start = [], 0
    for i, sentence in enumerate(sentences):
        spans.append(Chunk(i, start, start + len(sentence), sentence))
        start += len(sentence) + 1
    record = StoredDocument(
        doc_id=doc_id, source=f"{doc_id}.txt", path=f"/x/{doc_id}.txt", title=doc_id,
        date=None, byline=None, provinces=(), merged_provinces=(), content_hash=version * 8,
        generation="", ingested_at="", kind="text", chunk_count=chunks, pages=(),
        blocks=((0, len(text)),),
    )  # fmt: skip
    rng = np.random.default_rng(abs(hash((doc_id, version))) % 2**32)
    return DocumentWrite(record, text, spans, rng.normal(size=(chunks, 8)).astype(np.float32))


def open_store(where: str, url: str | None = None) -> Store:
    return Store(connect(where, url), MODEL)


def visible(store: Store) -> dict[str, str]:
    """doc_id -> the version readers see; fails on anything half-visible or stray."""
    docs = store.list_documents()
    live = list(store.iter_chunks())
    seen = {}
    for doc in docs:
        text = store.document_text(doc.doc_id)
        mine = sorted((c for c in live if c.doc_id == doc.doc_id), key=lambda c: c.index)
        assert [c.index for c in mine] == list(range(doc.chunk_count)), doc.doc_id
        for chunk in mine:
            assert text[chunk.start : chunk.end] == chunk.text
        seen[doc.doc_id] = doc.content_hash[0]
    assert len(live) == sum(d.chunk_count for d in docs)
    return seen


def no_strays(store: Store) -> None:
    store.sweep()
    docs = store.list_documents()
    assert store.chunks.count() == sum(d.chunk_count for d in docs)
    assert store.details.count() == len(docs), "one details record per document"


def ingest_like(store: Store, writes: list[DocumentWrite]) -> None:
    """What every ingest and upload does: sweep, then write."""
    store.sweep()
    store.write_documents(writes)


OTHERS: dict[str, Callable[[Store], None]] = {
    "replaces the same document": lambda s: ingest_like(s, [document("d", "c")]),
    "writes another document": lambda s: ingest_like(s, [document("e", "a")]),
    "removes the document": lambda s: (s.sweep(), s.remove_document("d")),
    "sweeps": lambda s: s.sweep(),
}


def expected(step: int, other: str) -> dict[str, str]:
    """Whoever commits last wins; the first writer commits at STEPS.index('commit')."""
    first_commits_last = step <= STEPS.index("commit")
    if other == "replaces the same document":
        return {"d": "b" if first_commits_last else "c"}
    if other == "writes another document":
        return {"d": "b", "e": "a"}
    if other == "removes the document":
        return {"d": "b"} if first_commits_last else {}
    return {"d": "b"}


@pytest.fixture(params=["embedded", "server"])
def where(request, tmp_path) -> tuple[str, str | None]:
    if request.param == "embedded":
        return str(tmp_path / "db"), None
    return "unused", request.getfixturevalue("empty_chroma_server")


@pytest.mark.parametrize("other", list(OTHERS))
@pytest.mark.parametrize("step", range(len(STEPS)))
def test_two_writers_interleaved_at_each_step_lose_nothing(where, step, other):
    first = open_store(*where)
    first.write_documents([document("d", "a")])
    commit = Commit(first, [document("d", "b")])
    for name in STEPS[:step]:
        getattr(commit, name)()
    OTHERS[other](open_store(*where))
    visible(open_store(*where))  # whatever a reader sees in between is whole
    for name in STEPS[step:]:
        getattr(commit, name)()
    assert visible(open_store(*where)) == expected(step, other)
    no_strays(open_store(*where))
    assert visible(open_store(*where)) == expected(step, other)


def test_a_suspended_writer_whose_chunks_were_swept_stages_them_again(tmp_path):
    store = open_store(str(tmp_path / "db"))
    commit = Commit(store, [document("d", "a", chunks=5)])
    commit.lease()
    commit.stage()
    assert commit.held is not None
    old = Lease(
        commit.held.token, commit.held.host, commit.held.pid, time.time() - 2 * LEASE_SECONDS
    )
    store.leases.collection.upsert(
        ids=[old.token], metadatas=[old.to_metadata()], embeddings=[[1.0]]
    )
    assert open_store(str(tmp_path / "db")).sweep() == 5, "the lease ran out: its chunks go"
    commit.commit()
    commit.verify()
    commit.drop_replaced()
    commit.release()
    assert visible(store) == {"d": "a"}


def test_a_writer_on_another_host_keeps_its_chunks_while_its_heartbeat_is_fresh(tmp_path):
    store = open_store(str(tmp_path / "db"))
    commit = Commit(store, [document("d", "a")])
    commit.lease()
    commit.stage()
    assert commit.held is not None
    token = commit.held.token
    elsewhere = Lease(token, "another-host", 1, time.time())
    store.leases.collection.upsert(
        ids=[token], metadatas=[elsewhere.to_metadata()], embeddings=[[1.0]]
    )
    assert store.sweep() == 0
    stale = Lease(token, "another-host", 1, time.time() - 2 * LEASE_SECONDS)
    store.leases.collection.upsert(ids=[token], metadatas=[stale.to_metadata()], embeddings=[[1.0]])
    assert store.sweep() == 3
    assert store.leases.alive() == set(), "the dead lease is dropped"


KILL_AT_STEP = """
import os, signal, sys
import index.commit as commit
from tests.test_concurrency import document, open_store

db, step = sys.argv[1], sys.argv[2]
commit.BATCH = 2  # several staging calls, so "stage" can be cut between two of them
if step == "stage-midway":
    stage = commit.Commit.stage
    def cut(self, only=None):
        upsert = self.store.chunks.upsert
        def once(**rows):
            upsert(**rows)
            os.kill(os.getpid(), signal.SIGKILL)
        self.store.chunks.upsert = once
        stage(self, only)
    commit.Commit.stage = cut
else:
    def killed(self, name=step, original=getattr(commit.Commit, step)):
        original(self)
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(commit.Commit, step, killed)
open_store(db).write_documents([document("d", "b", chunks=5), document("e", "a", chunks=5)])
"""


@pytest.mark.parametrize("step", ["stage-midway", *STEPS])
def test_a_writer_killed_at_each_step_leaves_whole_documents_and_strays_the_next_sweep_takes(
    tmp_path: Path, step: str
):
    db = str(tmp_path / "db")
    open_store(db).write_documents([document("d", "a", chunks=5)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_STEP, db, step],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = open_store(db)
    committed = step in STEPS and STEPS.index(step) >= STEPS.index("commit")
    assert visible(store) == ({"d": "b", "e": "a"} if committed else {"d": "a"})
    no_strays(store)
    assert store.leases.alive() == set(), "the killed writer's lease is dropped"
    ingest_like(store, [document("d", "c", chunks=5)])
    assert visible(store)["d"] == "c"
    no_strays(store)


def made_up_vectors(texts: list[str]) -> np.ndarray:
    return np.random.default_rng(len(texts)).normal(size=(len(texts), 8)).astype(np.float32)


def test_a_reembedding_keeps_documents_committed_during_it_and_refuses_late_writers(tmp_path):
    db = str(tmp_path / "db")
    open_store(db).write_documents([document("d", "a")])
    late = Commit(open_store(db), [document("f", "a")])
    late.lease()
    late.stage()  # staged in the collection the re-embedding replaces

    def embed_while_another_commits(texts: list[str]) -> np.ndarray:
        if not open_store(db).get_document("e"):
            open_store(db).write_documents([document("e", "a")])
        return made_up_vectors(texts)

    store = Store(connect(db), None)
    assert store.reembed(MODEL, embed_while_another_commits) == 6
    assert visible(open_store(db)) == {"d": "a", "e": "a"}
    with pytest.raises(WriteConflictError, match="re-embedded"):
        late.commit()
    late.release()
    assert visible(open_store(db)) == {"d": "a", "e": "a"}
    no_strays(open_store(db))
