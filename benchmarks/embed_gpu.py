"""Embedding speed of multilingual-e5-small on a GPU, from a bundle made by gpu_bundle.py.

Runs with plain ``python3`` and torch + transformers + safetensors + numpy alone (no
tokenizer, no sentence-transformers, nothing from this repo): the bundle holds pre-tokenized
ids and the pruned float16 weights.  The encoder is ``transformers.AutoModel`` built from
the bundle's config and state dict; pooling is what sentence-transformers does for this
model: mean over the attention mask (in the model's dtype), then L2 normalization.

Measures, per form (float32, float16 via ``.half()``, float32 with TF32 matmuls):

* ingestion throughput, passages/s and tokens/s, for each ``--batch-sizes`` with the
  passages sorted by length (as sentence-transformers does): one warm-up pass, then best and
  median of ``--repeat`` timed passes, each including the host-to-device copies and the
  embeddings' copy back, bracketed by ``torch.cuda.synchronize``;
* single-query latency p50/p95: batch of 1, warm, one query at a time, copy back included;
* fidelity: cosine of the first reference passages' embeddings to ``reference.npy`` (the
  full float32 model on CPU via sentence-transformers, before the float16 weight transfer).

    python3 benchmarks/embed_gpu.py --bundle .gpubench --out $OUT/embed_gpu.json
    .venv/bin/python benchmarks/embed_gpu.py --device cpu --limit 50   # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
FIDELITY_FLOOR = 0.99


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_ragged(path: Path, limit: int | None) -> list[np.ndarray]:
    data = np.load(path)
    ids, offsets = data["ids"].astype(np.int64), data["offsets"]
    count = len(offsets) - 1 if limit is None else min(limit, len(offsets) - 1)
    return [ids[offsets[i] : offsets[i + 1]] for i in range(count)]


def load_model(bundle: Path, device: str) -> torch.nn.Module:
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(bundle))
    model = AutoModel.from_config(config)
    state = {k: v.float() for k, v in load_file(str(bundle / "model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    # Non-persistent buffers (position ids) may be reported either way across versions.
    missing = [k for k in missing if not k.endswith("_ids")]
    unexpected = [k for k in unexpected if not k.endswith("_ids")]
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    return model.float().to(device).eval()


def make_batches(
    sequences: list[np.ndarray], batch_size: int, pad_id: int
) -> tuple[list[tuple[torch.Tensor, torch.Tensor]], np.ndarray]:
    """Length-sorted (longest first), padded CPU batches, and the order they follow."""
    order = np.argsort([-len(s) for s in sequences], kind="stable")
    batches = []
    for start in range(0, len(order), batch_size):
        chunk = [sequences[i] for i in order[start : start + batch_size]]
        width = max(len(s) for s in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, seq in enumerate(chunk):
            ids[row, : len(seq)] = torch.from_numpy(seq)
            mask[row, : len(seq)] = 1
        batches.append((ids, mask))
    return batches, order


def embed(model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean pooling over the mask in the model's dtype, then L2 normalization."""
    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * weights).sum(dim=1)
    counts = weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(summed / counts, p=2, dim=1)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def encode_all(model, batches, order, device: str) -> np.ndarray:
    outputs = []
    for ids, mask in batches:
        outputs.append(embed(model, ids.to(device), mask.to(device)))
    stacked = torch.cat(outputs).float().cpu().numpy()
    result = np.empty_like(stacked)
    result[order] = stacked
    return result


def throughput(model, sequences, batch_size, pad_id, device, repeat) -> tuple[dict, np.ndarray]:
    batches, order = make_batches(sequences, batch_size, pad_id)
    tokens = int(sum(len(s) for s in sequences))
    padded = int(sum(ids.numel() for ids, _ in batches))
    encode_all(model, batches, order, device)  # warm-up: kernels, allocator, autotuning
    times = []
    embeddings = None
    for _ in range(repeat):
        sync(device)
        start = time.perf_counter()
        embeddings = encode_all(model, batches, order, device)
        sync(device)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    return {
        "batch_size": batch_size,
        "passages": len(sequences),
        "tokens": tokens,
        "padding_fraction": 1 - tokens / padded,
        "best_s": best,
        "median_s": median,
        "passages_per_s": len(sequences) / best,
        "passages_per_s_median": len(sequences) / median,
        "tokens_per_s": tokens / best,
    }, embeddings


def query_latency(model, queries, pad_id, device, warmup: int = 10) -> dict:
    def one(seq: np.ndarray) -> None:
        ids = torch.from_numpy(seq).unsqueeze(0)
        mask = torch.ones_like(ids)
        embed(model, ids.to(device), mask.to(device)).float().cpu()

    for seq in queries[:warmup]:
        one(seq)
    times = []
    for seq in queries:
        sync(device)
        start = time.perf_counter()
        one(seq)
        sync(device)
        times.append(time.perf_counter() - start)
    ms = np.asarray(times) * 1000
    return {
        "queries": len(queries),
        # numpy's default percentile is the linear interpolation that
        # assistant.evaluation.percentile documents; this script runs without the repo.
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "queries_per_s": float(1000 / ms.mean()),
    }


def cosines(a: np.ndarray, b: np.ndarray) -> dict:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    c = np.sum(a * b, axis=1)
    return {"mean": float(c.mean()), "min": float(c.min()), "n": len(c)}


