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
  It packs the sentences the way `ingest.chunk.chunk_document` does to know how many
  chunks each document will give, and stops once the corpus reaches the target.
  Chunk texts are random recombinations, so they practically never repeat (the
  benchmarks count the distinct ones).
* `CachedEmbedder` stands in for `index.embed.Embedder` while these documents are
  ingested: at two CPU cores the real model embeds only ~16-30 passages/s, which
  would take hours for 100,000 chunks. Every distinct real sentence is embedded once
  by the real model (passage prompt, cached on disk under .data/benchmarks/), and a
  chunk's vector is the normalized mean of its sentences' vectors. Everything else
  (load, clean, metadata, targets, chunking, Chroma writes) is the real pipeline.
* `MemoMeasure` memoizes the chunker's token counter by text. The chunker asks the
  tokenizer for every word prefix of every sentence (`ingest.chunk._split_long`),
  ~100+ tokenizer calls per chunk, ~0.5-1 ms each here; on a corpus recombined from
  750 sentences almost every call repeats. ingest.py reports the uncached cost on
  the bundled corpus, where it is real.

Also: starting and stopping a Chroma server, sampling peak RSS, describing the machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script, the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import psutil

from ingest.clean import clean
from ingest.load import load_file
from ingest.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ARTICLES = ROOT / "data" / "articles"
UIT_DOCS = SHARED / "data" / "uit-qa" / "docs"
MODELS = ROOT / ".data" / "models"
CACHE = ROOT / ".data" / "benchmarks"
MAX_BYTES = 20 * 1024 * 1024
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
    dirs: Sequence[Path], measure: Callable[[str], int], max_tokens: int = 256
) -> SentencePool:
    """Real sentences and heading lines of the documents, through the project's own cleaner."""
    sentences: set[str] = set()
    headings: set[str] = set()
    files = 0
    for directory in dirs:
        for path in sorted(directory.glob("*.txt")):
            loaded = load_file(path, max_bytes=MAX_BYTES)
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
    kept = sorted(s for s in sentences if measure(s) <= max_tokens - 8)
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


class _Packer:
    """Counts the chunks `ingest.chunk.chunk_document` makes of one region, unit by unit."""

    def __init__(self, max_tokens: int, overlap_tokens: int) -> None:
        self.max_tokens = max_tokens
        self.overlap = overlap_tokens
        self.window: list[int] = []
        self.emitted = 0

    def add(self, tokens: int) -> None:
        if self.window and sum(self.window) + tokens > self.max_tokens:
            self.emitted += 1
            room = min(self.overlap, self.max_tokens - tokens)
            kept: list[int] = []
            total = 0
            for unit in reversed(self.window):
                total += unit
                if total > room:
                    break
                kept.insert(0, unit)
            self.window = kept
        self.window.append(tokens)

    @property
    def chunks(self) -> int:
        return self.emitted + (1 if self.window else 0)


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
    max_tokens: int,
    overlap_tokens: int,
) -> tuple[str, int]:
    """One document's text and the number of chunks it will give."""
    packer = _Packer(max_tokens, overlap_tokens)
    title = rng.choice(pool.headings)
    lines = [title]
    packer.add(tokens(title))
    first = True
    while packer.chunks < target or first:
        if not first and rng.random() < 0.08:
            heading = rng.choice(pool.headings)
            lines.append(heading)
            packer.add(tokens(heading))
        count = rng.randint(1, 5)
        # The cleaner starts the body at the first substantive paragraph.
        chosen = [rng.choice(pool.substantive)] if first else []
        chosen += [rng.choice(pool.sentences) for _ in range(count - len(chosen))]
        for sentence in chosen:
            packer.add(tokens(sentence))
        lines.append(" ".join(chosen))
        first = False
    return "\n\n".join(lines) + "\n", packer.chunks


