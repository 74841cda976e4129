"""How files become documents, and how each kind of bad file is refused.

Every test writes real files into its own temporary folder.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import random
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from ingest.document import LoadError
from ingest.load import SUPPORTED_SUFFIXES, iter_files, load_file
from ingest.normalize import strip_diacritics
from ingest.pdf_reflow import PARAGRAPH_BREAK

LIMIT = 1_000_000
VIETNAMESE = "Sóc Trăng đặt chỉ tiêu kinh tế số chiếm 20% GRDP; hòa, ủy ban"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TONES = "\u0300\u0301\u0303\u0309\u0323"


def load(path: Path):
    return load_file(path, max_bytes=LIMIT)


def load_error(path: Path, code: str, *words: str, max_bytes: int = LIMIT) -> LoadError:
    """Load `path` expecting a refusal with `code` whose reason names the problem."""
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=max_bytes)
    error = caught.value
    assert error.code == code
    assert str(error).startswith(f"{path}: ")
    assert "\n" not in error.reason
    for word in words:
        assert word in error.reason
    return error


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows does: precomposed where cp1258 has the letter, else base + tone mark."""
    encoded = bytearray()
    for char in text:
        try:
            encoded += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            encoded += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return bytes(encoded)


def pdf_texts(*texts: str) -> tuple[str, ...]:
    """The page texts to write: Vietnamese when a font for it is installed, else ASCII."""
    return texts if DEJAVU.exists() else tuple(strip_diacritics(text) for text in texts)


def make_pdf(*page_texts: str) -> bytes:
    pdf = FPDF()
    if DEJAVU.exists():
        pdf.add_font("dejavu", fname=str(DEJAVU))
        pdf.set_font("dejavu", size=12)
    else:
        pdf.set_font("helvetica", size=12)
    for text in page_texts:
        pdf.add_page()
        pdf.cell(text=text)
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, *, user_password: str, algorithm: str = "RC4-128") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Text files


def test_utf8_text_loads_exactly_as_written(tmp_path):
    written = "  Tiêu đề  \n\n\tdòng thụt lề\ncuối không xuống dòng  "
    path = tmp_path / "bai-viet.txt"
    path.write_bytes(written.encode("utf-8"))
    document = load(path)
    assert document.text == written
    assert document.kind == "text"
    assert document.source == "bai-viet.txt"
    assert document.path == path
    assert document.pages == ()


def test_content_hash_is_sha256_of_the_raw_bytes(tmp_path):
    raw = codecs.BOM_UTF8 + VIETNAMESE.encode("utf-8")
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    assert load(path).content_hash == hashlib.sha256(raw).hexdigest()


def test_windows_line_endings_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("một\r\nhai\r\n".encode())
    assert load(path).text == "một\nhai\n"


def test_utf8_byte_order_mark_is_stripped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + VIETNAMESE.encode("utf-8"))
    assert load(path).text == VIETNAMESE


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
    ids=["little-endian", "big-endian"],
)
def test_utf16_with_byte_order_mark_decodes(tmp_path, bom, encoding):
    path = tmp_path / "utf16.txt"
    path.write_bytes(bom + f"{VIETNAMESE}\r\n".encode(encoding))
    assert load(path).text == f"{VIETNAMESE}\n"


# charset-normalizer alone reads the short ones as cp1006, cp1250 or big5.
@pytest.mark.parametrize(
    "text", [VIETNAMESE, "Sóc Trăng", "đặt chỉ tiêu", "hòa, ủy ban", "Đà Nẵng"]
)
def test_legacy_cp1258_vietnamese_decodes_to_nfc(tmp_path, text):
    path = tmp_path / "cu.txt"
    path.write_bytes(cp1258_bytes(text))
    assert load(path).text == unicodedata.normalize("NFC", text)


def test_utf8_cut_mid_character_keeps_its_text(tmp_path):
    path = tmp_path / "cat.txt"
    path.write_bytes(f"{VIETNAMESE} tỉ".encode()[:-1])
    assert load(path).text == f"{VIETNAMESE} t\ufffd"


def test_decomposed_nfd_text_becomes_nfc(tmp_path):
    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", VIETNAMESE), encoding="utf-8")
    assert load(path).text == unicodedata.normalize("NFC", VIETNAMESE)


def test_markdown_loads_as_text_with_markup_kept(tmp_path):
    written = "# Chuyển đổi số\n\n- **Sóc Trăng**\n"
    path = tmp_path / "ghi-chu.md"
    path.write_text(written, encoding="utf-8")
    document = load(path)
    assert document.text == written
    assert document.kind == "text"


def test_extension_case_does_not_matter(tmp_path):
    path = tmp_path / "HOA.TXT"
    path.write_text(VIETNAMESE, encoding="utf-8")
    assert load(path).text == VIETNAMESE


# HTML


