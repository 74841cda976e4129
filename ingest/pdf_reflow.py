"""PDF page text into paragraphs: line wraps joined, hyphenation undone, running heads dropped.

A PDF stores lines, not paragraphs, so its text breaks sentences wherever the
layout wrapped them ("đến năm 2026 có" / "80% hồ sơ ..."), and every page
repeats its header, footer and page number. Answers and targets read
sentences, so the lines are joined back:

* a line continues the one before when it starts in lower case, or when the
  one before is nearly as long as the page's longest (a wrapped line, not a
  paragraph's last line or a heading), unless it opens a list item; a blank
  line (OCR's paragraph gaps) always ends a paragraph;
* a word split by a hyphen at the line end is joined without it;
* a line that opens or closes at least half of the pages (two at least) with
  the same words, numbers aside, is a running head or foot, and a lone page
  number at a page's top or bottom is dropped too;
* a sentence running over a page break is joined across it, so each page's
  range in the text ends where the next begins and every offset has a page;
* table rows (cells joined by " | ", `ingest.pdf_tables`) are never joined to
  other lines nor taken for running heads: a table's rows make one paragraph,
  a line each, as Word tables do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ingest.document import CELL_SEPARATOR, Page

PARAGRAPH_BREAK = "\n\n"
# Lines this much shorter than the page's longest end their paragraph when
# they end a sentence; a justified or left-aligned body line is nearly full.
_SHORT_LINE = 0.8
_EDGE_LINES = 2  # how many lines at a page's top and bottom may be running heads
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_LIST_ITEM = re.compile(r"^(?:[-–•+*▪●]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ][.)]\s|[IVXLC]+\.\s)")
_HYPHENATED = re.compile(r"\w-$")
_PAGE_NUMBER = re.compile(
    r"^(?:trang|page)?\s*[-–]?\s*\d{1,4}\s*(?:/\s*\d{1,4})?\s*[-–]?$", re.IGNORECASE
)


def reflow_pages(page_texts: Sequence[str]) -> tuple[str, tuple[Page, ...]]:
    """The document text and each page's range in it (pages without text are empty ranges)."""
    pages_lines = [_lines(text) for text in page_texts]
    running = _running_lines(pages_lines)
    text = ""
    pages: list[Page] = []
    previous_line = ""
    for number, lines in enumerate(pages_lines, start=1):
        body = _paragraphs([line for line in _trim_edges(lines, running) if line is not None])
        if body and text:
            text = _across_pages(text, previous_line, body)
            pages[-1] = pages[-1]._replace(end=len(text))
        start = len(text)
        text += body
        pages.append(Page(number=number, start=start, end=len(text)))
        if body:
            previous_line = body.rsplit("\n", 1)[-1]
    return text, tuple(pages)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def _edges(lines: list[str]) -> list[str]:
    filled = [line for line in lines if line]
    return filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]


def _running_lines(pages_lines: list[list[str]]) -> frozenset[str]:
    """Keys of lines that open or close at least half of the pages."""
    if len(pages_lines) < 2:
        return frozenset()
    counts = Counter(key for lines in pages_lines for key in {_key(x) for x in _edges(lines)})
    needed = max(2, (len(pages_lines) + 1) // 2)
    return frozenset(key for key, count in counts.items() if count >= needed)


def _trim_edges(lines: list[str], running: frozenset[str]) -> list[str | None]:
    """The page's lines with running heads, feet and lone page numbers at its edges as None."""
    filled = [i for i, line in enumerate(lines) if line]
    edges = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
    return [
        None
        if i in edges and not _is_row(line) and (_key(line) in running or _PAGE_NUMBER.match(line))
        else line
        for i, line in enumerate(lines)
    ]


def _paragraphs(lines: list[str]) -> str:
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    last = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = last = ""
        elif current and _is_row(line) and _is_row(last):
            current += "\n" + line
            last = line
        elif current and _continues(last, line, width):
            current = _joined(current, line)
            last = line
        else:
            if current:
                paragraphs.append(current)
            current = last = line
    if current:
        paragraphs.append(current)
    return PARAGRAPH_BREAK.join(paragraphs)


def _is_row(line: str) -> bool:
    return CELL_SEPARATOR in line


def _continues(last: str, line: str, width: int) -> bool:
    """Whether `line` goes on the paragraph whose last line is `last`."""
    if _LIST_ITEM.match(line) or _is_row(line) or _is_row(last):
        return False
    return line[:1].islower() or len(last) >= _SHORT_LINE * width


def _joined(current: str, line: str) -> str:
    if _HYPHENATED.search(current) and line[:1].islower():
        return current[:-1] + line
    return current + " " + line


def _across_pages(text: str, last: str, body: str) -> str:
    """The text so far and what goes before the next page: a space (or nothing after a
    hyphen) when a sentence runs over the break, else a paragraph break."""
    if not _SENTENCE_END.search(last) and not _is_row(last) and body[:1].islower():
        return text[:-1] if _HYPHENATED.search(last) else text + " "
    return text + PARAGRAPH_BREAK
