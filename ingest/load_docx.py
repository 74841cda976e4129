"""Word documents (.docx) into text: paragraphs, headings and tables, in reading order.

Officials' plans keep their targets in tables, so a table row becomes one line
whose cells are joined with " | " and kept whole ("Tỷ lệ hồ sơ xử lý trực tuyến
toàn trình | 80% | 2025"): one line is one sentence for the chunker and the
targets reader, so an indicator is never separated from its figure. A cell
merged across columns is written once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
from docx.opc.coreprops import CoreProperties
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from ingest.document import CELL_SEPARATOR, FileProperties, LoadError
from ingest.normalize import nfc


def docx_text(path: Path, raw: bytes) -> tuple[str, FileProperties]:
    """The document's text (blocks separated by blank lines) and its core properties."""
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises zip, XML and lookup errors on damaged files
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadError(
            path, "corrupt_docx", f"the Word file is corrupt or not a .docx: {detail}"
        ) from exc
    blocks = [nfc(block) for block in _blocks(document.iter_inner_content())]
    text = "\n\n".join(block for block in blocks if block)
    if not text.strip():
        raise LoadError(path, "empty", "the Word file has no text")
    return text, _properties(document.core_properties)


def _blocks(content: Iterator[Paragraph | Table]) -> Iterator[str]:
    for item in content:
        if isinstance(item, Table):
            rows = [_row_line(row) for row in item.rows]
            yield "\n".join(row for row in rows if row)
        else:
            yield _one_line(item.text)


def _row_line(row: _Row) -> str:
    cells: list[str] = []
    seen: set[int] = set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell repeats for every column it spans
            continue
        seen.add(id(cell._tc))
        cells.append(_cell_text(cell))
    if not any(cells):
        return ""
    return CELL_SEPARATOR.join(cells)


def _cell_text(cell: _Cell) -> str:
    """A cell's paragraphs and nested tables on one line, so the row stays one line."""
    parts = list(_blocks(cell.iter_inner_content()))
    return _one_line(" ".join(parts))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _properties(core: CoreProperties) -> FileProperties:
    title = _one_line(core.title or "") or None
    author = _one_line(core.author or "") or None
    created = core.created
    date = (
        f"{created.day}/{created.month}/{created.year}" if isinstance(created, datetime) else None
    )
    return FileProperties(title=title, date=date, author=author)
