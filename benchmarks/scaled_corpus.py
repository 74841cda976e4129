"""Shared by benchmarks/ingest.py and benchmarks/query.py: a large corpus of real sentences.

The bundled corpus holds a few hundred chunks, too few to show how ingestion and
questions behave with a big index. This module makes a bigger one out of real text:

* `harvest` reads the bundled articles and the UIT documents through the project's
  own loader, cleaner and sentence splitter and keeps the sentences that split the
  same way in any context (start like a sentence, end with terminal punctuation, fit
  in one chunk), plus short heading lines to title the documents.
* `write_corpus` writes synthetic documents to a folder: a heading as the title, then
  paragraphs of 1-5 sentences drawn with a seeded RNG, half of the documents short
  (1-4 chunks, like the UIT pages) and half longer (5-20 chunks, like the articles).
  It counts the chunks each document will give with `ingest.chunk.chunk_document`
  itself (`ChunkCount`), and stops once the corpus reaches the target.
  Chunk texts are random recombinations, so they practically never repeat (the
  benchmarks count the distinct ones).
* `MemoMeasure` memoizes the chunker's token counter by text. The chunker asks the
  tokenizer for word prefixes of every sentence (`ingest.chunk._split_long`), about
  26 calls per chunk here, ~0.5-1 ms each; on a corpus recombined from 750
  sentences almost every call repeats. ingest.py reports the uncached cost on
  the bundled corpus, where it is real.

The stand-in embedder that ingests these documents without running the model on
every chunk is in benchmarks/cached_embeddings.py.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import ARTICLES, ROOT
from index.indexer import ChunkingOptions
from ingest.chunk import chunk_document
from ingest.clean import clean
from ingest.document import Span
from ingest.load import load_file
from ingest.sentences import split_paragraphs, split_sentences

UIT_DOCS = ROOT.parent / "shared" / "data" / "uit-qa" / "docs"
SEED = 20240601

_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
_PROBE_BEFORE = "Câu mở đầu."
_PROBE_AFTER = "Câu kết thúc."


# --- the sentence pool ---------------------------------------------------------------------


@dataclass
class SentencePool:
    sentences: list[str]
    headings: list[str]
    files: int
    substantive: list[str] = field(default_factory=list)  # 12+ words: can open a body

    @property
    def texts(self) -> list[str]:
        """Every distinct text a synthetic chunk can be made of."""
        return sorted(set(self.sentences) | set(self.headings))


def source_dirs() -> list[Path]:
    return [d for d in (ARTICLES, UIT_DOCS) if d.is_dir()]


def _splits_alone(text: str) -> bool:
    spans = split_sentences(text)
    return len(spans) == 1 and text[spans[0].start : spans[0].end] == text


def _safe_sentence(sentence: str) -> bool:
    """True when the sentence is split off whole wherever it is put inside a paragraph."""
    if not _TERMINAL.search(sentence) or not _splits_alone(sentence):
        return False
    probe = f"{_PROBE_BEFORE} {sentence} {_PROBE_AFTER}"
    pieces = [probe[s.start : s.end] for s in split_sentences(probe)]
    return pieces == [_PROBE_BEFORE, sentence, _PROBE_AFTER]


def harvest(
    dirs: Sequence[Path], measure: Callable[[str], int], options: ChunkingOptions
) -> SentencePool:
    """Real sentences and heading lines of the documents, through the project's own cleaner."""
    sentences: set[str] = set()
    headings: set[str] = set()
    files = 0
    for directory in dirs:
        for path in sorted(directory.glob("*.txt")):
            loaded = load_file(path, max_bytes=options.max_bytes)
            files += 1
            text = loaded.text
            for block in clean(text):
                spans = split_sentences(text, block.start, block.end)
                pieces = [text[s.start : s.end] for s in spans]
                if (
                    len(pieces) == 1
                    and not _TERMINAL.search(pieces[0])
                    and 3 <= len(pieces[0].split()) <= 20
                    and _splits_alone(pieces[0])
                ):
                    headings.add(pieces[0])
                    continue
                for piece in pieces:
                    if len(piece.split()) >= 4 and _safe_sentence(piece):
                        sentences.add(piece)
    # Leave room for the prompt and special tokens, so no sentence is cut by the chunker.
    kept = sorted(s for s in sentences if measure(s) <= options.max_tokens - 8)
    return SentencePool(
        sentences=kept,
        headings=sorted(headings),
        files=files,
        substantive=[s for s in kept if len(s.split()) >= 12],
    )


