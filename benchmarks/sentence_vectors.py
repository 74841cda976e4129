"""Which sentence vectors the answerer should store: each sentence encoded on its own, or the
chunk pass's token states mean-pooled over each sentence's span (no extra model pass).

Both are scored by `assistant eval`'s own measures on question sets over indexes built
by `assistant ingest`: "own" is what ingestion stores (index/sentence_vectors.py);
"pooled" is computed here from the same chunks. The abstention floor on the best
sentence's cosine (`SELECTION.min_cosine`) was set for the stored kind, so each kind is
also scored with the floor moved by FLOOR_SHIFTS. The cost side is the embedding time of
the chunks alone against chunks and sentences together, on the set's own chunks.

    .venv/bin/python benchmarks/sentence_vectors.py \\
        --set bundled=.data/bench/bundled:tests/data/qa.jsonl \\
        --set uit=.data/uit:../shared/data/uit-qa/questions.jsonl \\
        --json benchmarks/results/sentence-vectors.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assistant.answer as answering
from assistant.answer import Assistant
from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import run_questions
from assistant.evaluation.totals import summarize
from benchmarks.common import load_embedder, log, machine_info
from index.embed import Embedder
from index.record import StoredChunk
from index.retrieve import Searcher
from index.sentence_vectors import embed_with_sentences
from index.store import Store, connect
from index.weights import SELECTION
from ingest.sentences import split_sentences

FLOOR_SHIFTS = (-0.05, 0.0, 0.05)
MEASURES = (
    "key_facts",
    "cites_right_source",
    "abstention_accuracy",
    "false_abstention_rate",
    "missed_abstentions",
    "short_answer_coverage",
)
PROMPT = "passage: "


class Pooled:
    """Sentence vectors as the mean of the chunk pass's token states over each sentence."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.kept: dict[str, dict[str, np.ndarray]] = {}

    def of(self, chunks: Iterable[StoredChunk]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for chunk in chunks:
            if chunk.chunk_id not in self.kept:
                self.kept[chunk.chunk_id] = self.pool(chunk.text)
            found.update(self.kept[chunk.chunk_id])
        return found

    def pool(self, text: str) -> dict[str, np.ndarray]:
        model = self.embedder.model
        out = model.encode([text], prompt_name="passage", output_value=None)[0]
        tokens = out["token_embeddings"].numpy()
        offsets = model.tokenizer(PROMPT + text, return_offsets_mapping=True)["offset_mapping"]
        pooled = {}
        for span in split_sentences(text):
            lo, hi = span.start + len(PROMPT), span.end + len(PROMPT)
            rows = [n for n, (a, b) in enumerate(offsets[: len(tokens)]) if a < hi and b > lo]
            vector = tokens[rows].mean(axis=0)
            pooled[text[span.start : span.end]] = vector / np.linalg.norm(vector)
        return pooled


def score(answerer: Assistant, questions: Path, floor: float) -> dict[str, Any]:
    answering.SELECTION = dataclasses.replace(SELECTION, min_cosine=floor)
    store = answerer.searcher.store
    with tempfile.TemporaryDirectory() as scratch:
        results = run_questions(
            load_questions(questions),
            lambda q, history: answerer.ask(q.question, history=history),
            Path(scratch) / "answers.jsonl",
            document_text=store.document_text,
        )
    summary = summarize(results)
    return {name: summary.get(name) for name in MEASURES}


def embedding_cost(embedder: Embedder, texts: list[str], repeats: int) -> dict[str, float]:
    """Seconds to embed the chunks alone and with their sentences (best of `repeats`)."""

    def best(run: Any) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    alone = best(lambda: embedder.embed_passages(texts))
    both = best(lambda: embed_with_sentences(embedder.embed_passages, texts))
    ratio = round(both / alone, 2)
    return {"chunks_s": round(alone, 2), "with_sentences_s": round(both, 2), "ratio": ratio}


def measure_set(embedder: Embedder, db: Path, questions: Path) -> dict[str, Any]:
    store = Store(connect(str(db)), embedder.name)
    assistant = Assistant(Searcher(store, embedder), k=5, retrieval="hybrid")
    stored = assistant.sentences
    kinds: dict[str, Any] = {}
    for kind, vectors in (("own", stored), ("pooled", Pooled(embedder))):
        assistant.sentences = vectors
        kinds[kind] = {}
        for shift in FLOOR_SHIFTS:
            floor = round(SELECTION.min_cosine + shift, 3)
            log(f"{db.name}: {kind}, floor {floor}")
            kinds[kind][str(floor)] = score(assistant, questions, floor)
    texts = [c.text for c in store.iter_chunks()]
    return {"kinds": kinds, "cost": embedding_cost(embedder, texts, repeats=3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", required=True, metavar="NAME=DB:QUESTIONS")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    embedder = load_embedder()
    result: dict[str, Any] = {"machine": machine_info(), "load_before": os.getloadavg()}
    for spec in args.set:
        name, _, paths = spec.partition("=")
        db, _, questions = paths.partition(":")
        result[name] = measure_set(embedder, Path(db), Path(questions))
        log(json.dumps(result[name], ensure_ascii=False))
    result["load_after"] = os.getloadavg()
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
