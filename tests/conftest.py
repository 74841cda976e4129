"""Shared fixtures: the real embedding model, a real Chroma (embedded and server).

HF_HUB_OFFLINE is set before anything imports huggingface_hub, so a hidden
download fails loudly instead of reaching for the network.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"
MODELS = ROOT / ".data" / "models"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def embedder():
    """The default model and form, built once into the project's data directory and reused."""
    from assistant.settings import Settings
    from index.embed import Embedder

    settings = Settings(data_dir=ROOT / ".data")
    return Embedder(
        settings.embedding_model,
        models_dir=settings.models_dir,
        device="cpu",
        form=settings.embedding_form,
    )


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory, embedder):
    """An embedded Chroma holding the five bundled articles."""
    from assistant.components import chunking_options
    from assistant.settings import Settings
    from index.indexer import ingest_paths
    from index.store import Store, connect

    db = tmp_path_factory.mktemp("corpus-db")
    store = Store(connect(str(db)), embedder.name)
    summary = ingest_paths([ARTICLES], store, embedder, chunking_options(Settings()))
    assert summary.ok and len(summary.added) == 5
    return store


@pytest.fixture(scope="session")
def corpus_assistant(corpus_store, embedder):
    from assistant.answer import Assistant
    from assistant.settings import Settings
    from index.retrieve import Searcher

    settings = Settings()
    return Assistant(Searcher(corpus_store, embedder), k=settings.k, retrieval=settings.retrieval)


# Tests that use any of these fixtures (directly or through another fixture) are marked
# slow, so `make test-fast` leaves them out without each test saying so.
SLOW_FIXTURES = frozenset({"embedder", "model_dir", "chroma_server", "browser"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The data directory holding the built model, for tests that load it through the CLI."""
    return ROOT / ".data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server on 127.0.0.1, started from the installed chromadb."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = (path / "server.log").open("w")
    process = subprocess.Popen(
        [chroma, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((path / "server.log").read_text()) from None
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("chroma server did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture
def empty_chroma_server(chroma_server):
    """The session's server with no collections before and after: each test starts empty,
    and none leaves another test its documents (or another model's vectors)."""
    from index.store import connect

    def empty() -> None:
        client = connect("unused", chroma_server)
        for collection in client.list_collections():
            client.delete_collection(collection.name)

    empty()
    yield chroma_server
    empty()
