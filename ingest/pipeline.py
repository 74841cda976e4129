"""Every stage of ingestion for one file, each run once: all that comes before embedding.

load -> clean (analyse the page) -> metadata (from that analysis) -> sentences
-> chunks and targets (both from those sentences).

Only plain text goes through the news-page cleaner: it is written for pages
saved from a browser, with their menus and share buttons. Web pages come from
trafilatura with those already gone, and Word files and PDFs (their running
heads removed by `ingest.pdf_reflow`) have none, so every line of theirs is
content; the cleaner would take their table rows ("Chỉ tiêu | 80% | 2025")
for menus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.blocks import read_units
from ingest.chunk import Measure, chunk_document
from ingest.clean import Analysis, Block, analyze
from ingest.document import LoadError, PreparedDocument
from ingest.furniture import CONTENT
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
    analysis = analyze(loaded.text) if loaded.kind == "text" else whole_text(loaded.text)
    blocks = analysis.kept()
    meta = extract_metadata(loaded.text, analysis, loaded.properties)
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


def whole_text(text: str) -> Analysis:
    """Every line a content block, for documents that hold nothing but their content."""
    units = read_units(text)
    blocks = tuple(Block(unit.start, unit.end, CONTENT) for unit in units)
    body = next((i for i, unit in enumerate(units) if unit.substantive), None)
    return Analysis(blocks=blocks, body_start=body, byline=None)
