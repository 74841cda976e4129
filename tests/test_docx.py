"""Word documents: paragraphs, headings and tables in reading order, properties as metadata,
table rows read as targets."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import docx
import pytest

from ingest.chunk import approximate_tokens
from ingest.document import LoadError
from ingest.load import iter_files, load_file
from ingest.pipeline import ChunkingOptions, prepare_file

OPTIONS = ChunkingOptions(max_bytes=10_000_000, max_tokens=480, overlap_tokens=64)
INTRO = (
    "Thực hiện Nghị quyết số 06-NQ/TU của Tỉnh ủy, Ủy ban nhân dân tỉnh Lâm Đồng ban hành "
    "kế hoạch chuyển đổi số năm 2025 với các chỉ tiêu sau."
)
ROWS = (
    ("Chỉ tiêu", "Mục tiêu", "Năm"),
    ("Tỷ lệ hồ sơ xử lý trực tuyến toàn trình", "80%", "2025"),
    ("Tỷ trọng kinh tế số trong GRDP", "20%", "2025"),
    ("Tỷ lệ dân số trưởng thành có chữ ký số", "50%", "2026"),
)


def plan_docx(path: Path, *, title: str | None = "Kế hoạch chuyển đổi số năm 2025") -> Path:
    """A plan as officials write them: a paragraph, a heading, a targets table, a closing."""
    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.core_properties.author = "Sở Khoa học và Công nghệ"
    document.core_properties.created = datetime.datetime(2025, 3, 14, 8, 0)
    document.add_paragraph(INTRO)
    document.add_heading("I. MỤC TIÊU", level=1)
    table = document.add_table(rows=len(ROWS), cols=3)
    for r, row in enumerate(ROWS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Các sở, ngành tổ chức thực hiện kế hoạch này.")
    document.save(path)
    return path


def test_paragraphs_headings_and_table_rows_in_reading_order(tmp_path):
    loaded = load_file(plan_docx(tmp_path / "ke-hoach.docx"), max_bytes=OPTIONS.max_bytes)
    assert loaded.kind == "docx"
    lines = loaded.text.split("\n")
    assert lines[0] == INTRO
    assert "I. MỤC TIÊU" in lines
    assert "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình | 80% | 2025" in lines
    assert loaded.text.index("I. MỤC TIÊU") < loaded.text.index("Chỉ tiêu | Mục tiêu | Năm")
    assert loaded.text.endswith("Các sở, ngành tổ chức thực hiện kế hoạch này.")


def test_a_merged_cell_is_written_once(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Nhóm chỉ tiêu về chính quyền số"
    for c, value in enumerate(("Hồ sơ trực tuyến", "80%", "2025")):
        table.cell(1, c).text = value
    path = tmp_path / "gop.docx"
    document.save(path)
    text = load_file(path, max_bytes=OPTIONS.max_bytes).text
    assert text == "Nhóm chỉ tiêu về chính quyền số\nHồ sơ trực tuyến | 80% | 2025"


def test_table_rows_become_targets_with_their_deadline(tmp_path):
    prepared = prepare_file(
        plan_docx(tmp_path / "ke-hoach.docx"), OPTIONS, measure=approximate_tokens
    )
    rows = {t.quote: t for t in prepared.targets}
    online = rows["Tỷ lệ hồ sơ xử lý trực tuyến toàn trình | 80% | 2025"]
    assert (online.target, online.deadline, online.achieved) == ("80%", "2025", None)
    assert online.province == "Lâm Đồng"
    assert prepared.loaded.text[online.start : online.end] == online.quote
    signatures = rows["Tỷ lệ dân số trưởng thành có chữ ký số | 50% | 2026"]
    assert (signatures.target, signatures.deadline) == ("50%", "2026")
    assert all(row.quote != "Chỉ tiêu | Mục tiêu | Năm" for row in prepared.targets)


def test_a_results_column_is_read_as_achieved(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate(
        (
            ("Chỉ tiêu", "Kế hoạch", "Kết quả thực hiện"),
            ("Hồ sơ trực tuyến toàn trình", "80%", "65%"),
        )
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "bao-cao.docx"
    document.save(path)
    prepared = prepare_file(path, OPTIONS, measure=approximate_tokens)
    (row,) = prepared.targets
    assert (row.target, row.achieved) == ("80%", "65%")


def test_properties_stand_in_for_a_title_date_and_author_the_text_lacks(tmp_path):
    prepared = prepare_file(
        plan_docx(tmp_path / "ke-hoach.docx"), OPTIONS, measure=approximate_tokens
    )
    assert prepared.meta.title == "Kế hoạch chuyển đổi số năm 2025"
    assert prepared.meta.date == "14/3/2025"
    assert prepared.meta.byline == "Sở Khoa học và Công nghệ"


def test_without_a_title_property_the_first_sentence_names_it(tmp_path):
    path = plan_docx(tmp_path / "ke-hoach.docx", title=None)
    prepared = prepare_file(path, OPTIONS, measure=approximate_tokens)
    assert prepared.meta.title.startswith("Thực hiện Nghị quyết số 06-NQ/TU")
    assert "ke-hoach" not in prepared.meta.title


def test_a_docx_in_a_folder_is_found(tmp_path):
    plan_docx(tmp_path / "ke-hoach.docx")
    assert list(iter_files([tmp_path])) == [tmp_path / "ke-hoach.docx"]


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"plain text, not a docx"])
def test_a_damaged_docx_is_refused_by_name(tmp_path, content):
    path = tmp_path / "hong.docx"
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=OPTIONS.max_bytes)
    assert caught.value.code == "corrupt_docx"
    assert str(caught.value).startswith(f"{path}: the Word file is corrupt")


def test_an_empty_docx_is_empty(tmp_path):
    path = tmp_path / "trong.docx"
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(LoadError) as caught:
        load_file(path, max_bytes=OPTIONS.max_bytes)
    assert caught.value.code == "empty"


def test_year_columns_give_one_target_each(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate(
        (("Chỉ tiêu", "Năm 2025", "Năm 2030"), ("Tỷ trọng kinh tế số trong GRDP", "20%", "30%"))
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "lo-trinh.docx"
    document.save(path)
    prepared = prepare_file(path, OPTIONS, measure=approximate_tokens)
    assert [(t.target, t.deadline) for t in prepared.targets] == [("20%", "2025"), ("30%", "2030")]
