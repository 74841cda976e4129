"""The lexical index as a derived cache of the store: it follows the store's documents.

It records which generation (and chunk count, and number of terms) of each document it holds, in
`state.json` beside the tantivy files, and catches up by comparing that with the
store's commit markers: only the chunks of new and replaced documents are read (by
id: a marker names them), and removed documents are dropped. Re-embedding keeps
generations, so it costs nothing here. A crash between tantivy's commit and the state
file is harmless: a document is always replaced whole (its chunks deleted by document
id before its new ones go in), so doing a change twice gives the same index.

Several processes may share one cache directory (the app and `assistant ask` on one
embedded store): catching up takes tantivy's writer lock and reads the state file
again under it, so each change is applied once, by whichever process comes first.
`rebuild` starts over from the store at any time.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from index.catalog import markers
from index.lexical import LexicalIndex
from index.record import StoredChunk, chunk_id
from index.store import Records, Store

# Chroma reads at most this many records a call.
_BATCH = 1000
# Bumped when the index's schema or terms change, so older caches are rebuilt.
FORMAT = 3

Markers = Mapping[str, tuple[str, int]]


def cache_dir_beside(store: Store) -> Path | None:
    """Where an embedded store's cache lives: beside its Chroma directory; None for a server."""
    settings = store.client.get_settings()
    if not settings.is_persistent or not settings.persist_directory:
        return None
    db = Path(settings.persist_directory).resolve()
    return db.with_name(f"{db.name}-lexical")


def cache_dir_for_server(data_dir: Path, url: str) -> Path:
    """Where this machine keeps the cache of a Chroma server's store, one per server."""
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", url.split("://")[-1]).strip("_")
    return data_dir / "lexical" / name


class LexicalCache:
    """The lexical index of one store, in `path` (None: in memory, rebuilt per process)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None and _read_state(path).get("format") != FORMAT:
            # Missing, unreadable or of an older format: start this cache over.
            _remove_tantivy_files(path)
        self.index = LexicalIndex(path)
        self.held: dict[str, tuple[str, int]] = self._load_held()

    def _load_held(self) -> dict[str, tuple[str, int]]:
        """What the directory's state file says the index holds (in memory: what it does)."""
        if self.path is None:
            return dict(getattr(self, "held", {}))
        stored = _read_state(self.path).get("documents", {})
        self.index.lengths = {doc_id: int(length) for doc_id, (_, _, length) in stored.items()}
        return {doc_id: (gen, int(count)) for doc_id, (gen, count, _) in stored.items()}

    def catch_up(self, store: Store) -> Records:
        """Bring the index to the store's committed documents; returns their records.

        The records are read under the writer lock, so that processes sharing the
        cache apply the store's states in the order they happened: one that read
        the store before another's catch-up can never undo it.
        """
        with self._lock:
            writer = self.index.writer()
            try:
                # Another process may have caught up while this one waited for the lock.
                self.index.reload()
                self.held = self._load_held()
                records = store.records()
                self._apply(writer, store, markers(records))
            finally:
                del writer  # releases tantivy's lock on the directory
            return records

    def _apply(self, writer: Any, store: Store, wanted: Markers) -> None:
        changed = [d for d, marker in wanted.items() if self.held.get(d) != marker]
        removed = [d for d in self.held if d not in wanted]
        if changed or removed:
            added = read_chunks(store, {d: wanted[d] for d in changed})
            self.index.apply(writer, changed + removed, added)
            self.held = dict(wanted)
            self._save()

    def faults(self, store: Store) -> list[str]:
        """What the index, caught up, holds other than the store's live chunks; one line each.

        Catching up is what any reader would do first, so a cache that is merely behind
        is not a fault; one that holds other generations or other chunks is.
        """
        wanted = markers(self.catch_up(store))
        found = [
            f"{doc_id}: holds {self.held.get(doc_id)} for the store's {marker}"
            for doc_id, marker in sorted(wanted.items())
            if self.held.get(doc_id) != marker
        ]
        found += [
            f"{doc_id}: holds a document the store has not"
            for doc_id in self.held.keys() - wanted.keys()
        ]
        live = sum(count for _, count in wanted.values())
        if self.index.size != live:
            found.append(f"holds {self.index.size} chunks for the store's {live} live chunks")
        return found

    def rebuild(self, store: Store) -> Records:
        """Start over from the store; gives the same index as catching up."""
        with self._lock:
            writer = self.index.writer()
            try:
                self.index.clear(writer)
                self.held = {}
                self._save()
            finally:
                del writer
        return self.catch_up(store)

    def _save(self) -> None:
        if self.path is None:
            return
        lengths = self.index.lengths
        documents = {d: [gen, count, lengths.get(d, 0)] for d, (gen, count) in self.held.items()}
        state = {"format": FORMAT, "documents": documents}
        temporary = self.path / "state.json.tmp"
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.path / "state.json")


def read_chunks(store: Store, wanted: Markers) -> list[StoredChunk]:
    """The chunks of these documents' generations, read by id from the store."""
    ids = [chunk_id(d, gen, i) for d, (gen, count) in wanted.items() for i in range(count)]
    chunks: list[StoredChunk] = []
    for lo in range(0, len(ids), _BATCH):
        got = store.chunks.get(ids=ids[lo : lo + _BATCH], include=["documents", "metadatas"])
        for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            chunks.append(StoredChunk.from_metadata(i, text, meta))
    return chunks


def _read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _remove_tantivy_files(path: Path) -> None:
    if not path.is_dir():
        return
    for entry in path.iterdir():
        if entry.is_file():
            entry.unlink()
