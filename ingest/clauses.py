"""A sentence cut into the rows it states: clauses, then segments, then groups.

A sentence is cut at ";" and ":" (outside parentheses); a clause is cut again
at "," (and before "và" when a figure follows) into segments. A segment
holding a figure starts a new row; a segment without one stays with its
neighbour, and a segment that continues the previous one ("chiếm tỷ lệ
69,29%", "vượt 139% chỉ tiêu", "(so với chỉ tiêu là 100%)", "sớm hơn 3 năm so
với ...") is merged into it. So "A đạt 100%, B đạt 50%" gives two rows, "...
đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%)" one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from ingest.figures import Figure


def cuts(low: str, start: int, end: int, marks: str) -> list[tuple[int, int]]:
    """Pieces of low[start:end] cut after each of `marks` outside parentheses."""
    pieces: list[tuple[int, int]] = []
    depth = 0
    cursor = start
    for i in range(start, end):
        ch = low[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in marks:
            between_digits = 0 < i < len(low) - 1 and low[i - 1].isdigit() and low[i + 1].isdigit()
            if not between_digits:
                pieces.append((cursor, i + 1))
                cursor = i + 1
    pieces.append((cursor, end))
    return [(a, b) for a, b in pieces if low[a:b].strip(" \t,;:")]


_CONTINUES = re.compile(
    r"\s*(?:\(|(?:và\s+)?(?:chiếm|đạt|vượt|tương đương|tương ứng|bằng|tăng|giảm|sớm hơn|cao hơn"
    r"|thấp hơn|gấp|so với|hoàn thành|trong khi|chưa|không)(?!\w))"
)
_INTRODUCES = re.compile(
    r"\s*(?:năm|đến|tới|tháng|thì|nếu|còn|riêng|trong đó|đối với|về|tại|ở|cuối|đầu"
    r"|tính đến|qua đó|ngoài ra|bên cạnh đó)(?!\w)"
)


@dataclass
class Group:
    """One row of a clause: its span, its figures, and where its own words end.

    Trailing segments without a figure extend the quote (`end`) but not the
    words its status and time are read from (`core_end`).
    """

    start: int
    end: int
    core_end: int
    figures: list[Figure] = field(default_factory=list)
    core_open: bool = True


def groups(low: str, clause: tuple[int, int], figures: list[Figure]) -> list[Group]:
    """The clause cut into rows: each starts at a segment that holds a figure."""
    found: list[Group] = []
    pending: list[tuple[int, int]] = []  # segments without a figure, waiting for one
    for seg in _segments(low, clause, figures):
        inside = [f for f in _between(figures, *seg) if f.role != "ignore"]
        last = found[-1] if found and not pending else None
        refers_back = bool(inside) and all(f.role == "target" for f in inside)
        continues = refers_back or _CONTINUES.match(low, seg[0]) is not None
        if last is not None and last.core_open and continues:
            last.end = last.core_end = seg[1]
            last.figures.extend(inside)
        elif inside:
            start = pending[0][0] if pending else seg[0]
            found.append(Group(start, seg[1], seg[1], list(inside)))
            pending = []
        elif last is not None and not _INTRODUCES.match(low, seg[0]):
            last.end = seg[1]
            last.core_open = False
        else:
            pending.append(seg)
    if pending and found:
        found[-1].end = pending[-1][1]
        found[-1].core_open = False
    return found


def _segments(low: str, clause: tuple[int, int], figures: list[Figure]) -> list[tuple[int, int]]:
    """The clause cut at commas, and before "và" when a figure follows it in the piece."""
    segments: list[tuple[int, int]] = []
    for a, b in cuts(low, clause[0], clause[1], ","):
        cursor = a
        for match in re.finditer(r"\s+và\s+", low[a:b]):
            split = a + match.start() + 1
            if any(f.role != "ignore" for f in _between(figures, split, b)):
                if low[cursor:split].strip():
                    segments.append((cursor, split))
                cursor = split
        segments.append((cursor, b))
    return segments


def _between(figures: list[Figure], start: int, end: int) -> list[Figure]:
    """The figures (in text order) starting in [start, end), found by bisection: a long
    sentence has many segments and many figures."""
    first = bisect_left(figures, start, key=lambda f: f.start)
    last = bisect_left(figures, end, lo=first, key=lambda f: f.start)
    return figures[first:last]
