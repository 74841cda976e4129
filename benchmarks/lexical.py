"""Choose the persistent lexical index by measurement: SQLite FTS5 or tantivy, against bm25s.

Chunk texts are recombined from the real sentences `benchmarks/scaled_corpus.py`
harvests (the bundled articles and the UIT documents), about 180 words each like the
store's chunks, seeded. Every engine indexes the same terms (`lexical_terms`, folded
once, outside the timings) and is asked the bundled set's questions (`query_terms`).
Reported per engine: time to index every chunk, time to add one document of 10 chunks
to the built index (what the app pays after an upload), question latency p50/p95,
and how far its rankings agree with bm25s' (the in-process index it replaces).

With `--store`, the Searcher itself over an embedded store of those chunks (random
vectors, 10 chunks a document): its first refresh, which builds the cache; a restart,
which reads it back; a refresh after one more document; lexical questions with a
province filter.

    .venv/bin/python benchmarks/lexical.py --chunks 10000 --store \\
        --json benchmarks/results/lexical.json
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bm25s
import numpy as np
import tantivy

from assistant.evaluation.percentile import percentile
from benchmarks.common import (
    QUESTIONS,
    chunking_options,
    log,
    machine_info,
    paragraphs_write,
    release_chroma_clients,
    settings,
)
from benchmarks.scaled_corpus import SEED, harvest, source_dirs
from index.retrieve import Searcher
from index.store import DocumentWrite, Store, connect
from ingest.normalize import lexical_terms, query_terms

WORDS_PER_CHUNK = 180
PROVINCES = ("Sóc Trăng", "Tây Ninh", "Tuyên Quang", "Quảng Ninh", "Đà Nẵng")
TOP = 5


def chunk_texts(n: int, seed: int = SEED) -> list[str]:
    pool = harvest(source_dirs(), lambda text: len(text.split()) * 2, chunking_options(settings()))
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        words, parts = 0, []
        while words < WORDS_PER_CHUNK:
            sentence = rng.choice(pool.sentences)
            parts.append(sentence)
            words += len(sentence.split())
        texts.append(" ".join(parts))
    return texts


class Bm25s:
    name = "bm25s (in process, rebuilt)"

    def build(self, terms: list[list[str]], work: Path) -> None:
        self.terms = terms
        self.index = bm25s.BM25()
        self.index.index(terms, show_progress=False)

    def add(self, terms: list[list[str]]) -> None:
        self.build(self.terms + terms, Path())

    def search(self, query: list[str]) -> list[int]:
        scores = self.index.get_scores(query)
        best = np.argsort(-scores, kind="stable")[:TOP]
        return [int(i) for i in best if scores[i] > 0]


class Fts5:
    name = "SQLite FTS5"

    def build(self, terms: list[list[str]], work: Path) -> None:
        self.db = sqlite3.connect(work / "fts.sqlite")
        self.db.execute(
            "CREATE VIRTUAL TABLE chunks USING fts5(terms, "
            "tokenize=\"unicode61 remove_diacritics 0 tokenchars '~.,/%'\")"
        )
        self.add(terms, first=0)

    def add(self, terms: list[list[str]], first: int | None = None) -> None:
        if first is None:
            first = self.db.execute("SELECT max(rowid) + 1 FROM chunks").fetchone()[0]
        with self.db:
            self.db.executemany(
                "INSERT INTO chunks(rowid, terms) VALUES (?, ?)",
                ((first + i, " ".join(t)) for i, t in enumerate(terms)),
            )

    def search(self, query: list[str]) -> list[int]:
        match = " OR ".join(f'"{term}"' for term in query)
        rows = self.db.execute(
            "SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks) LIMIT ?",
            (match, TOP),
        )
        return [row[0] for row in rows]


class Tantivy:
    name = "tantivy"

    def build(self, terms: list[list[str]], work: Path) -> None:
        schema = tantivy.SchemaBuilder()
        schema.add_unsigned_field("row", stored=True, indexed=True, fast=True)
        schema.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
        (work / "tantivy").mkdir()
        self.index = tantivy.Index(schema.build(), path=str(work / "tantivy"))
        self.schema = self.index.schema
        self.rows = 0
        self.add(terms)

    def add(self, terms: list[list[str]]) -> None:
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for t in terms:
            document = tantivy.Document()
            document.add_unsigned("row", self.rows)
            document.add_text("terms", " ".join(t))
            writer.add_document(document)
            self.rows += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(self, query: list[str]) -> list[int]:
        should = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "terms", t)) for t in query
        ]
        searcher = self.index.searcher()
        found = searcher.search(tantivy.Query.boolean_query(should), TOP).hits
        return [searcher.doc(address)["row"][0] for _, address in found]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def agreement(results: list[list[int]], reference: list[list[int]] | None) -> dict:
    """Same first chunk as bm25s, and the share of bm25s' top 5 also in this top 5."""
    if reference is None:
        return {}
    pairs = list(zip(results, reference, strict=True))
    first = sum(a[:1] == b[:1] for a, b in pairs) / len(pairs)
    shared = sum(len(set(a) & set(b)) / max(len(b), 1) for a, b in pairs) / len(pairs)
    return {"top1_as_bm25s": round(first, 3), "top5_shared_with_bm25s": round(shared, 3)}


