"""The short answer an official reads first: a figure with its unit, a date, a number.

It is cut from the cited quotes (the documents' own characters) or built from a targets
table row whose sentence is cited, never written anew. When the question asks for no
such value, or the quotes hold none, there is no short answer: a wrong short answer
shown first in bold would be read and trusted before the quotes below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.coverage import asked_unit
from assistant.faithful import question_provinces
from assistant.generative import numbers, passage_numbers
from assistant.question import content_words, intent_of, is_stopword
from assistant.record import Citation
from ingest.indicators import indicator_of
from ingest.normalize import strip_diacritics, words

MAX_CHARS = 80
# Without a unit to look for, a figure is taken only with this share of the question's
# words in the 60 characters before it.
NEAR_ENOUGH = 0.5
_UPPER = "ÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
# A figure and the few words after it that say what it counts ("1.871 tổ công nghệ số").
_FIGURE = re.compile(
    r"(?:hơn |gần |khoảng |trên |dưới )?\d+(?:[.,]\d+)*(?:\s*%)?"
    r"(?:\s+(?:triệu|nghìn|ngàn|tỷ|trăm))?(?:\s+[^\W\d_]+){0,3}"
)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# Dates, most precise first: a day, a month, a year.
_DATES = (
    re.compile(
        r"\b\d{1,2}[/-]\d{1,2}[/-]\d{4}\b|\b\d{1,2}\s+tháng\s+\d{1,2},?\s+năm\s+\d{4}\b", re.I
    ),
    re.compile(
        r"\b(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\b|\btháng\s+\d{1,2}(?:/|,?\s+năm\s+)\d{4}\b"
        r"|\bngày \d{1,2}/\d{1,2}\b",
        re.I,
    ),
    re.compile(r"\b(?:đầu |cuối |giữa )?năm \d{4}\b", re.I),
)
_DOCNO = re.compile(r"\b\d+[-/][A-ZĐ]+(?:[-/][A-ZĐ0-9]+)*\b")
_RANK = re.compile(r"\b(?:hạng|thứ)\s+\d+\b")
_STOP_AT = re.compile(r"[;:()“”\"]|,(?!\d)")
# Words that measure the figure before them, kept with it whether or not the question
# uses them ("3 năm", "1,18 triệu dân").
_MEASURES = frozenset(
    ("triệu", "nghìn", "ngàn", "tỷ", "trăm", "năm", "tháng", "ngày", "tuần", "giờ", "người")
) | frozenset(("bậc", "lần", "nhóm", "xã", "huyện", "tỉnh"))
# A share written as a fraction ("8/10 chỉ tiêu"): taken only when the unit asked follows.
_FRACTION = re.compile(r"(?<![/\d])\d{1,3}/\d{1,3}(?![/\d])(?:\s+[^\W\d_]+){1,3}")
_ASKS_DOCNO = re.compile(
    r"so hieu|ky hieu|(?:ke hoach|nghi quyet|quyet dinh|van ban) so (?:may|nao|bao nhieu)"
)
_ASKS_RANK = re.compile(r"\b(?:hang|thu)\s+(?:may|bao nhieu)\b")
_ASKS_TABLE = re.compile(r"muc tieu|chi tieu|\bdat\b|ty le")
# What the question must ask, in words, for a date or a figure to be its short answer
# (the broader intent of assistant.question also ranks sentences by "thời gian", "đạt").
_ASKS_WHEN = re.compile(
    r"khi nao|bao gio|(?:ngay|thang|nam|luc|thoi diem|thoi gian) nao|ngay bao nhieu"
)
_ASKS_FIGURE = re.compile(r"bao nhieu|\bmay\b|ty le|phan tram|%|so luong")
_NOT_IN_ROWS = r"vuot|\bgi\b|\bai\b|\bnao\b|bao lau|bao gio"
_COUNTED = re.compile(r"\b(?:bao nhieu|may)\s+(\w+)")
# A person's full name: a surname, then one to three capitalised words.
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lâm Mai"
    " Trương Đoàn Vương Trịnh Tô Tạ Lưu Châu Quách Lương Triệu Hà Cao Tăng Thái Kiều"
)
_PERSON = re.compile(rf"\b(?:{'|'.join(_SURNAMES.split())})(?:\s+[A-ZĐ{_UPPER}][^\W\d_]*){{1,3}}")


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
    if found is None and not _asks_several(question):
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
    return not any(_stated(n, question) for n in numbers(values))


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
    """Pieces of the quotes for each value the question asks, joined ("07-NQ/TU; 27/10/2021")."""
    intent = intent_of(question)
    bare = strip_diacritics(question.lower())
    quotes = [c.quote for c in citations]
    pieces = []
    if _ASKS_DOCNO.search(bare):
        pieces.append(_nearest(question, quotes, (_DOCNO,)))
    if _ASKS_WHEN.search(bare):
        pieces.append(_nearest(question, quotes, _DATES))
    if re.search(r"\bai\b", bare) and "tac gia" not in bare and not intent.number:
        pieces.append(_only_person(quotes))
    if _ASKS_RANK.search(bare):
        pieces.append(_nearest(question, quotes, (_RANK,)))
    elif _ASKS_FIGURE.search(bare) and not pieces:
        pieces.append(_fraction(question, quotes) or _nearest(question, quotes, (_FIGURE,)))
    found = [p for p in dict.fromkeys(pieces) if p]
    return "; ".join(found) if found else None


def _nearest(question: str, quotes: list[str], patterns: Sequence[re.Pattern[str]]) -> str | None:
    """The value the question asks for: a match of the most precise pattern (dates: a day
    before a month before a year), followed by the unit it counts, nearest the question's
    words, in the first quotes; never a value the question states, a year only when asked."""
    unit = asked_unit(question)
    topic = {strip_diacritics(w) for w in content_words(question)}
    asked = {n for n in numbers(question) if _stated(n, question)}
    best: tuple[float, str] | None = None
    for order, quote in enumerate(quotes):
        for precision, pattern in enumerate(patterns):
            for found in pattern.finditer(quote):
                text = _trim(found.group(0), question)
                figure = numbers(text) or [text]
                if figure[0] in asked or _is_date_part(quote, found) or _glued(quote, found):
                    continue
                if pattern is _FIGURE and not _may_be_figure(unit, topic, text, quote, found):
                    continue
                score = (
                    _unit_score(unit, text)
                    + _nearness(topic, quote, found)
                    - 0.1 * order
                    - 0.5 * precision
                )
                if best is None or score > best[0]:
                    best = (score, text)
    return best[1] if best else None


def _may_be_figure(
    unit: tuple[str, ...], topic: set[str], text: str, quote: str, found: re.Match[str]
) -> bool:
    """A figure of what was asked: not a year, not a document's number, and of the unit
    the question counts when it names one."""
    if _YEAR.match(numbers(text)[0]) or _names_a_document(quote, found):
        return False
    if not unit:  # "là bao nhiêu": only a figure standing by the question's own words
        return _nearness(topic, quote, found) >= NEAR_ENOUGH
    return _unit_score(unit, text) > 0


def _unit_score(unit: tuple[str, ...], text: str) -> float:
    bare = strip_diacritics(text.lower())
    if unit == ("%",):
        return 2.0 if "%" in text or "phan tram" in bare else -1.0
    if unit and any(re.search(rf"\b{re.escape(u)}\b", bare) for u in unit):
        return 2.0
    return 0.0


def _nearness(topic: set[str], quote: str, found: re.Match[str]) -> float:
    """The share of the question's words in the 60 characters before the figure."""
    window = strip_diacritics(quote[max(0, found.start() - 60) : found.end()].lower())
    held = sum(
        len(topic) if _YEAR.match(w) else 1
        for w in topic
        if re.search(rf"\b{re.escape(w)}\b", window)
    )
    return held / (len(topic) or 1)


