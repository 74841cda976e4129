"""The records that flow out of ingestion.

Offsets everywhere refer to `LoadedDocument.text`, the full text exactly as it
was read, so that a citation can always be checked with `text[start:end]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

# How a table row is written into a document's text: one line, its cells joined by this,
# so that a row is one sentence to the chunker and the targets reader (`ingest.load_docx`,
# `ingest.load_html`, `ingest.table_targets`).
CELL_SEPARATOR = " | "


class Page(NamedTuple):
    """A PDF page's character range in the document text, kept for citations.

    A tuple, so that the stored form ([number, start, end]) reads back as one.
    """

    number: int
    start: int
    end: int


def page_at(pages: Iterable[tuple[int, int, int]], offset: int) -> int | None:
    """The 1-based page holding `offset`, or None for documents without pages."""
    for number, start, end in pages:
        if start <= offset < end:
            return number
    return None


@dataclass(frozen=True)
class FileProperties:
    """What a file says about itself (a Word file's properties, a page's meta tags).

    Used only where the text itself names no title, date or author.
    """

    title: str | None = None
    date: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A file read into text.

    `kind` is "text", "html", "docx", "pdf" or "pdf-ocr" (some pages recognised
    from images). `confidences` holds, for an OCR'd document, each page's mean
    word confidence (0-100, in page order; None for a page that had a text
    layer). `notes` are the things a user should hear about a file that still
    loaded, one line each (pages left out for low confidence).
    """

    path: Path
    source: str
    text: str
    kind: str
    content_hash: str
    pages: tuple[Page, ...] = ()
    properties: FileProperties = FileProperties()
    confidences: tuple[float | None, ...] = ()
    notes: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int | None:
        return page_at(self.pages, offset)


class LoadError(Exception):
    """A file that cannot be ingested; `code` lets interfaces word the reason themselves."""

    def __init__(self, path: Path | str, code: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.code = code
        self.reason = reason

    def __reduce__(self) -> tuple[type[LoadError], tuple[str, str, str]]:
        # Sent back from the processes that prepare files (index/preparation.py).
        return LoadError, (self.path, self.code, self.reason)


@dataclass(frozen=True)
class Span:
    """A kept stretch of the document text (a paragraph, heading or list item)."""

    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A content block and its sentences, split once for chunking and targets alike."""

    span: Span
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class DocumentMeta:
    title: str
    date: str | None = None
    byline: str | None = None
    provinces: tuple[str, ...] = ()
    merged_provinces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Target:
    """One indicator of one province: the value aimed for and/or the value reached.

    Values are kept exactly as the document wrote them; `quote` is
    `text[start:end]`. See `ingest.targets` for how rows are read.
    """

    province: str | None
    indicator: str
    target: str | None
    deadline: str | None
    achieved: str | None
    as_of: str | None
    status: str
    source: str
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PreparedDocument:
    """Everything the index needs about one document, before embedding."""

    loaded: LoadedDocument
    meta: DocumentMeta
    blocks: tuple[Span, ...]
    chunks: tuple[Chunk, ...]
    targets: tuple[Target, ...]
