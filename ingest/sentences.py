"""Vietnamese sentence splitting that returns character spans.

A period is a sentence end only when it is followed by space and something
that can start a sentence; numbers (1.880; 7,41%), dates (17/10/2022),
document numbers (07-NQ/TU; 713/QĐ-UBND) and the usual abbreviations
(TP., ThS., v.v.) never split, because citations must quote them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.document import Paragraph, Span

# Abbreviations written with a trailing period in Vietnamese administrative
# and news text; compared case-sensitively without the period.
ABBREVIATIONS = frozenset(
    {
        "TP", "Tp", "tp", "TX", "TT", "Q", "P", "H", "X", "Th", "ThS", "Ths", "TS", "Ts", "PGS",
        "GS", "BS", "KS", "NCS", "St", "Mr", "Mrs", "Dr", "v.v", "vv", "Tr", "TTg", "Ng", "Nxb",
        "NXB", "ĐT", "Tel", "Fax", "Vd", "VD", "vd",
    }
)  # fmt: skip
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# A candidate end: terminal punctuation run, optional closing quotes, then
# whitespace. The sentence continues if the next visible character is lower
# case or a continuation mark.
_END = re.compile(rf"(?:[.!?…]+|\.\.\.)[{re.escape(_CLOSERS)}]*(?=\s)")


def _word_before(text: str, dot: int) -> str:
    """The run of characters before `dot` back to a space or an opening quote."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _OPENERS:
        start -= 1
    return text[start:dot]


def _is_abbreviation(text: str, dot: int) -> bool:
    word = _word_before(text, dot)
    if not word:
        return False
    if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS:
        return True
    # Initials such as "Nguyễn V. A" or dotted forms such as "v.v".
    return (len(word) == 1 and word.isupper()) or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def _starts_sentence(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        return True
    first = text[pos]
    if first in _OPENERS or first.isdigit() or first in "-–—•*":
        return True
    return first.isupper()


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end], trimmed, covering every visible character.

    A line break always ends a sentence: in cleaned text it separates
    paragraphs, headings and list items, which never share a sentence.
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        spans.extend(_split_line(text, start + line.start(), start + line.end()))
    return spans


def split_paragraphs(text: str, blocks: Iterable[Span]) -> tuple[Paragraph, ...]:
    """Each content block with its sentences: the one sentence split chunks and targets share."""
    return tuple(
        Paragraph(block, tuple(split_sentences(text, block.start, block.end))) for block in blocks
    )


def _split_line(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        terminal = match.group(0).rstrip(_CLOSERS)
        if terminal == "." and _is_abbreviation(text, match.start()):
            continue
        if not _starts_sentence(text, stop):
            continue
        spans.extend(_trimmed(text, cursor, stop))
        cursor = stop
    spans.extend(_trimmed(text, cursor, end))
    return spans


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []
