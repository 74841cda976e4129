"""What a Vietnamese question asks for, and what it means in a conversation.

Follow-ups such as "Còn Tuyên Quang thì sao?" carry no topic of their own:
they repeat the previous question with a new subject, so the question that is
searched and answered is rebuilt from the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import fold, has_diacritics, nfc, strip_diacritics, words
from ingest.provinces import canonical, find_provinces

# Words that shape a question but carry no topic. Accented words are compared
# accented ("đô" is no "do", "kế" no "ke"); a word typed without diacritics may be
# any of them, so it is compared bare.
_STOPWORDS = (
    "bao", "nhiêu", "là", "gì", "nào", "ai", "khi", "như", "thế", "ra", "sao", "có",
    "không", "của", "và", "các", "những", "được", "cho", "trong", "với", "đã", "thì", "bị",
    "này", "đó", "một", "mấy", "hãy", "biết", "vậy", "còn", "nêu", "liệt", "kê", "hiện",
    "nay", "theo", "về", "tại", "từ", "đến", "ở", "nhằm", "để", "bởi", "do", "mà", "nên",
    "hay", "hoặc", "tỉnh", "phần", "trăm", "bài", "viết",
)  # fmt: skip
STOPWORDS = frozenset(fold(w) for w in _STOPWORDS)
BARE_STOPWORDS = frozenset(strip_diacritics(w) for w in STOPWORDS)
_FOLLOW_UP = re.compile(
    r"^(còn|thế còn|vậy còn|con|the con|vay con)\b|(thì sao|thi sao|ra sao|thế nào|the nao)\s*\??$"
)
# "Ứng dụng đó", "chỉ tiêu này", "ông ấy": the subject lives in an earlier question.
# Only the accented forms: without diacritics "do" and "nay" are everyday words.
_ANAPHORA = re.compile(r"\b(?:đó|ấy|này|nói trên)\b")
# Typed without diacritics, the same words right after the question's first noun
# ("Ung dung do danh cho ai?", "Chi tieu do la bao nhieu?").
_BARE_ANAPHORA = re.compile(r"^\w+(?: \w+)? (?:do|ay|nay|noi tren)\b")

_ASKS_NUMBER = (
    r"bao nhieu|\bmay\b|ty le|phan tram|%|so luong|muc tieu|chi tieu|\bdat\b|xep hang|thu hang"
)
_ASKS_DATE = r"khi nao|bao gio|ngay nao|nam nao|thoi gian|thoi diem|luc nao"


@dataclass(frozen=True)
class Intent:
    """The kind of value the question asks for; a sentence holding one is a better answer."""

    number: bool = False
    date: bool = False
    person: bool = False
    document: bool = False


def intent_of(question: str) -> Intent:
    bare = strip_diacritics(fold(question))
    return Intent(
        number=bool(re.search(_ASKS_NUMBER, bare)),
        date=bool(re.search(_ASKS_DATE, bare)),
        person=bool(re.search(r"\bai\b|nguoi nao|tac gia|chu tich|bi thu|giam doc", bare)),
        document=bool(re.search(r"nghi quyet|quyet dinh|ke hoach|van ban|so hieu|chi thi", bare)),
    )


def is_stopword(word: str) -> bool:
    """Whether a word only shapes the question; see STOPWORDS for why accents matter."""
    folded = fold(word)
    if folded in STOPWORDS:
        return True
    return not has_diacritics(folded) and folded in BARE_STOPWORDS


def content_words(question: str) -> list[str]:
    """The question's topic words, in folded form."""
    return [w for w in words(question) if not is_stopword(w)]


def is_follow_up(question: str) -> bool:
    text = fold(question).strip()
    if _FOLLOW_UP.search(text) or _ANAPHORA.search(text):
        return True
    if not has_diacritics(text) and _BARE_ANAPHORA.search(text):
        return True
    topic = [w for w in content_words(question) if not _is_province_word(w, question)]
    return len(topic) == 0 and bool(find_provinces(question))


def _is_province_word(word: str, question: str) -> bool:
    return any(
        word in fold(p) or strip_diacritics(word) in fold(strip_diacritics(p))
        for p in find_provinces(question)
    )


def resolve(question: str, history: list[str]) -> str:
    """The standalone question a follow-up stands for, given the earlier questions."""
    if not history or not is_follow_up(question):
        return question
    previous = resolve(history[-1], history[:-1])
    new_places = find_provinces(question)
    old_places = find_provinces(previous)
    if new_places and old_places:
        resolved = previous
        for old in old_places:
            resolved = replace_name(resolved, old, new_places[0])
        if resolved != previous:
            return resolved
    rest = _FOLLOW_UP.sub("", fold(question)).strip(" ?")
    return f"{previous.rstrip(' ?')}; {rest}?"


def replace_name(text: str, name: str, new: str) -> str:
    """Replace a province name however it was typed (accents, tone placement, case).

    Stripping diacritics from NFC Vietnamese keeps one character per
    character, so offsets found in the bare form hold in the original.
    """
    text = nfc(text)
    bare_name = strip_diacritics(canonical(name) or name).lower()
    pattern = r"\b" + r"\s+".join(re.escape(part) for part in bare_name.split()) + r"\b"
    match = re.search(pattern, strip_diacritics(text).lower())
    if not match:
        return text
    return text[: match.start()] + new + text[match.end() :]
