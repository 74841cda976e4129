"""Values a short answer is cut from: figures with their unit, dates, ranks, document numbers.

Each is found by its written shape in the cited quotes and chosen by the question's
words standing before it, so the value kept is the one the question asks about, in the
documents' own characters ("1.871 tổ công nghệ số", "ngày 4 tháng 2 năm 2004", "khóa XIV").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.coverage import asked_unit
from assistant.generative import numbers
from assistant.question import content_words, is_stopword
from ingest.normalize import strip_diacritics, words

# Without a unit to look for, a figure is taken only with this share of the question's
# words in the 60 characters before it.
NEAR_ENOUGH = 0.5
# What a year the whole question names, standing before a value, adds to it when only a
# clause of the question is answered: as much as all the clause's words, as a year the
# question names weighs in nearness().
YEAR_NEARBY = 1.0
_UPPER = "ÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
# A number standing on its own: not the "3" of "km3" nor the tail of "1.880".
_NUM = r"(?<![^\W\d_])(?<![\d.,])\d+(?:[.,]\d+)*"
# A bound or a range belongs to the figure: "tối thiểu là 50", "từ 5,0 đến 5,4", "2 đến 3".
_QUALIFIER = r"(?:(?:hơn|gần|khoảng|trên|dưới|tối thiểu(?: là)?|tối đa(?: là)?|ít nhất|từ) )?"
_RANGE = rf"(?:\s*(?:–|đến)\s*{_NUM}(?:\s*%)?|\s+-\s+{_NUM}(?:\s*%)?)?"
_MULTIPLIER = r"(?:\s+(?:triệu|nghìn|ngàn|tỷ|tỉ|trăm))?"
_CORE = re.compile(rf"{_QUALIFIER}{_NUM}(?:\s*%)?{_RANGE}{_MULTIPLIER}", re.IGNORECASE)
# A figure and the few words after it that say what it counts ("1.871 tổ công nghệ số").
FIGURE = re.compile(rf"{_CORE.pattern}(?:\s+[^\W\d_]+){{0,6}}", re.IGNORECASE)
# Units a measure is stated in, for a question that only names the measure ("Diện tích
# Ấn Độ Dương?"): without its unit a figure may measure anything.
_UNITS = (
    "km²|km2|km³|km3|km|m²|m2|m³|m3|m|cm|mm|ft|dặm|kilômét|mét|kg|tấn|ha|°|%|"
    "năm|tháng|tuần|ngày|giờ|phút|giây|đồng|đô la|đô-la|đôla|usd|euro|người|dân"
)
MEASURE = re.compile(
    rf"{_QUALIFIER}{_NUM}{_RANGE}{_MULTIPLIER}\s*(?:{_UNITS})(?![^\W_])", re.IGNORECASE
)
# A length of time, for "bao lâu": "3 năm", "từ 3 đến 5 năm".
DURATION = re.compile(
    rf"{_QUALIFIER}{_NUM}{_RANGE}\s+(?:năm|tháng|ngày|tuần|giờ|phút|giây)\b", re.IGNORECASE
)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# Dates, most precise first: a day, a month, a year.
DATES = (
    re.compile(
        r"\b\d{1,2}[/-]\d{1,2}[/-]\d{4}\b"
        r"|\b(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2},?\s+(?:năm\s+)?\d{4}\b",
        re.I,
    ),
    re.compile(
        r"\b(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\b|\btháng\s+\d{1,2}(?:/|,?\s+năm\s+)\d{4}\b"
        r"|\bngày \d{1,2}/\d{1,2}\b",
        re.I,
    ),
    re.compile(r"\b(?:đầu |cuối |giữa )?năm \d{4}\b", re.I),
)
# What a document is called, bare: "Nghị quyết 07", "Đề án 06", "Quyết định số 146/QĐ-TTg".
DOCUMENT_KINDS = (
    "nghi quyet|de an|quyet dinh|ke hoach|chi thi|thong tu|nghi dinh|chuong trinh|van ban"
)
DOCNO = re.compile(r"\b\d+[-/][A-ZĐ]+(?:[-/][A-ZĐ0-9]+)*\b")
# A rank or an ordinal, in figures, Roman numerals or words: "hạng 36", "khóa XIV",
# "lần thứ XI", "thứ hai".
_ORDINAL_WORDS = "nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười"
RANK = re.compile(
    rf"\b(?:[Ll]ần\s+)?(?:[Hh]ạng|[Tt]hứ|[Kk]h(?:óa|oá))\s+(?:\d+\b|[IVXLC]+\b|(?:{_ORDINAL_WORDS})\b)"
)
# A count written in words, taken only before the unit asked ("hai mục tiêu").
_IN_WORDS = re.compile(
    r"\b(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)(?:\s+(?:mươi|trăm|nghìn|triệu))?"
    r"(?:\s+[^\W\d_]+){1,3}",
    re.IGNORECASE,
)
_STOP_AT = re.compile(r"[;:()“”\"]|,(?!\d)")
# Words that measure the figure before them, kept with it whether or not the question
# uses them ("3 năm", "1,18 triệu dân", "384.403 km").
_MEASURES = (
    frozenset(("triệu", "nghìn", "ngàn", "tỷ", "tỉ", "trăm", "năm", "tháng", "ngày", "tuần", "giờ"))
    | frozenset(
        ("người", "bậc", "lần", "nhóm", "xã", "huyện", "tỉnh", "km", "kg", "tấn", "ha", "đồng")
    )
    | frozenset(("đô", "đôla", "đô-la", "usd", "euro", "mét", "kilômét", "độ", "phút", "giây"))
    | frozenset(
        ("m", "cm", "mm", "ft", "dặm", "km²", "km2", "km³", "km3", "m²", "m2", "m³", "m3", "°")
    )
)
# A share written as a fraction ("8/10 chỉ tiêu"): taken only when the unit asked follows.
_FRACTION = re.compile(r"(?<![/\d])\d{1,3}/\d{1,3}(?![/\d])(?:\s+[^\W\d_]+){1,3}")
# A person's full name: a surname, then one to three capitalised words.
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lâm Mai"
    " Trương Đoàn Vương Trịnh Tô Tạ Lưu Châu Quách Lương Triệu Hà Cao Tăng Thái Kiều"
)
_PERSON = re.compile(rf"\b(?:{'|'.join(_SURNAMES.split())})(?:\s+[A-ZĐ{_UPPER}][^\W\d_]*){{1,3}}")


def nearest(
    question: str, quotes: Sequence[str], patterns: Sequence[re.Pattern[str]], stated_in: str
) -> str | None:
    """The value the question asks for: a match of the most precise pattern (dates: a day
    before a month before a year), followed by the unit it counts, nearest the question's
    words, in the first quotes; never a value `stated_in` (the whole question) states, a
    year only when asked."""
    unit = asked_unit(question)
    topic = {strip_diacritics(w) for w in content_words(question)}
    asked = {n for n in numbers(stated_in) if stated(n, stated_in)}
    # A clause of a longer question ("và đứng hạng mấy") is still about the year it names.
    years = {y for y in re.findall(r"\b(?:19|20)\d{2}\b", stated_in) if y not in topic}
    best: tuple[float, str] | None = None
    for order, quote in enumerate(quotes):
        for precision, pattern in enumerate(patterns):
            for found in pattern.finditer(quote):
                text = _trim(found.group(0), question)
                figure = numbers(text) or [text]
                if figure[0] in asked or _is_date_part(quote, found) or _glued(quote, found):
                    continue
                if pattern is FIGURE and not _may_be_figure(unit, topic, text, quote, found):
                    continue
                score = (
                    _unit_score(unit, text)
                    + nearness(topic, quote, found)
                    + YEAR_NEARBY * (nearness(years, quote, found) > 0)
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
        return nearness(topic, quote, found) >= NEAR_ENOUGH
    return _unit_score(unit, text) > 0


def _unit_score(unit: tuple[str, ...], text: str) -> float:
    """How well the value's words name the unit asked; a bound the question also says
    ("tối thiểu bao nhiêu xã": "tối thiểu 2 huyện") counts less than the unit itself."""
    bare = strip_diacritics(text.lower())
    if unit == ("%",):
        return 2.0 if "%" in text or "phan tram" in bare else -1.0
    unbound = strip_diacritics(re.sub(rf"^{_QUALIFIER}", "", text, flags=re.I).lower())
    for score, said in ((2.0, unbound), (1.0, bare)):
        if unit and any(re.search(rf"\b{re.escape(u)}\b", said) for u in unit):
            return score
    return 0.0


def nearness(topic: set[str], quote: str, found: re.Match[str]) -> float:
    """The share of the question's words in the 60 characters before the value."""
    window = strip_diacritics(quote[max(0, found.start() - 60) : found.end()].lower())
    held = sum(
        len(topic) if _YEAR.match(w) else 1
        for w in topic
        if re.search(rf"\b{re.escape(w)}\b", window)
    )
    return held / (len(topic) or 1)


