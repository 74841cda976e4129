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


def asked_unit(question: str) -> tuple[str, ...]:
    """What a "bao nhiêu X" / "mấy X" question counts, bare: the one or two words after it
    ("người dân": a passage may say "1,18 triệu dân"), and the word before it ("hạng mấy":
    "hạng 57"); empty when it names nothing, or starts with a word that names no unit."""
    # The last one: a resolved follow-up asks its own question after the earlier one.
    every = list(_UNIT.finditer(strip_diacritics(" ".join(words(question)))))
    if not every:
        return ()
    found = every[-1]
    before, first, second = found.groups()
    if first == "phan" and second == "tram":
        return ("%",)
    if not first or is_stopword(first):
        return ()
    after = (first,) if not second or is_stopword(second) else (first, second)
    return after if not before or is_stopword(before) else (before, *after)


def states_quantity_of(unit: tuple[str, ...], text: str) -> bool:
    """Whether `text` states a number of the unit: "1.871 tổ", "ba trạm", "20%", or the
    unit before its number, as ranks are written ("hạng 57")."""
    bare = strip_diacritics(text.lower())
    if unit == ("%",):
        return bool(_PERCENT.search(bare))
    return any(
        re.search(rf"{_QUANTITY}\s+{re.escape(w)}\b|\b{re.escape(w)}\s+\d", bare) is not None
        for w in unit
    )


def _former(accented: bool) -> Callable[[str], str]:
    return (lambda w: w) if accented else strip_diacritics


@lru_cache(maxsize=20_000)
def _passage(text: str, accented: bool) -> tuple[frozenset[str], str]:
    """A passage's words, and the words joined with spaces for pair lookups; cached,
    since passages come back question after question."""
    found = [w if accented else strip_diacritics(w) for w in words(text)]
    return frozenset(found), " " + " ".join(found) + " "
