"""Province names resolved and found in text, before and after the 2025 mergers.

The names themselves are in `ingest.province_names`. Documents name provinces
as they were when written, questions may use either the old or the new names,
so every name here resolves to the old canonical names (`canonical`, `expand`)
and to the new one (`merged_into`).

All matching goes through `ingest.normalize`: names are compared with one tone
placement (hoà / hòa), in NFC, ignoring case, and also without diacritics
("Soc Trang"), at word boundaries only.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from ingest.normalize import canonical_tones, fold, has_diacritics, strip_diacritics
from ingest.province_names import (
    HONORIFICS,
    NAME_WORDS,
    NOT_PROVINCES,
    PROVINCES,
    STRICT_ACCENTED,
    STRICT_BARE,
)

_LETTER = r"[^\W\d_]"


def _key(name: str) -> str:
    """Lookup key for a whole name: folded, bare, prefixes and separators dropped."""
    key = strip_diacritics(fold(name)).strip()
    key = re.sub(r"^(?:tinh|thanh pho|tp)\b\.?\s*", "", key)
    return re.sub(r"[\s\-–—.]+", "", key)


# --- the tables derived from PROVINCES -----------------------------------------------------

_OLD_NAMES: tuple[str, ...] = tuple(old for old, _, _ in PROVINCES)
_NEW_OF: dict[str, str] = {old: new for old, new, _ in PROVINCES}
_NEW_NAMES: tuple[str, ...] = tuple(dict.fromkeys(new for _, new, _ in PROVINCES))
_MEMBERS: dict[str, tuple[str, ...]] = {
    new: tuple(
        sorted(
            (old for old, n, _ in PROVINCES if n == new),
            key=lambda old, new=new: (old != new, _OLD_NAMES.index(old)),
        )
    )
    for new in _NEW_NAMES
}
_BY_KEY: dict[str, str] = {}
for _old, _new, _aliases in PROVINCES:
    for _form in (_old, *_aliases):
        _BY_KEY.setdefault(_key(_form), _old)
# New names that are no old name ("Huế") resolve through their members.
_NEW_BY_KEY: dict[str, str] = {_key(new): new for new in _NEW_NAMES}


def canonical(name: str) -> str | None:
    """The old canonical name for any spelling of an old or new name, else None.

    "soc trang", "TP.HCM", "Khánh Hoà", "tỉnh Long An" and "Huế" resolve; a new
    province resolves to the old one of the same name ("Cần Thơ").
    """
    key = _key(name)
    if key in _BY_KEY:
        return _BY_KEY[key]
    new = _NEW_BY_KEY.get(key)
    return _MEMBERS[new][0] if new else None


def merged_into(name: str) -> str:
    """The province that `name` is part of since 1 July 2025 (itself if unchanged).

    Raises KeyError for a name that is no province.
    """
    new = _NEW_BY_KEY.get(_key(name))
    if new is not None and _key(name) not in _BY_KEY:
        return new
    old = canonical(name)
    if old is None:
        raise KeyError(f"not a Vietnamese province: {name!r}")
    return _NEW_OF[old]


def expand(name: str) -> tuple[str, ...]:
    """The old canonical names that `name` covers.

    A name of a post-2025 province covers every old province merged into it
    ("Cần Thơ" -> Cần Thơ, Sóc Trăng, Hậu Giang); any other old name covers just
    itself ("Sóc Trăng" -> Sóc Trăng). Unknown names cover nothing.
    """
    key = _key(name)
    new = _NEW_BY_KEY.get(key)
    if new is None:
        old = _BY_KEY.get(key)
        if old is None:
            return ()
        if _NEW_OF[old] != old:
            return (old,)
        new = old
    return _MEMBERS[new]


_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _collation_key(name: str) -> tuple[tuple[int, ...], str]:
    """Vietnamese dictionary order: a < ă < â ... d < đ, tones only break ties; 'TP.' ignored."""
    name = re.sub(r"^TP\.\s*", "", name)
    decomposed = unicodedata.normalize("NFD", fold(name))
    letters = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    order = tuple(_ALPHABET.find(c) + 1 if c in _ALPHABET else 0 for c in letters)
    return order, fold(name)


def all_names() -> list[str]:
    """Every old and new canonical name once, in Vietnamese alphabetical order (for filters)."""
    return sorted(set(_OLD_NAMES) | set(_NEW_NAMES), key=_collation_key)


def old_names() -> tuple[str, ...]:
    """The 63 pre-July-2025 canonical names."""
    return _OLD_NAMES


def new_names() -> tuple[str, ...]:
    """The 34 provinces since 1 July 2025."""
    return _NEW_NAMES


# --- finding names in text ---------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    """One spelling of a name, as words: folded with diacritics, and bare."""

    old: str | None  # None: a phrase that contains a name but is no province
    accented: tuple[str, ...]
    bare: tuple[str, ...]
    strict_accented: bool
    strict_bare: bool


_TOKEN = re.compile(r"[^\W_]+")
# Between the words of a name: spaces, or a hyphen or dash ("Bà Rịa - Vũng Tàu", "BR-VT").
_GAP = re.compile(r"[ \t\u00a0]*(?:[-–—][ \t\u00a0]*)?")
# After "TP" also a dot ("TP.HCM", "TP. Hồ Chí Minh").
_TP_GAP = re.compile(r"\.?[ \t\u00a0]*")


@cache
def _forms_by_first_word() -> dict[str, tuple[_Form, ...]]:
    """Every spelling of every name, indexed by its first bare word, longest first."""
    index: dict[str, list[_Form]] = {}
    spellings = [(old, form) for old, _, aliases in PROVINCES for form in (old, *aliases)]
    spellings += [(None, phrase) for phrase in NOT_PROVINCES]
    for old, spelling in spellings:
        accented = tuple(_TOKEN.findall(fold(spelling)))
        bare = tuple(strip_diacritics(word) for word in accented)
        form = _Form(
            old=old,
            accented=accented,
            bare=bare,
            strict_accented=" ".join(accented) in STRICT_ACCENTED,
            strict_bare=" ".join(bare) in STRICT_BARE,
        )
        index.setdefault(bare[0], []).append(form)
    return {
        first: tuple(sorted(forms, key=lambda f: -len(f.bare))) for first, forms in index.items()
    }


class _BareLower(dict[int, str]):
    """A `str.translate` table filled as characters are first seen: each character to its
    lower-case form without diacritics when that is one character, else to itself."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        bare = strip_diacritics(ch.lower())
        self[code] = bare if len(bare) == 1 else ch
        return self[code]


