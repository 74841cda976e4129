"""A long file costs what the same text costs in many small files (issue #16: a 5 MB text took
46 minutes). Measured with the tokenizer-free count, so only the pipeline's own work is timed."""

from __future__ import annotations

import time
from pathlib import Path

from ingest.chunk import approximate_tokens
from ingest.pipeline import ChunkingOptions, prepare_file

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
OPTIONS = ChunkingOptions(max_bytes=50_000_000, max_tokens=480, overlap_tokens=64)
SIZE = 600_000
PARTS = 100


def _timed(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        prepare_file(path, OPTIONS, measure=approximate_tokens)
    return time.perf_counter() - started


def _corpus(size: int) -> str:
    articles = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt")))
    return ((articles + "\n\n") * (size // len(articles) + 1))[:size]


def _split(text: str, parts: int) -> list[str]:
    """`text` in `parts` pieces, each cut at a paragraph break."""
    pieces, start = [], 0
    for n in range(1, parts + 1):
        end = len(text) if n == parts else text.find("\n\n", n * len(text) // parts)
        end = len(text) if end < 0 else end
        pieces.append(text[start:end])
        start = end
    return [piece for piece in pieces if piece.strip()]


def _ratio(tmp_path: Path, text: str, pieces: list[str]) -> float:
    """Time to prepare `text` as one file over the time to prepare it as `pieces`."""
    whole = tmp_path / "whole.txt"
    whole.write_text(text, encoding="utf-8")
    parts = []
    for n, piece in enumerate(pieces):
        path = tmp_path / f"part-{n:03}.txt"
        path.write_text(piece, encoding="utf-8")
        parts.append(path)
    return _timed([whole]) / _timed(parts)


def test_one_long_text_costs_at_most_five_times_its_hundred_parts(tmp_path):
    text = _corpus(SIZE)
    assert _ratio(tmp_path, text, _split(text, PARTS)) <= 5


def test_one_line_without_sentence_stops_costs_at_most_five_times_its_hundred_parts(tmp_path):
    """The worst case for cutting sentences into pieces (OCR text, a table dump)."""
    clause = "tỷ lệ hồ sơ xử lý trực tuyến toàn trình của tỉnh đạt 80% vào năm 2025, "
    whole = "Theo kế hoạch, " + clause * 2_000
    pieces = ["Theo kế hoạch, " + clause * (2_000 // PARTS)] * PARTS
    assert _ratio(tmp_path, whole, pieces) <= 5
