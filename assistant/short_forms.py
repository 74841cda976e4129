"""Short answers that are names, not values: what a quote names where the question asks
"<noun> nào / gì" or "ở đâu".

"Sóc Trăng đẩy nhanh thực hiện đề án nào?" is answered by "Đề án 03" (the noun asked,
written as a name in the sentence); "Ví điện tử nào ...?" by the name in brackets after
"ví điện tử" ("VNPT Money"); "... với vai trò nòng cốt của tổ chức nào?" by the name
that follows the question's own words in the sentence ("Đoàn Thanh niên Cộng sản Hồ Chí
Minh"). Only names are taken (words with capitals or numbers), and only where the
sentence itself ends them: a lower-case phrase cut from a sentence ("khởi động nhận
thức") is often right but, measured on the UIT set, wrong more often than not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.question import is_stopword
from ingest.normalize import fold, has_diacritics, strip_diacritics

# The question words a name answers, folded; bare forms for questions typed without
# diacritics.
_ASKS = frozenset(("gì", "nào"))
_BARE_ASKS = frozenset(("gi", "nao"))
# "X là gì?" asks what X is, "như thế nào" how: a definition or a manner, not a name.
_NOT_A_NAME = frozenset(("là", "la", "thế", "the"))
_UPPER = "ÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
# "những chứng chỉ nào" asks for several: one name would be half the answer.
_PLURAL = frozenset(("những", "các", "nhung", "cac"))
_WORD = re.compile(r"[^\W_]+(?:[-./'][^\W_]+)*")
# Where the sentence ends a name: punctuation, a bracket, or the end.
_END = re.compile(r"[,;:.!?()“”\"…\n]|\s[-–]\s(?!\d)|$")
_JOINERS = frozenset(("để", "nhằm", "nhưng", "khi", "nếu", "thì", "mà", "nên", "và"))
MAX_WORDS = 10
# How many of the question's words before its question word may name the kind of thing
# asked ("cơ quan báo chí nào") and be left out of the quote.
_NOUN_WORDS = 4


@dataclass(frozen=True)
class _Words:
    """A text's words with their spans, in the form they are compared in."""

    forms: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


def _words(text: str, bare: bool) -> _Words:
    found = list(_WORD.finditer(text))
    form = (lambda w: strip_diacritics(fold(w))) if bare else fold
    return _Words(tuple(form(m.group(0)) for m in found), tuple(m.span() for m in found))


def named(clause: str, quotes: Sequence[str]) -> str | None:
    """The one name the quotes give where the clause asks "<noun> nào" or "gì"; with two
    different names, which one is meant is a guess."""
    bare = not has_diacritics(clause)
    asked = _words(clause, bare)
    asks = _BARE_ASKS if bare else _ASKS
    at = [n for n, w in enumerate(asked.forms) if w in asks]
    if len(at) != 1 or at[0] == 0 or asked.forms[at[0] - 1] in _NOT_A_NAME:
        return None
    if _PLURAL & set(asked.forms[max(0, at[0] - 4) : at[0]]):
        return None
    for finder in (_noun_as_name, _name_after):
        names = set()
        for quote in quotes:
            names |= finder(asked.forms, at[0], quote, _words(quote, bare))
        if names:
            return names.pop() if len(names) == 1 else None
    return None


def _noun_as_name(asked: Sequence[str], at: int, quote: str, said: _Words) -> set[str]:
    """ "đề án nào" -> "Đề án 03": the noun asked, capitalised inside the sentence."""
    for size in (3, 2):  # one syllable is too ambiguous: "điều gì" is no "Điều 14"
        noun = tuple(asked[at - size : at])
        if len(noun) < size or any(is_stopword(w) for w in noun):
            continue
        names = set()
        for n in _occurrences(noun, said.forms):
            start = said.spans[n][0]
            if quote[start].isupper() and not _opens_sentence(quote, start):
                names.add(_name(quote, said, n + size, asked, lead=n, in_name=True))
        if names - {None}:
            return {name for name in names if name}
    return set()


def _name_after(asked: Sequence[str], at: int, quote: str, said: _Words) -> set[str]:
    """ "nòng cốt của tổ chức nào" -> the name after "nòng cốt của" in the quote."""
    for skip in range(_NOUN_WORDS + 1):
        for size in (4, 3, 2):
            first = at - skip - size
            run = tuple(asked[first : at - skip])
            if first < 0 or all(is_stopword(w) for w in run):
                continue
            names = set()
            for n in _occurrences(run, said.forms):
                if _same_before(asked, first, said.forms, n):
                    noun = n + size - min(2, _trailing_topic(run)) if skip == 0 else None
                    names.add(_name(quote, said, n + size, asked, lead=noun))
            if names - {None}:
                return {name for name in names if name}
    return set()


