"""The scaled benchmark corpus counts its chunks with the project's own chunker."""

from __future__ import annotations

import random

from benchmarks.common import chunking_options, settings
from benchmarks.scaled_corpus import SentencePool, synthesize_document, write_corpus
from ingest.chunk import approximate_tokens, chunk_document
from ingest.document import Span
from ingest.sentences import split_paragraphs

SENTENCES = [
    f"Tỉnh số {n} đặt mục tiêu kinh tế số chiếm {n}% GRDP vào năm 2025 theo nghị quyết "
    f"của tỉnh ủy ban hành ngày {n % 28 + 1} tháng {n % 12 + 1} năm 2021." + " Thêm." * (n % 4)
    for n in range(1, 60)
]
POOL = SentencePool(
    sentences=SENTENCES,
    headings=["Chuyển đổi số cấp tỉnh", "Kinh tế số và xã hội số"],
    files=1,
    substantive=SENTENCES,
)


def test_a_synthetic_document_has_the_chunks_the_chunker_makes_of_it_whole():
    options = chunking_options(settings())
    rng = random.Random(7)
    for target in (1, 3, 12):
        text, counted = synthesize_document(POOL, rng, approximate_tokens, target, options)
        whole = chunk_document(
            text,
            split_paragraphs(text, [Span(0, len(text))]),
            max_tokens=options.max_tokens,
            overlap_tokens=options.overlap_tokens,
            measure=approximate_tokens,
        )
        assert counted == len(whole) >= target


def test_a_corpus_reaches_its_target_and_is_the_same_for_the_same_seed(tmp_path):
    options = chunking_options(settings())
    first = write_corpus(tmp_path / "a", POOL, approximate_tokens, 40, options, seed=3)
    second = write_corpus(tmp_path / "b", POOL, approximate_tokens, 40, options, seed=3)
    assert first.expected_chunks >= 40
    assert [p.read_bytes() for p in first.files] == [p.read_bytes() for p in second.files]
