"""What a Chroma write costs per record, and how batching, ids, metadata and store size change it.

A benchmark, not a test (issue #15, item 5). The records are chunks as `assistant ingest`
stores them: a ~1,000-character chunk of real Vietnamese sentences (those whose real
vectors benchmarks/cached_embeddings.py keeps under .data/benchmarks/, else those of
data/articles/), its 384-dim float32 vector (the normalized mean of its sentences' real
vectors, as benchmarks/ingest.py does at scale; random unit vectors when no cache is
there), its metadata from `index.record.chunk_metadata`, and an id of the project's form
`chunk_id(doc_id, generation, index)` (16 + 12 hex characters and the index: 31-33
characters), in collections made as index/store.py makes them (cosine HNSW).

Each *point* writes `--records` records (`--batch-records` for the batch sizes) into a
new, empty collection with `collection.upsert` (or `add`), in batches, and changes one
thing from the baseline (upsert, batches of 1,000, project ids, the chunk metadata,
the text stored as the record's document and full-text indexed):

* batch size (`--batches`);
* ids: short (the record's number in hex, at most 5 characters) against project ids;
* metadata: none, the chunk metadata, the chunk metadata plus one string field of
  2,560 characters (five sentence vectors as base64 int8, what storing them per chunk
  would add), and the chunk metadata less `provinces` (read by nothing), and less
  `source` too; and vectors alone (no document, no metadata);
* documents stored but not full-text indexed (a Chroma Schema without the FTS index on
  `#document`; the project never filters with `where_document`);
* the chunk's text as a metadata field instead of the record's document (how chunks
  are written now, `index.record.chunk_metadata`), alone and with the 2,560-character
  field;
* `add` against `upsert`.

Then two collections are filled to `--store-records` records in batches of 1,000, each
batch timed (how the cost grows with the store): one with vectors only (the vector
index's share) and one with baseline records, into which `--repeats` more baseline writes
of `--records` go (each into a store that holds a thousand more). Chroma's local store
writes documents into its full-text tables even when the Schema disables that index (it
only refuses `where_document` then), which the "no full-text index" point shows.

The points run round-robin, `--repeats` times, so that other jobs on the machine weigh
on all of them alike; each point reports the median wall time per record (µs) and
records/s, and the median CPU time per record of this process and the server together
(less sensitive to other jobs than wall time). Every run logs the load average. All of it
runs on an embedded store (chromadb.PersistentClient) and on a local `chroma run` server.

    .venv/bin/python benchmarks/chroma_writes.py --json benchmarks/results/chroma-writes.json
    .venv/bin/python benchmarks/chroma_writes.py --records 200 --batch-records 400 \
        --batches 100,200,400 --store-records 1000 --repeats 1        # a quick run
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cached_embeddings import CACHE
from benchmarks.common import (
    ARTICLES,
    ChromaServer,
    log,
    machine_info,
    machine_table,
    paragraphs_write,
    release_chroma_clients,
)
from index.record import chunk_id, chunk_metadata
from index.store import connect

DIMENSIONS = 384
CHUNK_CHARS = 1000
CHUNKS_PER_DOCUMENT = 8
SENTENCE_VECTORS = 5  # per chunk, in the extra metadata field, as base64 int8
PROVINCES = (("Tây Ninh",), ("Sóc Trăng", "Cần Thơ"), ("Quảng Ninh",), ("Tuyên Quang",))


def _without(*keys: str) -> Callable[[dict, str], dict]:
    return lambda meta, extra: {k: v for k, v in meta.items() if k not in keys}


# How a point's metadata is made from the chunk metadata and the extra field (None: none).
# "chunk" is the metadata as it was while the chunk's text was the record's document;
# "chunk+text" is `chunk_metadata` as it is, the text in it.
METADATA: dict[str, Callable[[dict, str], dict] | None] = {
    "none": None,
    "chunk": _without("text"),
    "chunk+sentences": lambda meta, extra: {
        **_without("text")(meta, extra),
        "sentence_vectors": extra,
    },
    # `provinces` is read by nothing since filters go by document id; `source` is the
    # document's, which the reader has in its catalog.
    "chunk-provinces": _without("text", "provinces"),
    "chunk-provinces-source": _without("text", "provinces", "source"),
    "chunk+text": lambda meta, extra: meta,
    "chunk+text+sentences": lambda meta, extra: {**meta, "sentence_vectors": extra},
}


@dataclass(frozen=True)
class Point:
    """One way of writing; every field but `name` and `records` as the baseline unless set."""

    name: str
    records: int
    batch: int = 1000
    ids: str = "project"  # or "short"
    metadata: str = "chunk"  # a key of METADATA
    documents: bool = True
    fts: bool = True
    method: str = "upsert"  # or "add"


@dataclass
class Records:
    """The records every point draws from, in the order they are written."""

    texts: list[str]
    vectors: np.ndarray
    metadatas: list[dict[str, Any]]
    project_ids: list[str]
    sentences: list[str]  # the extra field: five sentence vectors, base64 int8
    vector_source: str

    def batch(self, point: Point, lo: int, hi: int) -> dict[str, Any]:
        """The arguments of one upsert of records lo..hi as `point` writes them."""
        ids = (
            self.project_ids[lo:hi] if point.ids == "project" else [f"{n:x}" for n in range(lo, hi)]
        )
        arguments: dict[str, Any] = {"ids": ids, "embeddings": self.vectors[lo:hi]}
        if point.documents:
            arguments["documents"] = self.texts[lo:hi]
        shape = METADATA[point.metadata]
        if shape is not None:
            rows = zip(self.metadatas[lo:hi], self.sentences[lo:hi], strict=True)
            arguments["metadatas"] = [shape(meta, extra) for meta, extra in rows]
        return arguments


def real_sentences() -> tuple[list[str], np.ndarray | None]:
    """Real sentences and, when the benchmarks' cache holds them, their real vectors."""
    names = sorted(CACHE.glob("sentence-vectors-*.json"))
    if names and names[0].with_suffix(".npy").is_file():
        texts = json.loads(names[0].read_text(encoding="utf-8"))
        vectors = np.load(names[0].with_suffix(".npy"))
        if len(texts) == len(vectors) and vectors.shape[1] == DIMENSIONS:
            return texts, vectors.astype(np.float32)
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt")))
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20], None


