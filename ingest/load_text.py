"""Bytes of unknown encoding into text, or a plain "binary" refusal.

Text files and web pages say little reliable about their encoding, and
officials' files come in UTF-8, UTF-16 (with or without a byte-order mark) and
the Windows Vietnamese code page, cp1258.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import charset_normalizer

from ingest.document import LoadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Letters that only Vietnamese uses among the cp1258 repertoire, and the tone
# marks that cp1258 writes as separate combining characters after a vowel.
_VIETNAMESE_LETTERS = frozenset("ăĂđĐơƠưƯ")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
# Text has practically no control characters; bytes read as text have many
# (random bytes: about one in eight). One in a hundred leaves room for stray
# form feeds and escape codes in real text files.
_MAX_CONTROL_SHARE = 0.01
_WHITESPACE_CONTROLS = frozenset("\t\n\r\f\v")


def decode_text(path: Path, raw: bytes, declared: str | None = None) -> str:
    """Decode text whose encoding nobody told us reliably.

    A byte-order mark settles it. NUL bytes mean UTF-16 without a mark, or
    binary. Otherwise UTF-8, even slightly damaged, wins over a declared
    charset, because legacy bytes are practically never valid UTF-8 while
    mislabelled UTF-8 pages are common. Vietnamese cp1258 is tried before
    charset-normalizer, which misreads short Vietnamese text as other code
    pages (cp1006, cp1250, big5).
    """
    bom_encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if bom_encoding is None and b"\x00" in raw:
        text = _utf16_without_bom(raw)
        if text is None:
            raise LoadError(path, "binary", "not text: it looks binary (it contains NUL bytes)")
        return text
    try:
        text = raw.decode(bom_encoding) if bom_encoding else _guess_encoding(raw, declared)
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise LoadError(path, "binary", "not text: it looks binary (no known encoding reads it)")
    share = _control_share(text)
    if share > _MAX_CONTROL_SHARE:
        raise LoadError(
            path, "binary", f"not text: it looks binary ({share:.0%} of it are control characters)"
        )
    return text


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows tools do), or None."""
    if len(raw) % 2:
        return None
    best = charset_normalizer.from_bytes(raw, cp_isolation=["utf_16_le", "utf_16_be"]).best()
    if best is None:
        return None
    text = str(best)
    return None if "\x00" in text or _control_share(text) > _MAX_CONTROL_SHARE else text


def _control_share(text: str) -> float:
    sample = text[:100_000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for char in sample
        if unicodedata.category(char) in ("Cc", "Cs", "Co") and char not in _WHITESPACE_CONTROLS
    )
    return bad / len(sample)


def _guess_encoding(raw: bytes, declared: str | None) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    damaged_utf8 = raw.decode("utf-8", errors="replace")
    if _mostly_utf8(damaged_utf8):
        return damaged_utf8
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_vietnamese(text):
            return text
    best = charset_normalizer.from_bytes(raw).best()
    return None if best is None else str(best)


def _mostly_utf8(text: str) -> bool:
    """Whether a lossy UTF-8 reading found more valid characters than bad bytes.

    A UTF-8 file cut mid-character or with a stray byte pasted in should keep
    its text, with U+FFFD at the damage, rather than be misread whole as a
    legacy code page. Legacy Vietnamese bytes practically never form valid
    multi-byte UTF-8 sequences, so they fail this test.
    """
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - bad > bad


def _looks_vietnamese(text: str) -> bool:
    """Accept a cp1258 reading only when it reads like Vietnamese.

    cp1258 decodes most Western single-byte text too, so the reading must use
    a letter or tone mark only Vietnamese has, and every tone mark must sit on
    a vowel, as it always does in real Vietnamese.
    """
    marks = [i for i, char in enumerate(text) if char in _TONE_MARKS]
    if not marks and _VIETNAMESE_LETTERS.isdisjoint(text):
        return False
    return all(i > 0 and text[i - 1] in _VOWELS for i in marks)
