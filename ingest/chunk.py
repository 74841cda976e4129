"""Chunks of whole sentences, with offsets into the document text.

Chunks never reach across removed page furniture: they are packed inside
regions of content blocks that follow each other with nothing but whitespace
between them, so `text[start:end]` of a chunk is always citable content. The
sentences come split already (`ingest.sentences.split_paragraphs`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingest.document import Chunk, Paragraph, Span

Measure = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    """A tokenizer-free stand-in: Vietnamese syllables average about 1.6 subword tokens."""
    return int(len(text.split()) * 1.6) + 1


def regions(text: str, paragraphs: Sequence[Paragraph]) -> list[list[Span]]:
    """The sentences of each run of paragraphs separated only by whitespace."""
    merged: list[list[Span]] = []
    previous: Paragraph | None = None
    for paragraph in paragraphs:
        if previous is not None and not text[previous.span.end : paragraph.span.start].strip():
            merged[-1].extend(paragraph.sentences)
        else:
            merged.append(list(paragraph.sentences))
        previous = paragraph
    return merged


def _split_long(text: str, span: Span, max_tokens: int, measure: Measure) -> list[Span]:
    """Cut a sentence longer than the limit at word boundaries.

    Each piece is the longest run of whole words that fits (at least one word),
    found by bisection: token counts only grow as words are added, and measuring
    every prefix would tokenize a long sentence quadratically often. Every word
    is at least one token, so a piece never holds more than `max_tokens` words:
    the search looks no further, or each piece of a very long line (a table
    dump, OCR text without stops) would measure half the line again.
    """
    words = list(re.finditer(r"\S+", text[span.start : span.end]))
    starts = [span.start + word.start() for word in words]
    ends = [span.start + word.end() for word in words]
    pieces: list[Span] = []
    first = 0
    start = span.start
    while first < len(ends):
        # ends[low] is taken even when it alone is too long.
        low, high = first, min(len(ends) - 1, first + max_tokens)
        while low < high:
            middle = (low + high + 1) // 2
            if measure(text[start : ends[middle]]) <= max_tokens:
                low = middle
            else:
                high = middle - 1
        if low == len(ends) - 1:
            break
        pieces.append(Span(start, ends[low]))
        first = low + 1
        start = starts[first]
    pieces.append(Span(start, span.end))
    return pieces


def chunk_document(
    text: str,
    paragraphs: Sequence[Paragraph],
    *,
    max_tokens: int,
    overlap_tokens: int,
    measure: Measure,
) -> tuple[Chunk, ...]:
    """Pack whole sentences into chunks of at most `max_tokens`.

    Consecutive chunks of one region share trailing sentences worth at most
    `overlap_tokens`, so that an answer spanning a chunk border is still found
    whole in one of them.
    """
    if overlap_tokens >= max_tokens:
        raise ValueError("chunk overlap must be smaller than the chunk size")
    chunks: list[Chunk] = []
    for sentences in regions(text, paragraphs):
        units = [
            (piece, measure(text[piece.start : piece.end]))
            for sentence in sentences
            for piece in _split_long(text, sentence, max_tokens, measure)
        ]
        window: list[tuple[Span, int]] = []
        for unit in units:
            if window and sum(n for _, n in window) + unit[1] > max_tokens:
                chunks.append(_make(text, len(chunks), window))
                window = _tail(window, overlap_tokens, max_tokens - unit[1])
            window.append(unit)
        if window:
            chunks.append(_make(text, len(chunks), window))
    return tuple(chunks)


def _tail(window: list[tuple[Span, int]], overlap: int, room: int) -> list[tuple[Span, int]]:
    kept: list[tuple[Span, int]] = []
    total = 0
    for unit in reversed(window):
        total += unit[1]
        if total > min(overlap, room):
            break
        kept.insert(0, unit)
    return kept


def _make(text: str, index: int, window: list[tuple[Span, int]]) -> Chunk:
    start, end = window[0][0].start, window[-1][0].end
    return Chunk(index=index, start=start, end=end, text=text[start:end])
