"""Turn files on disk into `LoadedDocument`s, or say plainly why a file cannot be used.

Every refusal is a `LoadError` with a stable `code`, so that the command line
and the chat interface can word it for their users, and so that one bad file
never stops a folder import.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

import charset_normalizer
import html_text
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.document import LoadedDocument, LoadError, Page
from ingest.normalize import nfc

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm")

# A blank line, not a form feed, separates PDF pages: paragraph splitting and
# chunking already break on blank lines, so no paragraph runs across a page
# boundary, and nothing invisible ends up in prompts or citations.
PAGE_SEPARATOR = "\n\n"

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
# Browsers look for a declared charset in the first 1024 bytes; so do we.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_META_SCAN_BYTES = 1024


def load_file(path: Path, *, max_bytes: int) -> LoadedDocument:
    """Read one supported file into a document, or raise `LoadError` saying why not.

    Existence, file type, extension and size are checked before anything is
    read, so an oversized or special file (a pipe, a device) is refused
    without being opened. The hash is taken over the raw bytes, so re-saving a
    file in another encoding counts as a change.
    """
    raw = _read(path, max_bytes)
    if not raw.strip():
        reason = "the file is empty" if not raw else "the file is empty: it holds only whitespace"
        raise LoadError(path, "empty", reason)
    suffix = path.suffix.lower()
    pages: tuple[Page, ...] = ()
    if suffix == ".pdf":
        kind = "pdf"
        text, pages = _pdf_text(path, raw)
    elif suffix in (".html", ".htm"):
        kind = "html"
        text = _html_text(path, raw)
    else:
        kind = "text"
        text = nfc(_decode(path, raw).replace("\r\n", "\n"))
        if not text.strip():
            raise LoadError(path, "empty", "the file is empty: it holds only whitespace")
    return LoadedDocument(
        path=path,
        source=path.name,
        text=text,
        kind=kind,
        content_hash=hashlib.sha256(raw).hexdigest(),
        pages=pages,
    )


def iter_files(paths: Iterable[Path]) -> Iterator[Path | LoadError]:
    """The files to load for the paths a user named, in a stable order.

    Problems are yielded rather than raised so that a caller can report them
    and carry on with the rest. Inside a folder, hidden entries and files of
    other types are skipped silently (a folder of documents usually holds
    other things too), but a file the user named explicitly is reported when
    it cannot be loaded.
    """
    for path in paths:
        if path.is_dir():
            yield from _files_under(path)
        elif not path.exists():
            yield _missing(path)
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            yield _unsupported(path)
        else:
            yield path


def _files_under(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found += [
            Path(root, name)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        ]
    return sorted(found)


def _missing(path: Path) -> LoadError:
    return LoadError(path, "missing", "no such file or folder")


def _unsupported(path: Path) -> LoadError:
    kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
    supported = ", ".join(SUPPORTED_SUFFIXES)
    return LoadError(path, "unsupported", f"unsupported file type {kind}; supported: {supported}")


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _missing(path) from None
    except OSError as exc:
        raise LoadError(path, "unreadable", f"cannot read the file: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise LoadError(path, "unreadable", "cannot read it: it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(path, "unreadable", "cannot read it: it is not a regular file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    if info.st_size > max_bytes:
        raise LoadError(
            path,
            "too_large",
            f"the file is too large: {info.st_size:,} bytes, over the {max_bytes:,}-byte limit",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(path, "unreadable", f"cannot read the file: {exc.strerror}") from exc


def _decode(path: Path, raw: bytes, declared: str | None = None) -> str:
    """Decode text whose encoding nobody told us reliably.

    A byte-order mark settles it. Otherwise UTF-8, even slightly damaged,
    wins over a declared charset, because legacy bytes are practically never
    valid UTF-8 while mislabelled UTF-8 pages are common. Vietnamese cp1258 is
    tried before charset-normalizer, which misreads short Vietnamese text as
    other code pages (cp1006, cp1250, big5).
    """
    bom_encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    # Checked on the bytes first so that binary files never reach the slow detector.
    if bom_encoding is None and b"\x00" in raw:
        raise LoadError(path, "binary", "not text: it looks binary (it contains NUL bytes)")
    try:
        text = raw.decode(bom_encoding) if bom_encoding else _guess_encoding(raw, declared)
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise LoadError(path, "binary", "not text: it does not decode in any known encoding")
    if "\x00" in text:
        raise LoadError(path, "binary", "not text: it looks binary (it contains NUL characters)")
    return text


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


def _html_text(path: Path, raw: bytes) -> str:
    """Only the text a reader would see; script, style and markup never reach the index."""
    declared = _META_CHARSET.search(raw[:_META_SCAN_BYTES])
    markup = _decode(path, raw, declared.group(1).decode("ascii") if declared else None)
    text = nfc(html_text.extract_text(markup))
    if not text.strip():
        raise LoadError(path, "empty", "the page is empty: it has no visible text")
    return text


def _pdf_text(path: Path, raw: bytes) -> tuple[str, tuple[Page, ...]]:
    """The text of every page, with each page's range kept so answers can cite pages."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        # An empty user password opens PDFs that only restrict printing or
        # copying with an owner password; those are readable and should load.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise FileNotDecryptedError("needs a password")
        page_texts = [nfc(page.extract_text()) for page in reader.pages]
    except FileNotDecryptedError:
        raise LoadError(
            path, "encrypted_pdf", "the PDF is encrypted and needs a password"
        ) from None
    except DependencyError as exc:
        raise LoadError(
            path, "encrypted_pdf", f"the PDF is encrypted with a cipher this install lacks: {exc}"
        ) from exc
    except Exception as exc:  # pypdf raises many exception types on damaged files
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadError(path, "corrupt_pdf", f"the PDF is corrupt or not a PDF: {detail}") from exc
    if not any(page.strip() for page in page_texts):
        raise LoadError(
            path, "no_text", "the PDF has no text layer (scanned images only?); run OCR on it first"
        )
    pages = []
    start = 0
    for number, page in enumerate(page_texts, start=1):
        pages.append(Page(number=number, start=start, end=start + len(page)))
        start += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(page_texts), tuple(pages)
