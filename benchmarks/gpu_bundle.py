"""Pack a small, self-contained bundle for benchmarking the e5 encoder on a GPU machine.

The device machine takes at most 64 MiB of working tree and has no tokenizer for this
model, so the texts are tokenized here and only what the encoder needs travels:

* ``config.json``: the model's BERT config, ``vocab_size`` cut to the ids that occur;
* ``model.safetensors``: every weight in float16, the word embeddings reduced to the rows
  of those ids (``old_to_new`` order);
* ``passages.npz`` / ``queries.npz``: remapped token ids, ragged (``ids`` flat array plus
  ``offsets``, one more than the texts), "passage: " / "query: " prefixes, truncated at 512;
* ``reference.npy``: float32 CPU embeddings (sentence-transformers, full model) of the first
  ``--reference`` passages, for the device's fidelity check;
* ``meta.json``: counts and provenance.

    .venv/bin/python benchmarks/gpu_bundle.py --out .gpubench

Then ``benchmarks/embed_gpu.py --bundle .gpubench`` runs on the device (plain ``python3``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MODEL_DIR = ROOT / ".data" / "models" / "multilingual-e5-small"
DOC_DIRS = [ROOT / "data" / "articles", SHARED / "data" / "uit-qa" / "docs"]
QUESTIONS = SHARED / "data" / "uit-qa" / "questions.jsonl"
MAX_TOKENS = 512


def load_passages(dirs: list[Path], count: int, min_words: int) -> tuple[list[str], int]:
    """Paragraph lines with at least ``min_words`` words, cycled up to ``count``."""
    texts = [
        line.strip()
        for directory in dirs
        for path in sorted(directory.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.split()) >= min_words
    ]
    if not texts:
        raise SystemExit(f"no passages under {', '.join(map(str, dirs))}")
    return [texts[i % len(texts)] for i in range(count)], len(texts)


def load_questions(path: Path, count: int) -> list[str]:
    questions = [
        json.loads(line)["question"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return questions[:count]


def ragged(sequences: list[list[int]], remap: np.ndarray) -> dict[str, np.ndarray]:
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = remap[np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])]
    dtype = np.uint16 if remap.max() < 2**16 else np.int32
    return {"ids": flat.astype(dtype), "offsets": offsets}


def build(args: argparse.Namespace) -> None:
    import torch
    from safetensors.numpy import load_file, save_file
    from sentence_transformers import SentenceTransformer

    passages, distinct = load_passages(args.docs, args.passages, args.min_words)
    queries = load_questions(args.questions, args.queries)
    model = SentenceTransformer(str(args.model_dir), device="cpu")
    model.max_seq_length = MAX_TOKENS
    tokenizer = model.tokenizer
    config = json.loads((args.model_dir / "config.json").read_text(encoding="utf-8"))
    prompts = model.prompts

    def tokenize(texts: list[str], prompt: str) -> list[list[int]]:
        encoded = tokenizer([prompt + t for t in texts], truncation=True, max_length=MAX_TOKENS)
        return encoded["input_ids"]

    passage_ids = tokenize(passages, prompts["passage"])
    query_ids = tokenize(queries, prompts["query"])

    # Vocabulary pruning: keep the ids that occur, plus the special tokens (pad first).
    specials = [config["pad_token_id"], *tokenizer.all_special_ids]
    used = sorted(set(specials).union(*map(set, passage_ids), *map(set, query_ids)))
    remap = np.full(config["vocab_size"], -1, dtype=np.int64)
    remap[used] = np.arange(len(used))

    state = load_file(str(args.model_dir / "model.safetensors"))
    words = state["embeddings.word_embeddings.weight"]
    state["embeddings.word_embeddings.weight"] = words[used]
    state = {k: np.ascontiguousarray(v.astype(np.float16)) for k, v in state.items()}

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    config["vocab_size"] = len(used)
    config["pad_token_id"] = int(remap[config["pad_token_id"]])
    config["dtype"] = "float16"
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    np.savez(out / "passages.npz", **ragged(passage_ids, remap))
    np.savez(out / "queries.npz", **ragged(query_ids, remap))

    with torch.inference_mode():
        reference = model.encode(
            passages[: args.reference],
            prompt_name="passage",
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
        ).astype(np.float32)
    np.save(out / "reference.npy", reference)

    passage_tokens = [len(s) for s in passage_ids]
    meta = {
        "model": str(args.model_dir.relative_to(ROOT)),
        "passages": len(passages),
        "distinct_passages": distinct,
        "passage_tokens_mean": float(np.mean(passage_tokens)),
        "passage_tokens_max": int(np.max(passage_tokens)),
        "passages_truncated": int(sum(n >= MAX_TOKENS for n in passage_tokens)),
        "queries": len(queries),
        "query_tokens_mean": float(np.mean([len(s) for s in query_ids])),
        "vocab_original": len(remap),
        "vocab_kept": len(used),
        "reference_passages": len(reference),
        "prompts": {"passage": prompts["passage"], "query": prompts["query"]},
        "weights_dtype": "float16",
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(json.dumps(meta, indent=2))
    print(f"bundle {out}: {size / 2**20:.1f} MiB")
    if size > args.max_mib * 2**20:
        raise SystemExit(f"bundle is {size / 2**20:.1f} MiB, over {args.max_mib} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".gpubench")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--docs", type=Path, nargs="+", default=DOC_DIRS)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--min-words", type=int, default=5)
    parser.add_argument("--reference", type=int, default=64)
    parser.add_argument("--max-mib", type=float, default=55.0)
    build(parser.parse_args())


if __name__ == "__main__":
    main()