def _trailing_topic(run: Sequence[str]) -> int:
    """How many of the run's last words are topic words; the noun asked is the last two
    at most ("học kỳ", "nền tảng")."""
    count = 0
    for word in reversed(run):
        if is_stopword(word):
            break
        count += 1
    return count


def _occurrences(run: Sequence[str], forms: Sequence[str]) -> list[int]:
    size = len(run)
    return [n for n in range(len(forms) - size + 1) if tuple(forms[n : n + size]) == tuple(run)]


def _same_before(asked: Sequence[str], first: int, forms: Sequence[str], n: int) -> bool:
    """The question's topic words before the matched words stand before them in the quote
    too: "Phó Chủ tịch UBND tỉnh nào" is not answered after "Chủ tịch UBND tỉnh"."""
    back = 1
    while first - back >= 0 and not is_stopword(asked[first - back]):
        if n - back < 0 or forms[n - back] != asked[first - back]:
            return False
        back += 1
    return True


def _opens_sentence(quote: str, start: int) -> bool:
    before = quote[:start].rstrip()
    return not before or before[-1] in '.!?:\n“"'


def _name(
    quote: str,
    said: _Words,
    first: int,
    asked: Sequence[str],
    lead: int | None,
    in_name: bool = False,
) -> str | None:
    """The name from word `first` to where the sentence ends it, from the noun at `lead`
    when it stands right before ("Đề án 03", "học kỳ 2", "nền tảng OneTouch"); None
    when it is not a name, is one of a list, or a bare number without its noun. A noun
    written as a name (`in_name`: "Trung tâm điều hành ... IOC") may go on in lower case."""
    if first >= len(said.forms):
        return None
    gap = quote[said.spans[first - 1][1] : said.spans[first][0]] if first else ""
    if gap.strip() not in ("", "(", "số"):
        return None
    kept = _name_words(quote, said, first, asked, "(" in gap)
    if kept and not in_name and not _is_proper(quote, said, kept[0]):
        return None
    if not kept or said.forms[kept[0]] in set(asked):
        return None
    begin, end = said.spans[kept[0]][0], said.spans[kept[-1]][1]
    start = said.spans[lead][0] if lead is not None and "(" not in gap else None
    if _in_list(quote, begin, end) or (start is None and quote[begin].isdigit()):
        return None
    return quote[start if start is not None else begin : end]


def _name_words(
    quote: str, said: _Words, first: int, asked: Sequence[str], bracketed: bool
) -> list[int]:
    """The words of the name from word `first`: to the bracket's close, the sentence's own
    end or the question's words resuming; a number ends with its figures, a name one
    word past its last capital ("Diễn đàn Doanh nghiệp", not "Nguyễn Tường Văn nhấn mạnh")."""
    begin = said.spans[first][0]
    close = quote.find(")", begin) if bracketed else -1
    end = close if close >= 0 else _END.search(quote, begin).start()
    question = set(asked)
    kept: list[int] = []
    for n in range(first, len(said.forms)):
        form = said.forms[n]
        resumes = n + 1 < len(said.forms) and form in question and said.forms[n + 1] in question
        if said.spans[n][1] > end or form in _JOINERS or (kept and resumes):
            break
        kept.append(n)
    if not kept or len(kept) > MAX_WORDS:
        return []
    if quote[begin].isdigit():  # a number's name ends with its figures: "Đề án 03"
        run = next((i for i, n in enumerate(kept) if not _is_proper(quote, said, n)), len(kept))
        return kept[:run]
    while kept and not any(_is_proper(quote, said, n) for n in kept[-2:]):
        kept.pop()
    return kept


def _in_list(quote: str, begin: int, end: int) -> bool:
    """Another name stands before or after, joined by a comma or "và": the one item of a
    list is not the answer."""
    joint = r"\s*(?:,|\svà|\shoặc)\s*"
    proper = rf"[A-ZĐ{_UPPER}\d]"
    after = re.match(rf"{joint}\(?{proper}", quote[end:]) is not None
    before = re.search(rf"{proper}[^\W_]*\)?{joint}$", quote[:begin]) is not None
    return after or before


def _is_proper(quote: str, said: _Words, n: int) -> bool:
    """A word of a name: it holds a capital or a digit."""
    a, b = said.spans[n]
    return any(c.isupper() or c.isdigit() for c in quote[a:b])
