"""Turn files on disk into `LoadedDocument`s, or say plainly why a file cannot be used.

Every refusal is a `LoadError` with a stable `code`, so that the command line
and the chat interface can word it for their users, and so that one bad file
never stops a folder import. Each format has its own module: `load_text`
(encodings), `load_html`, `load_docx`, `load_pdf` (with `pdf_reflow`, `ocr`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.document import FileProperties, LoadedDocument, LoadError
from ingest.load_text import decode_text
from ingest.normalize import nfc

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm", ".docx")
# Word-processor files this cannot read, common in officials' folders: reported
# with what to do, rather than skipped without a word as other files are.
CONVERTIBLE_SUFFIXES = (".doc", ".rtf", ".odt")


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
    fields: dict = {"pages": (), "properties": FileProperties()}
    # Each format's reader is imported when a file needs it (pypdf, trafilatura and
    # python-docx are a third of a second): `assistant sources` and others read none.
    if suffix == ".pdf":
        from ingest.load_pdf import pdf_text

        found = pdf_text(path, raw)
        fields.update(
            text=found.text,
            kind=found.kind,
            pages=found.pages,
            confidences=found.confidences,
            notes=found.notes,
        )
    elif suffix in (".html", ".htm"):
        from ingest.load_html import web_page_text

        text, properties = web_page_text(path, raw)
        fields.update(text=text, kind="html", properties=properties)
    elif suffix == ".docx":
        from ingest.load_docx import docx_text

        text, properties = docx_text(path, raw)
        fields.update(text=text, kind="docx", properties=properties)
    else:
        text = nfc(decode_text(path, raw).replace("\r\n", "\n"))
        if not text.strip():
            raise LoadError(path, "empty", "the file is empty: it holds only whitespace")
        fields.update(text=text, kind="text")
    return LoadedDocument(
        path=path, source=path.name, content_hash=hashlib.sha256(raw).hexdigest(), **fields
    )


def iter_files(paths: Iterable[Path]) -> Iterator[Path | LoadError]:
    """The files to load for the paths a user named, in a stable order.

    Problems are yielded rather than raised so that a caller can report them
    and carry on with the rest. Inside a folder, hidden entries and files of
    other types are skipped silently (a folder of documents usually holds
    other things too), except office files that could be saved in a supported
    format; a file the user named explicitly is reported when it cannot be
    loaded. A symbolic link that loops or leads nowhere is reported by name.
    """
    for path in paths:
        if path.is_dir():
            yield from (_checked_link(found) for found in _files_under(path))
        elif path.is_symlink() or path.exists():
            yield _checked_link(path)
        else:
            yield _missing(path)


def _checked_link(path: Path) -> Path | LoadError:
    try:
        path.resolve(strict=True)
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError on a loop
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return LoadError(path, "unreadable", "a symbolic link that loops back to itself")
        if path.is_symlink():
            return LoadError(path, "missing", "a symbolic link to a file that does not exist")
        return LoadError(path, "unreadable", f"cannot read it: {exc.strerror or exc}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return _unsupported(path)
    return path


def _files_under(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found += [
            Path(root, name)
            for name in files
            if not name.startswith(".")
            and Path(name).suffix.lower() in SUPPORTED_SUFFIXES + CONVERTIBLE_SUFFIXES
        ]
    return sorted(found)


def _missing(path: Path) -> LoadError:
    return LoadError(path, "missing", "no such file or folder")


def _unsupported(path: Path) -> LoadError:
    kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
    supported = ", ".join(SUPPORTED_SUFFIXES)
    advice = "; save it as .docx or PDF" if path.suffix.lower() in CONVERTIBLE_SUFFIXES else ""
    return LoadError(
        path, "unsupported", f"unsupported file type {kind}; supported: {supported}{advice}"
    )


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
