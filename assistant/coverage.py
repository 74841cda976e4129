"""Whether the retrieved passages hold what the question asks about, or only its syllables.

Vietnamese words are mostly two syllables, and each syllable is also part of many
unrelated words: "pháp" in "giải pháp", "nước" in "nhà nước". Counting syllables
alone, "Thủ đô của nước Pháp là gì?" finds most of itself in an article about
carbon credits. So a syllable counts fully only when a word pair of the question that
holds it stands in the passage (or it has no neighbour to pair with), and weakly
when it stands there alone. A "bao nhiêu X" question also needs some passage that
states a number of X.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from assistant.question import is_stopword
from index.weights import SELECTION
from ingest.normalize import has_diacritics, strip_diacritics, words

_UNIT = re.compile(r"(?:(\w+)\s+)?\b(?:bao nhieu|may)(?:\s+(\w+))?(?:\s+(\w+))?")
_PERCENT = re.compile(r"\d\s*%|\d\s+phan tram")
_NUMBER_WORDS = "mot hai ba bon nam sau bay tam chin muoi muoi tram nghin ngan trieu ty van"
_MULTIPLIER = r"(?:\s+(?:tram|nghin|ngan|trieu|ty|van))?"
_QUANTITY = rf"(?:\d[\d.,]*|\b(?:{'|'.join(_NUMBER_WORDS.split())})){_MULTIPLIER}"


@dataclass(frozen=True)
class Unit:
    """One topic word of the question, as compared, with the word pairs that hold it."""

    form: str
    term: str
    pairs: tuple[str, ...]


def topic_units(question: str, satisfied: Collection[str] = ()) -> list[Unit]:
    """The question's topic words, accented when it was typed with accents, else bare.

    `satisfied` words (of a province the documents are about) are not required.
    """
    accented = has_diacritics(question)
    form = _former(accented)
    found = words(question)
    skip = {form(w) for w in satisfied}
    content = [not is_stopword(w) and form(w) not in skip for w in found]
    units = []
    for i, word in enumerate(found):
        if not content[i]:
            continue
        pairs = []
        if i > 0 and content[i - 1]:
            pairs.append(f"{form(found[i - 1])} {form(word)}")
        if i + 1 < len(found) and content[i + 1]:
            pairs.append(f"{form(word)} {form(found[i + 1])}")
        term = word if accented else "~" + strip_diacritics(word)
        units.append(Unit(form(word), term, tuple(pairs)))
    return list({u.form: u for u in units}.values())


def phrase_coverage(
    units: list[Unit], text: str, accented: bool, idf: Callable[[str], float]
) -> float:
    """The share of the question's topic weight that `text` holds, phrase-aware."""
    total = sum(idf(u.term) for u in units)
    if not total:
        return 0.0
    have, joined = _passage(text, accented)
    held = 0.0
    for unit in units:
        if unit.form not in have:
            continue
        paired = not unit.pairs or any(f" {pair} " in joined for pair in unit.pairs)
        held += idf(unit.term) * (1.0 if paired else SELECTION.lone_syllable)
    return held / total


def best_coverage(
    question: str, texts: list[str], idf: Callable[[str], float], satisfied: Collection[str]
) -> float:
    """The phrase-aware coverage of the passage that holds most of the question."""
    units = topic_units(question, satisfied)
    accented = has_diacritics(question)
    return max((phrase_coverage(units, t, accented, idf) for t in texts), default=0.0)


@dataclass(frozen=True)
class Asked:
    """What a "bao nhiêu X" / "mấy X" question counts: `counted` words stand after the
    number ("1.871 tổ"), the word `before` "bao nhiêu" before it ("dưới bao nhiêu điểm":
    "dưới 4,0"); an ordinal question ("đứng thứ mấy", "xếp hạng bao nhiêu") is `ranked`,
    its number after "thứ" or "hạng"."""

    counted: tuple[str, ...]
    before: str | None
    ranked: bool


def asked_quantity(question: str) -> Asked | None:
    """What the question counts; None when it names nothing."""
    parsed = _parse_unit(question)
    if parsed is None:
        return None
    before, counted = parsed
    ranked = before in ("thu", "hang")
    if counted == ("%",) or ranked:
        return Asked(counted, None, ranked)
    return Asked(counted, before, False) if counted else None


def asked_unit(question: str) -> tuple[str, ...]:
    """What a "bao nhiêu X" / "mấy X" question counts, bare: the one or two words after it
    ("người dân": a passage may say "1,18 triệu dân"), and the word before it ("hạng mấy":
    "hạng 57"); empty when it names nothing, or starts with a word that names no unit."""
    parsed = _parse_unit(question)
    if parsed is None or not parsed[1]:
        return ()
    before, counted = parsed
    return (before, *counted) if before else counted


def _parse_unit(question: str) -> tuple[str | None, tuple[str, ...]] | None:
    """The content word before "bao nhiêu" / "mấy" and the one or two after it, bare."""
    # The last one: a resolved follow-up asks its own question after the earlier one.
    every = list(_UNIT.finditer(strip_diacritics(" ".join(words(question)))))
    if not every:
        return None
    before, first, second = every[-1].groups()
    if first == "phan" and second == "tram":
        return None, ("%",)
    before = before if before and not is_stopword(before) else None
    if not first or is_stopword(first):
        return before, ()
    return before, (first,) if not second or is_stopword(second) else (first, second)


def states_quantity_of(asked: Asked, text: str) -> bool:
    """Whether `text` states a number of what is asked: "1.871 tổ", "ba trạm", "20%",
    "dưới 4,0", or a rank: "hạng 57", "lần thứ XI", "thứ hai"."""
    bare = strip_diacritics(text.lower())
    if asked.counted == ("%",):
        return bool(_PERCENT.search(bare))
    if any(re.search(rf"{_QUANTITY}\s+{re.escape(w)}\b", bare) for w in asked.counted):
        return True
    if asked.before and re.search(rf"\b{re.escape(asked.before)}\s+\d", bare):
        return True
    return asked.ranked and _RANK.search(text) is not None


# Accented, as documents write them: bare, "thu" and "hang" are many other words. Roman
# numerals in upper case only ("xi" is a word too).
_RANK = re.compile(
    r"(?i:\b(?:thứ|hạng))\s+(?:\d|[IVXLC]+\b|(?i:nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)\b)"
)


def _former(accented: bool) -> Callable[[str], str]:
    return (lambda w: w) if accented else strip_diacritics


@lru_cache(maxsize=20_000)
def _passage(text: str, accented: bool) -> tuple[frozenset[str], str]:
    """A passage's words, and the words joined with spaces for pair lookups; cached,
    since passages come back question after question."""
    found = [w if accented else strip_diacritics(w) for w in words(text)]
    return frozenset(found), " " + " ".join(found) + " "
