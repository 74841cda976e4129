"""What the benchmark scripts share: settings, logging, the machine, memory, timing, servers.

* `settings()`: the project's defaults (assistant.settings), rooted at this checkout;
  `chunking_options` and `load_embedder` pass them on explicitly.
* `log`, and the machine's description (`cpu_name`, `machine_info`, `machine_table`).
* `PeakRss`: peak RSS of this process and of a server process, sampled in a thread.
* `Timings`: exclusive wall time of wrapped calls, by label.
* `ChromaServer` and `AppServer`: `chroma run` or `assistant serve` as a subprocess on
  127.0.0.1 and a free port, each a context manager that stops it on exit;
  `open_store` opens a Chroma folder embedded or through a `ChromaServer`.
* `paragraphs_write`: a stored document made of given paragraphs, without the pipeline.

Latency percentiles come from `assistant.evaluation.percentile`, the one definition
`assistant eval` uses too.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import psutil

if TYPE_CHECKING:
    import numpy as np

    from assistant.settings import Settings
    from index.commit import DocumentWrite
    from index.store import Store
    from ingest.pipeline import ChunkingOptions

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"
QUESTIONS = ROOT / "tests" / "data" / "qa.jsonl"
HOST = "127.0.0.1"

# Run as a script, the repository root is not on the path.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def settings() -> Settings:
    """The project's default settings, with the data folder of this checkout."""
    from assistant.settings import Settings

    return Settings(data_dir=ROOT / ".data")


def chunking_options(chosen: Settings) -> ChunkingOptions:
    """Chunk sizes and the file size limit as `assistant ingest` uses them."""
    from index.indexer import ChunkingOptions

    return ChunkingOptions(
        max_bytes=chosen.max_bytes,
        max_tokens=chosen.chunk_tokens,
        overlap_tokens=chosen.chunk_overlap,
    )


def load_embedder(device: str = "cpu", threads: int | None = None) -> Any:
    """The project's default model in its default form; `threads` sets torch's CPU threads.

    On a machine shared with other busy processes, torch's default (one thread per
    core) can be several times slower than one thread: its threads wait on each other.
    """
    from index.embed import Embedder

    if threads:
        import torch

        torch.set_num_threads(threads)
    chosen = settings()
    return Embedder(
        chosen.embedding_model,
        models_dir=chosen.models_dir,
        device=device,
        form=chosen.embedding_form,
    )


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# --- the machine ---------------------------------------------------------------------------


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, which `platform` often leaves empty."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info(packages: Sequence[str] = ()) -> dict[str, str]:
    """CPU, cores, memory, load, OS and Python, then the versions of `packages`."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {
        "cpu": cpu_name(),
        "cores": f"{usable} usable ({psutil.cpu_count(logical=False)} physical, "
        f"{psutil.cpu_count()} logical)",
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    for package in packages:
        info[package] = metadata.version(package)
    return info


def torch_info() -> str:
    """torch's version and its CPU threads (set by `load_embedder`)."""
    import torch

    return f"{torch.__version__} ({torch.get_num_threads()} threads)"


def machine_table(info: dict[str, str]) -> str:
    lines = ["| machine | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    return "\n".join(lines)


def mib(n: float) -> float:
    return round(n / 2**20, 1)


def du(path: Path) -> int:
    """Bytes of the files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- memory and time -----------------------------------------------------------------------


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
    """Samples RSS of this process (and of a server process with its children) in a thread.

    Used as a context manager around the work measured; bytes in `start_self`,
    `peak_self`, `start_server` and `peak_server`.
    """

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


# --- local servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class LocalServer(ABC):
    """A server subprocess on 127.0.0.1 and a free port, its output in a log file.

    Entering starts it and waits until `ready()` (at most `startup_timeout` seconds,
    kept in `startup_s`); leaving stops it. Subclasses give the command and the check.
    """

    name = "server"

    def __init__(self, log_path: Path, startup_timeout: float) -> None:
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.startup_s = 0.0
        self.process: subprocess.Popen | None = None

    @abstractmethod
    def command(self) -> list[str]:
        """The argv that starts this server on `self.port`."""

    def ready(self) -> bool:
        """Whether the server accepts connections; subclasses may ask for more."""
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def __enter__(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        started = time.perf_counter()
        deadline = started + self.startup_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if self.ready():
                self.startup_s = time.perf_counter() - started
                return self
            time.sleep(0.3)
        self.__exit__()
        timeout = self.startup_timeout
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._log.close()


class ChromaServer(LocalServer):
    """`chroma run --path data` from this virtualenv.

    The folder can be one an embedded client wrote: both use the same on-disk format.
    """

    name = "chroma server"

    def __init__(self, data: Path, log: Path | None = None, startup_timeout: float = 60) -> None:
        self.data = data.resolve()
        super().__init__(
            log or self.data.with_name(self.data.name + "-server.log"), startup_timeout
        )
        self.url = f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        self.data.mkdir(parents=True, exist_ok=True)
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        return [chroma, "run", "--path", str(self.data), "--host", HOST, "--port", str(self.port)]


class AppServer(LocalServer):
    """`assistant serve` on the index in `db`; ready once Gradio serves its config."""

    name = "the app"

    def __init__(
        self, db: Path, log_path: Path, device: str | None, startup_timeout: float
    ) -> None:
        super().__init__(log_path, startup_timeout)
        self.db = db
        self.device = device
        self.url = f"http://{HOST}:{self.port}/"

    def command(self) -> list[str]:
        command = assistant_command("serve", "--db", str(self.db), "--host", HOST)
        command += ["--port", str(self.port)]
        return command + (["--device", self.device] if self.device else [])

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "config", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


def assistant_command(*args: str) -> list[str]:
    """The `assistant` command line, run by this Python."""
    return [sys.executable, "-m", "assistant.cli", *args]


@contextlib.contextmanager
def open_store(kind: str, path: Path, model: str) -> Iterator[tuple[Store, int | None]]:
    """(store, server pid or None) on the Chroma folder `path`: "embedded" or "server"."""
    from index.store import Store, connect

    if kind == "embedded":
        yield Store(connect(str(path)), model), None
    else:
        with ChromaServer(path) as server:
            yield Store(connect("", server.url), model), server.pid


def release_chroma_clients() -> None:
    """Let go of Chroma's cached systems, so one run's store does not weigh on the next."""
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # only a memory nicety
        pass
    gc.collect()


def paragraphs_write(
    doc_id: str,
    paragraphs: Sequence[str],
    vectors: np.ndarray,
    *,
    version: str = "0",
    provinces: tuple[str, ...] = (),
) -> DocumentWrite:
    """A document of these paragraphs, one chunk each with its offsets into their join, for
    benchmarks and tests that store documents without running the ingest pipeline."""
    from index.commit import DocumentWrite
    from index.record import StoredDocument
    from ingest.document import Chunk

    chunks, start = [], 0
    for n, text in enumerate(paragraphs):
        chunks.append(Chunk(n, start, start + len(text), text))
        start += len(text) + 2
    record = StoredDocument(
        doc_id=doc_id, source=f"{doc_id}.txt", path="", title=doc_id, date=None, byline=None,
        provinces=provinces, merged_provinces=(), content_hash=version, generation=version,
        ingested_at="2026-01-01", kind="text", chunk_count=len(chunks), pages=(), blocks=(),
    )  # fmt: skip
    return DocumentWrite(record, "\n\n".join(paragraphs), chunks, vectors)