# --- token counts --------------------------------------------------------------------------


class MemoMeasure:
    """The chunker's token counter, memoized by text; counts the real calls it makes."""

    def __init__(self, measure: Callable[[str], int]) -> None:
        self.measure = measure
        self.memo: dict[str, int] = {}
        self.calls = 0
        self.real_calls = 0
        self.real_seconds = 0.0

    def __call__(self, text: str) -> int:
        self.calls += 1
        found = self.memo.get(text)
        if found is None:
            started = time.perf_counter()
            found = self.memo[text] = self.measure(text)
            self.real_seconds += time.perf_counter() - started
            self.real_calls += 1
        return found


# --- synthetic documents -------------------------------------------------------------------


class ChunkCount:
    """How many chunks `chunk_document` makes of a document that only grows at its end.

    The document is one region of whole sentences, as the cleaner leaves these
    synthetic documents. Chunking is greedy, so every chunk but the last is final
    once made, and each `count` chunks only the text from the last chunk's start:
    about 1 ms a chunk here, where chunking the whole document again after each
    paragraph took 4 ms (and 20 ms with the cleaner run on it too).
    """

    def __init__(self, options: ChunkingOptions, measure: Callable[[str], int]) -> None:
        self.options = options
        self.measure = measure
        self.final = 0  # chunks that more text can no longer change
        self.tail = 0  # where the last chunk starts

    def count(self, text: str) -> int:
        """Chunks of `text`, which extends the text of the previous call."""
        chunks = chunk_document(
            text,
            split_paragraphs(text, [Span(self.tail, len(text))]),
            max_tokens=self.options.max_tokens,
            overlap_tokens=self.options.overlap_tokens,
            measure=self.measure,
        )
        self.final += len(chunks) - 1
        self.tail = chunks[-1].start
        return self.final + 1


@dataclass
class Corpus:
    directory: Path
    files: list[Path]
    expected_chunks: int
    bytes: int
    seconds: float
    seed: int


def _document_size(rng: random.Random) -> int:
    """Chunks per document, like the sources: half short pages (1-4), half articles (5-20)."""
    return rng.randint(1, 4) if rng.random() < 0.5 else rng.randint(5, 20)


def synthesize_document(
    pool: SentencePool,
    rng: random.Random,
    tokens: Callable[[str], int],
    target: int,
    options: ChunkingOptions,
) -> tuple[str, int]:
    """One document's text and the number of chunks it will give."""
    counter = ChunkCount(options, tokens)
    lines = [rng.choice(pool.headings)]
    chunks = 0
    first = True
    while chunks < target or first:
        if not first and rng.random() < 0.08:
            lines.append(rng.choice(pool.headings))
        count = rng.randint(1, 5)
        # The cleaner starts the body at the first substantive paragraph.
        chosen = [rng.choice(pool.substantive)] if first else []
        chosen += [rng.choice(pool.sentences) for _ in range(count - len(chosen))]
        lines.append(" ".join(chosen))
        first = False
        text = "\n\n".join(lines) + "\n"
        chunks = counter.count(text)
    return text, chunks


def write_corpus(
    directory: Path,
    pool: SentencePool,
    tokens: Callable[[str], int],
    target_chunks: int,
    options: ChunkingOptions,
    *,
    seed: int = SEED,
    prefix: str = "tong-hop",
) -> Corpus:
    """Documents under `directory` that chunk into at least `target_chunks` chunks."""
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files: list[Path] = []
    expected = 0
    size = 0
    while expected < target_chunks:
        want = min(_document_size(rng), max(1, target_chunks - expected))
        text, chunks = synthesize_document(pool, rng, tokens, want, options)
        path = directory / f"{prefix}-{len(files):06d}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        files.append(path)
        expected += chunks
        size += len(data)
    return Corpus(directory, files, expected, size, time.perf_counter() - started, seed)
