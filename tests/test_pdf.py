"""PDF text reflowed: wrapped lines joined into sentences, hyphenation undone, running heads
and page numbers dropped, and every offset on its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from ingest.chunk import approximate_tokens
from ingest.document import CELL_SEPARATOR
from ingest.load import load_file
from ingest.pdf_reflow import reflow_pages
from ingest.pipeline import ChunkingOptions, prepare_file

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = DEJAVU.with_name("DejaVuSans-Bold.ttf")
pytestmark = pytest.mark.skipif(not DEJAVU.exists(), reason="needs the DejaVu fonts")
HEADER = "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG - Kế hoạch số 123/KH-UBND"
PARAGRAPHS = (
    (
        "Tỉnh Lâm Đồng đặt mục tiêu đến năm 2026 có 85% hồ sơ thủ tục hành chính được tiếp "
        "nhận và giải quyết trực tuyến toàn trình trên Cổng dịch vụ công của tỉnh.",
        "Tỷ trọng kinh tế số trong tổng sản phẩm trên địa bàn tỉnh phấn đấu đạt 20% vào năm "
        "2025 và 30% vào năm 2030, với sự tham gia của doanh nghiệp và người dân.",
    ),
    (
        "Năm 2024, toàn tỉnh đã số hóa 1.250.000 hồ sơ, giấy tờ và kết quả giải quyết thủ tục "
        "hành chính, đạt 92% kế hoạch đề ra cho các cơ quan, đơn vị cấp tỉnh và cấp huyện.",
        "Hạ tầng cáp quang đã phủ đến 100% xã, phường, thị trấn, bảo đảm kết nối cho các hệ "
        "thống thông tin dùng chung của tỉnh và các xã vùng sâu, vùng xa.",
    ),
    ("Ủy ban nhân dân tỉnh giao Sở Khoa học và Công nghệ chủ trì tổ chức thực hiện kế hoạch.",),
)
OPTIONS = ChunkingOptions(max_bytes=10_000_000, max_tokens=480, overlap_tokens=64)


def wrapped_pdf(pages=PARAGRAPHS) -> bytes:
    """Narrow columns (so every sentence wraps), a running head and "Trang n/N" at the foot."""
    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(DEJAVU))
    pdf.set_auto_page_break(False)
    for number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("dejavu", size=9)
        pdf.cell(text=HEADER, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", size=12)
        pdf.ln(6)
        for paragraph in paragraphs:
            pdf.multi_cell(w=110, text=paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_y(-20)
        pdf.set_font("dejavu", size=9)
        pdf.cell(text=f"Trang {number}/{len(pages)}")
    return bytes(pdf.output())


def test_wrapped_sentences_are_whole_again_and_running_heads_are_gone(tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(wrapped_pdf())
    document = load_file(path, max_bytes=OPTIONS.max_bytes)
    for page in PARAGRAPHS:
        for paragraph in page:
            assert paragraph in document.text
    assert "Kế hoạch số 123/KH-UBND" not in document.text
    assert "Trang 1/3" not in document.text


def test_every_offset_has_its_page(tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(wrapped_pdf())
    document = load_file(path, max_bytes=OPTIONS.max_bytes)
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert document.pages[0].start == 0 and document.pages[-1].end == len(document.text)
    for before, after in zip(document.pages, document.pages[1:], strict=False):
        assert before.end == after.start
    for number, page in enumerate(PARAGRAPHS, start=1):
        for paragraph in page:
            assert document.page_at(document.text.index(paragraph)) == number


def test_a_pdf_target_is_read_from_the_whole_sentence(tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(wrapped_pdf())
    prepared = prepare_file(path, OPTIONS, measure=approximate_tokens)
    rows = {t.target: t for t in prepared.targets if t.target}
    assert rows["85%"].deadline == "2026"
    assert rows["85%"].quote in PARAGRAPHS[0][0]
    assert prepared.meta.provinces[0] == "Lâm Đồng"


def test_hyphenation_is_undone_and_a_sentence_runs_over_a_page_break():
    text, pages = reflow_pages(
        [
            "Kế hoạch chuyển đổi số được triển khai đồng bộ tại các cơ quan nhà\n"
            "nước và các đơn vị sự nghiệp trên địa bàn tỉnh, bảo đảm an toàn, an ninh mạ-\n"
            "ng cho các hệ thống thông tin dùng chung của tỉnh, đồng thời",
            "phát triển kinh tế số là động lực chính.",
        ]
    )
    assert "an ninh mạng cho" in text
    assert "đồng thời phát triển kinh tế số" in text
    assert pages[0].end == pages[1].start == text.index("phát triển")


def test_lone_page_numbers_and_list_items_are_kept_apart():
    text, _ = reflow_pages(["MỤC TIÊU\n- Mục một.\n- Mục hai.\n3", "- 4 -\nKết thúc."])
    assert text == "MỤC TIÊU\n\n- Mục một.\n\n- Mục hai.\n\nKết thúc."


INTRO = "Kế hoạch chuyển đổi số tỉnh Lâm Đồng đặt các chỉ tiêu sau cho giai đoạn tới."
TABLE = (
    ("Chỉ tiêu", "Mục tiêu", "Năm"),
    ("Tỷ lệ hồ sơ xử lý trực tuyến toàn trình", "80%", "2025"),
    ("Tỷ lệ dân số trưởng thành có chữ ký số", "50%", "2026"),
    ("Tỷ trọng kinh tế số trong GRDP của tỉnh Lâm Đồng giai đoạn 2021-2025", "20%", "2025"),
)
CLOSING = "Các sở, ngành tổ chức thực hiện kế hoạch này."


def table_pdf(rows=TABLE, *, lead_lines: int = 0) -> bytes:
    """A paragraph, a table drawn by fpdf2 (the last row's first cell wraps), a paragraph.

    `lead_lines` filler lines before the table push its last rows onto a second page,
    where fpdf2 draws the heading row again.
    """
    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(DEJAVU))
    pdf.add_font("dejavu", style="B", fname=str(DEJAVU_BOLD))
    pdf.set_font("dejavu", size=11)
    pdf.add_page()
    pdf.multi_cell(w=0, text=INTRO, new_x="LMARGIN", new_y="NEXT")
    for n in range(lead_lines):
        pdf.multi_cell(w=0, text=f"Dòng {n + 1} của phần mở đầu.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(100, 40, 30)) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(w=0, text=CLOSING, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_table_gives_one_line_a_row_with_its_cells_joined(tmp_path):
    path = tmp_path / "bang.pdf"
    path.write_bytes(table_pdf())
    text = load_file(path, max_bytes=OPTIONS.max_bytes).text
    rows = "\n".join(CELL_SEPARATOR.join(cells) for cells in TABLE)
    assert text == f"{INTRO}\n\n{rows}\n\n{CLOSING}", "a wrapped cell is one cell again"


def test_a_pdf_tables_rows_become_targets_with_their_deadline(tmp_path):
    path = tmp_path / "bang.pdf"
    path.write_bytes(table_pdf())
    prepared = prepare_file(path, OPTIONS, measure=approximate_tokens)
    rows = {t.quote: t for t in prepared.targets}
    online = rows["Tỷ lệ hồ sơ xử lý trực tuyến toàn trình | 80% | 2025"]
    assert (online.target, online.deadline, online.achieved) == ("80%", "2025", None)
    assert prepared.loaded.text[online.start : online.end] == online.quote
    assert prepared.loaded.page_at(online.start) == 1
    signatures = rows["Tỷ lệ dân số trưởng thành có chữ ký số | 50% | 2026"]
    assert (signatures.target, signatures.deadline) == ("50%", "2026")
    assert all(row.quote != "Chỉ tiêu | Mục tiêu | Năm" for row in prepared.targets)


def test_a_table_over_a_page_break_keeps_its_rows_and_their_pages(tmp_path):
    many = TABLE + tuple((f"Chỉ tiêu phụ số {n}", f"{n}%", "2030") for n in range(1, 9))
    path = tmp_path / "dai.pdf"
    path.write_bytes(table_pdf(many, lead_lines=45))
    document = load_file(path, max_bytes=OPTIONS.max_bytes)
    lines = document.text.split("\n")
    for cells in many:
        assert CELL_SEPARATOR.join(cells) in lines
    last = document.text.index("Chỉ tiêu phụ số 8 | 8% | 2030")
    assert document.page_at(last) == 2
    assert document.page_at(document.text.index(TABLE[1][0])) == 1


def ruled_pdf() -> bytes:
    """A table whose borders are separate rules, as office suites often export them, under a
    title row merged across all three columns; the first column's text wraps."""
    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(DEJAVU))
    pdf.set_font("dejavu", size=11)
    pdf.add_page()
    pdf.multi_cell(w=0, text=INTRO, new_x="LMARGIN", new_y="NEXT")
    columns = (20.0, 100.0, 140.0, 170.0)
    tops = (40.0, 50.0, 60.0, 75.0)
    cells = (("Nhóm chỉ tiêu về chính quyền số",), TABLE[0], TABLE[3])
    for y in tops:
        pdf.line(columns[0], y, columns[-1], y)
    for i, x in enumerate(columns):
        pdf.line(x, tops[0] if i in (0, len(columns) - 1) else tops[1], x, tops[-1])
    for row, top in zip(cells, tops, strict=False):
        for cell, left, right in zip(row, columns, columns[1:], strict=False):
            pdf.set_xy(left + 1, top + 1)
            pdf.multi_cell(w=(right if len(row) > 1 else columns[-1]) - left - 2, text=cell)
    pdf.set_xy(20, tops[-1] + 5)
    pdf.multi_cell(w=0, text=CLOSING)
    return bytes(pdf.output())


def test_a_table_drawn_with_separate_rules_is_read_by_its_cells(tmp_path):
    path = tmp_path / "ke.pdf"
    path.write_bytes(ruled_pdf())
    text = load_file(path, max_bytes=OPTIONS.max_bytes).text
    rows = "\n".join(CELL_SEPARATOR.join(cells) for cells in (TABLE[0], TABLE[3]))
    assert text == f"{INTRO}\n\nNhóm chỉ tiêu về chính quyền số\n\n{rows}\n\n{CLOSING}"
