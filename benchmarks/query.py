"""Question latency (p50/p95, warm) and peak memory of `Assistant.ask` as the index grows.

The assistant is the default one: hybrid retrieval (dense vectors from Chroma plus
BM25, fused), the extractive answerer, k=5, the real multilingual-e5-small model for
the query vectors. Questions are those of tests/data/qa.jsonl, follow-ups asked with
the earlier turns of their conversation as history, as the chat does.

Index sizes (`--sizes`):

* `bundled`: `data/articles/` ingested by the real pipeline with the real model.
* a number N: the bundled articles (with their real chunk vectors) plus synthetic
  documents up to at least N chunks, from benchmarks/scaled_corpus.py: real sentences
  of the bundled articles and the UIT documents recombined with a seeded RNG, ingested
  by the real pipeline with cached real sentence embeddings (a chunk's vector is the
  normalized mean of its sentences' vectors) and memoized token counts. The questions
  still find their answers among many near-duplicates of the same sentences, so the
  retrieval work is real; the answers themselves are not what is measured here.

For each size, a fresh Store/Searcher/Assistant is opened on the built index:

* **first query**: the first `ask` (`Searcher.refresh`: the tantivy lexical cache
  beside the store catches up, from every chunk when it is not built yet; the catalog
  and province map read the documents; the dense reader opens), reported on its own;
* **first after a restart**: the first `ask` of a second searcher on the same store,
  whose lexical cache on disk is already caught up, as after restarting the app;
* **a new process to its answer** (`--start-ups` times): `assistant ask --json` started
  as a subprocess on the same index, timed from start to exit: imports, model load,
  store open, the first refresh and the answer, as the issue's "start-up to the first
  answer, model loading included" (through a server, its lexical cache is the one kept
  beside the index);
* then `--warmup` questions untimed, then `--questions` questions timed one by one
  (p50, p95, mean, max), with a breakdown of where the time goes (exclusive times of
  the wrapped calls: query embedding, Chroma vector query, tantivy search, revision
  check, ...);
* **after a new document**: the first `ask` after one more article is ingested.

Peak memory is the RSS of this process (which holds the model, the BM25 index and, for
the embedded store, Chroma's engine) sampled every 50 ms; with `--store server` the
index is served by `chroma run` from the same folder and its RSS is reported too.

    .venv/bin/python benchmarks/query.py --sizes bundled,10000,100000 --json /tmp/query.json
    .venv/bin/python benchmarks/query.py --sizes bundled,2000 --questions 20   # a quick run

Built indexes are kept with `--work DIR` and reused by later runs with the same DIR;
`--index PATH` measures an index built elsewhere (such as the one `benchmarks/ingest.py
--keep-store` leaves) as it is.
The Markdown printed at the end can be pasted into the README.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.answer import Assistant
from assistant.evaluation.percentile import percentile
from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import asking_order
from benchmarks.common import (
    ARTICLES,
    QUESTIONS,
    ROOT,
    ChromaServer,
    PeakRss,
    Timings,
    assistant_command,
    chunking_options,
    du,
    load_embedder,
    log,
    machine_info,
    machine_table,
    mib,
    settings,
    torch_info,
)
from benchmarks.index_builder import IndexBuilder
from index.indexer import ChunkingOptions, ingest_paths
from index.lexical_cache import cache_dir_for_server
from index.retrieve import Searcher
from index.store import Store, connect

COMPONENTS = (
    ("embed_query", "query embedding"),
    ("embed_passages", "sentence embedding"),
    ("DenseReader.query", "Chroma vector query"),
    ("DenseReader.sentence_fields", "stored sentence vectors read"),
    ("BM25 search", "BM25 search (tantivy)"),
    ("Store.revision", "revision check"),
    ("LexicalCache.catch_up", "lexical catch-up"),
    ("DenseReader.follow", "dense reopen"),
    ("Searcher.refresh", "refresh (rest)"),
    ("province_documents", "province filter"),
)

# Searcher.refresh with the calls it makes: the times are exclusive, so its whole is their sum.
REFRESH_PARTS = (
    "Searcher.refresh",
    "Store.revision",
    "LexicalCache.catch_up",
    "DenseReader.follow",
)


def refresh_seconds(timings: Timings) -> float:
    return sum(timings.seconds.get(label, 0.0) for label in REFRESH_PARTS)


def asked_questions(limit: int) -> list[tuple[str, list[str]]]:
    """(question, history) pairs in asking order; a follow-up's history is its earlier turns."""
    asked = asking_order(load_questions(QUESTIONS))
    return [(question.question, history) for question, history in asked[:limit]]