def _fraction(question: str, quotes: list[str]) -> str | None:
    unit = asked_unit(question)
    for quote in quotes:
        for found in _FRACTION.finditer(quote):
            text = _trim(found.group(0), question)
            if unit and unit != ("%",) and _unit_score(unit, text) > 0:
                return text
    return None


def _only_person(quotes: list[str]) -> str | None:
    """The one person the quotes name; with two, which one is meant is a guess."""
    names = {found.group(0) for quote in quotes for found in _PERSON.finditer(quote)}
    return names.pop() if len(names) == 1 else None


def _stated(figure: str, question: str) -> bool:
    """Whether the question states the figure itself ("Nghị quyết 07", "100%"), not inside
    a name ("3G")."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d.,]*\w)", question) is not None


def _names_a_document(quote: str, found: re.Match[str]) -> bool:
    """A number that names a resolution or a scheme ("Nghị quyết 07", "Đề án 06")."""
    before = strip_diacritics(quote[max(0, found.start() - 16) : found.start()].lower())
    return (
        re.search(r"(?:nghi quyet|de an|quyet dinh|ke hoach|chi thi|\bso)\s*$", before) is not None
    )


def _glued(quote: str, found: re.Match[str]) -> bool:
    """A figure that is part of a name ("3G", "4G")."""
    return quote[found.end() : found.end() + 1].isalnum()


def _is_date_part(quote: str, found: re.Match[str]) -> bool:
    """Part of a date such as 17/10/2022, which the date rule quotes whole."""
    after = quote[found.end() : found.end() + 1]
    return after == "/" or quote[found.start() - 1 : found.start()] == "/"


def _trim(text: str, question: str) -> str:
    """The figure and the words after it that the question also uses (its unit), up to
    the first punctuation: "1.871 tổ công nghệ", not "1.871 tổ thôn"."""
    head = _STOP_AT.split(text, maxsplit=1)[0].strip()
    asked = {strip_diacritics(w) for w in words(question)} - set(asked_unit(question))
    asked |= set(asked_unit(question))
    kept = []
    for n, word in enumerate(head.split()):
        bare = strip_diacritics(word.lower())
        measure = word.lower() in _MEASURES
        if (
            n
            and numbers(" ".join(kept))
            and not numbers(word)
            and bare not in asked
            and not measure
        ):
            break
        kept.append(word)
    while len(kept) > 1 and is_stopword(kept[-1]):
        kept.pop()
    return " ".join(kept)