def make_records(count: int, seed: int = 0) -> Records:
    """`count` chunks of about 1,000 characters, documents of eight chunks each."""
    sentences, sentence_vectors = real_sentences()
    rng = np.random.default_rng(seed)
    texts, vectors = [], []
    for _ in range(count):
        picked: list[int] = []
        while sum(len(sentences[i]) + 1 for i in picked) < CHUNK_CHARS:
            picked.append(int(rng.integers(len(sentences))))
        texts.append(" ".join(sentences[i] for i in picked)[:CHUNK_CHARS])
        if sentence_vectors is not None:
            vectors.append(sentence_vectors[picked].mean(axis=0))
        else:
            vectors.append(rng.standard_normal(DIMENSIONS))
    matrix = np.asarray(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    metadatas, ids = chunk_records(texts, matrix, rng)
    quantized = rng.integers(-128, 128, (count, SENTENCE_VECTORS * DIMENSIONS), dtype=np.int8)
    extra = [base64.b64encode(row.tobytes()).decode("ascii") for row in quantized]
    source = "cached real sentence vectors" if sentence_vectors is not None else "random"
    return Records(texts, matrix, metadatas, ids, extra, source)


def chunk_records(
    texts: Sequence[str], vectors: np.ndarray, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each chunk's metadata and id exactly as index/commit.py writes them."""
    metadatas, ids = [], []
    for lo in range(0, len(texts), CHUNKS_PER_DOCUMENT):
        doc_id = rng.bytes(8).hex()
        generation = rng.bytes(6).hex()
        provinces = PROVINCES[(lo // CHUNKS_PER_DOCUMENT) % len(PROVINCES)]
        part = texts[lo : lo + CHUNKS_PER_DOCUMENT]
        write = paragraphs_write(
            doc_id, part, vectors[lo : lo + len(part)], version=generation, provinces=provinces
        )
        for chunk in write.chunks:
            metadatas.append(chunk_metadata(write.record, chunk))
            ids.append(chunk_id(doc_id, generation, chunk.index))
    return metadatas, ids


def new_collection(client: Any, name: str, fts: bool) -> Any:
    """A chunk collection as index/store.py makes one; without full-text index if not `fts`."""
    if fts:
        return client.create_collection(
            name,
            metadata={"embedding_model": "benchmark"},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
    from chromadb import FtsIndexConfig, Schema, VectorIndexConfig

    schema = Schema()
    schema.delete_index(config=FtsIndexConfig(), key="#document")
    schema.create_index(config=VectorIndexConfig(space="cosine"))
    return client.create_collection(
        name, metadata={"embedding_model": "benchmark"}, schema=schema, embedding_function=None
    )


class Meter:
    """Wall and CPU seconds (this process and the server's) of what runs inside `measure`."""

    def __init__(self, server_pid: int | None) -> None:
        self.processes = [psutil.Process()]
        if server_pid is not None:
            self.processes.append(psutil.Process(server_pid))

    def cpu(self) -> float:
        total = 0.0
        for process in self.processes:
            for each in [process, *process.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system
        return total

    @contextmanager
    def measure(self, into: dict[str, float]) -> Iterator[None]:
        cpu, wall = self.cpu(), time.perf_counter()
        yield
        into["wall_s"] = into.get("wall_s", 0.0) + time.perf_counter() - wall
        into["cpu_s"] = into.get("cpu_s", 0.0) + self.cpu() - cpu


def write(collection: Any, records: Records, point: Point, lo: int, meter: Meter) -> dict:
    """Write records lo..lo+point.records as `point` says; one run's figures."""
    run: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    call: Callable[..., None] = getattr(collection, point.method)
    for start in range(lo, lo + point.records, point.batch):
        arguments = records.batch(point, start, min(start + point.batch, lo + point.records))
        with meter.measure(run):
            call(**arguments)
    run["records"] = point.records
    run["us_per_record"] = round(run["wall_s"] * 1e6 / point.records)
    run["cpu_us_per_record"] = round(run["cpu_s"] * 1e6 / point.records)
    run["records_per_s"] = round(point.records / run["wall_s"], 1)
    run["wall_s"], run["cpu_s"] = round(run["wall_s"], 3), round(run["cpu_s"], 3)
    return run


def empty_points(records: int, batch_records: int, batches: Sequence[int]) -> list[Point]:
    base = Point("baseline", records)
    sweep = [Point(f"batch {b}", batch_records, batch=b) for b in batches]
    return [
        *sweep,
        base,
        replace(base, name="short ids", ids="short"),
        replace(base, name="vectors only", metadata="none", documents=False),
        replace(base, name="no metadata", metadata="none"),
        replace(base, name="metadata + 2,560-char field", metadata="chunk+sentences"),
        replace(base, name="metadata - provinces", metadata="chunk-provinces"),
        replace(base, name="metadata - provinces, source", metadata="chunk-provinces-source"),
        replace(base, name="no full-text index", fts=False),
        replace(base, name="text in metadata", metadata="chunk+text", documents=False),
        replace(
            base,
            name="text in metadata + 2,560-char field",
            metadata="chunk+text+sentences",
            documents=False,
        ),
        replace(base, name="add", method="add"),
    ]


def run_empty(client: Any, meter: Meter, records: Records, points: list[Point], repeats: int):
    """Every point `repeats` times, round-robin, each run into a new collection."""
    runs: dict[str, list[dict]] = {p.name: [] for p in points}
    # Untimed: the first write of a client pays for loading what later writes reuse.
    warm = new_collection(client, "warm-up", True)
    write(warm, records, Point("warm-up", min(1000, len(records.texts))), 0, meter)
    client.delete_collection("warm-up")
    for repeat in range(repeats):
        for n, point in enumerate(points):
            name = f"empty-{repeat}-{n}"
            collection = new_collection(client, name, point.fts)
            runs[point.name].append(write(collection, records, point, 0, meter))
            client.delete_collection(name)
            log(f"  {point.name}: {runs[point.name][-1]['us_per_record']} µs/record")
    return runs


def fill(client: Any, meter: Meter, records: Records, point: Point, size: int):
    """A new collection filled to `size` records as `point` writes them, each batch timed."""
    collection = new_collection(client, point.name.replace(" ", "-"), point.fts)
    growth = []
    for lo in range(0, size, point.records):
        growth.append({"records_before": lo, **write(collection, records, point, lo, meter)})
    log(f"  {point.name} to {size:,}: last batch {growth[-1]['us_per_record']} µs/record")
    return collection, growth


def run_full(client: Any, meter: Meter, records: Records, args: argparse.Namespace):
    """Fill collections to --store-records (vectors only, to split off the vector index's
    share, and baseline), then write the baseline into the full one."""
    size = args.store_records
    vectors_only = Point("vectors only", 1000, metadata="none", documents=False)
    _, vector_growth = fill(client, meter, records, vectors_only, size)
    collection, growth = fill(client, meter, records, Point("baseline", 1000), size)
    point = Point(f"baseline at {size:,}", args.records)
    runs = []
    for repeat in range(args.repeats):
        lo = size + repeat * args.records
        runs.append({"records_before": lo, **write(collection, records, point, lo, meter)})
        log(f"  {point.name}: {runs[-1]['us_per_record']} µs/record")
    return point, runs, {"baseline": growth, "vectors only": vector_growth}


def summary(point: Point, runs: list[dict], store: str) -> dict:
    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 1)

    return {
        "store": store,
        **asdict(point),
        "median_us_per_record": median("us_per_record"),
        "median_records_per_s": median("records_per_s"),
        "median_cpu_us_per_record": median("cpu_us_per_record"),
        "runs": runs,
    }


@contextmanager
def client_for(kind: str, folder: Path) -> Iterator[tuple[Any, int | None]]:
    """(client, server pid or None) on a new Chroma folder: embedded or a local server."""
    if kind == "embedded":
        yield connect(str(folder)), None
        release_chroma_clients()
    else:
        with ChromaServer(folder) as server:
            yield connect("", server.url), server.pid


def measure_store(kind: str, records: Records, args: argparse.Namespace, work: Path) -> dict:
    log(f"{kind} store")
    points = empty_points(args.records, args.batch_records, args.batches)
    with client_for(kind, work / kind) as (client, pid):
        meter = Meter(pid)
        runs = run_empty(client, meter, records, points, args.repeats)
        full, full_runs, growth = run_full(client, meter, records, args)
    rows = [summary(p, runs[p.name], kind) for p in points]
    rows.append({**summary(full, full_runs, kind), "store_records": args.store_records})
    return {"points": rows, "growth": growth}


def table(results: dict[str, dict]) -> str:
    lines = [
        "| store | point | records | batch | µs/record | records/s | CPU µs/record |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, result in results.items():
        for row in result["points"]:
            lines.append(
                f"| {kind} | {row['name']} | {row['records']:,} | {row['batch']:,} "
                f"| {row['median_us_per_record']:,.0f} | {row['median_records_per_s']:,.0f} "
                f"| {row['median_cpu_us_per_record']:,.0f} |"
            )
    return "\n".join(lines)


def growth_table(results: dict[str, dict], every: int = 5) -> str:
    lines = [
        "| store | records before | µs/record, baseline | µs/record, vectors only |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, result in results.items():
        pairs = zip(result["growth"]["baseline"], result["growth"]["vectors only"], strict=True)
        for full, vectors in list(pairs)[::every]:
            lines.append(
                f"| {kind} | {full['records_before']:,} | {full['us_per_record']:,} "
                f"| {vectors['us_per_record']:,} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="records a run writes")
    parser.add_argument("--batch-records", type=int, default=2000, help="the same, batch sweep")
    parser.add_argument("--batches", default="100,500,1000,2000", help="batch sizes to sweep")
    parser.add_argument("--store-records", type=int, default=20000, help="the filled store")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stores", default="embedded,server")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    info = machine_info(["chromadb"])
    log(f"load average at start: {info['load average at start']}")
    needed = max(args.batch_records, args.store_records + args.repeats * args.records)
    records = make_records(needed)
    results: dict[str, dict] = {}
    started = time.perf_counter()
    cpu = psutil.Process().cpu_times()
    with tempfile.TemporaryDirectory(prefix="chroma-writes-") as work:
        for kind in args.stores.split(","):
            results[kind] = measure_store(kind, records, args, Path(work))
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    spent = psutil.Process().cpu_times()
    report = {
        "machine": info,
        "arguments": {k: v for k, v in vars(args).items() if k != "json"},
        "vectors": records.vector_source,
        "mean_chunk_chars": round(float(np.mean([len(t) for t in records.texts]))),
        "mean_project_id_chars": round(float(np.mean([len(i) for i in records.project_ids])), 1),
        "mean_chunk_metadata_json_chars": round(
            float(np.mean([len(json.dumps(m, ensure_ascii=False)) for m in records.metadatas]))
        ),
        "extra_field_chars": len(records.sentences[0]),
        "elapsed_s": round(time.perf_counter() - started),
        "client_cpu_s": round(spent.user + spent.system - cpu.user - cpu.system),
        "results": results,
    }
    print(machine_table(info), table(results), growth_table(results), sep="\n\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
