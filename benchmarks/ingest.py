"""Ingestion throughput (chunks/s) and peak memory, on the bundled corpus and at scale.

Two measurements, reported separately:

1. **Bundled corpus, end to end** (`data/articles/`): the real pipeline exactly as
   `assistant ingest` runs it (`index.indexer.ingest_paths`: load, clean, metadata,
   targets, chunking with the model's tokenizer, embedding with the real model,
   Chroma writes). The time is split into the model, the tokenizer calls of the
   chunker, the Chroma writes and the rest.
2. **Scaled corpus, everything but the model**: synthetic documents of at least
   `--chunks` chunks recombined from real sentences of the bundled articles and the UIT
   documents (benchmarks/scaled_corpus.py), ingested by the same `ingest_paths`. Only
   the model is replaced: every distinct real sentence is embedded once by the real
   model (cached under .data/benchmarks/), and a chunk's vector is the normalized mean
   of its sentences' vectors. By default the chunker's token counts are memoized by
   text too (`--tokens memo`): the real tokenizer is called once per distinct text,
   which on a corpus recombined from a few hundred sentences removes nearly all of its
   cost; `--tokens real` keeps every call (practical only for small `--chunks`).

Each runs against the embedded store (chromadb.PersistentClient in a temporary folder)
and/or a Chroma server (`chroma run` on 127.0.0.1 and a free port, stopped at the end).
`ingest_paths` writes documents in batches of about `--batch-chunks` chunks (its default
unless given; 1 writes each document on its own, as ingestion did before batching).
*Chroma writes* is the time in `Store.write_documents`, *Chroma reads* that of the
run's `sweep` and `list_documents`. Peak memory is the RSS of this process (it holds
the model, and the embedded store's engine) sampled every 50 ms, and for the server
store also the server process's RSS.

`--keep-store DIR` leaves the scaled embedded store in DIR (a chromadb.PersistentClient
folder, to open with `Store(connect(DIR), model)`), with the bundled articles added after
the timed run (real model, untimed) so that questions about them have answers, and
`benchmark-build.json` beside it describing what it holds.

    .venv/bin/python benchmarks/ingest.py --chunks 100000 --store both --json /tmp/ingest.json
    .venv/bin/python benchmarks/ingest.py --chunks 5000 --store embedded   # a quick run

The Markdown printed at the end (machine, table, notes) can be pasted into the README.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cached_embeddings import CachedEmbedder, sentence_vectors
from benchmarks.common import (
    ARTICLES,
    ROOT,
    PeakRss,
    Timings,
    chunking_options,
    du,
    load_embedder,
    log,
    machine_info,
    machine_table,
    mib,
    open_store,
    release_chroma_clients,
    settings,
    torch_info,
)
from benchmarks.scaled_corpus import MemoMeasure, harvest, source_dirs, write_corpus
from index.indexer import BATCH_CHUNKS, ChunkingOptions, ingest_paths
from index.store import Store, connect
from ingest.chunk import approximate_tokens


@contextmanager
def open_run_store(
    kind: str, folder: Path, model: str, path: Path | None = None
) -> Iterator[tuple[Store, int | None, Path]]:
    """(store, server pid or None, the folder the data lands in); `path` for the embedded one."""
    path = path or folder / kind
    with open_store(kind, path, model) as (store, server_pid):
        yield store, server_pid, path
    release_chroma_clients()


class Proxy:
    """The embedder as ingest_paths sees it, with its calls timed and its texts counted.

    Ingestion embeds each batch's chunks and their sentences in one call
    (index/sentence_vectors.py), so `texts` counts both.
    """

    def __init__(
        self, embedder, timings: Timings, model_label: str, measure=None, *, workers: int = 0
    ) -> None:
        self.name = embedder.name
        self.texts = 0
        self._embed = timings.wrap(model_label, embedder.embed_passages)
        measure = measure or embedder.count_tokens
        # Worker processes are sent the counter itself (it must pickle): they count untimed.
        self.count_tokens = measure if workers else timings.wrap("token counting", measure)

    def embed_passages(self, texts: list[str], show_progress: bool = False):
        self.texts += len(texts)
        return self._embed(texts, show_progress)


def ingest_run(
    label: str,
    kind: str,
    folder: Path,
    source: Path,
    embedder,
    model_label: str,
    measure=None,
    *,
    options: ChunkingOptions,
    progress_every: float = 0.1,
    batch_chunks: int = BATCH_CHUNKS,
    keep: Path | None = None,
    workers: int = 0,
) -> dict:
    timings = Timings()
    proxy = Proxy(embedder, timings, model_label, measure, workers=workers)
    timeline: list[tuple[float, int]] = []  # (seconds, chunks stored) after each batch

    with open_run_store(kind, folder, embedder.name, keep) as (store, server_pid, data_path):
        timings.patch(store, "write_documents", "Chroma writes")
        timings.patch(store, "sweep", "Chroma reads")
        timings.patch(store, "list_documents", "Chroma reads")
        write = store.write_documents
        started = time.perf_counter()

        def written(writes: list) -> None:
            write(writes)
            stored = (timeline[-1][1] if timeline else 0) + sum(len(w.chunks) for w in writes)
            timeline.append((time.perf_counter() - started, stored))

        store.write_documents = written

        def report(done: int, total: int) -> None:
            elapsed = time.perf_counter() - started
            chunks = timeline[-1][1] if timeline else 0
            log(f"  {label}/{kind}: {done}/{total} files, {chunks} chunks stored, {elapsed:.0f} s")

        def progress(items: list):
            step = max(1, int(len(items) * progress_every))
            for done, item in enumerate(items):
                if done and done % step == 0:
                    report(done, len(items))
                yield item

        with PeakRss(server_pid) as rss:
            summary = ingest_paths(
                [source], store, proxy, options, progress=progress, batch_chunks=batch_chunks,
                workers=workers,
            )  # fmt: skip
        wall = time.perf_counter() - started
        documents = store.documents.count()
        stored = store.chunks.count()
        size = du(data_path)
    if summary.failed:
        log(f"  {len(summary.failed)} files failed, e.g. {summary.failed[0]}")
    model = timings.seconds.get(model_label, 0.0)
    tokens = timings.seconds.get("token counting", 0.0)
    writes = timings.seconds.get("Chroma writes", 0.0)
    reads = timings.seconds.get("Chroma reads", 0.0)
    result = {
        "run": label,
        "store": kind,
        "documents": documents,
        "chunks": summary.chunks,
        "chunks_in_store": stored,
        "failed": len(summary.failed),
        "batch_chunks": batch_chunks,
        "prepare_workers": workers,
        "chroma_write_calls": timings.calls.get("Chroma writes", 0),
        "wall_s": round(wall, 2),
        "chunks_per_s": round(summary.chunks / wall, 1),
        "model_label": model_label,
        "texts_embedded": proxy.texts,
        "model_s": round(model, 2),
        "chunks_per_s_without_model": round(summary.chunks / max(wall - model, 1e-9), 1),
        "token_counting_s": round(tokens, 2),
        "token_counting_calls": timings.calls.get("token counting", 0),
        "chroma_writes_s": round(writes, 2),
        "chroma_reads_s": round(reads, 2),
        "other_s": round(wall - model - tokens - writes - reads, 2),
        "rss_start_mib": mib(rss.start_self),
        "rss_peak_mib": mib(rss.peak_self),
        "server_rss_start_mib": mib(rss.start_server) if server_pid else None,
        "server_rss_peak_mib": mib(rss.peak_server) if server_pid else None,
        "disk_mib": mib(size),
    }
    if timeline:
        result["timeline"] = [[round(t, 2), n] for t, n in timeline]
        result["rate_by_tenth"] = _rates(timeline, wall)
    log(
        f"  {label}/{kind}: {summary.chunks} chunks in {wall:.1f} s = "
        f"{result['chunks_per_s']} chunks/s"
    )
    return result


def finish_kept_store(path: Path, embedder, corpus, result: dict, options: ChunkingOptions) -> dict:
    """Add the bundled articles (real model, untimed) and describe the store beside it.

    With them the questions of tests/data/qa.jsonl have answers, as in the indexes
    benchmarks/query.py builds; `benchmark-build.json` has the fields its own has.
    """
    store = Store(connect(str(path)), embedder.name)
    bundled = ingest_paths([ARTICLES], store, embedder, options)
    info = {
        "build_s": result["wall_s"],
        "documents": store.documents.count(),
        "chunks": store.chunks.count(),
        "bundled_chunks": bundled.chunks,
        "synthetic_chunks": result["chunks"],
        "synthetic_documents": result["documents"],
        "seed": corpus.seed,
        "embedding_model": embedder.name,
        "synthetic_vectors": "normalized mean of cached real sentence embeddings",
        "built_by": "benchmarks/ingest.py",
    }
    (path / "benchmark-build.json").write_text(json.dumps(info, indent=2) + "\n")
    release_chroma_clients()
    return info


def _rates(timeline: list[tuple[float, int]], wall: float, parts: int = 10) -> list[float]:
    """Chunks/s over each tenth of the chunks stored, the last one up to the end of the run.

    Shows whether writing slows as the collection grows.
    """
    total = timeline[-1][1]
    points = [(0.0, 0)]
    for part in range(1, parts + 1):
        reached = next((t, n) for t, n in timeline if n >= total * part / parts)
        if reached[1] > points[-1][1]:
            points.append(reached)
    points[-1] = (wall, total)
    return [round((n1 - n0) / (t1 - t0), 1) for (t0, n0), (t1, n1) in pairwise(points) if t1 > t0]


def markdown(info: dict[str, str], results: list[dict], notes: list[str]) -> str:
    lines = [
        "#### Ingestion",
        "",
        machine_table(info),
        "",
        "| corpus | store | docs | chunks | wall s | chunks/s | chunks/s without model "
        "| model s | tokenizer s (calls) | Chroma writes s (batches) | Chroma reads s "
        "| load/clean/chunk/targets s | peak RSS MiB (start) | server peak RSS MiB (start) "
        "| on disk MiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for r in results:
        server = (
            f"{r['server_rss_peak_mib']:.0f} ({r['server_rss_start_mib']:.0f})"
            if r["server_rss_peak_mib"] is not None
            else "-"
        )
        lines.append(
            f"| {r['run']} | {r['store']} | {r['documents']} | {r['chunks']} | {r['wall_s']:.1f} "
            f"| {r['chunks_per_s']:.1f} | {r['chunks_per_s_without_model']:.1f} "
            f"| {r['model_s']:.1f} ({r['model_label']}, {r['texts_embedded']} texts) "
            f"| {r['token_counting_s']:.1f} ({r['token_counting_calls']}) "
            f"| {r['chroma_writes_s']:.1f} ({r['chroma_write_calls']}) "
            f"| {r['chroma_reads_s']:.1f} | {r['other_s']:.1f} "
            f"| {r['rss_peak_mib']:.0f} ({r['rss_start_mib']:.0f}) | {server} "
            f"| {r['disk_mib']:.0f} |"
        )
    lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000, help="scaled corpus size")
    parser.add_argument("--store", choices=["embedded", "server", "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--tokens",
        choices=["memo", "real", "approx"],
        default="memo",
        help="chunker token counts at scale: the model's tokenizer memoized by text (default), "
        "every call real, or the tokenizer-free approximation",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=settings().prepare_workers,
        help="processes preparing files while the writes run (default: the settings', as "
        "`assistant ingest`); 0 prepares in this process",
    )
    parser.add_argument("--skip-bundled", action="store_true", help="only the scaled corpus")
    parser.add_argument("--skip-scaled", action="store_true", help="only the bundled corpus")
    parser.add_argument("--device", default="cpu", help="for the real model (default cpu)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=None, help="RNG seed of the scaled corpus")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--batch-chunks",
        type=int,
        default=BATCH_CHUNKS,
        help=f"chunks per write batch (default {BATCH_CHUNKS}; 1 = one document per write)",
    )
    parser.add_argument(
        "--keep-store",
        type=Path,
        help="leave the scaled embedded store here (a folder that must not exist yet)",
    )
    args = parser.parse_args(argv)
    if args.keep_store and args.keep_store.exists():
        parser.error(f"{args.keep_store} exists; remove it or choose another folder")
    stores = ["embedded", "server"] if args.store == "both" else [args.store]
    args.options = chunking_options(settings())

    info = machine_info(["torch", "chromadb"])
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log(f"working folder {work}")
    results: list[dict] = []
    notes: list[str] = []
    try:
        t = time.perf_counter()
        embedder = load_embedder(args.device, args.threads)
        log(f"model loaded in {time.perf_counter() - t:.1f} s")
        form = getattr(embedder, "form", "fp32")  # PyTorch float32 unless the embedder says
        info["embedding model"] = f"{embedder.name} ({form}) on {embedder.device}"
        info["torch"] = torch_info()
        if not args.skip_bundled:
            embedder.embed_passages(["khởi động"])  # warm-up, not timed
            for kind in stores:
                log(f"bundled corpus, real pipeline end to end, {kind} store ...")
                results.append(
                    ingest_run(
                        "bundled (real model)", kind, work / f"bundled-{kind}", ARTICLES,
                        embedder, "model", options=args.options, batch_chunks=args.batch_chunks,
                        workers=args.workers,
                    )
                )  # fmt: skip
            notes.append(
                "bundled: `data/articles/` through `ingest_paths` with the real model, "
                "end to end; *without model* = chunks / (wall - time in `embed_passages`)."
            )
        if not args.skip_scaled:
            results += scaled(args, embedder, stores, work, notes)
    finally:
        if args.keep:
            log(f"kept {work}")
        elif not args.work:
            shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - started
    notes.append(f"benchmark wall time {wall:.0f} s (after imports; model load included)")
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(info, results, notes)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"machine": info, "results": results, "notes": notes, "markdown": text}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def scaled(args, embedder, stores: list[str], work: Path, notes: list[str]) -> list[dict]:
    def token_measure():
        if args.tokens == "approx":
            return approximate_tokens
        if args.tokens == "real":
            return embedder.count_tokens
        return MemoMeasure(embedder.count_tokens)

    pool = harvest(source_dirs(), token_measure(), args.options)
    vectors, embedded_now, embed_s = sentence_vectors(embedder, pool.texts, log)
    seed = {"seed": args.seed} if args.seed is not None else {}
    # write_corpus chunks each document as one region, where the cleaner may drop or
    # split a line: a few chunks per 10,000 differ (99,991 for 100,000 once), so aim a
    # little higher to be sure.
    target = args.chunks + -(-args.chunks // 500)
    corpus = write_corpus(work / "corpus", pool, token_measure(), target, args.options, **seed)
    log(
        f"scaled corpus: {len(corpus.files)} documents, {corpus.expected_chunks} chunks expected, "
        f"{corpus.bytes / 2**20:.1f} MiB, written in {corpus.seconds:.1f} s"
    )
    dimension = len(next(iter(vectors.values())))
    results = []
    for kind in stores:
        measure = token_measure()
        cached = CachedEmbedder(embedder.name, vectors, measure, dimension)
        log(f"scaled corpus, cached embeddings, {kind} store ...")
        keep = args.keep_store if kind == "embedded" else None
        result = ingest_run(
            "scaled (cached vectors)", kind, work / f"scaled-{kind}", corpus.directory,
            cached, "vector lookup", measure, options=args.options,
            batch_chunks=args.batch_chunks, keep=keep, workers=args.workers,
        )  # fmt: skip
        result["distinct_chunk_texts"] = cached.distinct_passages
        result["sentence_misses"] = cached.misses
        if isinstance(measure, MemoMeasure) and not args.workers:
            result["tokenizer_real_calls"] = measure.real_calls
            result["tokenizer_real_s"] = round(measure.real_seconds, 2)
        results.append(result)
        if keep:
            info = finish_kept_store(keep, embedder, corpus, result, args.options)
            notes.append(
                f"scaled/embedded store kept in {keep}: {info['documents']} documents, "
                f"{info['chunks']} chunks (the bundled articles added after the timed run)."
            )
        tenths = result.get("rate_by_tenth", [])
        if tenths:
            notes.append(
                f"scaled/{kind}: chunks/s by tenth of the chunks: "
                + ", ".join(f"{x:.0f}" for x in tenths)
            )
        if args.workers:
            notes.append(
                f"scaled/{kind}: files prepared by {args.workers} worker process(es) while "
                "this one wrote (index/preparation.py); their token counts (memoized there "
                "too) are not timed here."
            )
        elif isinstance(measure, MemoMeasure):
            notes.append(
                f"scaled/{kind}: {measure.calls} token counts, {measure.real_calls} of them by "
                f"the real tokenizer ({measure.real_seconds:.1f} s), the rest from the memo."
            )
    source = ", ".join(os.path.relpath(d, ROOT) for d in source_dirs())
    how = {
        "memo": "the model's tokenizer, memoized by text",
        "real": "the model's tokenizer, every call",
        "approx": "the tokenizer-free approximation `approximate_tokens`",
    }[args.tokens]
    notes += [
        f"scaled: {len(corpus.files)} synthetic documents ({corpus.bytes / 2**20:.1f} MiB, "
        f"seed {corpus.seed}) recombining {len(pool.sentences)} real sentences and "
        f"{len(pool.headings)} heading lines from {pool.files} files ({source}); "
        "distinct texts given to the stand-in (chunks and their sentences): "
        f"{results[0]['distinct_chunk_texts'] if results else 0}; the model embedded none of "
        "them (the stand-in holds no model; a sentence missing from the cache would be a miss).",
        "scaled: vectors are cached real embeddings, not model output per chunk: each distinct "
        f"sentence embedded once by {embedder.name} "
        + (
            f"({embedded_now} now, {embed_s:.0f} s, not counted)"
            if embedded_now
            else "(from the cache in .data/benchmarks/)"
        )
        + ", a chunk's vector the normalized mean of its sentences' vectors "
        f"(sentence misses: {results[0]['sentence_misses'] if results else 0}); "
        "*vector lookup* is that stand-in's time; *without model* excludes it.",
        f"scaled: chunker token counts by {how}.",
    ]
    return results


if __name__ == "__main__":
    main()
