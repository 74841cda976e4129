"""The records that flow out of ingestion.

Offsets everywhere refer to `LoadedDocument.text`, the full text exactly as it
was read, so that a citation can always be checked with `text[start:end]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    """A PDF page's character range in the document text, kept for citations."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class LoadedDocument:
    path: Path
    source: str
    text: str
    kind: str
    content_hash: str
    pages: tuple[Page, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for documents without pages."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


class LoadError(Exception):
    """A file that cannot be ingested; `code` lets interfaces word the reason themselves."""

    def __init__(self, path: Path | str, code: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Span:
    """A kept stretch of the document text (a paragraph, heading or list item)."""

    start: int
    end: int


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
class PreparedDocument:
    """Everything the index needs about one document, before embedding."""

    loaded: LoadedDocument
    meta: DocumentMeta
    blocks: tuple[Span, ...]
    chunks: tuple[Chunk, ...] = field(default_factory=tuple)
