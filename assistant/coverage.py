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
from ingest.normalize import has_diacritics, lexical_terms, strip_diacritics, words

_UNIT = re.compile(r"(?:(\w+)\s+)?\b(?:bao nhieu|may)(?:\s+(\w+))?(?:\s+(\w+))?")
_UNIT_ACCENTED = re.compile(r"(?:(\w+)\s+)?\b(?:bao nhiêu|mấy)(?:\s+(\w+))?(?:\s+(\w+))?")
_PERCENT = re.compile(r"\d\s*%|\d\s+phan tram")
_NUMBER_WORDS = "mot hai ba bon nam sau bay tam chin muoi muoi tram nghin ngan trieu ty van"
_MULTIPLIER = r"(?:\s+(?:tram|nghin|ngan|trieu|ty|van))?"
_QUANTITY = rf"(?:\d[\d.,]*|\b(?:{'|'.join(_NUMBER_WORDS.split())})){_MULTIPLIER}"


@dataclass(frozen=True)
class Unit:
    """One topic word of the question, as compared, with the word pairs that hold it.

    `accented`: compared with accents (its part of the question was typed with them).
    """

    form: str
    term: str
    pairs: tuple[str, ...]
    accented: bool


def topic_units(question: str, satisfied: Collection[str] = ()) -> list[Unit]:
    """The question's topic words, accented where it was typed with accents, else bare.

    A follow-up resolved into "earlier question; follow-up" may join a part typed
    without diacritics to one typed with them: each part is compared as it was typed.
    `satisfied` words (of a province the documents are about) are not required.
    """
    units = [u for part in question.split(";") for u in _part_units(part, satisfied)]
    return list({(u.form, u.accented): u for u in units}.values())


def _part_units(part: str, satisfied: Collection[str]) -> list[Unit]:
    accented = has_diacritics(part)
    form = _former(accented)
    found = words(part)
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
        units.append(Unit(form(word), term, tuple(pairs), accented))
    return units


def phrase_coverage(units: list[Unit], text: str, idf: Callable[[str], float]) -> float:
    """The share of the question's topic weight that `text` holds, phrase-aware."""
    total = sum(idf(u.term) for u in units)
    if not total:
        return 0.0
    held = 0.0
    for unit in units:
        have, joined = _passage(text, unit.accented)
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
    return max((phrase_coverage(units, t, idf) for t in texts), default=0.0)


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
    return Asked(counted, before, False) if counted or before else None


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
    """The content word before "bao nhiêu" / "mấy" and the one or two after it, bare.

    Of a follow-up resolved into "earlier question; follow-up", the follow-up's own.
    """
    asking = question.rsplit(";", 1)[-1]
    # Typed with accents, "máy" (a machine) is no "mấy".
    pattern = _UNIT_ACCENTED if has_diacritics(asking) else _UNIT
    every = list(pattern.finditer(" ".join(words(asking))))
    if not every:
        return None
    before, first, second = (strip_diacritics(g) if g else g for g in every[-1].groups())
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
    # With nothing counted the number may stand a few words on ("đạt khoảng 20%").
    gap = "" if asked.counted else rf"(?:\w+\W+){{0,{SELECTION.measure_gap}}}"
    if asked.before and re.search(rf"\b{re.escape(asked.before)}\W+{gap}\d", bare):
        return True
    return asked.ranked and _RANK.search(text) is not None


# Accented, as documents write them: bare, "thu" and "hang" are many other words. Roman
# numerals in upper case only ("xi" is a word too).
_RANK = re.compile(
    r"(?i:\b(?:thứ|hạng))\s+(?:\d|[IVXLC]+\b|(?i:nhất|nhì|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)\b)"
)


# A name the question writes as one: an acronym or a brand (PCI, ChatGPT, VNeID) or a code
# (5G, IT001). A passage that answers about it names it; Vietnamese words are never
# written so, and typos with a digit inside a lower-case word ("nhie6i") are not names.
_NAME = re.compile(r"\b(?:\w*[A-ZĐ]\w*[A-ZĐ]\w*|\d+[A-ZĐ]+\w*|[A-ZĐ]+\d+\w*)\b")


def names_asked(question: str) -> list[str]:
    """The names and codes the question writes as such; none for a question typed in
    capitals, where every word would look like one."""
    letters = [c for c in question if c.isalpha()]
    if sum(c.isupper() for c in letters) > len(letters) / 2:
        return []
    return list(dict.fromkeys(_NAME.findall(question)))


def holds_name(name: str, text: str) -> bool:
    """Whether `text` names it: the same words in a row ("5G" as "5G" or "5 G"), one of
    the abbreviation's standard expansions (GRDP, CNTT), or, for a name of four letters or
    more (SELECTION.typo_from), a word one typo away (THCP, TPHP for TCHP): people mistype
    acronyms."""
    wanted = " ".join(words(name))
    have, joined = _passage(text, True)
    if f" {wanted} " in joined:
        return True
    if " " in wanted:
        return False
    return wanted in terms_of(text) or (
        len(wanted) >= SELECTION.typo_from and any(_one_typo(wanted, w) for w in have)
    )


def _one_typo(a: str, b: str) -> bool:
    """Whether b is a, or a with one letter changed, added, dropped, or two neighbours
    swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@lru_cache(maxsize=50_000)
def terms_of(text: str) -> frozenset[str]:
    """A passage's lexical terms (as indexed, abbreviations expanded). Passages come back
    question after question; fold each once."""
    return frozenset(lexical_terms(text))


def _former(accented: bool) -> Callable[[str], str]:
    return (lambda w: w) if accented else strip_diacritics


@lru_cache(maxsize=20_000)
def _passage(text: str, accented: bool) -> tuple[frozenset[str], str]:
    """A passage's words, and the words joined with spaces for pair lookups; cached,
    since passages come back question after question."""
    found = [w if accented else strip_diacritics(w) for w in words(text)]
    return frozenset(found), " " + " ".join(found) + " "
