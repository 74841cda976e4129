"""Build the index's parts from the settings, once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.answer import Assistant
from assistant.generative import GenerativeAnswerer
from assistant.settings import Settings
from index.embed import Embedder
from index.lexical_cache import LexicalCache, cache_dir_beside, cache_dir_for_server
from index.retrieve import Searcher
from index.store import Store, connect
from ingest.pipeline import ChunkingOptions


@lru_cache(maxsize=4)
def load_embedder(model: str, models_dir: str, device: str | None, form: str) -> Embedder:
    return Embedder(model, models_dir=Path(models_dir), device=device, form=form)


def embedder_for(settings: Settings) -> Embedder:
    return load_embedder(
        settings.embedding_model,
        str(settings.models_dir),
        settings.device,
        settings.embedding_form,
    )


def open_store(settings: Settings) -> Store:
    """Raises index.store.ModelMismatchError when the index holds another model's vectors."""
    if not settings.chroma_url:
        settings.db_path.mkdir(parents=True, exist_ok=True)
    return Store(connect(str(settings.db_path), settings.chroma_url), settings.embedding_model)


def lexical_dir(settings: Settings, store: Store) -> Path | None:
    """Where the lexical cache lives: beside an embedded store; a server's, under the data dir."""
    url = settings.chroma_url
    return cache_dir_for_server(settings.data_dir, url) if url else cache_dir_beside(store)


def catch_up_lexical(settings: Settings, store: Store) -> str | None:
    """Bring the lexical cache the app would use up to the store, after a command wrote to it.

    Otherwise the first question after a large ingest would read every new chunk
    (9.5 s at 10,000 chunks). The cache is derived and any reader catches it up, so a
    failure here costs only that time later: it is returned as a note, never raised,
    and the write stands. A store whose cache would live in memory has none to keep.
    """
    path = lexical_dir(settings, store)
    if path is None:
        return None
    try:
        LexicalCache(path).catch_up(store)
    except Exception as error:  # tantivy, the file system or the store: none undoes the write
        return f"note: the lexical index was not updated ({error}); the next question will do it"
    return None


def chunking_options(settings: Settings) -> ChunkingOptions:
    return ChunkingOptions(
        max_bytes=settings.max_bytes,
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap,
    )


def build_assistant(settings: Settings) -> Assistant:
    """The store, the model (unless retrieval is lexical only) and the answerer."""
    mode = settings.retrieval
    embedder = None if mode == "lexical" else embedder_for(settings)
    store = open_store(settings)
    searcher = Searcher(store, embedder, lexical_dir(settings, store))
    generator = None
    if settings.llm_url and settings.llm_model:
        generator = GenerativeAnswerer(settings.llm_url, settings.llm_model)
    return Assistant(searcher, k=settings.k, retrieval=mode, generator=generator)
