"""What the index keeps about a document and a chunk, to and from Chroma metadata.

Chroma metadata holds scalars (and lists of scalars): a document's structured
fields (provinces, pages, blocks, targets) travel as JSON strings. A document is
two records: its commit marker in `documents`, small because every refresh reads
them all, and its details (full text, pages, blocks, targets) in a record of
its own generation, read by id when a document is new to a reader. Indexes
built before that keep it all in the marker (`detailed` unset) and read back
unchanged; fields missing from an old record get the values below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ingest.document import Chunk, Page, PreparedDocument, Target, page_at


@dataclass(frozen=True)
class StoredDocument:
    """One document's record: what readers get, and the commit marker of its chunks.

    `generation` names the chunks that belong to this version of the document;
    chunks of any other generation are invisible to readers. Each write gives
    its documents a generation of its own (index/commit.py), so a record built
    but not yet written has none.
    """

    doc_id: str
    source: str
    path: str
    title: str
    date: str | None
    byline: str | None
    provinces: tuple[str, ...]
    merged_provinces: tuple[str, ...]
    content_hash: str
    generation: str
    ingested_at: str
    kind: str
    chunk_count: int
    pages: tuple[Page, ...]
    blocks: tuple[tuple[int, int], ...]
    targets: tuple[Target, ...] = ()
    # Each page's OCR confidence (0-100; None for a page with a text layer), for
    # kind "pdf-ocr" only: the library shows how far its text can be trusted.
    confidences: tuple[float | None, ...] = ()

    @classmethod
    def from_prepared(
        cls, doc_id: str, prepared: PreparedDocument, ingested_at: str
    ) -> StoredDocument:
        loaded, meta = prepared.loaded, prepared.meta
        return cls(
            doc_id=doc_id,
            source=loaded.source,
            path=str(loaded.path.resolve()),
            title=meta.title,
            date=meta.date,
            byline=meta.byline,
            provinces=meta.provinces,
            merged_provinces=meta.merged_provinces,
            content_hash=loaded.content_hash,
            generation="",
            ingested_at=ingested_at,
            kind=loaded.kind,
            chunk_count=len(prepared.chunks),
            pages=loaded.pages,
            blocks=tuple((b.start, b.end) for b in prepared.blocks),
            targets=prepared.targets,
            confidences=loaded.confidences,
        )

    def to_metadata(self) -> dict[str, Any]:
        """The commit marker's metadata: the fields a reader lists documents by.

        Chroma merges the metadata of an upserted record into the one it replaces, so a
        field without a value is None, which clears it there, and so are the detail
        fields a record written before details had.
        """
        fields = {
            "source": self.source,
            "path": self.path,
            "title": self.title,
            "date": self.date,
            "byline": self.byline,
            "provinces": _json(self.provinces),
            "merged_provinces": _json(self.merged_provinces),
            "content_hash": self.content_hash,
            "generation": self.generation,
            "ingested_at": self.ingested_at,
            "kind": self.kind,
            "chunk_count": self.chunk_count,
            "confidences": _json(self.confidences) if self.confidences else None,
            DETAILED: True,
        }
        return fields | dict.fromkeys(DETAIL_FIELDS)

    def details_metadata(self, text: str) -> dict[str, Any]:
        """The details record's metadata: the full text and the structured fields.

        The text is metadata, not the record's document, for the same reason as a
        chunk's (`chunk_text`): Chroma's full-text index was most of a document's write.
        """
        return {
            "doc_id": self.doc_id,
            "generation": self.generation,
            "text": text,
            "pages": _json(self.pages),
            "blocks": _json(self.blocks),
            "targets": _json([target.to_dict() for target in self.targets]),
        }

    @classmethod
    def from_metadata(
        cls, doc_id: str, meta: Mapping[str, Any], details: Mapping[str, Any] | None = None
    ) -> StoredDocument:
        """From a marker and, for a detailed one, its details record's metadata."""
        structured = details if meta.get(DETAILED) else meta
        if structured is None:
            raise ValueError(f"{doc_id}: the record's details were not read")

        def listed(key: str) -> list[Any]:
            return json.loads(structured.get(key) or "[]")

        head = DocumentHead.from_metadata(doc_id, meta)
        listed_by_marker = {f.name: getattr(head, f.name) for f in fields(DocumentHead)}
        del listed_by_marker["detailed"]
        return cls(
            **listed_by_marker,
            pages=tuple(Page(*page) for page in listed("pages")),
            blocks=tuple((start, end) for start, end in listed("blocks")),
            targets=tuple(Target(**row) for row in listed("targets")),
        )

    def page_at(self, offset: int) -> int | None:
        return page_at(self.pages, offset)