def fraction(question: str, quotes: Sequence[str]) -> str | None:
    unit = asked_unit(question)
    for quote in quotes:
        for found in _FRACTION.finditer(quote):
            text = _trim(found.group(0), question)
            if unit and unit != ("%",) and _unit_score(unit, text) > 0:
                return text
    return None


def in_words(question: str, quotes: Sequence[str]) -> str | None:
    """A count written in words right before the unit asked: "hai mục tiêu"."""
    unit = asked_unit(question)
    if not unit or unit == ("%",):
        return None
    asked = {strip_diacritics(w) for w in words(question)}
    for quote in quotes:
        for found in _IN_WORDS.finditer(quote):
            said = found.group(0).split()
            following = [strip_diacritics(w.lower()) for w in said[1:]]
            if following and following[0] in unit:
                kept = [said[0]]
                for word, bare in zip(said[1:], following, strict=True):
                    if bare not in asked:
                        break
                    kept.append(word)
                while len(kept) > 2 and is_stopword(kept[-1]):
                    kept.pop()
                return " ".join(kept)
    return None


def only_person(quotes: Sequence[str]) -> str | None:
    """The one person the quotes name; with two, which one is meant is a guess."""
    names = {found.group(0) for quote in quotes for found in _PERSON.finditer(quote)}
    return names.pop() if len(names) == 1 else None


