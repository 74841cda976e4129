"""Answers kept to their length: a chosen sentence too long to fit is cut to the clauses
that hold the question's words.

Administrative Vietnamese often packs a list of targets into one sentence joined by
semicolons ("Tỷ lệ ... đạt 100%; Tỷ lệ hóa đơn điện tử đạt 100%; ..."), 600 characters and
more. The answer keeps the run of whole clauses, next to one another, that holds most of
what the question asks, so the quote stays the document's own characters with its own
offsets; the reader opens the passage for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from assistant.coverage import terms_of
from assistant.extractive import Candidate
from index.weights import SELECTION

_MARKER = len(" [1] ")
# Where a clause ends: a semicolon or a colon before a space (not "10:30"), or a line
# break; the space after it belongs to neither clause.
_CLAUSE_END = re.compile(r"[;:](?=\s)\s*|\n\s*")


def fit(chosen: list[Candidate], idf: Callable[[str], float]) -> list[Candidate]:
    """The chosen sentences, the longest that can be cut cut to their best clauses while
    the answer is longer than SELECTION.budget characters; unchanged when it fits."""
    fitted = list(chosen)
    # The answer adds " [n]" after each quote and a space between them.
    budget = SELECTION.budget - _MARKER * len(fitted)
    tried: set[int] = set()
    while (size := sum(len(c.text) for c in fitted)) > budget:
        left = [n for n in range(len(fitted)) if n not in tried]
        if not left:
            break
        longest = max(left, key=lambda n: len(fitted[n].text))
        tried.add(longest)
        room = budget - (size - len(fitted[longest].text))
        fitted[longest] = clauses_within(fitted[longest], room, idf) or fitted[longest]
    return fitted


def clauses_within(
    candidate: Candidate, room: int, idf: Callable[[str], float]
) -> Candidate | None:
    """The candidate cut to the run of clauses, at most `room` characters, that holds the
    most weight of its question terms, grown from the best clause; None when the sentence
    has one clause, or no clause holds a term, or none fits."""
    spans = _clauses(candidate.text)
    if len(spans) < 2:
        return None
    weights = [_weight(candidate.text[a:b], candidate.terms, idf) for a, b in spans]
    best = max(range(len(spans)), key=lambda n: weights[n])
    if weights[best] == 0 or spans[best][1] - spans[best][0] > room:
        return None
    lo = hi = best
    while True:
        sides = [n for n in (lo - 1, hi + 1) if 0 <= n < len(spans) and weights[n] > 0]
        grown = [n for n in sides if _width(spans, min(lo, n), max(hi, n)) <= room]
        if not grown:
            break
        step = max(grown, key=lambda n: weights[n])
        lo, hi = min(lo, step), max(hi, step)
    start, end = spans[lo][0], spans[hi][1]
    text = candidate.text[start:end]
    return replace(
        candidate,
        start=candidate.start + start,
        end=candidate.start + end,
        text=text,
        terms=candidate.terms & terms_of(text),
    )


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause, its closing mark kept and the space after it left out."""
    spans = []
    start = 0
    for mark in _CLAUSE_END.finditer(text):
        end = mark.start() + 1 if text[mark.start()] != "\n" else mark.start()
        if text[start:end].strip():
            spans.append((start, end))
        start = mark.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _weight(clause: str, terms: frozenset[str], idf: Callable[[str], float]) -> float:
    return sum(idf(t) for t in terms & terms_of(clause))


def _width(spans: list[tuple[int, int]], lo: int, hi: int) -> int:
    return spans[hi][1] - spans[lo][0]