def test_html_keeps_visible_text_and_drops_script_and_style(tmp_path):
    path = tmp_path / "trang.html"
    path.write_text(
        "<html><head><style>p { color: red }</style>"
        '<script>var bimat = "không hiện";</script></head>'
        "<body><nav>Trang chủ | Tin tức</nav><h1>Sóc Trăng</h1>"
        "<p>Đoạn một.</p><p>Đoạn hai.</p></body></html>",
        encoding="utf-8",
    )
    document = load(path)
    assert document.kind == "html"
    assert document.text.startswith("Sóc Trăng\n")
    assert "Đoạn một.\nĐoạn hai." in document.text
    assert "bimat" not in document.text
    assert "color" not in document.text


def test_html_declared_legacy_charset_is_honoured(tmp_path):
    path = tmp_path / "cu.htm"
    path.write_bytes(
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
        b"</head><body><p>" + cp1258_bytes(VIETNAMESE) + b"</p></body></html>"
    )
    assert load(path).text == VIETNAMESE


def test_html_decomposed_text_becomes_nfc(tmp_path):
    path = tmp_path / "nfd.html"
    path.write_text(f"<p>{unicodedata.normalize('NFD', VIETNAMESE)}</p>", encoding="utf-8")
    assert load(path).text == VIETNAMESE


def test_html_without_visible_text_is_empty(tmp_path):
    path = tmp_path / "trong.html"
    path.write_text("<html><head><script>x = 1</script></head><body><div> </div></body></html>")
    load_error(path, "empty", "no main text")


# PDF


def test_pdf_pages_are_joined_and_their_offsets_kept(tmp_path):
    first, second = pdf_texts("Trang một: Sóc Trăng đặt chỉ tiêu", "Trang hai: hòa, ủy ban")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(make_pdf(first, second))
    document = load(path)
    assert document.kind == "pdf"
    assert [page.number for page in document.pages] == [1, 2]
    page_one, page_two = document.pages
    assert first in document.text[page_one.start : page_one.end]
    assert second in document.text[page_two.start : page_two.end]
    assert page_one.end == page_two.start  # every offset has a page
    assert document.text[page_one.end - len(PARAGRAPH_BREAK) : page_two.start] == PARAGRAPH_BREAK
    assert document.page_at(document.text.index(second)) == 2


def test_pdf_with_user_password_is_refused(tmp_path):
    path = tmp_path / "mat.pdf"
    path.write_bytes(encrypt_pdf(make_pdf("secret"), user_password="matkhau"))
    load_error(path, "encrypted_pdf", "password")


def test_pdf_with_only_an_owner_password_loads(tmp_path):
    path = tmp_path / "han-che.pdf"
    path.write_bytes(encrypt_pdf(make_pdf("open to read"), user_password=""))
    assert "open to read" in load(path).text


def test_aes_pdf_with_only_an_owner_password_loads(tmp_path):
    pytest.importorskip("cryptography")
    path = tmp_path / "aes.pdf"
    path.write_bytes(encrypt_pdf(make_pdf("aes text"), user_password="", algorithm="AES-256"))
    assert "aes text" in load(path).text


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: b"this is not a PDF at all\n" * 10],
    ids=["truncated", "garbage"],
)
def test_damaged_pdf_is_corrupt(tmp_path, damage):
    path = tmp_path / "hong.pdf"
    path.write_bytes(damage(make_pdf("whole")))
    load_error(path, "corrupt_pdf", "corrupt")


def test_pdf_without_a_text_layer_is_refused(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(x=20, y=20, w=100, h=60, style="F")
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(pdf.output()))
    load_error(path, "no_text", "no text layer")


# Refusals shared by every kind


@pytest.mark.parametrize("name", ["rong.txt", "rong.pdf", "rong.html"])
def test_empty_file_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    load_error(path, "empty", "empty")


@pytest.mark.parametrize(
    "raw",
    [b"  \n\t\r\n  ", codecs.BOM_UTF16_LE + " \n ".encode("utf-16-le")],
    ids=["utf8", "utf16"],
)
def test_whitespace_only_file_is_empty(tmp_path, raw):
    path = tmp_path / "trang.txt"
    path.write_bytes(raw)
    load_error(path, "empty", "whitespace")


@pytest.mark.parametrize("name", ["anh.txt", "anh.md"])
def test_binary_file_named_as_text_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(random.Random(7).randbytes(2000) + b"\x00\x00")
    load_error(path, "binary", "NUL")


def test_unsupported_extension_is_refused(tmp_path):
    path = tmp_path / "hop-dong.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old word file")
    load_error(path, "unsupported", "'.doc'", ".pdf", ".docx")


def test_missing_path_is_refused(tmp_path):
    load_error(tmp_path / "khong-co.txt", "missing", "no such file")


