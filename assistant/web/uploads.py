"""Uploads: a safe name, a content check by bytes not by extension, storing and ingesting.

A refused file never reaches ingestion, and a file that fails there is removed
again, so nothing already indexed is touched by a bad upload.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from index.indexer import IngestSummary
from ingest.document import LoadError
from ingest.load import SUPPORTED_SUFFIXES
from ingest.load_text import decode_text

_MAX_STEM = 100
_UNSAFE = re.compile(r"[^\w.-]+")
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "tệp nén ZIP hoặc Office (docx, xlsx)"),
    (b"\xd0\xcf\x11\xe0", "tệp Office cũ (doc, xls)"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"\x7fELF", "chương trình"),
    (b"Rar!", "tệp nén RAR"),
    (b"\x1f\x8b", "tệp nén gzip"),
)
_MESSAGES = {
    "missing": "Không tìm thấy tệp",
    "unreadable": "Không đọc được tệp",
    "unsupported": "Định dạng không được hỗ trợ (chỉ nhận .txt, .md, .pdf, .html)",
    "empty": "Tệp rỗng hoặc không có nội dung văn bản",
    "binary": "Tệp không phải văn bản",
    "corrupt_pdf": "PDF bị hỏng",
    "encrypted_pdf": "PDF được mã hóa, không đọc được",
    "no_text": "PDF không có lớp văn bản (có thể là bản scan)",
    "mismatch": "Nội dung tệp không khớp với đuôi tệp",
}


def safe_filename(name: str) -> str:
    """A plain file name to store an upload under: no folders, no hidden names, only [\\w.-].

    >>> safe_filename("../../etc/passwd.txt")
    'passwd.txt'
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/")).split("/")[-1]
    base = _UNSAFE.sub("_", base.strip()).lstrip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-")[:_MAX_STEM].rstrip("._-") or "tai-lieu"
    suffix = suffix.strip("._-").lower()
    if stem.lower().split(".")[0] in _RESERVED:
        stem = f"tai-lieu-{stem}"
    return f"{stem}.{suffix}" if suffix else stem


def unique_path(folder: Path, name: str, data: bytes) -> Path:
    """`folder/name`, or `name-2`, `name-3`... when another file already holds that name.

    An existing file with exactly these bytes is reused, so uploading the same
    file twice leaves one copy and one document.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not candidate.exists():
            return candidate
        if candidate.is_file() and candidate.read_bytes() == data:
            return candidate
    raise RuntimeError(f"no free name for {name} in {folder}")


class UploadError(LoadError):
    """A file refused before ingestion; `size` and `detail` feed the message."""

    def __init__(
        self, path: str, code: str, reason: str, *, size: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(path, code, reason)
        self.size = size
        self.detail = detail


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a file whose type, size or content is wrong for its extension; raises UploadError."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(name, "unsupported", f"unsupported file type {suffix or '(none)'}")
    if len(data) > max_bytes:
        raise UploadError(name, "too_large", "the file is too large", size=len(data))
    if not data.strip():
        raise UploadError(name, "empty", "the file is empty")
    if suffix == ".docx":
        _check_docx(name, data)
        return
    if suffix == ".pdf":
        # The header may follow a little junk, as PDF readers accept.
        if b"%PDF-" not in data[:1024]:
            kind = _sniff(data)
            raise UploadError(
                name,
                "mismatch",
                "a .pdf that is not a PDF",
                detail=f"tệp có đuôi .pdf nhưng nội dung không phải PDF{_kind_note(kind)}",
            )
        return
    kind = _sniff(data)
    if kind:
        raise UploadError(
            name,
            "mismatch",
            f"a {suffix} file holding {kind}",
            detail=f"tệp có đuôi {suffix} nhưng nội dung là {kind}",
        )
    if b"\x00" in data:
        # UTF-16 (with or without its mark) holds NULs; the loader's own decoding decides.
        try:
            decode_text(Path(name), data)
        except LoadError as error:
            raise UploadError(name, error.code, error.reason) from None


def _check_docx(name: str, data: bytes) -> None:
    """A Word file is a zip holding word/document.xml; anything else is refused by name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        members = set()
    if not {"word/document.xml", "[Content_Types].xml"} <= members:
        kind = _sniff(data)
        raise UploadError(
            name,
            "mismatch",
            "a .docx that is not a Word document",
            detail=f"tệp có đuôi .docx nhưng nội dung không phải tài liệu Word{_kind_note(kind)}",
        )


def _sniff(data: bytes) -> str | None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def _kind_note(kind: str | None) -> str:
    return f" (có vẻ là {kind})" if kind else ""


