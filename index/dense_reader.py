"""Dense queries that see every process's writes.

An embedded Chroma keeps each collection's vector index in the memory of the process
that opened it, and does not see what another process (the CLI, a second app) adds to
the files afterwards: new documents go missing from unfiltered queries, and filtered
ones fail with "Error finding id". So after every change of the store's revision the
reader opens the directory again, through a client of its own (Chroma shares one
client per directory string within a process, and the store's own must stay open for
its writes). Against a server, which holds the one vector index, the reader only
picks up the current chunks collection, which `assistant reindex` may have replaced.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import chromadb
import numpy as np

from index.record import StoredChunk
from index.sentence_vectors import stored_fields
from index.store import Store


class DenseReader:
    """The store's vector query, reopened by `follow` whenever the store has changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._reader = store
        self._client: chromadb.ClientAPI | None = None
        self._users = 0
        self._switching = False
        self._idle = threading.Condition()
        settings = store.client.get_settings()
        self._path = settings.persist_directory if settings.is_persistent else None

    def follow(self) -> None:
        """Open the store as it is now; waits for queries on the old view to finish."""
        with self._idle:
            # New queries wait from here, so a busy app cannot hold the switch off.
            self._switching = True
            self._idle.wait_for(lambda: self._users == 0)
            try:
                self._reader = self._reopen()
            finally:
                self._switching = False
                self._idle.notify_all()

    def _reopen(self) -> Store:
        if self._path is None:
            return Store(self.store.client, self.store.model)
        if self._client is not None:
            self._client.close()
            self._client = None
        self._client = chromadb.PersistentClient(path=_alias(self._path))
        return Store(self._client, self.store.model)

    def query(
        self,
        vector: np.ndarray,
        k: int,
        doc_ids: Iterable[str] | None,
        live: dict[str, str],
    ) -> list[tuple[str, float]]:
        """Chunk ids and similarities (`Store.query`)."""
        with self._using() as reader:
            return reader.query(vector, k, doc_ids, live)

    def chunks(self, chunk_ids: list[str]) -> dict[str, StoredChunk]:
        with self._using() as reader:
            return reader.chunks_by_id(chunk_ids)

    def sentence_fields(self, chunk_ids: list[str]) -> dict[str, str]:
        """The stored sentence vectors of these chunks (index/sentence_vectors.py)."""
        with self._using() as reader:
            return stored_fields(reader.chunks.get, chunk_ids)

    @contextmanager
    def _using(self) -> Iterator[Store]:
        with self._idle:
            self._idle.wait_for(lambda: not self._switching)
            self._users += 1
            reader = self._reader
        try:
            yield reader
        finally:
            with self._idle:
                self._users -= 1
                self._idle.notify_all()


def _alias(path: str) -> str:
    """The same directory under another name, so that Chroma opens it afresh."""
    return os.path.join(path.rstrip(os.sep), ".", "")