_BARE_LOWER = _BareLower()


def _bare_lower(text: str) -> str:
    """Lower case without diacritics, character by character, so offsets stay those of `text`."""
    return text.translate(_BARE_LOWER)


def _capitalized(surface: str) -> bool:
    """Every word starts with a capital ("Hòa Bình", "HÒA BÌNH"), none lower case."""
    found = _TOKEN.findall(surface)
    return bool(found) and all(w[0].isupper() for w in found)


def _previous_word(text: str, start: int) -> str:
    match = re.search(rf"({_LETTER}+)[ \t\u00a0]+$", text[max(0, start - 40) : start])
    return match.group(1) if match else ""


def _looks_like_person(text: str, start: int) -> bool:
    before = _previous_word(text, start)
    if not before:
        return False
    return (before[0].isupper() and fold(before) in NAME_WORDS) or fold(before) in HONORIFICS


def _accepts(form: _Form, norm: str, start: int, end: int) -> bool:
    """Whether the words norm[start:end], which match `form` without diacritics, are it."""
    surface = norm[start:end]
    if has_diacritics(surface):
        if tuple(_TOKEN.findall(fold(surface))) != form.accented:
            return False  # other accents: another word ("Sọc Trắng"), or another spelling
        if form.old is None:
            return True
        if form.strict_accented and not _capitalized(surface):
            return False
        # A one-word name ("Huế") or a common phrase may be part of a person's name.
        if form.strict_accented or len(form.accented) == 1:
            return not _looks_like_person(norm, start)
        return True
    if form.old is None:
        return True
    if (form.strict_bare or len(surface) <= 4) and not _capitalized(surface):
        return False
    return not _looks_like_person(norm, start)


def _mentions(text: str) -> list[tuple[int, str | None]]:
    """(offset, old name or None) for every name in `text`, longest spelling first."""
    forms_by_first = _forms_by_first_word()
    norm = canonical_tones(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(_bare_lower(norm))]
    found: list[tuple[int, str | None]] = []
    i = 0
    while i < len(tokens):
        matched = 0
        for form in forms_by_first.get(tokens[i][2], ()):
            size = len(form.bare)
            if i + size > len(tokens):
                continue
            if any(tokens[i + j][2] != form.bare[j] for j in range(1, size)):
                continue
            if not all(
                (_TP_GAP if tokens[i + j - 1][2] == "tp" else _GAP).fullmatch(
                    norm, tokens[i + j - 1][1], tokens[i + j][0]
                )
                for j in range(1, size)
            ):
                continue
            if _accepts(form, norm, tokens[i][0], tokens[i + size - 1][1]):
                found.append((tokens[i][0], form.old))
                matched = size
                break
        i += matched or 1
    return found


def find_provinces(text: str) -> tuple[str, ...]:
    """Old canonical names of the provinces `text` mentions, most mentioned first.

    Ties go to the one mentioned first. Matches accented or not, either tone
    placement, NFC or NFD, any case, at word boundaries; names that are also
    common words must be capitalized, and a name right after a personal name
    or a title ("Nguyễn Thị Huế", "chị Huế") is a person, not a province.
    """
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for start, old in _mentions(text):
        if old is None:
            continue
        counts[old] += 1
        first.setdefault(old, start)
    return tuple(sorted(counts, key=lambda old: (-counts[old], first[old])))