# --- timing the questions ------------------------------------------------------------------


class QueryEmbedder:
    """The model as the searcher and answerer see it, with its calls timed."""

    def __init__(self, embedder, timings: Timings) -> None:
        self.name = embedder.name
        self.embed_query = timings.wrap("embed_query", embedder.embed_query)
        self.embed_passages = timings.wrap("embed_passages", embedder.embed_passages)


def measure_size(
    size: str,
    path: Path,
    built: dict,
    embedder,
    questions: list[tuple[str, list[str]]],
    args: argparse.Namespace,
) -> dict:
    with opened(args.store, path, embedder.name) as (store, server_pid, url, lexical):
        timings = Timings()
        assistant = _timed_assistant(store, embedder, timings, lexical)
        with PeakRss(server_pid) as cold_rss:
            started = time.perf_counter()
            assistant.ask(questions[0][0], history=questions[0][1])
            cold = time.perf_counter() - started
        cold_refresh = refresh_seconds(timings)
        cold_catch_up = timings.seconds.get("LexicalCache.catch_up", 0.0)
        log(f"index {size}: first query {cold:.2f} s (refresh {cold_refresh:.2f} s)")
        started_up, started_up_refresh = _first_query_after_start_up(
            store, embedder, questions[0], lexical
        )
        log(f"index {size}: first query after a restart {started_up:.2f} s")
        processes = [
            process_start_up(path, url, lexical, questions[0][0], args.work_dir)
            for _ in range(args.start_ups)
        ]
        log(f"index {size}: a new `assistant ask` process answers in {processes} s")
        timings.reset()
        searcher = assistant.searcher
        timings.patch(searcher.cache.index, "search", "BM25 search")

        for question, history in questions[1 : 1 + args.warmup]:
            assistant.ask(question, history=history)
        timings.reset()
        times: list[float] = []
        abstained = 0
        with PeakRss(server_pid) as rss:
            for question, history in questions:
                started = time.perf_counter()
                record = assistant.ask(question, history=history)
                times.append(time.perf_counter() - started)
                abstained += record.abstained
        breakdown = _breakdown(timings, times)
        profile = None
        if args.profile and size == args.sizes[-1]:
            profile = _profile(assistant, questions[: min(10, len(times))])
        after_change, after_change_refresh, after_change_parts = _first_query_after_a_change(
            store, assistant, timings, embedder, questions[0], args.options
        )
        log(f"index {size}: first query after a new document {after_change:.2f} s")
        ms = [1000 * t for t in times]
        result = {
            "index": size,
            "store": args.store,
            "documents": store.documents.count(),
            "chunks": store.chunks.count(),
            "build": built,
            "first_query_s": round(cold, 3),
            "first_query_refresh_s": round(cold_refresh, 3),
            "first_query_lexical_catch_up_s": round(cold_catch_up, 3),
            "restart_first_query_s": round(started_up, 3),
            "restart_first_query_refresh_s": round(started_up_refresh, 3),
            "process_start_up_s": processes,
            "after_change_s": round(after_change, 3),
            "after_change_refresh_s": round(after_change_refresh, 3),
            "after_change_refresh_parts_s": after_change_parts,
            "questions": len(times),
            "abstained": abstained,
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "mean_ms": round(statistics.fmean(ms), 1),
            "max_ms": round(max(ms), 1),
            "breakdown": breakdown,
            "rss_before_mib": mib(cold_rss.start_self),
            "rss_peak_first_query_mib": mib(cold_rss.peak_self),
            "rss_peak_mib": mib(rss.peak_self),
            "server_rss_peak_mib": mib(max(rss.peak_server, cold_rss.peak_server))
            if server_pid
            else None,
            "disk_mib": mib(du(path)),
        }
    if profile:
        result["profile"] = profile
    log(f"index {size}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    return result


@contextmanager
def opened(
    kind: str, path: Path, model: str
) -> Iterator[tuple[Store, int | None, str | None, Path | None]]:
    """(store, server pid, server URL, lexical cache folder) on the Chroma folder `path`.

    Embedded, the cache lives beside the store (None lets the searcher put it there);
    through a server, in a folder of its own beside it that later runs reuse, as the
    app keeps one per server under its data folder.
    """
    if kind == "embedded":
        yield Store(connect(str(path)), model), None, None, None
        return
    with ChromaServer(path) as server:
        lexical = path.with_name(path.name + "-server-lexical")
        yield Store(connect("", server.url), model), server.pid, server.url, lexical


def process_start_up(
    path: Path, url: str | None, lexical: Path | None, question: str, work: Path
) -> float:
    """Seconds from starting `assistant ask --json` to its exit: imports, model load, store
    open, the searcher's first refresh (its lexical cache on disk already caught up) and
    the answer, as an app or CLI process starting on this index.

    Through a server, the process gets a data folder whose `models` is this checkout's
    and whose lexical cache for that server's URL is the one the measurement keeps.
    """
    command = assistant_command("ask", question, "--json")
    if url is None:
        command += ["--db", str(path)]
    else:
        data = work / "start-up-data"
        models = data / "models"
        if not models.exists():
            data.mkdir(parents=True, exist_ok=True)
            models.symlink_to(settings().models_dir.resolve())
        link = cache_dir_for_server(data, url)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            link.unlink()
        assert lexical is not None
        link.symlink_to(lexical.resolve())
        command += ["--chroma-url", url, "--data-dir", str(data)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`assistant ask` failed:\n{done.stdout}\n{done.stderr}")
    return round(seconds, 2)


def _timed_assistant(
    store: Store, embedder, timings: Timings, lexical: Path | None = None
) -> Assistant:
    """The default assistant on `store`, with the calls of COMPONENTS timed."""
    timings.patch(store, "revision", "Store.revision")
    searcher = Searcher(store, QueryEmbedder(embedder, timings), lexical)
    timings.patch(searcher, "refresh", "Searcher.refresh")
    timings.patch(searcher, "province_documents")
    timings.patch(searcher.cache, "catch_up", "LexicalCache.catch_up")
    timings.patch(searcher.dense, "query", "DenseReader.query")
    # Before the Assistant is made: its SentenceVectors keeps the bound method.
    timings.patch(searcher.dense, "sentence_fields", "DenseReader.sentence_fields")
    timings.patch(searcher.dense, "follow", "DenseReader.follow")
    defaults = settings()
    return Assistant(searcher, k=defaults.k, retrieval=defaults.retrieval)


def _breakdown(timings: Timings, times: list[float]) -> dict[str, dict[str, float]]:
    """Milliseconds and calls per question of each component, and the rest (answering)."""
    n = len(times)
    breakdown = {
        label: {
            "ms_per_question": round(1000 * timings.seconds.get(label, 0.0) / n, 2),
            "calls_per_question": round(timings.calls.get(label, 0) / n, 2),
        }
        for label, _ in COMPONENTS
    }
    accounted = sum(timings.seconds.get(label, 0.0) for label, _ in COMPONENTS)
    breakdown["rest"] = {"ms_per_question": round(1000 * (sum(times) - accounted) / n, 2)}
    return breakdown


def _profile(assistant: Assistant, questions: list[tuple[str, list[str]]]) -> str:
    """cProfile's 30 costliest calls (cumulative) over `questions`, also logged."""
    profiler = cProfile.Profile()
    profiler.enable()
    for question, history in questions:
        assistant.ask(question, history=history)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    log(out.getvalue())
    return out.getvalue()


def _first_query_after_start_up(
    store: Store, embedder, question: tuple[str, list[str]], lexical: Path | None
) -> tuple[float, float]:
    """Seconds of the first question of a new searcher on the same store, and of its refresh.

    As after a restart: the lexical cache on disk is already caught up, so the refresh
    reads the store's records (catalog, province map) and opens the dense reader.
    """
    timings = Timings()
    assistant = _timed_assistant(store, embedder, timings, lexical)
    started = time.perf_counter()
    assistant.ask(question[0], history=question[1])
    seconds = time.perf_counter() - started
    return seconds, refresh_seconds(timings)


def _first_query_after_a_change(
    store: Store,
    assistant: Assistant,
    timings: Timings,
    embedder,
    question: tuple[str, list[str]],
    options: ChunkingOptions,
) -> tuple[float, float, dict[str, float]]:
    """Seconds of the first question after one new document is ingested, of its refresh,
    and of the refresh's parts (exclusive, by REFRESH_PARTS label).

    The searcher sees the new revision and rebuilds its lexical index; the document
    (a bundled article under another name) is removed again, so a kept index stays
    as built.
    """
    with tempfile.TemporaryDirectory() as folder:
        article = sorted(ARTICLES.glob("*.txt"))[0]
        copy = Path(folder) / f"ban-sao-{article.name}"
        shutil.copyfile(article, copy)
        summary = ingest_paths([copy], store, embedder, options)
        before = refresh_seconds(timings)
        parts_before = {label: timings.seconds.get(label, 0.0) for label in REFRESH_PARTS}
        started = time.perf_counter()
        assistant.ask(question[0], history=question[1])
        seconds = time.perf_counter() - started
        refresh = refresh_seconds(timings) - before
        parts = {
            label: round(timings.seconds.get(label, 0.0) - parts_before[label], 3)
            for label in REFRESH_PARTS
        }
        for doc in store.list_documents():
            if doc.source == copy.name:
                store.remove_document(doc.doc_id)
    assert summary.added == [copy.name], summary
    return seconds, refresh, parts


def markdown(info: dict[str, str], results: list[dict], notes: list[str]) -> str:
    lines = [
        "#### Questions",
        "",
        machine_table(info),
        "",
        "| index | store | docs | chunks | first query s (refresh s) "
        "| first after a restart s (refresh s) | new process to its answer s "
        "| after a new document s (refresh s) | p50 ms | p95 ms "
        "| mean ms | max ms | questions (abstained) | RSS MiB before | peak RSS MiB first query "
        "| peak RSS MiB warm | server peak RSS MiB | on disk MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        server = f"{r['server_rss_peak_mib']:.0f}" if r["server_rss_peak_mib"] else "-"
        lines.append(
            f"| {r['index']} | {r['store']} | {r['documents']} | {r['chunks']} "
            f"| {r['first_query_s']:.2f} ({r['first_query_refresh_s']:.2f}) "
            f"| {r['restart_first_query_s']:.2f} ({r['restart_first_query_refresh_s']:.2f}) "
            f"| {', '.join(f'{x:.1f}' for x in r['process_start_up_s']) or '-'} "
            f"| {r['after_change_s']:.2f} ({r['after_change_refresh_s']:.2f}) "
            f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['mean_ms']:.0f} | {r['max_ms']:.0f} "
            f"| {r['questions']} ({r['abstained']}) | {r['rss_before_mib']:.0f} "
            f"| {r['rss_peak_first_query_mib']:.0f} | {r['rss_peak_mib']:.0f} | {server} "
            f"| {r['disk_mib']:.0f} |"
        )
    lines += [
        "",
        "Where a warm question's time goes (ms per question, exclusive; calls per question):",
        "",
        "| index | " + " | ".join(name for _, name in COMPONENTS) + " | rest (answering) |",
        "| --- |" + " ---: |" * (len(COMPONENTS) + 1),
    ]
    for r in results:
        cells = []
        for label, _ in COMPONENTS:
            part = r["breakdown"][label]
            cells.append(f"{part['ms_per_question']:.1f} ({part['calls_per_question']:g})")
        cells.append(f"{r['breakdown']['rest']['ms_per_question']:.1f}")
        lines.append(f"| {r['index']} | " + " | ".join(cells) + " |")
    lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="bundled,10000,100000", help="comma-separated: bundled and/or N"
    )
    parser.add_argument("--questions", type=int, default=60, help="timed questions (max 105)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed questions first")
    parser.add_argument("--store", choices=["embedded", "server"], default="embedded")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--device", default="cpu", help="for the real model (default cpu)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=None, help="RNG seed of the scaled corpus")
    parser.add_argument("--work", type=Path, help="keep built indexes here and reuse them")
    parser.add_argument(
        "--index",
        type=Path,
        action="append",
        default=[],
        help="also measure an index already built (a Chroma folder), e.g. the 100,000-chunk "
        "store benchmarks/ingest.py --keep-store leaves; repeatable",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile 10 questions, largest")
    parser.add_argument(
        "--start-ups",
        type=int,
        default=2,
        help="times a new `assistant ask` process is timed on each index (default 2)",
    )
    args = parser.parse_args(argv)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in args.sizes:
        if size != "bundled" and not size.isdigit():
            parser.error(f"--sizes: {size!r} is neither 'bundled' nor a number")

    args.options = chunking_options(settings())
    info = machine_info(["torch", "chromadb"])
    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-query-"))
    work.mkdir(parents=True, exist_ok=True)
    args.work_dir = work
    questions = asked_questions(args.questions)
    results: list[dict] = []
    try:
        embedder = load_embedder(args.device, args.threads)
        info["embedding model"] = f"{embedder.name} on {embedder.device}"
        info["torch"] = torch_info()
        embedder.embed_query("khởi động")  # warm-up, not timed
        builder = IndexBuilder(embedder, work, args.seed, args.options)
        for size in args.sizes:
            built = builder.build(size)
            results.append(measure_size(size, builder.path(size), built, embedder, questions, args))
        for path in args.index:
            built = {"reused": True, "path": str(path)}
            results.append(measure_size(path.name, path, built, embedder, questions, args))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    notes = [
        f"{len(questions)} questions of tests/data/qa.jsonl timed one by one after "
        f"{args.warmup} untimed; `Assistant.ask` with hybrid retrieval, extractive answerer, "
        "k=5; query vectors by the real model.",
        "first query: the first `ask` on a freshly opened index (`Searcher.refresh` in "
        "brackets: the tantivy lexical cache beside the store catches up, built from every "
        "chunk if it is not there yet, the catalog reads the documents, the dense reader "
        "opens); first after a restart: a new searcher on the same store, its cache on "
        "disk already caught up; new process to its answer: `assistant ask --json` run as a "
        "new process on the index, from start to exit (imports, model load, store open, "
        "first refresh, answer; files already in the OS cache); after a new document: the "
        "first `ask` after one more article is ingested, when the cache adds its chunks and "
        "the reader reopens.",
        "scaled indexes: the bundled articles plus synthetic documents recombined from real "
        "sentences, vectors from cached real sentence embeddings (normalized mean per chunk).",
        *builder.notes,
        f"benchmark wall time {time.perf_counter() - started:.0f} s (after imports; model load "
        "and builds included)",
    ]
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(info, results, notes)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"machine": info, "results": results, "notes": notes, "markdown": text}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
