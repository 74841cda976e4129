"""ingest.metadata: title, publication date, byline and provinces of a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import analyze
from ingest.document import DocumentMeta, FileProperties
from ingest.metadata import extract_metadata

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"

TITLE = "Long An số hóa toàn bộ hồ sơ thủ tục hành chính cấp tỉnh"
BODY = (
    "Theo Sở Thông tin và Truyền thông, năm 2023 tỉnh tiếp nhận 125.000 hồ sơ trực tuyến, "
    "tăng 37% so với năm 2022; Nghị quyết 02-NQ/TU ngày 26/01/2021 đặt mục tiêu đến năm 2025."
)


NO_PROPERTIES = FileProperties()


def meta(*lines: str, properties: FileProperties = NO_PROPERTIES) -> DocumentMeta:
    text = "\n".join(lines) + "\n"
    return extract_metadata(text, analyze(text), properties)


# --- the five real articles -------------------------------------------------------------------

REAL = {
    "tay-ninh-day-manh-chuyen-doi-so-3-tru-cot.txt": DocumentMeta(
        title="Đẩy mạnh chuyển đổi số trên cả 3 trụ cột",
        date="17/10/2022",
        byline="Vân Anh",
        provinces=("Tây Ninh",),
        merged_provinces=("Tây Ninh",),
    ),
    "soc-trang-cam-ket-nguoi-dung-dau.txt": DocumentMeta(
        title="Chuyển đổi số - Thành công từ cam kết của người đứng đầu",
        date=None,
        byline="Vũ Thị Hiếu Đông",
        provinces=("Sóc Trăng",),
        merged_provinces=("Cần Thơ",),
    ),
    "tuyen-quang-chinh-quyen-dien-tu.txt": DocumentMeta(
        title="Để từng bước đưa Tuyên Quang trở thành tỉnh khá trong khu vực",
        date=None,
        byline=None,
        provinces=("Tuyên Quang",),
        merged_provinces=("Tuyên Quang",),
    ),
    "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt": DocumentMeta(
        title="UBND tỉnh cho ý kiến về dự thảo Kế hoạch thực hiện chuyển đổi số toàn diện",
        date="10/02/2022",
        byline="Đỗ Phương",
        provinces=("Quảng Ninh",),
        merged_provinces=("Quảng Ninh",),
    ),
    "tay-ninh-lo-trinh-chuyen-doi-so.txt": DocumentMeta(
        title="Có thể coi năm 2020 là năm Tây Ninh khởi động nhận thức về chuyển đổi số",
        date=None,
        byline="Hoà Thành",
        provinces=("Tây Ninh",),
        merged_provinces=("Tây Ninh",),
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_article_metadata(name):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    assert extract_metadata(text, analyze(text), FileProperties()) == REAL[name]


def test_real_article_access_stamp_is_not_taken_for_the_publication_date():
    name = "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt"
    text = (ARTICLES / name).read_text(encoding="utf-8")
    assert "25/11/2024" in text
    assert extract_metadata(text, analyze(text), FileProperties()).date == "10/02/2022"


# --- title ------------------------------------------------------------------------------------


def test_title_is_the_first_heading_above_the_body():
    assert meta("Lượt xem: 12", TITLE, BODY).title == TITLE


def test_title_falls_back_to_the_first_sentence_when_the_page_starts_with_text():
    assert meta(BODY, BODY).title == (
        "Theo Sở Thông tin và Truyền thông, năm 2023 tỉnh tiếp nhận 125.000 hồ sơ trực tuyến"
    )
    assert meta("Tỉnh đạt 8/10 chỉ tiêu về chuyển đổi số năm 2023. Đoạn hai.").title == (
        "Tỉnh đạt 8/10 chỉ tiêu về chuyển đổi số năm 2023"
    )


def test_a_long_first_sentence_without_clauses_is_cut_at_a_word():
    sentence = (
        "Trong năm 2023 tỉnh Long An tiếp tục đẩy mạnh việc số hóa hồ sơ thủ tục hành chính "
        "và kết quả giải quyết thủ tục hành chính tại các cơ quan nhà nước cấp tỉnh và cấp huyện."
    )
    title = meta(sentence, BODY).title
    assert title.endswith("…") and len(title[:-1].split()) == 20


def test_the_files_own_title_date_and_author_stand_in_for_what_the_text_lacks():
    own = FileProperties(title="Kế hoạch chuyển đổi số", date="3/1/2025", author="Sở TT&TT")
    found = meta(BODY, properties=own)
    assert (found.title, found.date, found.byline) == (
        "Kế hoạch chuyển đổi số",
        "3/1/2025",
        "Sở TT&TT",
    )
    assert meta(TITLE, BODY, properties=own).title == TITLE


# --- date -------------------------------------------------------------------------------------


def test_a_stamp_under_the_title_is_the_publication_date_as_written():
    assert meta(TITLE, "Thứ 5, 10/02/2022 | 18:21:23 [GMT +7] A A", BODY).date == "10/02/2022"
    assert meta(TITLE, "10-02-2022 18:21", BODY).date == "10/02/2022"


def test_a_header_clock_above_the_title_is_not_the_publication_date():
    assert meta("Thứ Hai, 25/11/2024 09:17 (GMT +7)", TITLE, BODY).date is None


def test_an_update_or_access_stamp_is_not_the_publication_date():
    assert meta(TITLE, "Cập nhật lúc 09:17 ngày 25/11/2024", BODY).date is None
    assert meta(TITLE, "Hôm nay: Thứ Hai, 25/11/2024", BODY).date is None


def test_a_labelled_publication_date_is_taken_wherever_it_stands():
    assert meta("Ngày đăng: 05/02/2022", TITLE, BODY).date == "05/02/2022"
    assert meta(TITLE, "Đăng lúc 08:30, ngày 5 tháng 2 năm 2022", BODY).date == "5/2/2022"


def test_a_dateline_without_year_is_completed_from_its_sentence():
    lead = "Ngày 17/10, Tỉnh ủy tổ chức hội nghị triển khai chuyển đổi số tỉnh năm 2022."
    assert meta(TITLE, lead, BODY).date == "17/10/2022"
    lead = "Sáng 5/2, UBND tỉnh họp bàn kế hoạch chuyển đổi số toàn diện của năm 2024."
    assert meta(TITLE, lead, BODY).date == "5/2/2024"


def test_a_dateline_with_no_or_several_years_in_its_sentence_gives_no_date():
    lead = "Ngày 17/10, Tỉnh ủy tổ chức hội nghị triển khai chuyển đổi số của tỉnh nhà."
    assert meta(TITLE, lead, BODY).date is None
    lead = "Ngày 17/10, Tỉnh ủy tổng kết giai đoạn 2021 và định hướng đến năm 2025 cho tỉnh."
    assert meta(TITLE, lead, BODY).date is None


def test_a_date_inside_the_body_is_not_the_publication_date():
    assert meta(TITLE, BODY, BODY).date is None


# --- byline -----------------------------------------------------------------------------------


def test_byline_keeps_the_documents_own_characters():
    assert meta(TITLE, BODY, "Hoà Thành").byline == "Hoà Thành"


def test_a_byline_in_capitals_gets_ordinary_capitalization_and_loses_its_role():
    line = "VŨ THỊ HIẾU ĐÔNG - Phó trưởng Ban Tuyên giáo Tỉnh ủy Sóc Trăng"
    assert meta(TITLE, BODY, line, "Phim tư liệu").byline == "Vũ Thị Hiếu Đông"


def test_a_labelled_byline_above_the_body_is_found():
    assert meta(TITLE, "Tác giả: Minh Khôi", BODY).byline == "Minh Khôi"


def test_no_byline_when_none_is_stated():
    assert meta(TITLE, BODY, "Có thể bạn quan tâm", "Tin khác").byline is None


# --- provinces --------------------------------------------------------------------------------


def test_provinces_come_from_content_blocks_not_furniture():
    result = meta(
        TITLE,
        BODY,
        "Tỉnh Long An và Sóc Trăng đã ký kết hợp tác về chuyển đổi số trong năm 2024.",
        "Minh Khôi",
        "Tin liên quan",
        "Bến Tre ra mắt ứng dụng công dân số",
        "Hà Giang đẩy mạnh thanh toán điện tử",
    )
    assert result.provinces == ("Long An", "Sóc Trăng")
    assert result.merged_provinces == ("Tây Ninh", "Cần Thơ")


def test_merged_provinces_are_unique_and_in_the_same_order():
    lead = (
        "Sóc Trăng, Hậu Giang và Long An cùng Cần Thơ bàn về chuyển đổi số năm 2025 tại hội nghị."
    )
    result = meta(TITLE, lead, BODY)
    assert result.provinces == ("Long An", "Sóc Trăng", "Hậu Giang", "Cần Thơ")
    assert result.merged_provinces == ("Tây Ninh", "Cần Thơ")
