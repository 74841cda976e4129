"""Uploads: safe names, content checked by bytes, Vietnamese messages, refusals before ingest."""

from __future__ import annotations

import re

import pytest

from assistant.web.uploads import (
    UploadError,
    UploadResult,
    check_content,
    error_message,
    safe_filename,
    save_upload,
    unique_path,
    upload_files,
)
from ingest.document import LoadError
from tests.web_samples import MB


def _docx_bytes() -> bytes:
    """A real Word file, written by python-docx."""
    import io

    from docx import Document

    document = Document()
    document.add_paragraph("Tỷ lệ hồ sơ xử lý trực tuyến toàn trình đạt 80%.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\windows\\evil.txt", "evil.txt"),
        ("/etc/passwd", "passwd"),
        (".bashrc", "bashrc"),
        ("  .hidden.md", "hidden.md"),
        ("-rf.txt", "rf.txt"),
        ("Báo cáo\u202e\u200b năm 2024／final.PDF", "Báo_cáo_năm_2024_final.pdf"),
        ("Ba\u0301o ca\u0301o.txt", "Báo_cáo.txt"),  # decomposed tones are composed first
        ("tệp (1).txt", "tệp_1.txt"),
        ("CON.txt", "tai-lieu-CON.txt"),
        ("....", "tai-lieu"),
        ("", "tai-lieu"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    "name", ["../../x.txt", "a/../../b.pdf", "\x00\x01bad.txt", "😀😀.md", "x" * 500 + ".html"]
)
def test_safe_filename_is_always_plain(name):
    safe = safe_filename(name)
    assert re.fullmatch(r"\w[\w.-]*", safe)
    assert "/" not in safe and "\\" not in safe and ".." not in safe.split(".")[0]
    assert len(safe) <= 110


def test_unique_path_avoids_collisions_and_reuses_identical_files(tmp_path):
    first = unique_path(tmp_path, "a.txt", b"one")
    assert first == tmp_path / "a.txt"
    first.write_bytes(b"one")
    assert unique_path(tmp_path, "a.txt", b"one") == first
    second = unique_path(tmp_path, "a.txt", b"two")
    assert second == tmp_path / "a-2.txt"


def test_save_upload_stores_under_a_safe_name_inside_the_folder(tmp_path):
    source = tmp_path / "in" / "..Báo cáo.txt"
    source.parent.mkdir()
    source.write_text("Nội dung bài viết.", encoding="utf-8")
    uploads = tmp_path / "uploads"
    saved = save_upload(source, uploads, MB)
    assert saved.parent == uploads and saved.name == "Báo_cáo.txt"
    assert saved.read_text(encoding="utf-8") == "Nội dung bài viết."
    other = tmp_path / "in" / "Báo cáo.txt"
    other.write_text("Bài khác.", encoding="utf-8")
    assert save_upload(other, uploads, MB).name == "Báo_cáo-2.txt"


def _code(name: str, data: bytes, limit: int = MB) -> str | None:
    try:
        check_content(name, data, limit)
    except UploadError as error:
        return error.code
    return None


def test_check_content_by_bytes_not_extension():
    assert _code("a.pdf", b"%PDF-1.7\n...") is None
    assert _code("a.pdf", b"\n%PDF-1.4\n...") is None
    assert _code("a.pdf", "Đây không phải PDF".encode()) == "mismatch"
    assert _code("a.txt", b"%PDF-1.7\n...") == "mismatch"
    assert _code("a.md", b"PK\x03\x04\x14\x00docx") == "mismatch"
    assert _code("a.html", b"\x89PNG\r\n\x1a\n") == "mismatch"
    assert _code("a.txt", b"abc\x00def") == "binary"
    assert _code("a.txt", "văn bản".encode("utf-16")) is None  # a BOM makes NULs legitimate
    assert _code("a.txt", "Văn bản tiếng Việt".encode()) is None
    assert _code("a.txt", b"  \n ") == "empty"
    assert _code("a.docx", b"PK\x03\x04") == "mismatch"  # a zip header alone is no Word file
    assert _code("a.docx", _docx_bytes()) is None
    assert _code("a.docx", "văn bản".encode()) == "mismatch"
    assert _code("a.txt", "văn bản tiếng Việt có dấu".encode("utf-16-le")) is None  # no BOM
    assert _code("a.txt", b"x" * (MB + 1)) == "too_large"


def test_mismatch_message_says_what_the_file_is():
    with pytest.raises(UploadError) as caught:
        check_content("bao-cao.txt", b"%PDF-1.7\n", MB)
    message = error_message(caught.value, MB)
    assert "không khớp" in message and "PDF" in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("encrypted_pdf", "PDF được mã hóa, không đọc được"),
        ("no_text", "PDF không có lớp văn bản (có thể là bản scan)"),
        ("corrupt_pdf", "PDF bị hỏng"),
        ("binary", "Tệp không phải văn bản"),
        ("unsupported", "Định dạng không được hỗ trợ"),
        ("empty", "Tệp rỗng"),
        ("missing", "Không tìm thấy tệp"),
        ("unreadable", "Không đọc được tệp"),
        ("something_new", "Không xử lý được tệp"),
    ],
)
def test_error_messages_are_vietnamese(code, expected):
    assert error_message(LoadError("x.pdf", code, "english reason"), 20 * MB).startswith(expected)


def test_too_large_message_gives_size_and_limit(tmp_path):
    error = UploadError("big.pdf", "too_large", "too large", size=int(25.3 * MB))
    assert error_message(error, 20 * MB) == "Tệp quá lớn (25,3 MB, giới hạn 20 MB)"
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (3 * MB))
    loader_error = LoadError(big, "too_large", "the file is too large: 3,145,728 bytes")
    assert error_message(loader_error, int(1.5 * MB)) == "Tệp quá lớn (3 MB, giới hạn 1,5 MB)"


def test_refused_files_never_reach_ingestion_or_the_folder(tmp_path):
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "gia-mao.pdf").write_text("Đây không phải PDF.", encoding="utf-8")
    (incoming / "nhi-phan.txt").write_bytes(b"abc\x00\x01\x02def")
    (incoming / "bang.xlsx").write_bytes(b"PK\x03\x04")
    files = [incoming / n for n in ("gia-mao.pdf", "nhi-phan.txt", "bang.xlsx")]

    def ingest(paths):
        raise AssertionError(f"nothing refused may be ingested: {paths}")

    folder = tmp_path / "uploads"
    results = upload_files(files, folder, ingest, MB)
    assert [r.name for r in results] == ["gia-mao.pdf", "nhi-phan.txt", "bang.xlsx"]
    assert {r.status for r in results} == {"bad"}
    assert results[0].message.startswith("Nội dung tệp không khớp với đuôi tệp")
    assert results[1] == UploadResult("bad", "nhi-phan.txt", "Tệp không phải văn bản")
    assert not folder.exists() or not any(folder.iterdir())
