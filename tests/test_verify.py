"""`assistant verify`: every fault found and named, `--repair` makes the index whole again,
and checking loads no model. Real Chroma, made-up vectors (tests/test_concurrency.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from click.testing import CliRunner

from assistant.cli import main
from assistant.settings import Settings
from index.record import chunk_id
from index.verify import Rebuild, check_index, repair_index
from ingest.chunk import approximate_tokens
from tests.conftest import ROOT
from tests.test_concurrency import MODEL, document, made_up_vectors, open_store, visible

SETTINGS = Settings()


def rebuild() -> Rebuild:
    return Rebuild(
        made_up_vectors, approximate_tokens, SETTINGS.chunk_tokens, SETTINGS.chunk_overlap
    )


def damaged(db: str):
    """Four documents, three of them broken in a different way, and one stray chunk."""
    store = open_store(db)
    store.write_documents(
        [document(name, "a", chunks=4) for name in ("ok", "lost", "moved", "flat")]
    )
    docs = {d.doc_id: d for d in store.list_documents()}
    store.chunks.delete(ids=[chunk_id("lost", docs["lost"].generation, 2)])
    moved = chunk_id("moved", docs["moved"].generation, 1)
    got = store.chunks.get(ids=[moved], include=["metadatas", "embeddings"])
    store.chunks.upsert(
        ids=[moved], metadatas=[{**got["metadatas"][0], "text": "chữ khác hẳn"}],
        embeddings=got["embeddings"],
    )  # fmt: skip
    flat = chunk_id("flat", docs["flat"].generation, 0)
    got = store.chunks.get(ids=[flat], include=["metadatas"])
    store.chunks.upsert(
        ids=[flat], metadatas=got["metadatas"], embeddings=np.zeros((1, 8), dtype=np.float32)
    )
    stray = document("gone", "z", chunks=1)
    # Written as chunks were before they kept their text in metadata.
    meta = {"doc_id": "gone", "generation": "deadbeef0000", "source": "gone.txt", "index": 0,
            "start": 0, "end": 5, "page": 0}  # fmt: skip
    store.chunks.upsert(
        ids=["gone:deadbeef0000:0"], documents=["stray"], metadatas=[meta], embeddings=stray.vectors
    )
    return store


def test_every_fault_is_found_by_document_and_kind(tmp_path):
    report = check_index(damaged(str(tmp_path / "db")))
    assert not report.ok
    found = {(f.source, f.kind) for f in report.faults}
    assert found == {("lost.txt", "chunks"), ("moved.txt", "offsets"), ("flat.txt", "vectors")}
    assert report.strays == 1 and report.documents == 4
    assert "3 documents broken, 1 stray records" in report.summary()


def test_repair_reindexes_broken_documents_from_their_stored_text(tmp_path):
    store = damaged(str(tmp_path / "db"))
    texts = {d.doc_id: store.document_text(d.doc_id) for d in store.list_documents()}
    report = check_index(store)
    assert sorted(repair_index(store, report, rebuild)) == ["flat.txt", "lost.txt", "moved.txt"]
    assert check_index(store).ok
    assert {d.doc_id: store.document_text(d.doc_id) for d in store.list_documents()} == texts
    assert visible(store) == {"ok": "a", "lost": "a", "moved": "a", "flat": "a"}


def test_a_sound_index_needs_no_model_and_repair_only_sweeps_strays(tmp_path):
    store = open_store(str(tmp_path / "db"))
    store.write_documents([document("d", "a")])
    assert check_index(store).ok

    def no_model() -> Rebuild:
        raise AssertionError("nothing is broken: the model is not needed")

    store.chunks.upsert(
        ids=["x:deadbeef0000:0"], documents=["stray"], embeddings=made_up_vectors(["stray"]),
        metadatas=[{"doc_id": "x", "generation": "deadbeef0000", "source": "x.txt", "index": 0,
                    "start": 0, "end": 5, "page": 0}],
    )  # fmt: skip
    assert repair_index(store, check_index(store), no_model) == []
    assert check_index(store).ok


VERIFY = """
import sys
from click.testing import CliRunner
from assistant.cli import main
result = CliRunner().invoke(main, ["verify", *sys.argv[1:]])
print(result.exit_code)
print(result.output)
print("heavy:", *[m for m in ("torch", "sentence_transformers", "onnxruntime") if m in sys.modules])
"""


def test_the_command_prints_a_summary_exits_non_zero_and_loads_no_model(tmp_path):
    db = str(tmp_path / "db")
    damaged(db)
    flags = ["--db", db, "--embedding-model", MODEL]
    result = subprocess.run(
        [sys.executable, "-c", VERIFY, *flags], cwd=ROOT, capture_output=True, text=True, check=True
    )
    code, *output = result.stdout.splitlines()
    assert code == "1", result.stdout
    assert any(
        "fault: lost.txt: chunks: 3 live chunks for a record of 4" in line for line in output
    )
    assert any(line.startswith("checked 4 documents") for line in output)
    assert output[-1] == "heavy:", "checking loads no deep-learning library"
    sound = tmp_path / "sound"
    open_store(str(sound)).write_documents([document("d", "a")])
    ok = CliRunner().invoke(main, ["verify", "--db", str(sound), "--embedding-model", MODEL])
    assert ok.exit_code == 0 and "no faults" in ok.output


def test_a_lexical_index_out_of_step_is_a_fault_and_repair_rebuilds_it(tmp_path):
    from index.lexical_cache import LexicalCache, cache_dir_beside

    db = tmp_path / "db"
    store = open_store(str(db))
    store.write_documents([document("a", "1"), document("b", "1")])
    flags = ["verify", "--db", str(db), "--embedding-model", MODEL]
    cache = LexicalCache(cache_dir_beside(store))
    assert cache.faults(store) == []  # caught up from nothing: not a fault
    store.remove_document("b")
    assert cache.faults(store) == []  # behind the store: caught up, not a fault
    # The index files lost while the state file still says what they held (a damaged disk,
    # a partial copy): catching up trusts the state, so only verify can tell.
    for path in cache.path.iterdir():
        if path.name != "state.json" and path.is_file():
            path.unlink()
    result = CliRunner().invoke(main, flags)
    assert result.exit_code == 1 and "fault: lexical index:" in result.output
    repaired = CliRunner().invoke(main, [*flags, "--repair"])
    assert repaired.exit_code == 0 and "rebuilt the lexical index" in repaired.output
    again = CliRunner().invoke(main, flags)
    assert again.exit_code == 0 and "lexical index" not in again.output