def mb(size: float) -> str:
    """A size in MB as Vietnamese writes it: one decimal at most, with a decimal comma."""
    text = f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def error_message(error: LoadError, max_bytes: int) -> str:
    """A LoadError (or UploadError) in plain Vietnamese."""
    if error.code == "too_large":
        size = getattr(error, "size", None)
        if size is None:
            try:
                size = Path(error.path).stat().st_size
            except OSError:
                size = None
        shown = f"{mb(size)} MB, " if size is not None else ""
        return f"Tệp quá lớn ({shown}giới hạn {mb(max_bytes)} MB)"
    detail = getattr(error, "detail", "")
    if error.code == "mismatch" and detail:
        return f"Nội dung tệp không khớp với đuôi tệp: {detail}"
    return _MESSAGES.get(error.code, "Không xử lý được tệp")


# The notes ingest.load_pdf gives a file that loaded without some of its pages.
_LOW_CONFIDENCE = re.compile(
    r"^page (\d+) was left out: its text was recognised with (\d+)% confidence, "
    r"under the (\d+)% floor$"
)
_NO_OCR = re.compile(r"^pages ([\d, ]+) have no text layer and were left out")


def note_message(note: str) -> str:
    """A loader's note on a stored file in plain Vietnamese, naming the pages left out.

    A note this does not know is shown as the loader wrote it, rather than not at all.
    """
    if found := _LOW_CONFIDENCE.match(note):
        page, confidence, floor = found.groups()
        return (
            f"trang {page} bị bỏ qua: chữ nhận dạng (OCR) chỉ đạt độ tin cậy {confidence}%, "
            f"dưới ngưỡng {floor}%"
        )
    if found := _NO_OCR.match(note):
        return (
            f"trang {found.group(1)} bị bỏ qua: không có lớp văn bản và máy chủ "
            "không nhận dạng chữ (OCR) được"
        )
    return f"lưu ý: {note}"


def save_upload(source: Path, folder: Path, max_bytes: int) -> Path:
    """Check an uploaded file and copy it into `folder` under a safe, unused name."""
    name = safe_filename(source.name)
    try:
        size = source.stat().st_size
    except OSError as error:
        raise UploadError(name, "unreadable", "cannot read the upload") from error
    if size > max_bytes:
        raise UploadError(name, "too_large", "the file is too large", size=size)
    data = source.read_bytes()
    check_content(name, data, max_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, name, data)
    if target.resolve().parent != folder.resolve():
        raise UploadError(name, "unreadable", "unsafe file name")
    if not target.exists():
        target.write_bytes(data)
    return target


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file: ok (indexed), same (nothing new) or bad (refused)."""

    status: Literal["ok", "same", "bad"]
    name: str
    message: str


_OUTCOMES: tuple[tuple[str, Literal["ok", "same"], str], ...] = (
    ("added", "ok", "đã thêm vào thư viện"),
    ("updated", "ok", "đã cập nhật"),
    ("skipped", "same", "đã có trong thư viện, không thay đổi"),
)


def upload_files(
    files: Sequence[Path],
    folder: Path,
    ingest: Callable[[list[Path]], IngestSummary],
    max_bytes: int,
) -> list[UploadResult]:
    """Check each file, store it in `folder`, and `ingest` the stored ones; one result a file.

    Results come in the order of `files`. A refused or failed file never
    touches what is already indexed, and its stored copy is removed again.
    """
    results: dict[int, UploadResult] = {}
    saved: dict[str, int] = {}
    for i, source in enumerate(files):
        try:
            target = save_upload(source, folder, max_bytes)
        except LoadError as error:
            results[i] = UploadResult("bad", source.name, error_message(error, max_bytes))
            continue
        if str(target) in saved:
            other = files[saved[str(target)]].name
            results[i] = UploadResult("same", source.name, f"trùng nội dung với {other}")
            continue
        saved[str(target)] = i
    summary = ingest([Path(p) for p in saved]) if saved else IngestSummary()
    index_of = {Path(p).name: i for p, i in saved.items()}
    notes: dict[str, list[str]] = {}
    for name, note in summary.notes:
        notes.setdefault(name, []).append(note_message(note))
    for outcome, status, text in _OUTCOMES:
        for name in getattr(summary, outcome):
            i = index_of[name]
            shown = files[i].name
            stored = f" (lưu với tên {name})" if name != shown else ""
            told = "".join(f"; {note}" for note in notes.get(name, ()))
            results[i] = UploadResult(status, shown, text + stored + told)
    for error in summary.failed:
        failed = Path(error.path)
        i = saved.get(error.path, index_of.get(failed.name, -1))
        shown = files[i].name if i >= 0 else failed.name
        results[i] = UploadResult("bad", shown, error_message(error, max_bytes))
        if failed.is_file() and failed.resolve().parent == folder.resolve():
            failed.unlink()
    return [results[i] for i in sorted(results)]
