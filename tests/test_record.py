"""index.record: a document's record to Chroma metadata and back, in the stored format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index.record import (
    DocumentHead,
    StoredChunk,
    StoredDocument,
    chunk_id,
    chunk_metadata,
    chunk_text,
)
from ingest.chunk import approximate_tokens
from ingest.document import Chunk, Page, Target
from ingest.pipeline import ChunkingOptions, prepare_file

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
SOC_TRANG = ARTICLES / "soc-trang-cam-ket-nguoi-dung-dau.txt"

# A record as indexes built before the typed record hold it (ingested_at, pages
# and two targets trimmed to what the test needs): every structured field is JSON.
STORED = {
    "source": "bao-cao.pdf",
    "path": "/x/bao-cao.pdf",
    "title": "Báo cáo chuyển đổi số",
    "date": "17/10/2022",
    "provinces": '["Sóc Trăng"]',
    "merged_provinces": '["Cần Thơ"]',
    "content_hash": "ab" * 32,
    "generation": "ab" * 6,
    "ingested_at": "2025-01-02T03:04:05+00:00",
    "kind": "pdf",
    "pages": "[[1, 0, 120], [2, 122, 300]]",
    "blocks": "[[0, 40], [42, 120], [122, 300]]",
    "targets": (
        '[{"province": "Sóc Trăng", "indicator": "kinh tế số / GRDP", "target": "20%",'
        ' "deadline": null, "achieved": "7,41%", "as_of": "2022", "status": "chưa đạt",'
        ' "source": "bao-cao.pdf", "quote": "kinh tế số đạt 7,41% GRDP", "start": 130,'
        ' "end": 155}]'
    ),
    "chunk_count": 3,
}


def test_a_record_stored_before_details_reads_back_typed_and_writes_back_split():
    record = StoredDocument.from_metadata("d1", STORED)
    assert record.byline is None and record.provinces == ("Sóc Trăng",)
    assert record.pages == (Page(1, 0, 120), Page(2, 122, 300))
    assert record.blocks == ((0, 40), (42, 120), (122, 300))
    assert record.targets == (
        Target(
            province="Sóc Trăng",
            indicator="kinh tế số / GRDP",
            target="20%",
            deadline=None,
            achieved="7,41%",
            as_of="2022",
            status="chưa đạt",
            source="bao-cao.pdf",
            quote="kinh tế số đạt 7,41% GRDP",
            start=130,
            end=155,
        ),
    )
    marker, details = record.to_metadata(), record.details_metadata("toàn văn")
    moved = ("pages", "blocks", "targets")
    assert {k: v for k, v in marker.items() if v is not None} == {
        **{k: v for k, v in STORED.items() if k not in moved},
        "detailed": True,
    }
    # Chroma merges an upserted record's metadata into the old one: None clears a field.
    assert all(marker[k] is None for k in (*moved, "byline", "confidences"))
    head = DocumentHead.from_metadata("d1", marker)
    assert (head.title, head.provinces, head.detailed) == (record.title, record.provinces, True)
    assert details == {"doc_id": "d1", "generation": STORED["generation"], "text": "toàn văn",
                       **{k: STORED[k] for k in moved}}  # fmt: skip
    assert StoredDocument.from_metadata("d1", marker, details) == record


def test_a_detailed_marker_is_not_read_without_its_details():
    marker = StoredDocument.from_metadata("d1", STORED).to_metadata()
    with pytest.raises(ValueError, match="details"):
        StoredDocument.from_metadata("d1", marker)


def test_a_record_missing_newer_fields_still_reads():
    oldest = {"source": "a.txt", "content_hash": "c" * 64, "generation": "c" * 12}
    record = StoredDocument.from_metadata("d0", oldest)
    assert (record.title, record.kind, record.chunk_count) == ("a.txt", "text", 0)
    assert record.pages == () and record.targets == ()


def test_a_prepared_document_round_trips_with_its_targets_and_chunks():
    options = ChunkingOptions(max_bytes=1_000_000, max_tokens=200, overlap_tokens=40)
    prepared = prepare_file(SOC_TRANG, options, measure=approximate_tokens)
    record = StoredDocument.from_prepared("d2", prepared, "2025-01-02T03:04:05+00:00")
    assert record.targets == prepared.targets and record.targets
    assert record.chunk_count == len(prepared.chunks)
    assert record.generation == "", "each write gives its own (index/commit.py)"
    details = record.details_metadata(prepared.loaded.text)
    assert StoredDocument.from_metadata("d2", record.to_metadata(), details) == record
    chunk = prepared.chunks[1]
    meta = chunk_metadata(record, chunk)
    stored = StoredChunk.from_metadata(chunk_id("d2", record.generation, 1), None, meta)
    assert (stored.doc_id, stored.start, stored.end, stored.page, stored.text) == (
        "d2",
        chunk.start,
        chunk.end,
        None,
        chunk.text,
    )
    assert "provinces" not in meta  # the record holds them; filters use the catalog


def test_a_chunk_written_before_chunks_kept_their_text_in_metadata_reads_back():
    older = {"doc_id": "d1", "generation": "g", "source": "d1.txt", "index": 0, "start": 4,
             "end": 9, "page": 0}  # fmt: skip
    assert StoredChunk.from_metadata("d1:g:0", "chuyển", older).text == "chuyển"
    assert chunk_text("chuyển", {**older, "text": "số"}) == "số"


def test_pages_are_found_the_same_way_for_loaded_and_stored_documents():
    record = replace(
        StoredDocument.from_metadata("d1", STORED),
        pages=(Page(1, 0, 120), Page(2, 122, 300)),
    )
    assert [record.page_at(offset) for offset in (0, 119, 120, 122, 299, 300)] == [
        1,
        1,
        None,
        2,
        2,
        None,
    ]
    meta = chunk_metadata(record, Chunk(index=0, start=130, end=150, text="x"))
    assert StoredChunk.from_metadata("c", "x", meta).page == 2


def test_a_scans_page_confidences_round_trip_and_older_records_have_none():
    scanned = {**STORED, "kind": "pdf-ocr", "confidences": "[null, 96.5, 60.25]"}
    record = StoredDocument.from_metadata("d3", scanned)
    assert record.confidences == (None, 96.5, 60.25)
    marker = record.to_metadata()
    assert marker["confidences"] == scanned["confidences"], "listed with the document"
    assert DocumentHead.from_metadata("d3", marker).confidences == record.confidences
    details = record.details_metadata("")
    assert StoredDocument.from_metadata("d3", marker, details) == record
    assert StoredDocument.from_metadata("d1", STORED).confidences == ()
    assert StoredDocument.from_metadata("d1", STORED).to_metadata()["confidences"] is None
