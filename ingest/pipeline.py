"""Load, clean, describe and chunk one file: everything before embedding."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import Measure, approximate_tokens, chunk_document
from ingest.clean import clean
from ingest.document import LoadError, PreparedDocument
from ingest.load import load_file
from ingest.metadata import extract_metadata


def prepare_file(
    path: Path,
    *,
    max_bytes: int,
    max_tokens: int = 256,
    overlap_tokens: int = 48,
    measure: Measure = approximate_tokens,
) -> PreparedDocument:
    """Raises ingest.document.LoadError for files that cannot be ingested."""
    loaded = load_file(path, max_bytes=max_bytes)
    blocks = clean(loaded.text)
    meta = extract_metadata(loaded.text, blocks, loaded.source)
    chunks = chunk_document(
        loaded.text, blocks, max_tokens=max_tokens, overlap_tokens=overlap_tokens, measure=measure
    )
    if not chunks:
        raise LoadError(path, "empty", "no article text left once page furniture is removed")
    return PreparedDocument(loaded=loaded, meta=meta, blocks=blocks, chunks=chunks)
