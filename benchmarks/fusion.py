"""Choose the fusion of the dense and lexical rankings on question sets, not by taste.

For every question of each set (asked as `assistant eval` asks it: follow-ups resolved
with their conversation's history), both halves' candidate lists are computed once;
then every setting of the reciprocal-rank-fusion constant and the dense weight (the
lexical weight stays 1) is scored by hit@1, hit@5 and MRR of the right source, with the
same province preference `Searcher.search` applies. A setting qualifies when, on every
set, hybrid is at least as good as the better half on all three measures; among those
the best total MRR wins.

    .venv/bin/python benchmarks/fusion.py \\
        --set bundled=.data/tune/bundled:tests/data/qa.jsonl \\
        --set uit=.data/tune/uit:../shared/data/uit-qa/questions.jsonl \\
        --json benchmarks/results/fusion.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluation.questions import load_questions
from assistant.evaluation.runner import asking_order
from assistant.evaluation.scoring import source_key
from assistant.question import resolve
from benchmarks.common import load_embedder, log
from index.embed import Embedder
from index.record import chunk_owner
from index.retrieve import Ranking, Searcher, fuse, prefer
from index.store import Store, connect
from index.weights import FUSION
from ingest.provinces import find_provinces

RRF_KS = (1, 2, 3, 5, 8, 10, 20, 60)
DENSE_WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5)
MEASURES = ("hit_at_1", "hit_at_5", "mrr")


@dataclass
class Case:
    wanted: set[str]
    dense: Ranking
    lexical: Ranking
    preferred: set[str] | None
    sources: Mapping[str, str]  # doc_id -> file name, the same for every case of a set


def cases(db: Path, questions: Path, embedder: Embedder) -> list[Case]:
    searcher = Searcher(Store(connect(str(db)), embedder.name), embedder)
    searcher.refresh()
    live = searcher.store.live_generations()
    sources = {doc_id: doc.source for doc_id, doc in searcher.documents.items()}
    found = []
    for question, history in asking_order(load_questions(questions)):
        if not (question.answerable and question.sources):
            continue
        resolved = resolve(question.question, history)
        named = find_provinces(resolved)
        found.append(
            Case(
                wanted={source_key(s) for s in question.sources},
                dense=searcher.store.query(embedder.embed_query(resolved), FUSION.pool, None, live),
                lexical=[
                    (chunk.chunk_id, score)
                    for chunk, score in searcher.lexical.search(resolved, FUSION.pool)
                ],
                preferred=searcher.province_documents(named) if named else None,
                sources=sources,
            )
        )
    return found


def measure(ranked: list[tuple[Case, Ranking]], k: int = 5) -> dict[str, float]:
    hit1 = hit5 = rr = 0.0
    for case, ranking in ranked:
        ranking = prefer(ranking, case.preferred) if case.preferred is not None else ranking
        sources = [source_key(case.sources[chunk_owner(cid)[0]]) for cid, _ in ranking[:k]]
        rank = next((n for n, s in enumerate(sources, 1) if s in case.wanted), None)
        hit1 += rank == 1
        hit5 += rank is not None
        rr += 1 / rank if rank else 0.0
    n = len(ranked)
    return {"hit_at_1": hit1 / n, "hit_at_5": hit5 / n, "mrr": rr / n}


def grid(sets: dict[str, list[Case]]) -> dict[str, object]:
    halves = {
        name: {
            "dense": measure([(c, c.dense) for c in found]),
            "lexical": measure([(c, c.lexical) for c in found]),
        }
        for name, found in sets.items()
    }
    settings = []
    for rrf_k, dense_weight in itertools.product(RRF_KS, DENSE_WEIGHTS):
        scores = {
            name: measure(
                [(c, fuse([(dense_weight, c.dense), (1.0, c.lexical)], rrf_k)) for c in found]
            )
            for name, found in sets.items()
        }
        qualifies = all(
            scores[name][m] >= max(halves[name]["dense"][m], halves[name]["lexical"][m]) - 1e-9
            for name in sets
            for m in MEASURES
        )
        settings.append(
            {"rrf_k": rrf_k, "dense_weight": dense_weight, "qualifies": qualifies, **scores}
        )
    settings.sort(key=lambda s: (not s["qualifies"], -sum(s[n]["mrr"] for n in sets)))
    return {"halves": halves, "settings": settings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", action="append", required=True, metavar="NAME=DB:QUESTIONS", dest="sets"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    embedder = load_embedder("cpu")
    sets = {}
    for spec in args.sets:
        name, _, paths = spec.partition("=")
        db, _, questions = paths.partition(":")
        sets[name] = cases(Path(db), Path(questions), embedder)
        log(f"{name}: {len(sets[name])} questions")
    result = grid(sets)
    current = next(
        s
        for s in result["settings"]
        if s["rrf_k"] == FUSION.rrf_k and s["dense_weight"] == FUSION.dense / FUSION.lexical
    )
    header = " | ".join(f"{n} hit@1 / hit@5 / MRR" for n in sets)
    print(f"| fusion | {header} |")
    print("| --- |" + " ---: |" * len(sets))
    rows = [(f"{half} only", result["halves"]) for half in ("dense", "lexical")]
    for label, source in rows:
        half = label.split()[0]
        cells = " | ".join(_cell(source[n][half]) for n in sets)
        print(f"| {label} | {cells} |")
    shown = [current, *[s for s in result["settings"][:8] if s is not current]]
    for s in shown:
        mark = " (current)" if s is current else ""
        mark += " ✓" if s["qualifies"] else ""
        cells = " | ".join(_cell(s[n]) for n in sets)
        print(f"| RRF k={s['rrf_k']}, dense {s['dense_weight']}{mark} | {cells} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


def _cell(scores: dict[str, float]) -> str:
    return " / ".join(f"{scores[m]:.3f}" for m in MEASURES)


if __name__ == "__main__":
    main()
