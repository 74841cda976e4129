"""The document library behind the app: the searcher's store, its documents and texts,
questions to the assistant, and uploads and removals under one write lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import Assistant
from assistant.components import chunking_options, embedder_for
from assistant.record import AnswerRecord
from assistant.settings import Settings
from assistant.web.render import DocumentView
from index.indexer import IngestSummary, ingest_paths
from index.record import StoredDocument
from ingest.load_pdf import lowest_confidence

if TYPE_CHECKING:
    from index.embed import Embedder

# Document texts kept in memory before the cache starts over.
_TEXTS_KEPT = 64
# An upload no document record names is an orphan once older than this (seconds): a
# younger one may be another app's upload still being indexed.
ORPHAN_AGE = 3600


class Library:
    """One assistant's documents, shared by every session of the app.

    Uploads are stored under `settings.data_dir / "uploads"`; a removal deletes
    the stored file only when it lives there, never a file indexed from elsewhere.
    """

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.searcher = assistant.searcher
        self.store = assistant.searcher.store
        self.uploads = settings.data_dir / "uploads"
        self.write_lock = threading.Lock()
        self._texts: dict[tuple[str, str], str] = {}
        self._texts_lock = threading.Lock()

    def documents(self) -> list[StoredDocument]:
        """Every document, by title; what another process indexed shows up too."""
        # One small read of the store's revision.
        self.searcher.refresh()
        return sorted(self.searcher.documents.values(), key=lambda d: (d.title.lower(), d.source))

    def choices(self) -> list[tuple[str, str]]:
        """(label, doc_id) for the document dropdowns."""
        return [(f"{d.title} — {d.source}", d.doc_id) for d in self.documents()]

    def view(self, doc_id: str) -> DocumentView | None:
        """The document and its text, or None when it is no longer in the library."""
        doc = self.searcher.documents.get(doc_id)
        if doc is None:
            return None
        key = (doc_id, doc.generation)
        with self._texts_lock:
            text = self._texts.get(key)
        if text is None:
            try:
                text = self.store.document_text(doc_id)
            except KeyError:
                return None
            with self._texts_lock:
                if len(self._texts) > _TEXTS_KEPT:
                    self._texts.clear()
                self._texts[key] = text
        return DocumentView(doc, text)

    def ask(
        self, question: str, history: Sequence[str], province: str | None, k: int | None
    ) -> AnswerRecord:
        # A document committed between the searcher's refresh and its query is
        # unknown to the searcher for a moment; asking again (twice at most) picks it up.
        for _ in range(2):
            try:
                return self.assistant.ask(question, history=history, province=province, k=k)
            except KeyError:
                self.searcher.refresh()
        return self.assistant.ask(question, history=history, province=province, k=k)

    def embedder(self) -> Embedder:
        # A lexical-only assistant has no model loaded; uploads still need one.
        return self.searcher.embedder or embedder_for(self.settings)

    def ingest(
        self, paths: list[Path], progress: Callable[[list[Any]], Iterable[Any]] = iter
    ) -> IngestSummary:
        with self.write_lock:
            summary = ingest_paths(
                paths,
                self.store,
                self.embedder(),
                chunking_options(self.settings),
                progress=progress,
                workers=self.settings.prepare_workers,
            )
            self.searcher.refresh()
        return summary

    def remove_orphans(self, older_than: float = ORPHAN_AGE) -> list[Path]:
        """Delete stored uploads that no document names (an upload cut off mid-way)."""
        if not self.uploads.is_dir():
            return []
        with self.write_lock:
            self.searcher.refresh()
            named = {Path(d.path).resolve() for d in self.searcher.documents.values() if d.path}
            removed = []
            cutoff = time.time() - older_than
            for path in self.uploads.iterdir():
                stale = path.is_file() and path.stat().st_mtime < cutoff
                if stale and path.resolve() not in named:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def remove(self, doc_id: str) -> StoredDocument | None:
        """Remove a document from the index (and its stored upload); None if it was gone."""
        with self.write_lock:
            doc = self.store.get_document(doc_id)
            if doc is None:
                return None
            self.store.remove_document(doc_id)
            path = Path(doc.path) if doc.path else None
            if path and path.is_file() and path.resolve().parent == self.uploads.resolve():
                path.unlink()
            self.searcher.refresh()
        return doc


# What the library calls each kind of document the loaders report.
KIND_NAMES = {
    "text": "Văn bản",
    "html": "Trang web",
    "pdf": "PDF",
    "docx": "Word",
    "word": "Word",
    "ocr": "PDF quét (OCR)",
    "pdf-ocr": "PDF quét (OCR)",
}
LIBRARY_HEADERS = ["Tiêu đề", "Loại", "Trang", "Số đoạn", "Ngày", "Tỉnh/thành", "Tệp"]


def kind_cell(doc: StoredDocument) -> str:
    """The document's kind; for a scan, with its least certain kept page's OCR confidence.

    E.g. "PDF quét (OCR), độ tin cậy 96%": pages left out under the floor do not count,
    their text is not in the library.
    """
    name = KIND_NAMES.get(doc.kind, doc.kind)
    lowest = lowest_confidence(doc.confidences)
    return name if lowest is None else f"{name}, độ tin cậy {lowest:.0f}%"


def library_row(doc: StoredDocument) -> list[Any]:
    """One row of the library table, in the order of `LIBRARY_HEADERS`."""
    return [
        doc.title,
        kind_cell(doc),
        len(doc.pages) or "—",
        doc.chunk_count,
        doc.date or "—",
        ", ".join(doc.provinces) or "—",
        doc.source,
    ]


def library_rows(docs: Iterable[StoredDocument]) -> list[list[Any]]:
    """The library table's value, one `library_row` a document."""
    return [library_row(d) for d in docs]


def pick_document(
    docs: Sequence[StoredDocument], index: Any, row_value: Sequence[Any] | None
) -> StoredDocument | None:
    """The document a click on the library table meant: the row whose cells match.

    The table may be stale (another session uploaded) or sorted by the user,
    so the clicked row's cells decide; the index only breaks ties.
    """
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    if not row_value:
        return docs[index] if isinstance(index, int) and 0 <= index < len(docs) else None
    shown = [str(v) for v in row_value]
    matches = [i for i, d in enumerate(docs) if [str(v) for v in library_row(d)] == shown]
    if not matches:
        return None
    return docs[index if index in matches else matches[0]]
