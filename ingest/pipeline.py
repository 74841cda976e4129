"""Every stage of ingestion for one file, each run once: all that comes before embedding.

load -> clean (analyse the page) -> metadata (from that analysis) -> sentences
-> chunks and targets (both from those sentences).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.chunk import Measure, chunk_document
from ingest.clean import analyze
from ingest.document import LoadError, PreparedDocument
from ingest.load import load_file
from ingest.metadata import extract_metadata
from ingest.sentences import split_paragraphs
from ingest.targets import extract_targets


@dataclass(frozen=True)
class ChunkingOptions:
    """What the settings decide about preparing a file (`assistant.settings.Settings`)."""

    max_bytes: int
    max_tokens: int
    overlap_tokens: int


def prepare_file(path: Path, options: ChunkingOptions, *, measure: Measure) -> PreparedDocument:
    """Raises ingest.document.LoadError for files that cannot be ingested.

    `measure` counts a text's tokens as the embedding model will see them.
    """
    loaded = load_file(path, max_bytes=options.max_bytes)
    analysis = analyze(loaded.text)
    blocks = analysis.kept()
    meta = extract_metadata(loaded.text, analysis, loaded.source)
    paragraphs = split_paragraphs(loaded.text, blocks)
    chunks = chunk_document(
        loaded.text,
        paragraphs,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        measure=measure,
    )
    if not chunks:
        raise LoadError(path, "empty", "no article text left once page furniture is removed")
    targets = extract_targets(loaded.text, paragraphs, loaded.source, meta.provinces)
    return PreparedDocument(loaded=loaded, meta=meta, blocks=blocks, chunks=chunks, targets=targets)
