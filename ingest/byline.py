"""Bylines: a line that is only the author's name, as Vietnamese news pages write it.

A personal name is 2-5 capitalized Vietnamese syllables, optionally followed by
" - role" or "(source)"; several authors are joined by " - ", "," or "và".
"Tác giả: ...", "Bài và ảnh: ..." lines are bylines too. Where a byline may
stand in a page is decided in `ingest.clean`; the name is given to
`ingest.metadata`.
"""

from __future__ import annotations

import re

from ingest.furniture_words import SENTENCE_END
from ingest.normalize import fold, nfc, strip_diacritics, words
from ingest.provinces import canonical, find_provinces

_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
BYLINE_LABEL = re.compile(
    r"^(?:tác giả|bài và ảnh|bài, ảnh|bài & ảnh|bài/ảnh|ảnh và bài|bài|thực hiện|nhóm phóng viên)"
    r"\s*[:：]\s*",
)
_NAME_SPLIT = re.compile(r"\s+[-–—|]\s+|\s*,\s*|\s+và\s+")


def _name_words_ok(segment: str, *, allow_caps: bool) -> bool:
    parts = segment.split()
    if not 2 <= len(parts) <= 5:
        return False
    upper = [p.isupper() for p in parts]
    if any(upper) and not (allow_caps and all(upper)):
        if not all(p[0].isupper() and p[1:].islower() for p in parts if not p.isupper()):
            return False
        if not allow_caps:
            return False
    for part in parts:
        if not part.isalpha() or not part[0].isupper():
            return False
        if not (part.isupper() or part[1:].islower() or len(part) == 1):
            return False
        if not _SYLLABLE.fullmatch(strip_diacritics(part.lower())):
            return False
    return canonical(segment) is None and not find_provinces(segment)


def byline_name(line: str, *, allow_caps: bool = True) -> str | None:
    """The author's name when `line` is a byline, as written; else None.

    "Vân Anh", "Đỗ Phương", "VŨ THỊ HIẾU ĐÔNG - Phó trưởng Ban Tuyên giáo",
    "Tác giả: Hoà Thành", "Vân Anh - Hoà Thành (TTXVN)".
    """
    line = nfc(line).strip()
    label = BYLINE_LABEL.match(fold(line))
    if label:
        line = line[label.end() :].strip()
    line = re.sub(r"\s*[(\[][^()\[\]]{0,60}[)\]]\s*$", "", line)
    if not line or len(words(line)) > 20 or SENTENCE_END.search(line):
        return None
    pieces = _NAME_SPLIT.split(line)
    names: list[str] = []
    for piece in pieces:
        if not _name_words_ok(piece.strip(), allow_caps=allow_caps):
            break
        names.append(piece.strip())
    if not names:
        if label:  # a labelled byline may be a single name or a pen name
            return line if 1 <= len(line.split()) <= 6 else None
        return None
    end = line.find(names[-1]) + len(names[-1])
    return line[:end].strip()