def measure(engine, terms, extra, queries, reference) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        build = timed(lambda: engine.build(terms, Path(tmp)))
        add = timed(lambda: engine.add(extra))
        latencies, results = [], []
        for query in queries:
            started = time.perf_counter()
            top = engine.search(query)
            latencies.append((time.perf_counter() - started) * 1000)
            results.append(top)
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "engine": engine.name,
        "index_s": round(build, 2),
        "add_10_chunks_s": round(add, 3),
        "query_p50_ms": round(percentile(latencies, 50), 2),
        "query_p95_ms": round(percentile(latencies, 95), 2),
        **agreement(results, reference),
        "disk_mib": round(size / 2**20, 1),
        "results": results,
    }


def synthetic_write(doc_id: str, texts: list[str], rng: np.random.Generator) -> DocumentWrite:
    """A document of these chunk texts with random unit vectors (the timings need no model)."""
    vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    province = PROVINCES[int(rng.integers(len(PROVINCES)))]
    return paragraphs_write(
        doc_id, texts, vectors, version=f"{doc_id:0>12}"[-12:], provinces=(province,)
    )


def follow_store(texts: list[str], queries: list[str]) -> dict:
    """The Searcher over an embedded store of these chunks (10 a document): its first
    refresh (the cache built from nothing), a restart (the cache read back), a refresh
    after another document is written, and lexical questions with a province filter."""
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(connect(str(Path(tmp) / "db")), "synthetic")
        writes = [
            synthetic_write(f"d{n}", texts[n : n + 10], rng) for n in range(0, len(texts), 10)
        ]
        for lo in range(0, len(writes), 100):
            store.write_documents(writes[lo : lo + 100])
        result = {"first_refresh_s": timed(Searcher(store, None).refresh)}
        searcher = Searcher(store, None)
        result["restart_refresh_s"] = timed(searcher.refresh)
        store.write_documents([synthetic_write("new", texts[:10], rng)])
        result["refresh_after_one_document_s"] = timed(searcher.refresh)
        latencies = []
        for n, query in enumerate(queries):
            province = PROVINCES[n % len(PROVINCES)]
            ask = functools.partial(searcher.search, query, k=5, mode="lexical", province=province)
            latencies.append(timed(ask))
        result["lexical_question_p50_ms"] = round(percentile(latencies, 50) * 1000, 2)
        result["lexical_question_p95_ms"] = round(percentile(latencies, 95) * 1000, 2)
        release_chroma_clients()
    return {
        key: round(value, 3) if isinstance(value, float) else value for key, value in result.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--store", action="store_true", help="also time the Searcher over a store")
    args = parser.parse_args()
    texts = chunk_texts(args.chunks + 10)
    started = time.perf_counter()
    terms = [lexical_terms(text) for text in texts]
    fold_s = time.perf_counter() - started
    log(f"{len(texts)} chunks folded in {fold_s:.1f} s")
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    queries = [q for q in (query_terms(question) for question in questions) if q]
    rows, reference = [], None
    for engine in (Bm25s(), Fts5(), Tantivy()):
        row = measure(engine, terms[: args.chunks], terms[args.chunks :], queries, reference)
        reference = reference or row["results"]
        row.pop("results")
        log(json.dumps(row, ensure_ascii=False))
        rows.append(row)
    if args.store:
        followed = follow_store(texts[: args.chunks], questions)
        log(json.dumps(followed))
    report = {
        "chunks": args.chunks,
        "searcher_over_a_store": followed if args.store else None,
        "questions": len(queries),
        "fold_s": round(fold_s, 1),
        "engines": rows,
        "machine": machine_info(["tantivy", "bm25s"]),
    }
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