def form_model(form: str, base: torch.nn.Module, bundle: Path, device: str) -> torch.nn.Module:
    """The model ``form`` runs: fp32 and fp32-tf32 share ``base``; fp16 is a fresh copy."""
    if form == "fp16":
        return load_model(bundle, device).half()
    if form in ("fp32", "fp32-tf32"):
        return base
    raise SystemExit(f"unknown form {form!r}")


def measure(
    model: torch.nn.Module,
    form: str,
    passages: list[np.ndarray],
    queries: list[np.ndarray],
    pad_id: int,
    args: argparse.Namespace,
) -> tuple[dict, np.ndarray]:
    """Throughput at each batch size and query latency of one form, and its embeddings."""
    device = args.device
    torch.backends.cuda.matmul.allow_tf32 = form == "fp32-tf32"
    entry: dict = {"ingest": []}
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode():
        for batch_size in args.batch_sizes:
            stats, embeddings = throughput(model, passages, batch_size, pad_id, device, args.repeat)
            entry["ingest"].append(stats)
            log(
                f"  {form} batch {batch_size}: {stats['passages_per_s']:.0f} passages/s "
                f"({stats['tokens_per_s']:.0f} tokens/s)"
            )
        entry["query"] = query_latency(model, queries, pad_id, device)
        log(f"  {form} query p50 {entry['query']['p50_ms']:.2f} ms")
    return entry, embeddings


def run(args: argparse.Namespace) -> dict:
    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("CUDA is not available; pass --device cpu for a smoke test")
    bundle = args.bundle
    meta = json.loads((bundle / "meta.json").read_text(encoding="utf-8"))
    config = json.loads((bundle / "config.json").read_text(encoding="utf-8"))
    pad_id = int(config["pad_token_id"])
    passages = load_ragged(bundle / "passages.npz", args.limit)
    queries = load_ragged(bundle / "queries.npz", args.limit)
    reference = np.load(bundle / "reference.npy")
    n_ref = min(len(reference), len(passages))
    reference = reference[:n_ref]

    name = torch.cuda.get_device_name() if device.startswith("cuda") else platform.processor()
    log(
        f"{name}: {len(passages)} passages ({np.mean([len(s) for s in passages]):.1f} tokens), "
        f"{len(queries)} queries, torch {torch.__version__}"
    )
    start = time.perf_counter()
    base = load_model(bundle, device)
    log(f"model loaded in {time.perf_counter() - start:.1f} s")

    forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    results: dict[str, dict] = {}
    fp32_embeddings = None
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for form in forms:
        model = form_model(form, base, bundle, device)
        entry, embeddings = measure(model, form, passages, queries, pad_id, args)
        entry["fidelity_vs_reference"] = cosines(embeddings[:n_ref], reference)
        if form == "fp32":
            fp32_embeddings = embeddings
        elif fp32_embeddings is not None:
            entry["cosine_vs_device_fp32"] = cosines(embeddings, fp32_embeddings)
        if device.startswith("cuda"):
            entry["peak_memory_mib"] = torch.cuda.max_memory_allocated() / 2**20
        results[form] = entry
        if form == "fp16":
            del model
    torch.backends.cuda.matmul.allow_tf32 = False

    fidelity = results.get("fp32", {}).get("fidelity_vs_reference")
    report = {
        "device": name,
        "device_arg": device,
        "capability": list(torch.cuda.get_device_capability()) if device != "cpu" else None,
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "bundle": meta,
        "limit": args.limit,
        "repeat": args.repeat,
        "results": results,
        "fidelity_ok": bool(fidelity and fidelity["min"] >= FIDELITY_FLOOR),
    }
    return report


def markdown(report: dict) -> str:
    lines = [
        f"**{report['device']}** — torch {report['torch']}, transformers "
        f"{report['transformers']}, CUDA {report['cuda']}; {report['bundle']['passages']} "
        f"passages (mean {report['bundle']['passage_tokens_mean']:.0f} tokens), "
        f"{report['bundle']['queries']} queries",
        "",
        "| form | batch | passages/s (best) | passages/s (median) | tokens/s | "
        "query p50 ms | query p95 ms | cos vs ref mean / min |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for form, entry in report["results"].items():
        fid = entry["fidelity_vs_reference"]
        for stats in entry["ingest"]:
            lines.append(
                f"| {form} | {stats['batch_size']} | {stats['passages_per_s']:.0f} | "
                f"{stats['passages_per_s_median']:.0f} | {stats['tokens_per_s']:.0f} | "
                f"{entry['query']['p50_ms']:.2f} | {entry['query']['p95_ms']:.2f} | "
                f"{fid['mean']:.5f} / {fid['min']:.5f} |"
            )
    for form, entry in report["results"].items():
        if "cosine_vs_device_fp32" in entry:
            c = entry["cosine_vs_device_fp32"]
            lines.append(
                f"\n{form} vs device fp32 (all passages): mean {c['mean']:.5f}, min {c['min']:.5f}"
            )
    lines.append(f"\nfidelity ≥ {FIDELITY_FLOOR}: {'yes' if report['fidelity_ok'] else 'NO'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / ".gpubench")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, default=None, help="JSON report path")
    parser.add_argument("--limit", type=int, default=None, help="first N passages/queries")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--forms", default="fp32,fp16,fp32-tf32")
    args = parser.parse_args()
    report = run(args)
    table = markdown(report)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report["markdown"] = table
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        log(f"wrote {args.out}")
    if not report["fidelity_ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
