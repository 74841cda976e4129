"""The provinces' targets table, and answers to list questions drawn from it.

Rows are extracted at ingestion (ingest.targets) and stored with each
document, so the table always matches the index and every row can be cited.
This module is the one schema of the table: its columns (English names, as the
CSV and JSON exports and the CLI use them), the Vietnamese headers the app's
table shows, and the one CSV writer behind `assistant targets --csv` and the
app's download.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from assistant.record import Citation, span_citation
from index.record import StoredDocument
from ingest.document import Target
from ingest.indicators import indicator_of
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import expand, find_provinces

# Every column in export order, with its header in the app's table (None: exported, not shown).
SCHEMA: tuple[tuple[str, str | None], ...] = (
    ("province", "Tỉnh"),
    ("indicator", "Chỉ tiêu"),
    ("target", "Mục tiêu"),
    ("deadline", "Thời hạn"),
    ("achieved", "Kết quả"),
    ("as_of", "Thời điểm"),
    ("status", "Tình trạng"),
    ("source", "Nguồn"),
    ("quote", None),
    ("start", None),
    ("end", None),
)
COLUMNS = tuple(name for name, _ in SCHEMA)
# The columns the app's table shows, and their headers, in the same order.
SHOWN = tuple(name for name, header in SCHEMA if header)
HEADERS = [header for _, header in SCHEMA if header]
_LIST_QUESTION = re.compile(
    r"liet ke|(cac|nhung) (chi tieu|muc tieu)|tinh nao .*(muc tieu|chi tieu)|"
    r"(muc tieu|chi tieu) nao"
)
_VALUE = re.compile(r"\d+(?:[.,]\d+)*\s*%?")
MAX_ITEMS = 12


def rows(
    documents: Iterable[StoredDocument],
    province: str | None = None,
    indicator: str | None = None,
) -> list[dict[str, Any]]:
    """Every stored row, optionally for one province (old or merged name) or indicator.

    Rows are filtered before they become dicts: at 13,000 documents, turning every row
    into one for each target question took seconds (benchmarks/query.py).
    """
    wanted = set(expand(province)) if province else None
    asked = fold(indicator) if indicator else None
    found = [
        _row(doc, target)
        for doc in documents
        for target in doc.targets
        if (wanted is None or target.province in wanted)
        and (asked is None or asked in fold(target.indicator or ""))
    ]
    return sorted(found, key=lambda r: (r.get("province") or "", r["source"], r["start"]))


def document_rows(doc: StoredDocument) -> list[dict[str, Any]]:
    """One document's stored rows as plain dicts carrying its doc_id."""
    return [_row(doc, target) for target in doc.targets]


def _row(doc: StoredDocument, target: Target) -> dict[str, Any]:
    """A stored row as a plain dict carrying its doc_id: with `rows` and `document_rows`,
    the only readers of `StoredDocument.targets`, so a change in how the store hands
    targets back is adapted here alone."""
    return {**vars(target), "doc_id": doc.doc_id}


def record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with exactly the export columns, in order: one JSON record."""
    return {column: row.get(column) for column in COLUMNS}


def write_csv(table: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """The rows as CSV with a header row of COLUMNS (empty cells for missing values)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[row.get(column) for column in COLUMNS] for row in table])


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(strip_diacritics(fold(question))))


def answer_list_question(
    question: str, documents: dict[str, StoredDocument]
) -> tuple[str, list[Citation]] | None:
    """A list answer with one citation per row, or None when the table has nothing to offer."""
    if not is_list_question(question):
        return None
    named = find_provinces(question)
    indicator = indicator_of(question)
    value = _VALUE.search(question)
    selected = []
    for row in rows(documents.values()):
        if named and row.get("province") not in {p for n in named for p in expand(n)}:
            continue
        if indicator and row.get("indicator") != indicator:
            continue
        if value and value.group(0).replace(" ", "") not in {
            (row.get("target") or "").replace(" ", ""),
            (row.get("achieved") or "").replace(" ", ""),
        }:
            continue
        selected.append(row)
    if not selected or not (named or indicator or value):
        return None
    citations = []
    lines = []
    for marker, row in enumerate(selected[:MAX_ITEMS], 1):
        doc = documents[row["doc_id"]]
        citations.append(
            span_citation(
                marker,
                doc,
                start=row["start"],
                end=row["end"],
                quote=row["quote"],
                chunk_id="",
                score=1.0,
            )
        )
        lines.append(f"- {describe(row)} [{marker}]")
    heading = "Các chỉ tiêu, kết quả nêu trong tài liệu"
    if named:
        heading += " về " + ", ".join(named)
    more = (
        f"\n(và {len(selected) - MAX_ITEMS} dòng khác trong bảng chỉ tiêu)"
        if len(selected) > MAX_ITEMS
        else ""
    )
    return heading + ":\n" + "\n".join(lines) + more, citations


def describe(row: dict[str, Any]) -> str:
    """One table row as a short Vietnamese phrase, values exactly as the document wrote them."""
    parts = [f"{row.get('province') or '?'} – {row['indicator']}:"]
    if row.get("target"):
        parts.append(f"mục tiêu {row['target']}")
        if row.get("deadline"):
            parts.append(f"đến {row['deadline']}")
    if row.get("achieved"):
        if row.get("target"):
            parts[-1] += ";"
        parts.append(f"đạt {row['achieved']}")
        if row.get("as_of"):
            parts.append(f"({row['as_of']})")
    if row.get("status") and row["status"] != "chưa rõ":
        parts.append(f"– {row['status']}")
    return " ".join(parts)
