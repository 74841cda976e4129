"""The store's documents as one process knows them, and which are about which province.

Kept up to date per store revision from the one read of every document's marker that
a refresh makes anyway: only new and replaced documents are read whole (their details
by id), removed ones dropped, and the province map changes with them, so a province
filter is a dictionary lookup rather than a scan of every document (three a question,
118 ms at 13,000 documents).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from index.record import StoredDocument, commit_marker
from index.store import Records, Store
from index.weights import RETRIEVAL
from ingest.provinces import expand


def markers(records: Records) -> dict[str, tuple[str, int]]:
    """doc_id -> (generation, chunk count): what names each document's live chunks."""
    return {doc_id: commit_marker(meta) for doc_id, meta in records.items()}


def _version(meta: Mapping[str, Any]) -> tuple[str, str, str]:
    # A record rewritten without new text (moved file, new ingestion time) is decoded again.
    return meta["generation"], str(meta.get("ingested_at", "")), str(meta.get("path", ""))


class Catalog:
    """Documents by id and by province; replaced whole on update, so readers in other
    threads always see one consistent pair."""

    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}
        self._provinces: dict[str, frozenset[str]] = {}
        self._versions: dict[str, tuple[str, str, str]] = {}

    def update(self, records: Records, store: Store) -> None:
        """Follow the markers just read from `store`, reading whole only what changed."""
        documents = {d: doc for d, doc in self.documents.items() if d in records}
        versions = {d: _version(meta) for d, meta in records.items()}
        changed = {d: m for d, m in records.items() if self._versions.get(d) != versions[d]}
        documents.update(store.documents_from(changed))
        # One replaced again between the two reads is read at the next refresh.
        versions = {d: v for d, v in versions.items() if d in documents}
        self._provinces = province_map(documents.values())
        self.documents, self._versions = documents, versions

    def about(self, names: Iterable[str]) -> set[str]:
        """Documents about any of the given provinces, old or merged names alike."""
        provinces = self._provinces
        found: set[str] = set()
        for name in names:
            for old in expand(name):
                found |= provinces.get(old, frozenset())
        return found


def province_map(documents: Iterable[StoredDocument]) -> dict[str, frozenset[str]]:
    """Old province name -> the documents about it (among the first it names)."""
    found: dict[str, set[str]] = {}
    for doc in documents:
        for name in doc.provinces[: RETRIEVAL.about]:
            found.setdefault(name, set()).add(doc.doc_id)
    return {name: frozenset(ids) for name, ids in found.items()}