def test_folder_named_like_a_text_file_is_unreadable(tmp_path):
    path = tmp_path / "notes.txt"
    path.mkdir()
    load_error(path, "unreadable", "folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_unreadable_without_blocking(tmp_path):
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    load_error(path, "unreadable", "not a regular file")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_file_without_read_permission_is_unreadable(tmp_path):
    path = tmp_path / "khoa.txt"
    path.write_text("bí mật", encoding="utf-8")
    path.chmod(0)
    load_error(path, "unreadable", "ermission denied")


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "lon.txt"
    path.write_bytes(b"x" * 2001)
    load_error(path, "too_large", "too large", "2,001 bytes", "2,000-byte limit", max_bytes=2000)


def test_file_exactly_at_the_size_limit_loads(tmp_path):
    path = tmp_path / "vua.txt"
    path.write_bytes(b"x" * 2000)
    assert load_file(path, max_bytes=2000).text == "x" * 2000


# Finding files


def test_folders_are_expanded_recursively_in_sorted_order(tmp_path):
    for name in ["b.txt", "a.md", "report.docx", "sub/c.pdf", "sub/d.HTML", "sub/deeper/e.htm"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    for skipped in ["photo.jpg", ".hidden.txt", ".git/config.txt", "sub/notes"]:
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text("x")
    found = list(iter_files([tmp_path]))
    assert found == [
        tmp_path / "a.md",
        tmp_path / "b.txt",
        tmp_path / "report.docx",
        tmp_path / "sub/c.pdf",
        tmp_path / "sub/d.HTML",
        tmp_path / "sub/deeper/e.htm",
    ]


def test_named_paths_keep_their_order_and_report_problems(tmp_path):
    (tmp_path / "z.txt").write_text("x")
    (tmp_path / "hop-dong.doc").write_text("x")
    (tmp_path / ".an.md").write_text("x")
    found = list(
        iter_files(
            [
                tmp_path / "z.txt",
                tmp_path / "hop-dong.doc",
                tmp_path / "mat.txt",
                tmp_path / ".an.md",
            ]
        )
    )
    assert found[0] == tmp_path / "z.txt"
    assert isinstance(found[1], LoadError)
    assert (found[1].code, found[1].path) == ("unsupported", str(tmp_path / "hop-dong.doc"))
    assert "save it as .docx or PDF" in found[1].reason
    assert isinstance(found[2], LoadError)
    assert (found[2].code, found[2].path) == ("missing", str(tmp_path / "mat.txt"))
    assert found[3] == tmp_path / ".an.md"


def test_supported_suffixes_are_the_documented_ones():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".pdf", ".html", ".htm", ".docx"}


# Properties

_VOWEL_BASES = "aăâeêioôơuưy"
_VIETNAMESE_LETTERS = sorted(
    {
        unicodedata.normalize("NFC", base + tone)
        for base in _VOWEL_BASES + _VOWEL_BASES.upper()
        for tone in ["", *TONES]
    }
    | set("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX")
)
vietnamese_text = st.text(
    alphabet=st.sampled_from([*_VIETNAMESE_LETTERS, *"0123456789 .,;:%-()\n\t"]), min_size=1
).filter(str.strip)


@settings(max_examples=100, deadline=None)
@given(text=vietnamese_text)
def test_any_vietnamese_utf8_text_round_trips_exactly(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("utf8") / "t.txt"
    path.write_bytes(text.encode("utf-8"))
    assert load(path).text == text


@settings(max_examples=100, deadline=None)
@given(text=st.tuples(vietnamese_text, st.sampled_from("ăđơưĂĐƠƯ"), vietnamese_text).map("".join))
def test_any_vietnamese_cp1258_text_decodes_to_its_nfc_form(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cp1258") / "t.txt"
    path.write_bytes(cp1258_bytes(text))
    assert load(path).text == text


# File faults (#13): one clear line each, and the other files go on


def test_a_looping_symlink_is_one_clear_line_and_the_good_file_beside_it_is_found(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    good = tmp_path / "tot.txt"
    good.write_text(VIETNAMESE, encoding="utf-8")
    found = list(iter_files([tmp_path]))
    errors = [item for item in found if isinstance(item, LoadError)]
    assert [item for item in found if not isinstance(item, LoadError)] == [good]
    assert [(e.path, e.code) for e in errors] == [
        (str(tmp_path / "a.txt"), "unreadable"),
        (str(tmp_path / "b.txt"), "unreadable"),
    ]
    assert all("loops" in e.reason and "\n" not in e.reason for e in errors)
    named = list(iter_files([tmp_path / "a.txt"]))
    assert isinstance(named[0], LoadError) and "loops" in named[0].reason


def test_a_dangling_symlink_is_reported_as_missing(tmp_path):
    (tmp_path / "mat.txt").symlink_to(tmp_path / "khong-co.txt")
    (error,) = iter_files([tmp_path])
    assert isinstance(error, LoadError) and error.code == "missing"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_detected(tmp_path, encoding):
    text = f"{VIETNAMESE}\nTỉnh Lâm Đồng đặt mục tiêu đến năm 2026 có 85% hồ sơ trực tuyến.\n"
    path = tmp_path / "utf16.txt"
    path.write_bytes(text.encode(encoding))
    assert load(path).text == text


def test_binary_without_nul_bytes_is_called_binary(tmp_path):
    path = tmp_path / "anh.txt"
    generator = random.Random(7)
    path.write_bytes(bytes(generator.choice(range(1, 256)) for _ in range(4000)))
    load_error(path, "binary", "binary")
