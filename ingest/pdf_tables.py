"""PDF pages holding a table: each row one line, its cells joined by " | ", as Word's are.

A PDF's text layer knows nothing of tables: read line by line, a row whose
first cell wraps comes out as "Tỷ trọng kinh tế số ... giai" / "20% 2025" /
"đoạn 2021-2025", and the targets reader (`ingest.table_targets`) cannot
tell a cell from its neighbour. A drawn table, though, draws its cells: each
cell's border is a rectangle among the page's path objects (fpdf2, and Word
and LibreOffice exports, draw one a cell). Text boxes (pypdfium2's) inside a
cell make its text, whatever its lines; cells with the same top and bottom
make a row. The rest of the page is read as lines, top to bottom, with the
rows in their places. Tables drawn with loose rules rather than cell
rectangles, and tables without borders, are read as plain lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

from ingest.document import CELL_SEPARATOR
from ingest.normalize import nfc

# Points (1/72 inch): a cell is at least this wide and tall (thinner paths are rules),
# and edges this close are one edge.
_MIN_CELL = 4.0
_SAME_EDGE = 1.5
# A path covering more of the page than this is a frame around it, not a cell.
_FRAME_SHARE = 0.5


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, y upwards, as pdfium gives bounds."""

    left: float
    bottom: float
    right: float
    top: float

    def holds(self, other: Box) -> bool:
        """Whether `other`'s centre lies inside this box."""
        x, y = (other.left + other.right) / 2, (other.bottom + other.top) / 2
        return self.left <= x <= self.right and self.bottom <= y <= self.top

    @property
    def area(self) -> float:
        return (self.right - self.left) * (self.top - self.bottom)


@dataclass(frozen=True)
class Run:
    """A run of text on one line, as pdfium splits a page's text into boxes."""

    box: Box
    text: str


def with_tables(raw: bytes, texts: Sequence[str]) -> list[str]:
    """The pages' texts, those holding a drawn table read again with one line a row.

    A file pdfium cannot open keeps the text it had: its tables are then read as lines.
    """
    try:
        document = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError:
        return list(texts)
    try:
        read = []
        for number, text in enumerate(texts):
            page = document[number]
            lines = table_page_lines(page) if text.strip() else None
            page.close()
            read.append(text if lines is None else "\n".join(lines))
        return read
    finally:
        document.close()


def table_page_lines(page: pypdfium2.PdfPage) -> list[str] | None:
    """The page's lines with each table row as one line of cells, or None without a table."""
    width, height = page.get_size()
    cells = _cells(page, width * height)
    if len(cells) < 2:
        return None
    runs = _text_runs(page)
    placed: dict[Box, list[Run]] = {cell: [] for cell in cells}
    loose: list[Run] = []
    for run in runs:
        inside = [cell for cell in cells if cell.holds(run.box)]
        if inside:
            placed[min(inside, key=lambda c: c.area)].append(run)
        else:
            loose.append(run)
    rows = [row for row in _rows(cells) if sum(1 for cell in row if placed[cell]) >= 2]
    if not rows:
        return None
    for row in _rows(cells):
        if row not in rows:  # a cell alone on its row (a merged title) is read as a line
            loose.extend(run for cell in row for run in placed[cell])
    items = [(row[0].top, _row_line(row, placed), True) for row in rows]
    items += [(line[0].box.top, _joined(line), False) for line in _lines(loose)]
    return _page_lines(sorted(items, key=lambda item: -item[0]))


def _text_runs(page: pypdfium2.PdfPage) -> list[Run]:
    textpage = page.get_textpage()
    runs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
        if text:
            runs.append(Run(Box(left, bottom, right, top), nfc(text)))
    textpage.close()
    return runs


def _cells(page: pypdfium2.PdfPage, page_area: float) -> list[Box]:
    """Distinct rectangles big enough to hold text and smaller than a page frame."""
    found: dict[tuple[int, ...], Box] = {}
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        box = Box(*obj.get_bounds())
        small = box.right - box.left < _MIN_CELL or box.top - box.bottom < _MIN_CELL
        if small or box.area > _FRAME_SHARE * page_area:
            continue
        # A stroked border's bounds include half the line width; a cell is drawn once.
        key = tuple(round(v / _SAME_EDGE) for v in (box.left, box.bottom, box.right, box.top))
        found.setdefault(key, box)
    return list(found.values())


def _rows(cells: Iterable[Box]) -> list[tuple[Box, ...]]:
    """Cells sharing a top and a bottom edge, left to right; rows top to bottom."""
    rows: list[list[Box]] = []
    for cell in sorted(cells, key=lambda c: (-c.top, -c.bottom, c.left)):
        row = rows[-1] if rows else None
        same = row and _near(row[0].top, cell.top) and _near(row[0].bottom, cell.bottom)
        if row and same:
            row.append(cell)
        else:
            rows.append([cell])
    return [tuple(sorted(row, key=lambda c: c.left)) for row in rows]


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= _SAME_EDGE


def _row_line(row: Sequence[Box], placed: dict[Box, list[Run]]) -> str:
    return CELL_SEPARATOR.join(" ".join(_joined(line) for line in _lines(placed[c])) for c in row)


def _lines(runs: Iterable[Run]) -> list[list[Run]]:
    """Runs grouped into lines (their heights overlapping), top to bottom, each left to right."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: -r.box.top):
        line = lines[-1] if lines else None
        if line and run.box.top > min(r.box.bottom for r in line):
            line.append(run)
        else:
            lines.append([run])
    return [sorted(line, key=lambda r: r.box.left) for line in lines]


def _joined(line: Sequence[Run]) -> str:
    return " ".join(run.text for run in line)


def _page_lines(items: Sequence[tuple[float, str, bool]]) -> list[str]:
    """The lines in page order, a blank line before and after each run of table rows."""
    lines: list[str] = []
    in_table = False
    for _, text, is_row in items:
        if is_row != in_table and lines:
            lines.append("")
        lines.append(text)
        in_table = is_row
    return lines
