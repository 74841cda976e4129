"""Vietnamese text normalization, shared by indexing and querying.

Documents and questions arrive in NFC or NFD, with the old or new tone
placement (hoà / hòa, uỷ / ủy), and questions are often typed without
diacritics. Everything that compares text goes through this one module so that
both sides of a comparison are folded the same way.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_TONES = "\u0300\u0301\u0303\u0309\u0323"
# In NFD, a tone written on the second vowel of an open oa/oe/uy syllable
# ("hoà", "uỷ") moves to the first vowel ("hòa", "ủy"); "quy" keeps it on y.
_OLD_TONE = re.compile(
    rf"(?<![qQ\w\u0300-\u036f])(?P<pre>[^\W\d_]*?)"
    rf"(?P<v1>[oO])(?P<v2>[aAeE])(?P<tone>[{_TONES}])(?![\w\u0300-\u036f])"
    rf"|(?P<pre2>(?<![\w\u0300-\u036f])[^\W\d_qQ]*?)"
    rf"(?P<u>[uU])(?P<y>[yY])(?P<tone2>[{_TONES}])(?![\w\u0300-\u036f])"
)
# Where _OLD_TONE may match: a word ending in oa, oe or uy with the tone mark last.
_OLD_ENDING = re.compile(rf"(?:[oO][aAeE]|[uU][yY])[{_TONES}](?![\w\u0300-\u036f])")
_WORD = re.compile(r"\d+(?:[.,/]\d+)*%?|[^\W_]+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _move_tone(match: re.Match[str]) -> str:
    if match.group("v1"):
        return match.group("pre") + match.group("v1") + match.group("tone") + match.group("v2")
    return match.group("pre2") + match.group("u") + match.group("tone2") + match.group("y")


@functools.lru_cache(maxsize=1 << 17)
def _canonical_word(word: str) -> str:
    return _OLD_TONE.sub(_move_tone, word)


def canonical_tones(text: str) -> str:
    """NFC text with one tone placement, so hoà and hòa compare equal.

    _OLD_TONE never matches across a word boundary, so it runs once per distinct
    word: indexing folds millions of words drawn from a vocabulary of thousands. And
    only on words that end in a vowel pair with its tone after it (_OLD_ENDING), which
    a plain scan finds: most texts have none, and calling it on every word was a third
    of ingestion's preparing time.
    """
    nfd = unicodedata.normalize("NFD", text)
    parts: list[str] = []
    done = 0
    for match in _OLD_ENDING.finditer(nfd):
        start = match.start()
        while start > done and _in_word(nfd[start - 1]):
            start -= 1
        parts += [nfd[done:start], _canonical_word(nfd[start : match.end()])]
        done = match.end()
    parts.append(nfd[done:])
    return nfc("".join(parts))


def _in_word(ch: str) -> bool:
    """Whether `ch` belongs to an NFD word (the unit _OLD_TONE rewrites): [\\w\\u0300-\\u036f]."""
    return ch.isalnum() or ch == "_" or "\u0300" <= ch <= "\u036f"


# Vietnamese letters decompose (NFD) into base letters and marks of this block;
# đ/Đ are letters of their own and map by hand.
_ACCENT_FREE = {cp: None for cp in range(0x0300, 0x0370)} | {ord("đ"): "d", ord("Đ"): "D"}


def strip_diacritics(text: str) -> str:
    """The form people type without accents: 'Sóc Trăng' -> 'Soc Trang'."""
    return nfc(unicodedata.normalize("NFD", text).translate(_ACCENT_FREE))


def fold(text: str) -> str:
    """The comparison form: one tone placement, NFC, lower case."""
    return canonical_tones(text).lower()


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != nfc(text)


def words(text: str) -> list[str]:
    """Folded words; numbers such as 7,41% or 1.880 or 17/10/2022 stay whole."""
    return _WORD.findall(fold(text))


# Standard abbreviations of Vietnamese administrative writing and what they
# stand for: a text using either form is indexed under both, so "GRDP" finds
# "tổng sản phẩm trên địa bàn" and "UBND" finds "Ủy ban nhân dân".
EXPANSIONS = (
    ("grdp", "tổng sản phẩm trên địa bàn"),
    ("gdp", "tổng sản phẩm trong nước"),
    ("ubnd", "ủy ban nhân dân"),
    ("hđnd", "hội đồng nhân dân"),
    ("cđs", "chuyển đổi số"),
    ("cntt", "công nghệ thông tin"),
    ("dvc", "dịch vụ công"),
    ("dvctt", "dịch vụ công trực tuyến"),
    ("tt&tt", "thông tin và truyền thông"),
    ("kt-xh", "kinh tế - xã hội"),
    ("dti", "chỉ số chuyển đổi số"),
)
_EXPANSION_FORMS = tuple(
    (strip_diacritics(short), strip_diacritics(long), f"{short} {long}")
    for short, long in EXPANSIONS
)


def _uses(bare: str, form: str) -> bool:
    # The substring test rules out nearly every form at C speed; the regex then
    # checks word boundaries for the few that remain.
    return form in bare and re.search(rf"(?<!\w){re.escape(form)}(?!\w)", bare) is not None


def _expansions(folded: str) -> list[str]:
    bare = strip_diacritics(folded)
    return [
        both for short, long, both in _EXPANSION_FORMS if _uses(bare, short) or _uses(bare, long)
    ]


@functools.lru_cache(maxsize=1 << 17)
def _bare_term(word: str) -> str:
    return "~" + strip_diacritics(word)


def _terms(found: list[str], accented: bool) -> list[str]:
    bare = [_bare_term(word) for word in found]
    return found + bare if accented else bare


def lexical_terms(text: str) -> list[str]:
    """Terms a passage is indexed under.

    Passages carry their accented words, their accent-free forms (prefixed
    with '~') and both forms of any standard abbreviation they use, so that a
    question needs none of these variants spelled the passage's way.
    """
    folded = fold(text)
    found = _WORD.findall(folded)
    for both in _expansions(folded):
        found.extend(words(both))
    return _terms(found, accented=True)


def query_terms(text: str) -> list[str]:
    """Terms a question is looked up by.

    A question typed without diacritics is looked up under the accent-free
    forms only: its plain words would otherwise match unrelated accented
    words by coincidence.
    """
    return _terms(words(text), accented=has_diacritics(text))


def folded_words(spaced: str) -> frozenset[str]:
    """A vocabulary written space-separated, folded as the text it is compared with."""
    return frozenset(fold(word) for word in spaced.split())
