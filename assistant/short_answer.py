"""The short answer an official reads first: a figure with its unit, a date, a number, a name.

It is cut from the cited quotes (the documents' own characters) or built from a targets
table row whose sentence is cited, never written anew. When the question asks for no
such value, or the quotes hold none, there is no short answer: a wrong short answer
shown first in bold would be read and trusted before the quotes below it. This module
decides what a question asks (one value per clause: "tăng bao nhiêu bậc | và đứng hạng
mấy"); assistant.short_values finds values, assistant.short_forms names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from assistant.coverage import asked_unit
from assistant.faithful import question_provinces
from assistant.generative import numbers, passage_numbers
from assistant.question import intent_of, is_stopword
from assistant.record import Citation
from assistant.short_forms import named
from assistant.short_values import (
    DATES,
    DOCNO,
    DURATION,
    FIGURE,
    MEASURE,
    RANK,
    fraction,
    in_words,
    nearest,
    only_person,
    stated,
)
from ingest.indicators import indicator_of
from ingest.normalize import nfc, strip_diacritics, words

MAX_CHARS = 80
_ASKS_DOCNO = re.compile(
    r"so hieu|ky hieu|(?:ke hoach|nghi quyet|quyet dinh|van ban) so (?:may|nao|bao nhieu)"
)
_ASKS_RANK = re.compile(r"\b(?:hang|thu|khoa)\s+(?:may|bao nhieu)\b")
_ASKS_TABLE = re.compile(r"muc tieu|chi tieu|\bdat\b|ty le")
# What the question must ask, in words, for a date or a figure to be its short answer
# (the broader intent of assistant.question also ranks sentences by "thời gian", "đạt").
_ASKS_WHEN = re.compile(
    r"khi nao|bao gio|(?:ngay|thang|nam|luc|thoi diem|thoi gian) nao"
    r"|(?:ngay|thang|nam) (?:may|bao nhieu)\b"
)
_ASKS_COUNT = re.compile(r"bao nhieu|\bmay\b|bao lau")
_ASKS_FIGURE = re.compile(r"bao nhieu|\bmay\b|ty le|phan tram|%|so luong")
# A question with no question word asks what it opens with: a measure is a figure
# ("Diện tích Ấn Độ Dương?", "Thời hạn tối đa để nộp đơn?"), a birthday a date.
_MEASURED = re.compile(
    r"(?:dien|the) tich|be rong|chieu (?:dai|rong|cao|sau)|do (?:sau|cao|dai|rong)"
    r"|duong kinh|khoang cach|chu k[iy]|dan so|so dan|gia tri|kinh phi|loi nhuan"
    r"|doanh thu|thoi han|thoi luong|khoi luong|nhiet do|toc do|van toc|tong so"
)
_DATED = re.compile(r"sinh nhat|ngay sinh|ngay thang nam sinh|nam sinh")
_NOT_IN_ROWS = r"vuot|\bgi\b|\bai\b|\bnao\b|bao lau|bao gio"
# Words that ask for a value, bare; "khi nào" counts once.
_WH = re.compile(r"bao nhieu|bao lau|bao gio|khi nao|\bmay\b|\bgi\b|\bai\b|\bnao\b|\bo dau\b")
# Where a question asking two values joins its clauses: "..., còn", "và", "trong đó", ",".
_JOINT = re.compile(r",? (?:va|con|trong do|dong thoi) |, ")
_COUNTED = re.compile(r"\b(?:bao nhieu|may)\s+(\w+)")


def short_answer(
    question: str, citations: Sequence[Citation], rows: Iterable[Mapping[str, Any]] = ()
) -> str | None:
    """The short answer from the cited quotes, or None when none can be given honestly.

    `rows` are targets-table rows; one whose sentence is cited answers a question about
    its indicator's target or result.
    """
    if not citations or len(question_provinces(question)) > 1:
        return None
    found = _from_rows(question, citations, rows)
    if found is None:
        found = _from_quotes(question, citations)
    if not found or len(found) > MAX_CHARS or not supported(found, citations):
        return None
    return found


def _asks_several(question: str) -> bool:
    """Two values asked ("tên là gì và có bao nhiêu"): one short value would answer half."""
    bare = strip_diacritics(" ".join(words(question)))
    return len(re.findall(r"\bbao nhieu\b|\bmay\b|\bgi\b|\bai\b", bare)) > 1


def supported(short: str, citations: Sequence[Citation]) -> bool:
    """Every number of the short answer stands in a cited quote (as the generative check)."""
    allowed: set[str] = set()
    for cite in citations:
        allowed |= passage_numbers(cite.quote)
    return all(n in allowed for n in numbers(short))


def row_question(question: str) -> str | None:
    """The indicator a question asks the target or result of, when a table row can answer
    it whole: not a count of something else, an excess over a target, or a name."""
    indicator = indicator_of(question)
    bare = strip_diacritics(question.lower())
    counted = [w for w in _COUNTED.findall(bare) if w != "phan" and not is_stopword(w)]
    if indicator is None or asked_unit(question) not in ((), ("%",)):
        return None
    if not _ASKS_TABLE.search(bare) or counted or re.search(_NOT_IN_ROWS, bare):
        return None
    return indicator


def row_answers(question: str, row: Mapping[str, Any]) -> bool:
    """Whether the row holds a value of the kind asked that the question does not state."""
    values = f"{row.get('target') or ''} {row.get('achieved') or ''}"
    if asked_unit(question) and "%" not in values:
        return False
    return not any(stated(n, question) for n in numbers(values))


def _from_rows(
    question: str, citations: Sequence[Citation], rows: Iterable[Mapping[str, Any]]
) -> str | None:
    """A cited row of the indicator asked about, for questions about a target or result."""
    indicator = row_question(question)
    if indicator is None:
        return None
    for row in rows:
        if row.get("indicator") != indicator or not row_answers(question, row):
            continue
        if any(
            c.doc_id == row.get("doc_id") and c.start <= row["start"] < c.end for c in citations
        ):
            return describe_short(row, [c.quote for c in citations])
    return None


def describe_short(row: Mapping[str, Any], quotes: Sequence[str] = ()) -> str | None:
    """A row's target and result, values as written: "20% (chỉ tiêu); 7,41% (2022)".

    A deadline or date is added only when `quotes` (the cited sentences) state it: the
    table may take it from the paragraph around the sentence.
    """
    allowed = set().union(*(passage_numbers(q) for q in quotes)) if quotes else None

    def stated(value: str | None) -> bool:
        return bool(value) and (allowed is None or set(numbers(value)) <= allowed)

    parts = []
    if row.get("target"):
        deadline = f", {row['deadline']}" if stated(row.get("deadline")) else ""
        parts.append(f"{row['target']} (chỉ tiêu{deadline})")
    if row.get("achieved"):
        as_of = f" ({row['as_of']})" if stated(row.get("as_of")) else ""
        parts.append(f"{row['achieved']}{as_of}")
    return "; ".join(parts) or None


def _from_quotes(question: str, citations: Sequence[Citation]) -> str | None:
    """Pieces of the quotes for each value the question asks, joined ("07-NQ/TU; 27/10/2021").

    A resolved follow-up ("earlier question; its follow-up") asks what its last part asks.
    A question asking several values gets one piece for each of its clauses, or none:
    half an answer shown first would read as the whole of it.
    """
    asked = question.rsplit(";", 1)[-1]
    quotes = [c.quote for c in citations]
    clauses = asked_values(asked)
    if clauses is None:
        return None
    if len(clauses) == 1:
        return _answer_clause(question, asked, question, quotes)
    pieces = [_answer_clause(clause, clause, question, quotes) for clause in clauses]
    return _joined(pieces)


def _joined(pieces: list[str | None]) -> str | None:
    """One piece for each clause, no two sharing a figure (the same value twice answers
    one clause, not both)."""
    seen: set[str] = set()
    for piece in pieces:
        if not piece or seen & set(numbers(piece)):
            return None
        seen |= set(numbers(piece))
    return "; ".join(p for p in pieces if p) if len(set(pieces)) == len(pieces) else None


def asked_values(question: str) -> list[str] | None:
    """The question cut into one clause per value it asks ("tăng bao nhiêu bậc | và đứng
    hạng mấy"), at the last joining word or comma between two question words; None when
    it asks several but has no such joint."""
    text = nfc(question)
    bare = strip_diacritics(text.lower())
    asks = list(_WH.finditer(bare))
    if len(bare) != len(text):
        return None if _asks_several(question) else [question]
    cuts = []
    for before, after in pairwise(asks):
        joints = list(_JOINT.finditer(bare, before.end(), after.start()))
        if not joints:
            return None if _asks_several(question) else [question]
        cuts.append(joints[-1].start())
    bounds = [0, *cuts, len(text)]
    return [text[a:b].strip(" ,") for a, b in pairwise(bounds)]


def _answer_clause(topic: str, asked: str, whole: str, quotes: list[str]) -> str | None:
    """The pieces answering one clause: `asked` says what kind of value, `topic` holds the
    words to find it by, `whole` the figures the question states (never the answer)."""
    intent = intent_of(asked)
    bare = strip_diacritics(asked.lower()).strip()
    bare_noun = not _WH.search(bare)  # "Diện tích Ấn Độ Dương?": what it opens with asks
    pieces = []
    if _ASKS_DOCNO.search(bare):
        pieces.append(nearest(topic, quotes, (DOCNO,), whole))
    if _ASKS_WHEN.search(bare) or (bare_noun and _DATED.match(bare)):
        pieces.append(nearest(topic, quotes, DATES, whole))
    if re.search(r"\bai\b", bare) and "tac gia" not in bare and not intent.number:
        pieces.append(only_person(quotes))
    if "bao lau" in bare:
        pieces.append(nearest(topic, quotes, (DURATION,), whole))
    elif _ASKS_RANK.search(bare):
        pieces.append(nearest(topic, quotes, (RANK,), whole))
    elif bare_noun and _MEASURED.match(bare) and not pieces:
        pieces.append(nearest(topic, quotes, (MEASURE,), whole))
    elif _ASKS_FIGURE.search(bare) and not pieces:
        pieces.append(
            fraction(topic, quotes)
            or nearest(topic, quotes, (FIGURE,), whole)
            or in_words(topic, quotes)
        )
    found = [p for p in dict.fromkeys(pieces) if p]
    if not found and not _ASKS_COUNT.search(bare) and not _ASKS_WHEN.search(bare):
        found = [p for p in (named(asked, quotes),) if p]
    return "; ".join(found) if found else None