def write_corpus(
    directory: Path,
    pool: SentencePool,
    tokens: Callable[[str], int],
    target_chunks: int,
    *,
    seed: int = SEED,
    max_tokens: int = 256,
    overlap_tokens: int = 48,
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
        text, chunks = synthesize_document(pool, rng, tokens, want, max_tokens, overlap_tokens)
        path = directory / f"{prefix}-{len(files):06d}.txt"
        data = text.encode("utf-8")
        path.write_bytes(data)
        files.append(path)
        expected += chunks
        size += len(data)
    return Corpus(directory, files, expected, size, time.perf_counter() - started, seed)


# --- cached embeddings ---------------------------------------------------------------------


def _cache_paths(model: str) -> tuple[Path, Path]:
    safe = re.sub(r"[^\w.-]+", "_", model)
    stem = CACHE / f"sentence-vectors-{safe}"
    return stem.with_suffix(".json"), stem.with_suffix(".npy")


def sentence_vectors(
    embedder, texts: Sequence[str], log: Callable[[str], None] = print
) -> tuple[dict[str, np.ndarray], int, float]:
    """Real passage embeddings of `texts`, from the disk cache or the model.

    Returns (text -> vector, how many were embedded now, seconds spent embedding).
    """
    names, arrays = _cache_paths(embedder.name)
    cached: dict[str, np.ndarray] = {}
    if names.is_file() and arrays.is_file():
        stored = json.loads(names.read_text(encoding="utf-8"))
        matrix = np.load(arrays)
        if len(stored) == len(matrix):
            cached = dict(zip(stored, matrix, strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in cached]
    seconds = 0.0
    if missing:
        log(f"embedding {len(missing)} distinct real sentences with {embedder.name} (once) ...")
        started = time.perf_counter()
        vectors = embedder.embed_passages(list(missing))
        seconds = time.perf_counter() - started
        cached.update(zip(missing, vectors, strict=True))
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = list(cached)
        np.save(arrays, np.stack([cached[k] for k in keys]).astype(np.float32))
        names.write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        log(f"  {len(missing)} sentences in {seconds:.1f} s ({len(missing) / seconds:.1f}/s)")
    return {t: cached[t] for t in texts}, len(missing), seconds


class CachedEmbedder:
    """`index.embed.Embedder` for ingestion at scale: vectors from cached real embeddings.

    A chunk's vector is its exact real embedding when one was recorded (`remember`),
    otherwise the normalized mean of its sentences' cached vectors. A sentence not in
    the cache (none, when the corpus comes from `write_corpus`) is counted as a miss
    and gets a fixed pseudo-random vector, so the run never calls the model.
    """

    def __init__(
        self,
        name: str,
        sentences: dict[str, np.ndarray],
        measure: Callable[[str], int],
        dimension: int,
    ) -> None:
        self.name = name
        self.sentences = sentences
        self.chunks: dict[str, np.ndarray] = {}
        self.count_tokens = measure
        self.dimension = dimension
        self.misses = 0
        self._seen: set[bytes] = set()

    @property
    def distinct_passages(self) -> int:
        return len(self._seen)

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.chunks.update(zip(texts, vectors, strict=True))

    def _vector(self, text: str) -> np.ndarray:
        exact = self.chunks.get(text)
        if exact is not None:
            return exact
        parts = []
        for span in split_sentences(text):
            piece = text[span.start : span.end]
            vector = self.sentences.get(piece)
            if vector is None:
                self.misses += 1
                seed = int.from_bytes(hashlib.sha256(piece.encode()).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(self.dimension)
            parts.append(vector)
        mean = np.mean(parts, axis=0) if parts else np.ones(self.dimension)
        return mean / (np.linalg.norm(mean) or 1.0)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self._seen.update(hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


class RecordingEmbedder:
    """Wraps the real embedder and keeps every chunk vector it makes, for reuse at scale."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.count_tokens = embedder.count_tokens
        self.embed_query = embedder.embed_query
        self.texts: list[str] = []
        self.vectors: list[np.ndarray] = []

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        vectors = self.embedder.embed_passages(texts, show_progress)
        self.texts.extend(texts)
        self.vectors.extend(vectors)
        return vectors


# --- timing --------------------------------------------------------------------------------


class Timings:
    """Exclusive wall time per label of wrapped calls (a nested call's time goes to it only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []

    def wrap(self, label: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = self._stack.pop()
                self.seconds[label] += elapsed - children
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1] += elapsed

        return timed

    def patch(self, obj: object, attribute: str, label: str | None = None) -> None:
        """Time `obj.attribute` calls from now on (an instance attribute shadows the method)."""
        setattr(obj, attribute, self.wrap(label or attribute, getattr(obj, attribute)))

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


# --- memory --------------------------------------------------------------------------------


def _rss(process: psutil.Process, children: bool) -> int:
    try:
        total = process.memory_info().rss
        if children:
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
        return total
    except psutil.Error:
        return 0


class PeakRss:
    """Samples RSS of this process (and of a server process with its children) in a thread."""

    def __init__(self, server_pid: int | None = None, interval: float = 0.05) -> None:
        self.me = psutil.Process()
        self.server = psutil.Process(server_pid) if server_pid else None
        self.interval = interval
        self.start_self = self.peak_self = _rss(self.me, False)
        self.start_server = self.peak_server = _rss(self.server, True) if self.server else 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.peak_self = max(self.peak_self, _rss(self.me, False))
        if self.server:
            self.peak_server = max(self.peak_server, _rss(self.server, True))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def mib(n: float) -> float:
    return round(n / 2**20, 1)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- Chroma server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """`chroma run --path data` from this virtualenv on 127.0.0.1 and a free port, stopped on exit.

    The folder can be one an embedded client wrote: both use the same on-disk format.
    """

    def __init__(self, data: Path, log: Path | None = None) -> None:
        self.data = data
        self.log = log or data.with_name(data.name + "-server.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ChromaServer:
        self.data.mkdir(parents=True, exist_ok=True)
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self._log = self.log.open("w")
        command = [chroma, "run", "--path", str(self.data)]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.3)
        self.process.kill()
        raise RuntimeError("chroma server did not start within 60 s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# --- machine -------------------------------------------------------------------------------


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, which `platform` often leaves empty."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, str]:
    import chromadb

    cpu = cpu_name()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": f"{usable} usable ({psutil.cpu_count(logical=False)} physical, "
        f"{psutil.cpu_count()} logical)",
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": torch_info(),
        "chromadb": chromadb.__version__,
    }


def torch_info() -> str:
    import torch

    return f"{torch.__version__} ({torch.get_num_threads()} threads)"


def machine_table(info: dict[str, str]) -> str:
    lines = ["| machine | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    return "\n".join(lines)


def load_embedder(device: str = "cpu", threads: int | None = None):
    """The project's default model; `threads` sets torch's CPU threads.

    On a machine shared with other busy processes, torch's default (one thread per
    core) can be several times slower than one thread: its threads wait on each other.
    """
    import torch

    from assistant.settings import Settings
    from index.embed import Embedder

    if threads:
        torch.set_num_threads(threads)
    settings = Settings()
    return Embedder(
        settings.embedding_model,
        models_dir=MODELS,
        device=device,
        form=settings.embedding_form,
    )
