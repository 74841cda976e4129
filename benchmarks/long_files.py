"""A long file against the same text in many small files: preparation time (load, clean,
metadata, sentences, chunks, targets) of one file over that of its parts.

Issue #16 found a 5 MB text taking 46 minutes; the aim is at most 5 times the time of the
same text split into 100 files. Chunks are measured with the tokenizer-free count, so only
the pipeline's own work is timed. Two texts: the bundled articles repeated to `--size`
characters, and one line of clauses without a sentence stop (the worst case for cutting
over-long sentences: OCR text, a table dump). Exits 1 when a ratio passes `--max-ratio`.

    .venv/bin/python benchmarks/long_files.py                  # 5 MB, 100 parts
    .venv/bin/python benchmarks/long_files.py --size 600000    # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ARTICLES, chunking_options, log, settings
from ingest.chunk import approximate_tokens
from ingest.pipeline import ChunkingOptions, prepare_file

CLAUSE = "tỷ lệ hồ sơ xử lý trực tuyến toàn trình của tỉnh đạt 80% vào năm 2025, "


def timed(paths: list[Path], options: ChunkingOptions) -> float:
    started = time.perf_counter()
    for path in paths:
        prepare_file(path, options, measure=approximate_tokens)
    return time.perf_counter() - started


def articles(size: int) -> str:
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt")))
    return ((text + "\n\n") * (size // len(text) + 1))[:size]


def split(text: str, parts: int) -> list[str]:
    """`text` in `parts` pieces, each cut at a paragraph break."""
    pieces, start = [], 0
    for n in range(1, parts + 1):
        end = len(text) if n == parts else text.find("\n\n", n * len(text) // parts)
        end = len(text) if end < 0 else end
        pieces.append(text[start:end])
        start = end
    return [piece for piece in pieces if piece.strip()]


def compare(folder: Path, whole: str, pieces: list[str], options: ChunkingOptions) -> dict:
    """Seconds for `whole` as one file and as `pieces`, and their ratio."""
    folder.mkdir()
    one = folder / "whole.txt"
    one.write_text(whole, encoding="utf-8")
    parts = []
    for n, piece in enumerate(pieces):
        path = folder / f"part-{n:03}.txt"
        path.write_text(piece, encoding="utf-8")
        parts.append(path)
    whole_s, parts_s = timed([one], options), timed(parts, options)
    return {"whole_s": whole_s, "parts_s": parts_s, "ratio": whole_s / parts_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000_000, help="characters of text")
    parser.add_argument("--parts", type=int, default=100)
    parser.add_argument("--max-ratio", type=float, default=5.0)
    args = parser.parse_args()
    defaults = chunking_options(settings())
    options = ChunkingOptions(
        max_bytes=max(defaults.max_bytes, 4 * args.size),
        max_tokens=defaults.max_tokens,
        overlap_tokens=defaults.overlap_tokens,
    )
    repeats = max(args.size // len(CLAUSE) // 10, args.parts)
    texts = {
        "articles": (articles(args.size), None),
        "one line": (
            "Theo kế hoạch, " + CLAUSE * repeats,
            ["Theo kế hoạch, " + CLAUSE * (repeats // args.parts)] * args.parts,
        ),
    }
    worst = 0.0
    print("| text | characters | one file (s) | in parts (s) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, (whole, pieces)) in enumerate(texts.items()):
            log(f"{name}: {len(whole):,} characters")
            found = compare(Path(tmp) / str(n), whole, pieces or split(whole, args.parts), options)
            worst = max(worst, found["ratio"])
            print(
                f"| {name} | {len(whole):,} | {found['whole_s']:.1f} | "
                f"{found['parts_s']:.1f} | {found['ratio']:.2f} |"
            )
    sys.exit(1 if worst > args.max_ratio else 0)


if __name__ == "__main__":
    main()