# The marker key of a document whose details are a record of their own, and the fields
# that moved there.
DETAILED = "detailed"
DETAIL_FIELDS = ("pages", "blocks", "targets")


def details_id(doc_id: str, generation: str) -> str:
    """The id of a document generation's details record (in their own collection)."""
    return f"{doc_id}:{generation}"


def details_owner(record_id: str) -> tuple[str, str]:
    """(doc_id, generation) of a details record's id."""
    doc_id, _, generation = record_id.rpartition(":")
    return doc_id, generation


@dataclass(frozen=True)
class DocumentHead:
    """What a document's marker alone says: enough to list it, to skip an unchanged file,
    to prune a gone one and to sweep, without reading any document's details."""

    doc_id: str
    source: str
    path: str
    title: str
    date: str | None
    byline: str | None
    provinces: tuple[str, ...]
    merged_provinces: tuple[str, ...]
    content_hash: str
    generation: str
    ingested_at: str
    kind: str
    chunk_count: int
    confidences: tuple[float | None, ...]
    detailed: bool

    @classmethod
    def from_metadata(cls, doc_id: str, meta: Mapping[str, Any]) -> DocumentHead:
        def named(key: str) -> list[Any]:
            return json.loads(meta.get(key) or "[]")

        return cls(
            doc_id=doc_id,
            source=meta["source"],
            path=meta.get("path", ""),
            title=meta.get("title", meta["source"]),
            date=meta.get("date"),
            byline=meta.get("byline"),
            provinces=tuple(named("provinces")),
            merged_provinces=tuple(named("merged_provinces")),
            content_hash=meta["content_hash"],
            generation=meta["generation"],
            ingested_at=meta.get("ingested_at", ""),
            kind=meta.get("kind", "text"),
            chunk_count=int(meta.get("chunk_count", 0)),
            confidences=tuple(named("confidences")),
            detailed=bool(meta.get(DETAILED)),
        )


def commit_marker(meta: Mapping[str, Any]) -> tuple[str, int]:
    """(generation, chunk count) of a document's record, without decoding the rest.

    Read for every document on every refresh, where decoding whole records
    (targets and blocks included) would cost seconds at ten thousand documents.
    """
    return meta["generation"], int(meta.get("chunk_count", 0))


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    source: str
    index: int
    start: int
    end: int
    text: str
    page: int | None

    @classmethod
    def from_metadata(
        cls, chunk_id: str, document: str | None, meta: Mapping[str, Any]
    ) -> StoredChunk:
        """`document`: what Chroma returns as the record's document (see `chunk_text`)."""
        return cls(
            chunk_id=chunk_id,
            doc_id=meta["doc_id"],
            source=meta["source"],
            index=int(meta["index"]),
            start=int(meta["start"]),
            end=int(meta["end"]),
            text=chunk_text(document, meta),
            page=int(meta["page"]) or None,
        )


def chunk_id(doc_id: str, generation: str, index: int) -> str:
    return f"{doc_id}:{generation}:{index}"


def chunk_owner(chunk_id: str) -> tuple[str, str]:
    """(doc_id, generation) of the chunk an id names (`chunk_id`)."""
    doc_id, generation, _ = chunk_id.rsplit(":", 2)
    return doc_id, generation


def chunk_metadata(document: StoredDocument, chunk: Chunk) -> dict[str, Any]:
    """A chunk's metadata: its text, its document and generation, its offsets and page.

    A document's provinces stay in its record: filters go through the catalog by
    document id, and repeating them on every chunk was a fifth of a chunk's write
    (benchmarks/chroma_writes.py).
    """
    return {
        "text": chunk.text,
        "doc_id": document.doc_id,
        "generation": document.generation,
        "source": document.source,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "page": document.page_at(chunk.start) or 0,
    }


def chunk_text(document: str | None, meta: Mapping[str, Any]) -> str:
    """A chunk's text: in its metadata since chunks left Chroma's `documents` field, there
    in chunks written before.

    Chroma's full-text index of `documents` was about half of a chunk's write (1.48
    against 0.71 ms of CPU a record, benchmarks/chroma_writes.py) and nothing searches
    it: lexical search is the tantivy index (index/lexical.py).
    """
    return str(meta["text"]) if "text" in meta else str(document)


def is_live(meta: Mapping[str, Any], live: Mapping[str, str]) -> bool:
    """Whether a chunk belongs to the committed generation of its document (`live`)."""
    return live.get(meta["doc_id"]) == meta["generation"]


def chunks_of(doc_ids: Sequence[str]) -> dict[str, Any]:
    """A Chroma `where` filter for the chunks of these documents."""
    return {"doc_id": {"$in": list(doc_ids)}}


def _json(value: Sequence[Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
