"""PDF pages holding a table: each row one line, its cells joined by " | ", as Word's are.

A PDF's text layer knows nothing of tables: read line by line, a row whose
first cell wraps comes out as "Tỷ trọng kinh tế số ... giai" / "20% 2025" /
"đoạn 2021-2025", and the targets reader (`ingest.table_targets`) cannot
tell a cell from its neighbour. A drawn table, though, draws its cells: each
cell is a rectangle among the page's path objects (fpdf2 draws one a cell),
or the space its border rules enclose where each border is a line of its
own, as office suites' exports often draw them. Text boxes (pypdfium2's)
inside a cell make its text, whatever its lines; cells with the same top and
bottom make a row. The rest of the page is read as lines, top to bottom,
with the rows in their places. Tables without borders, and grids drawn as
one path, are read as plain lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2
import pypdfium2.raw as pdfium_c

from ingest.document import CELL_SEPARATOR
from ingest.normalize import nfc

# Points (1/72 inch): a cell is at least this wide and tall (a thinner path is a rule,
# a border drawn on its own), and edges this close are one edge.
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
    rows = [row for row in _rows(cells) if any(placed[cell] for cell in row)]
    if not any(sum(1 for cell in row if placed[cell]) >= 2 for row in rows):
        return None
    items = [(row[0].top, _row_line(row, placed), True) for row in rows]
    items += [(line[0].box.top, _joined(line), False) for line in _lines(loose)]
    return _page_lines(sorted(items, key=lambda item: -item[0]))


def _text_runs(page: pypdfium2.PdfPage) -> list[Run]:
    """pdfium's text boxes, each with the characters whose centres it holds.

    Asking pdfium for the text inside a box instead picks up the tone marks of
    the line below, where tightly set Vietnamese lines overlap.
    """
    textpage = page.get_textpage()
    boxes = [Box(*textpage.get_rect(i)) for i in range(textpage.count_rects())]
    texts = [""] * len(boxes)
    current = -1
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if not char.strip():
            if current >= 0:
                texts[current] += " "
            continue
        glyph = Box(*textpage.get_charbox(i))
        if current < 0 or not boxes[current].holds(glyph):
            current = next((n for n, box in enumerate(boxes) if box.holds(glyph)), current)
        if current >= 0:
            texts[current] += char
    textpage.close()
    return [
        Run(box, nfc(" ".join(text.split())))
        for box, text in zip(boxes, texts, strict=True)
        if text.strip()
    ]


def _cells(page: pypdfium2.PdfPage, page_area: float) -> list[Box]:
    """The page's table cells: rectangles drawn as such, and those its rules enclose."""
    boxes = [
        Box(*obj.get_bounds()) for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])
    ]
    rules = [box for box in boxes if _is_rule(box)]
    drawn = [box for box in boxes if not _is_rule(box) and box.area <= _FRAME_SHARE * page_area]
    found: dict[tuple[int, ...], Box] = {}
    for box in drawn + _ruled_cells(rules):
        # A stroked border's bounds include half the line width; a cell is drawn once.
        key = tuple(round(v / _SAME_EDGE) for v in (box.left, box.bottom, box.right, box.top))
        found.setdefault(key, box)
    return list(found.values())


def _is_rule(box: Box) -> bool:
    return min(box.right - box.left, box.top - box.bottom) < _MIN_CELL


def _ruled_cells(rules: Sequence[Box]) -> list[Box]:
    """Cells of a grid drawn as separate rules (as Word's PDF export draws borders).

    Between two neighbouring horizontal rules, a cell runs from one vertical rule
    crossing that band to the next; a merged cell simply has no rule inside it.
    """
    across = [r for r in rules if r.right - r.left >= _MIN_CELL]
    upright = [r for r in rules if r.top - r.bottom >= _MIN_CELL]
    ys = _distinct((r.bottom + r.top) / 2 for r in across)
    cells = []
    for low, high in pairwise(ys):
        xs = _distinct(
            (r.left + r.right) / 2
            for r in upright
            if r.bottom <= low + _SAME_EDGE and r.top >= high - _SAME_EDGE
        )
        cells.extend(Box(left, low, right, high) for left, right in pairwise(xs))
    return cells


def _distinct(values: Iterable[float]) -> list[float]:
    """Sorted values, those within `_SAME_EDGE` of the one before taken as one."""
    kept: list[float] = []
    for value in sorted(values):
        if not kept or value - kept[-1] > _SAME_EDGE:
            kept.append(value)
    return kept


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
    """The row's cells joined, empty ones too; a row with one cell of text (a title merged
    across the table) is that text alone."""
    filled = [cell for cell in row if placed[cell]]
    if len(filled) == 1:
        row = filled
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