def stated(figure: str, question: str) -> bool:
    """Whether the question states the figure itself ("Nghị quyết 07", "100%"), not inside
    a name ("3G")."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d.,]*\w)", question) is not None


def _names_a_document(quote: str, found: re.Match[str]) -> bool:
    """A number that names a resolution or a scheme ("Nghị quyết 07", "Đề án số 06"); "tổng
    số 10.257" is a count."""
    before = strip_diacritics(quote[max(0, found.start() - 20) : found.start()].lower())
    return re.search(rf"(?:{DOCUMENT_KINDS})(?:\s+so)?\s*$", before) is not None


def _glued(quote: str, found: re.Match[str]) -> bool:
    """A figure that is part of a name ("3G", "4G")."""
    return quote[found.end() : found.end() + 1].isalnum()


def _is_date_part(quote: str, found: re.Match[str]) -> bool:
    """Part of a date such as 17/10/2022 or 19-5-2022, which the date rule quotes whole."""
    after = quote[found.end() : found.end() + 1]
    before = quote[found.start() - 1 : found.start()]
    dashed = after == "-" and quote[found.end() + 1 : found.end() + 2].isdigit()
    return after == "/" or before == "/" or dashed


def _trim(text: str, question: str) -> str:
    """The figure (with its bound or range) and the words after it that the question also
    uses (its unit), up to the first punctuation: "1.871 tổ công nghệ", not "1.871 tổ thôn"."""
    head = _STOP_AT.split(text, maxsplit=1)[0].strip()
    core = _CORE.match(head)
    if core is None or head[core.end() : core.end() + 1] not in ("", " "):
        core = None  # a date or a code ("27/10/2021", "19-5-2022") stays one word
    kept = [core.group(0)] if core else []
    rest = head[core.end() :].split() if core else head.split()
    asked = {strip_diacritics(w) for w in words(question)}
    for word in rest:
        figure_done = bool(kept) and bool(numbers(" ".join(kept))) and not numbers(word)
        unit = strip_diacritics(word.lower()) in asked or word.lower() in _MEASURES
        if figure_done and not unit:
            break
        kept.append(word)
    while len(kept) > 1 and is_stopword(kept[-1]):
        kept.pop()
    return " ".join(kept)
