"""Files prepared in worker processes while this one embeds and writes.

Chroma's embedded client holds the GIL for the whole of a write (a thread of pure
Python stalled for all of a 1,000-chunk upsert's second), so overlapping the
preparation of the next batch (load, clean, chunk, targets: 1.8 ms a chunk here) with
the write of this one takes other processes, and nothing of this one may be needed
to keep them going: a `concurrent.futures` pool hands out work and takes results
through threads of this process, which stall with it, and in a trial left the worker
idle through most writes. So each worker is given its share of the files at the start,
and puts each outcome into a queue of its own, which its own thread sends on and which
blocks it only once AHEAD_FILES outcomes wait unread. Workers start by `spawn`, since
the parent holds the model's threads, which a fork would copy in whatever state they
were in.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from ingest.chunk import Measure
from ingest.document import LoadError, PreparedDocument
from ingest.pipeline import ChunkingOptions, prepare_file

Outcome = PreparedDocument | LoadError

# Starting a worker (imports, the tokenizer: about 2 s) costs more than it saves on a
# run of fewer files than this.
WORKER_WORTH_FILES = 16
# Outcomes a worker may hold unread: enough to cover a batch of 1,000 chunks being
# written (about 130 news articles), few enough to hold in memory.
AHEAD_FILES = 256
# How often a wait for a worker checks that it is still alive, in seconds.
_POLL_S = 1.0


class WorkerError(RuntimeError):
    """A worker process died, or failed in a way it could not send back."""


def prepare_one(path: Path, options: ChunkingOptions, measure: Measure) -> Outcome:
    """The prepared document, or why the file cannot be ingested."""
    try:
        return prepare_file(path, options, measure=measure)
    except LoadError as error:
        return error


def prepare_all(
    paths: list[Path],
    options: ChunkingOptions,
    measure: Measure,
    *,
    workers: int,
    progress: Callable[[list[Path]], Iterable[Path]] = iter,
) -> Iterator[tuple[Path, Outcome]]:
    """Each file with its outcome, in the order given; by `workers` processes when the
    run is worth starting them (`measure` must then pickle), else in this one.

    `progress` wraps the files as their outcomes are given back.
    """
    if workers < 1 or len(paths) < WORKER_WORTH_FILES:
        for path in progress(paths):
            yield path, prepare_one(path, options, measure)
        return
    context = multiprocessing.get_context("spawn")
    queues = [context.Queue(AHEAD_FILES) for _ in range(workers)]
    processes = [
        context.Process(
            target=_work, args=(paths[n::workers], options, measure, queues[n]), daemon=True
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        for n, path in enumerate(progress(paths)):
            yield path, _take(queues[n % workers], processes[n % workers])
    finally:
        # Stopped early (an error, Ctrl-C) the workers are still busy: stop them.
        for process in processes:
            process.terminate()
            process.join()


def _work(paths: list[Path], options: ChunkingOptions, measure: Measure, out: Any) -> None:
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    for path in paths:
        try:
            outcome = prepare_one(path, options, measure)
        except Exception as error:  # sent back, to be raised where it would have been
            out.put(("error", error))
            return
        out.put(("ok", outcome))


def _exit_with_parent() -> None:
    """A worker whose run was killed (-9) stops too, even while it waits to send."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _take(source: Any, worker: BaseProcess) -> Outcome:
    while True:
        try:
            kind, value = source.get(timeout=_POLL_S)
        except queue.Empty:
            if not worker.is_alive():
                raise WorkerError(
                    f"a process preparing files stopped (exit code {worker.exitcode})"
                ) from None
            continue
        if kind == "error":
            raise value
        return value
