"""Files prepared in a worker process while ingestion writes (index/preparation.py): the
same documents, in the same order, with the same failures, as when prepared in-process;
a store filled that way holds exactly what one filled in-process holds; and a worker
that fails or dies stops the run with its error, not a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from assistant.components import chunking_options
from assistant.settings import Settings
from index.indexer import ingest_paths
from index.preparation import WORKER_WORTH_FILES, WorkerError, prepare_all
from index.store import Store, connect
from ingest.document import LoadError
from tests.conftest import ARTICLES, ROOT

OPTIONS = chunking_options(Settings())


def folder_of_files(where: Path) -> list[Path]:
    """The bundled articles copied under several names, and a binary file among them."""
    where.mkdir()
    articles = sorted(ARTICLES.glob("*.txt"))
    paths = []
    for n in range(WORKER_WORTH_FILES + 2):
        path = where / f"bai-{n:02d}.txt"
        shutil.copyfile(articles[n % len(articles)], path)
        paths.append(path)
    binary = where / "hong.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    paths.insert(3, binary)
    return paths


def test_a_worker_prepares_what_this_process_would_in_order(tmp_path, embedder):
    paths = folder_of_files(tmp_path / "docs")
    here = list(prepare_all(paths, OPTIONS, embedder.count_tokens, workers=0))
    there = list(prepare_all(paths, OPTIONS, embedder.count_tokens, workers=1))
    assert [p for p, _ in there] == [p for p, _ in here] == paths
    failed = [(p, o) for p, o in there if isinstance(o, LoadError)]
    assert [(p.name, o.path, o.code) for p, o in failed] == [
        ("hong.txt", str(paths[3]), here[3][1].code)
    ]
    for (_, mine), (_, theirs) in zip(here, there, strict=True):
        if not isinstance(mine, LoadError):
            assert (theirs.chunks, theirs.targets, theirs.meta) == (
                mine.chunks,
                mine.targets,
                mine.meta,
            )


def test_a_store_filled_with_a_worker_holds_what_one_filled_without_does(tmp_path, embedder):
    paths = folder_of_files(tmp_path / "docs")
    stored = {}
    for workers in (0, 1):
        store = Store(connect(str(tmp_path / f"db-{workers}")), embedder.name)
        summary = ingest_paths(paths, store, embedder, OPTIONS, workers=workers)
        assert [e.path for e in summary.failed] == [str(paths[3])]
        stored[workers] = (
            sorted(summary.added),
            sorted((c.doc_id, c.index, c.text) for c in store.iter_chunks()),
            {d.doc_id: (d.targets, d.blocks) for d in store.list_documents()},
        )
    assert stored[0] == stored[1]
    assert len(stored[1][0]) == len(paths) - 1


class Fails:
    """A token counter that fails as a bug would."""

    def __call__(self, text: str) -> int:
        raise ValueError("đếm token hỏng")


class Dies:
    """A token counter whose process dies under it (killed, out of memory)."""

    def __call__(self, text: str) -> int:
        os._exit(3)


def test_an_error_in_a_worker_is_raised_here_and_a_dead_worker_named(tmp_path):
    paths = folder_of_files(tmp_path / "docs")
    with pytest.raises(ValueError, match="đếm token hỏng"):
        list(prepare_all(paths, OPTIONS, Fails(), workers=1))
    with pytest.raises(WorkerError, match="exit code 3"):
        list(prepare_all(paths, OPTIONS, Dies(), workers=1))


KILLED_RUN = """
import sys, time
from pathlib import Path
from index.preparation import prepare_all
from tests.test_preparation import OPTIONS, Slow
paths = sorted(Path(sys.argv[1]).iterdir())
for path, _ in prepare_all(paths, OPTIONS, Slow(), workers=1):
    print("got", path.name, flush=True)
    time.sleep(60)
"""


class Slow:
    """A token counter slow enough that a run is still preparing when it is killed."""

    def __call__(self, text: str) -> int:
        time.sleep(0.05)
        return len(text.split())


def test_the_worker_of_a_killed_run_does_not_outlive_it(tmp_path):
    folder_of_files(tmp_path / "docs")
    run = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(tmp_path / "docs")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert run.stdout is not None and run.stdout.readline().startswith("got")
        workers = psutil.Process(run.pid).children(recursive=True)
        assert workers, "a worker prepares the files"
        run.kill()
        run.wait()
        _, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, "the worker stopped with its run"
    finally:
        run.kill()
