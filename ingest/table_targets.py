"""Targets from table rows ("Tỷ lệ hồ sơ xử lý trực tuyến toàn trình | 80% | 2025").

Word files and web pages write their tables one row per line, cells joined
by " | " (`ingest.load_docx`, `ingest.load_html`). A row is read by its
table's header, not as a sentence: the first column names the indicator, and
a header cell says what each other column holds: a target ("Mục tiêu", "Kế
hoạch", "Chỉ tiêu năm 2025"), a result ("Kết quả", "Thực hiện", "Đạt
được"), or the year it is due ("Năm", "Thời hạn", "Lộ trình"). A table
without such a header reads a row with one figure and one year as a target
due that year, as plans state them. Cells are kept exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.document import Span, Target
from ingest.indicators import indicator_of
from ingest.normalize import fold
from ingest.provinces import find_provinces
from ingest.target_status import UNKNOWN

CELL_SEPARATOR = " | "
_ACHIEVED = re.compile(r"ket qua|thuc hien|dat duoc|uoc dat|hien trang|thuc te|da dat")
_TARGET = re.compile(r"muc tieu|ke hoach|phan dau|chi tieu (?:nam|den|giai doan)|dinh huong")
_DEADLINE = re.compile(r"^(?:nam|thoi han|thoi gian|lo trinh|den nam|moc)\b")
_YEAR = re.compile(r"^(?:năm\s+)?((?:19|20)\d{2})$", re.IGNORECASE)
_FIGURE = re.compile(r"\d")
_HEADER_YEAR = re.compile(r"(?:19|20)\d{2}")


def is_table_row(line: str) -> bool:
    return CELL_SEPARATOR in line


def table_targets(text: str, rows: Sequence[Span], source: str, main: str | None) -> list[Target]:
    """The targets and results of one table's rows (consecutive lines, header first)."""
    cells = [text[row.start : row.end].split(CELL_SEPARATOR) for row in rows]
    header = cells[0] if not any(_FIGURE.search(c) for c in cells[0][1:]) else None
    roles = _roles(header) if header else None
    found = []
    for row, row_cells in zip(rows, cells, strict=True):
        if header is not None and row_cells is cells[0]:
            continue
        target = _read_row(text, row, row_cells, roles, source, main)
        if target is not None:
            found.append(target)
    return found


def _roles(header: list[str]) -> list[str | None]:
    roles: list[str | None] = []
    for cell in header:
        folded = fold(cell).strip()
        if _ACHIEVED.search(folded):
            roles.append("achieved")
        elif _TARGET.search(folded) or (_HEADER_YEAR.search(folded) and roles):
            roles.append("target")
        elif _DEADLINE.search(folded):
            roles.append("deadline")
        else:
            roles.append(None)
    return roles


def _read_row(
    text: str,
    row: Span,
    cells: list[str],
    roles: list[str | None] | None,
    source: str,
    main: str | None,
) -> Target | None:
    name, values = cells[0].strip(), [c.strip() for c in cells[1:]]
    if not name or not any(_FIGURE.search(v) for v in values):
        return None
    if roles is None or len(roles) != len(cells) or not any(roles[1:]):
        roles = [None, *(_unlabelled_role(v) for v in values)]
    fields: dict[str, str | None] = {"target": None, "achieved": None, "deadline": None}
    for role, value in zip(roles[1:], values, strict=True):
        if role == "deadline":
            year = _YEAR.match(value)
            fields["deadline"] = year.group(1) if year else value or None
        elif role and value and _FIGURE.search(value):
            fields[role] = value
    if fields["target"] is None and fields["achieved"] is None:
        return None
    place = find_provinces(name)
    return Target(
        province=place[0] if place else main,
        indicator=indicator_of(name) or name,
        target=fields["target"],
        deadline=fields["deadline"] if fields["target"] else None,
        achieved=fields["achieved"],
        as_of=None,
        status=UNKNOWN,
        source=source,
        quote=text[row.start : row.end],
        start=row.start,
        end=row.end,
    )


def _unlabelled_role(value: str) -> str | None:
    """Without a header: a year is the deadline, a figure the target (tables in plans)."""
    if _YEAR.match(value):
        return "deadline"
    return "target" if _FIGURE.search(value) else None
