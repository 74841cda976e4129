"""Targets from table rows ("Tỷ lệ hồ sơ xử lý trực tuyến toàn trình | 80% | 2025").

Word files and web pages write their tables one row per line, cells joined
by " | " (`ingest.load_docx`, `ingest.load_html`). A row is read by its
table's header, not as a sentence: the first column names the indicator, and
a header cell says what each other column holds: a target ("Mục tiêu", "Kế
hoạch", "Chỉ tiêu năm 2025"), a result ("Kết quả", "Thực hiện", "Đạt
được"), or the year it is due ("Năm", "Thời hạn", "Lộ trình"). A table
without such a header reads a row with one figure and one year as a target
due that year, as plans state them. A header naming a year ("Năm 2025 | Năm
2030") gives one target per column, due that year. Cells are kept exactly as
written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from ingest.document import CELL_SEPARATOR, Span, Target
from ingest.indicators import indicator_of
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import find_provinces
from ingest.target_status import UNKNOWN

_ACHIEVED = re.compile(r"ket qua|thuc hien|dat duoc|uoc dat|hien trang|thuc te|da dat")
_TARGET = re.compile(r"muc tieu|ke hoach|phan dau|chi tieu (?:nam|den|giai doan)|dinh huong")
_DEADLINE = re.compile(r"^(?:nam|thoi han|thoi gian|lo trinh|den nam|moc)\b")
_YEAR = re.compile(r"^(?:năm\s+)?((?:19|20)\d{2})$", re.IGNORECASE)
_FIGURE = re.compile(r"\d")
_HEADER_YEAR = re.compile(r"(?:19|20)\d{2}")
_LETTER = re.compile(r"[^\W\d_]")


def is_table_row(line: str) -> bool:
    return CELL_SEPARATOR in line


def table_targets(text: str, rows: Sequence[Span], source: str, main: str | None) -> list[Target]:
    """The targets and results of one table's rows (consecutive lines, header first)."""
    cells = [text[row.start : row.end].split(CELL_SEPARATOR) for row in rows]
    header = cells[0] if _is_header(cells[0]) else None
    columns = [_column(cell) for cell in header] if header else None
    found: list[Target] = []
    for row, row_cells in zip(rows, cells, strict=True):
        if row_cells is not header:
            found.extend(_read_row(text, row, row_cells, columns, source, main))
    return found


def _is_header(cells: list[str]) -> bool:
    """Words in every cell and no figure but a year ("Chỉ tiêu | Năm 2025 | Năm 2030")."""
    values = cells[1:]
    return bool(values) and all(
        _LETTER.search(c) and not _FIGURE.search(_HEADER_YEAR.sub("", c)) for c in values
    )


@dataclass(frozen=True)
class _Column:
    kind: str | None  # "target", "achieved", "deadline" or None
    year: str | None = None  # a year its header names ("Năm 2025", "Kế hoạch 2030")


def _column(header: str) -> _Column:
    folded = strip_diacritics(fold(header)).strip()
    year = _HEADER_YEAR.search(folded)
    if _ACHIEVED.search(folded):
        return _Column("achieved", year and year.group())
    if _TARGET.search(folded) or year:
        return _Column("target", year and year.group())
    if _DEADLINE.search(folded):
        return _Column("deadline")
    return _Column(None)


def _unlabelled(value: str) -> _Column:
    """Without a header: a year is the deadline, a figure the target (tables in plans)."""
    if _YEAR.match(value):
        return _Column("deadline")
    return _Column("target" if _FIGURE.search(value) else None)


def _read_row(
    text: str,
    row: Span,
    cells: list[str],
    columns: list[_Column] | None,
    source: str,
    main: str | None,
) -> list[Target]:
    """One target per target column (with the row's result when there is one), else a result."""
    name, values = cells[0].strip(), [c.strip() for c in cells[1:]]
    if not name or not any(_FIGURE.search(v) for v in values):
        return []
    if columns is None or len(columns) != len(cells) or not any(c.kind for c in columns[1:]):
        columns = [_Column(None), *(_unlabelled(v) for v in values)]
    pairs = list(zip(columns[1:], values, strict=True))
    deadline = next((_year(v) for c, v in pairs if c.kind == "deadline" and v), None)
    targets = [(c, v) for c, v in pairs if c.kind == "target" and _FIGURE.search(v)]
    achieved = next((v for c, v in pairs if c.kind == "achieved" and _FIGURE.search(v)), None)
    place = find_provinces(name)
    make = partial(
        Target,
        province=place[0] if place else main,
        indicator=indicator_of(name) or name,
        as_of=None,
        status=UNKNOWN,
        source=source,
        quote=text[row.start : row.end],
        start=row.start,
        end=row.end,
    )
    if not targets:
        return [make(target=None, deadline=None, achieved=achieved)] if achieved else []
    alone = len(targets) == 1
    return [
        make(target=value, deadline=column.year or deadline, achieved=achieved if alone else None)
        for column, value in targets
    ]


def _year(value: str) -> str:
    year = _YEAR.match(value)
    return year.group(1) if year else value
