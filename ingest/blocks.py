"""A page read into blocks: one per non-empty line, hard-wrapped paragraphs joined.

Each block starts with the role its line has on its own (`ingest.furniture`);
`ingest.clean` then decides the rest from the page as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest import furniture_words as vocabulary
from ingest.furniture import line_role
from ingest.normalize import fold, words

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    return start, end


@dataclass
class Unit:
    """A block while the page is read: its role is filled in rule by rule (None: content)."""

    start: int
    end: int
    first_line: int
    last_line: int
    text: str
    role: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:  # what the rules ask of it, worked out once
        self.words = words(self.text)
        self.n = len(self.words)
        self.folded = fold(self.text)
        self.sentence = bool(vocabulary.SENTENCE_END.search(self.text))
        self.bullet = bool(vocabulary.BULLET.match(self.text))

    @property
    def substantive(self) -> bool:
        return (self.n >= 12 and self.sentence) or self.n >= 25

    @property
    def title_like(self) -> bool:
        return not self.sentence and self.n < 25


def _lines(text: str) -> list[tuple[int, int] | None]:
    """Trimmed (start, end) of every line, None for a blank one."""
    out: list[tuple[int, int] | None] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        start, end = _trim(text, offset, offset + len(raw))
        out.append((start, end) if start < end else None)
        offset += len(raw)
    return out


def _continues(prev: Unit, number: int, line: str) -> bool:
    """Whether `line` is the next hard-wrapped line of the paragraph `prev`."""
    return (
        prev.last_line == number - 1
        and prev.role is None
        and not prev.sentence
        and prev.n >= 6
        and line[0].islower()
        and line_role(line, fold(line), words(line)) is None
    )


def read_units(text: str) -> list[Unit]:
    """Blocks: one per non-empty line, hard-wrapped lines of a paragraph joined."""
    units: list[Unit] = []
    for number, bounds in enumerate(_lines(text)):
        if bounds is None:
            continue
        start, end = bounds
        line = text[start:end]
        prev = units[-1] if units else None
        if prev is not None and _continues(prev, number, line):
            units[-1] = Unit(prev.start, end, prev.first_line, number, text[prev.start : end])
            continue
        unit = Unit(start, end, number, number, line)
        role = line_role(unit.text, unit.folded, unit.words)
        if role is not None:
            unit.role, unit.reason = role
        units.append(unit)
    return units
