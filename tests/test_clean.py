"""ingest.clean: the article's blocks are kept, the page's furniture is not."""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.byline import byline_name
from ingest.clean import analyze, clean
from ingest.furniture import BYLINE

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
REAL = sorted(ARTICLES.glob("*.txt"))

TITLE = "Long An số hóa toàn bộ hồ sơ thủ tục hành chính cấp tỉnh"
LEAD = (
    "Ngày 11/3/2024, UBND tỉnh Long An cho biết đã số hóa 100% hồ sơ thủ tục hành chính "
    "cấp tỉnh, sớm hơn kế hoạch 6 tháng."
)
BODY_2 = (
    "Theo Sở Thông tin và Truyền thông, năm 2023 tỉnh tiếp nhận 125.000 hồ sơ trực tuyến, "
    "tăng 37% so với năm 2022 và chiếm 7,41% tổng số hồ sơ của cả vùng."
)
BODY_3 = (
    "Lãnh đạo tỉnh nhấn mạnh người dân và doanh nghiệp là trung tâm của chuyển đổi số, "
    "phấn đấu đến năm 2025 có 1.880 dịch vụ công trực tuyến toàn trình."
)


def page(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def kept(text: str) -> list[str]:
    return [text[s.start : s.end] for s in clean(text)]


@cache
def real(name: str) -> tuple[str, list[str]]:
    """A real article's text and kept blocks, read and cleaned once."""
    text = (ARTICLES / name).read_text(encoding="utf-8")
    return text, kept(text)


def assert_valid(text: str) -> None:
    spans = clean(text)
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert piece, span
        assert piece == piece.strip(), span
        assert span.start >= previous_end, "spans overlap or are out of order"
        previous_end = span.end
    assert previous_end <= len(text)


def article(*middle: str, before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> str:
    return page(*before, TITLE, LEAD, *middle, BODY_2, BODY_3, *after)


# --- the article is kept --------------------------------------------------------------------


def test_title_lead_and_body_paragraphs_are_kept_in_order():
    text = article()
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]
    assert_valid(text)


def test_body_sentences_with_dates_and_numbers_are_kept():
    sentences = [
        "Ngày 17/10/2022, Tỉnh ủy tổ chức hội nghị với 1.200 đại biểu tham dự.",
        "Kinh tế số năm 2022 đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%).",
        "Hạn chót nộp hồ sơ là 09:00 ngày 25/11/2024 theo thông báo của Sở.",
        "Video hướng dẫn đã đạt 1 triệu lượt xem trên các nền tảng số.",
        "Tỷ lệ đạt 30,77% (4/13) chế độ báo cáo.",
    ]
    text = article(*sentences)
    for sentence in sentences:
        assert sentence in kept(text)


def test_a_heading_between_paragraphs_is_kept():
    text = article("KẾT QUẢ NỔI BẬT", "Đưa tỉnh vào nhóm khá về chuyển đổi số")
    assert "KẾT QUẢ NỔI BẬT" in kept(text)
    assert "Đưa tỉnh vào nhóm khá về chuyển đổi số" in kept(text)


def test_a_list_introduced_by_a_colon_is_kept():
    items = ["- Chính quyền số", "- Kinh tế số", "- Xã hội số"]
    text = article("Ba trụ cột của chương trình gồm:", *items)
    assert all(item in kept(text) for item in items)


def test_a_bulleted_list_without_punctuation_is_kept():
    items = ["• Hạ tầng số", "• Nhân lực số", "• An toàn thông tin mạng"]
    text = article("Tỉnh tập trung vào các nhóm giải pháp chính trong năm 2024", *items)
    assert all(item in kept(text) for item in items)


def test_a_body_line_that_looks_like_a_statistic_is_kept():
    text = article("Tổng số: 1.234 hồ sơ", "Hôm nay: 56")
    assert kept(text) == [TITLE, LEAD, "Tổng số: 1.234 hồ sơ", "Hôm nay: 56", BODY_2, BODY_3]


def test_an_interview_question_and_closing_thanks_are_kept():
    text = article(
        "- Ông có thể cho biết kết quả của tỉnh trong năm 2023?",
        after=("- Trân trọng cảm ơn ông!", "Có thể bạn quan tâm", "Tin khác về tỉnh nhà"),
    )
    assert "- Ông có thể cho biết kết quả của tỉnh trong năm 2023?" in kept(text)
    assert kept(text)[-1] == "- Trân trọng cảm ơn ông!"


def test_a_hard_wrapped_paragraph_is_one_block():
    text = page(
        TITLE,
        "Theo báo cáo của Sở Thông tin và Truyền thông, toàn tỉnh đã có 1.871",
        "tổ công nghệ số cộng đồng với tổng số 10.257 thành viên",
        "hoạt động tại các xã, phường và thị trấn trên địa bàn.",
        BODY_2,
    )
    blocks = kept(text)
    assert blocks[1].startswith("Theo báo cáo") and blocks[1].endswith("thị trấn trên địa bàn.")
    assert blocks[1].count("\n") == 2
    assert_valid(text)


# --- each kind of furniture is dropped ------------------------------------------------------


@pytest.mark.parametrize(
    "counter", ["Lượt xem: 365", "1.234 lượt xem", "Lượt đọc: 12", "Số lượt xem: 5.678"]
)
def test_view_counters_are_dropped(counter):
    text = article(before=(counter,), after=(counter,))
    assert counter not in kept(text)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "stamp",
    [
        "Thứ Hai, 25/11/2024 09:17 (GMT +7)",
        "Thứ 5, 10/02/2022 | 18:21:23 [GMT +7] A A",
        "Cập nhật lúc 09:17 ngày 25/11/2024",
        "Chủ nhật, ngày 17 tháng 10 năm 2022",
        "12/03/2024 07:30",
    ],
)
def test_access_and_date_stamps_are_dropped(stamp):
    text = page(stamp, TITLE, stamp, LEAD, BODY_2, BODY_3)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_visitor_statistics_are_dropped_to_the_end_of_the_page():
    stats = (
        "Thống kê truy cập",
        "  • Đang online: 122",
        "  • Hôm nay: 7054",
        "  • Tất cả: 11,559,410",
    )
    text = article(after=stats)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]
    text = article(after=("Tổng truy cập: 1.234.567", "Đang online: 15"))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "heading",
    [
        "Có thể bạn quan tâm",
        "Tin liên quan",
        "Tin cùng chuyên mục",
        "Tất cả chuyên mục",
        "Liên kết website",
        "Ý kiến ()",
        "Bình luận (0)",
        "Đọc nhiều nhất",
    ],
)
def test_a_related_stories_heading_after_the_body_drops_the_rest(heading):
    after = (
        heading,
        "Bến Tre ra mắt ứng dụng công dân số cho người dân",
        "Sáng 12/3, UBND tỉnh Bến Tre ra mắt ứng dụng công dân số với 20 tiện ích, "
        "hướng tới 500.000 lượt cài đặt trong năm 2024.",
        "Cà Mau đẩy mạnh thanh toán điện tử tại các chợ truyền thống",
        "Sáng 12/3, UBND tỉnh Cà Mau tổ chức hội nghị tổng kết năm 2023 về chuyển đổi "
        "số với sự tham dự của hơn 300 đại biểu đến từ các sở, ngành.",
    )
    text = article(after=after)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_a_related_stories_box_inside_the_article_drops_only_its_titles():
    box = (
        "Tin liên quan",
        "Bến Tre ra mắt ứng dụng công dân số cho người dân",
        "Cà Mau đẩy mạnh thanh toán điện tử tại các chợ truyền thống",
    )
    text = page(TITLE, LEAD, *box, BODY_2, BODY_3, "Minh Khôi", "Bình luận (0)")
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_a_sidebar_of_other_stories_above_the_article_is_dropped_but_the_title_kept():
    before = (
        "Tin nổi bật",
        "Hà Nội khai trương trung tâm dữ liệu mới của thành phố",
        "Đà Nẵng thử nghiệm xe buýt điện trên tuyến ven biển",
        "Huế số hóa di sản cố đô với công nghệ 3D",
    )
    text = article(before=before)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_a_run_of_other_stories_titles_inside_the_page_is_dropped():
    titles = (
        "Bến Tre ra mắt ứng dụng công dân số",
        "Cà Mau đẩy mạnh thanh toán điện tử",
        "Trà Vinh tập huấn kỹ năng số cho cán bộ cấp xã",
    )
    text = article(*titles)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_titles_listed_after_the_last_paragraph_are_dropped():
    after = ("Phim tư liệu", "  • Phát biểu của đồng chí Bí thư", "  • Ngày hội văn hóa 2022")
    text = article(after=after)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "caption",
    [
        "Ảnh: Minh họa",
        "Ảnh minh họa",
        "(Ảnh: TTXVN)",
        "Quang cảnh hội nghị. (Ảnh: Thanh Tùng)",
        "Lãnh đạo tỉnh thăm mô hình chợ 4.0 - Ảnh: Hữu Phước",
        "Nông dân sử dụng bẫy đèn thông minh trên cánh đồng lúa. Ảnh: Minh họa",
    ],
)
def test_photo_captions_are_dropped(caption):
    text = article(caption)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_the_caption_line_above_a_standalone_photo_credit_is_dropped():
    text = page(
        TITLE,
        "",
        LEAD,
        "",
        "Khách hàng thanh toán bằng hình thức quét thẻ ATM qua máy POS.",
        "Ảnh: Minh họa",
        "",
        BODY_2,
        "",
        BODY_3,
    )
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_a_body_paragraph_right_above_a_photo_credit_is_kept():
    text = page(TITLE, LEAD, BODY_2, "Ảnh: Hữu Phước", BODY_3)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "pagination", ["1 2 3 4 5 ...", "1\xa02\xa03\xa04\xa05\xa0\xa0...", "Trang sau", "« 1 2 3 »"]
)
def test_pagination_is_dropped(pagination):
    text = article(after=(pagination,))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "menu",
    [
        "Trang chủ > Thời sự > Chuyển đổi số",
        "Trang chủ / Tin tức",
        "Trang chủ | Giới thiệu | Tin tức | Liên hệ",
        "Thời sự » Kinh tế » Chuyển đổi số",
        "Trang chủ",
    ],
)
def test_breadcrumbs_and_menus_are_dropped(menu):
    text = article(before=(menu, "Kinh tế", "Xã hội"))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "share", ["Chia sẻ Facebook Zalo", "Share | Tweet | Email", "In bài", "A A", "Cỡ chữ A+ A-"]
)
def test_share_and_font_buttons_are_dropped(share):
    text = article(before=(share,), after=(share,))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "footer",
    [
        "© Bản quyền thuộc Báo Long An. Ghi rõ nguồn khi phát hành lại thông tin từ website này.",
        "Copyright © 2024 Cổng thông tin điện tử tỉnh",
        "Giấy phép số 123/GP-BTTTT",
        "Tổng biên tập: Nguyễn Văn A",
        "Cơ quan chủ quản: Sở Thông tin và Truyền thông",
    ],
)
def test_copyright_footers_are_dropped(footer):
    text = article(after=(footer, "Địa chỉ: 123 đường Hùng Vương", "Điện thoại: 0272 1234567"))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


@pytest.mark.parametrize(
    "link",
    [
        ">>Tuyên Quang phát triển hệ sinh thái bền vững",
        ">> Tây Ninh đẩy mạnh thanh toán không dùng tiền mặt",
        "Xem thêm: Tây Ninh đẩy mạnh thanh toán không dùng tiền mặt",
        "Đọc thêm: Cần Thơ ra mắt trung tâm điều hành thông minh",
    ],
)
def test_links_to_other_stories_inside_the_body_are_dropped(link):
    text = article(link)
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


def test_placeholders_files_and_urls_are_dropped():
    text = article("No title... No title... No title...", "IMG_2024.jpg", "https://example.vn/a")
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]


# --- bylines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Vân Anh", "Vân Anh"),
        ("Hoà Thành", "Hoà Thành"),
        ("VŨ THỊ HIẾU ĐÔNG - Phó trưởng Ban Tuyên giáo Tỉnh ủy Sóc Trăng", "VŨ THỊ HIẾU ĐÔNG"),
        ("Tác giả: Đỗ Phương", "Đỗ Phương"),
        ("Minh Khôi (TTXVN)", "Minh Khôi"),
        ("Kết quả nổi bật", None),
        ("Tây Ninh", None),
        ("Phim tư liệu", None),
        ("Video Smart", None),
        ("Theo đó, tỉnh phấn đấu.", None),
    ],
)
def test_byline_name_recognizes_a_personal_name_only(line, name):
    assert byline_name(line) == name


def test_the_byline_is_not_a_content_block_and_ends_the_article():
    text = article(after=("Minh Khôi", "Bến Tre ra mắt ứng dụng công dân số"))
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]
    analysis = analyze(text)
    assert analysis.byline is not None and analysis.byline.role == BYLINE
    assert text[analysis.byline.start : analysis.byline.end] == "Minh Khôi"


def test_a_capitalized_heading_followed_by_body_is_not_a_byline():
    text = article("Vân Anh", BODY_3)
    assert "Vân Anh" in kept(text)
    assert analyze(text).byline is None


# --- spans ------------------------------------------------------------------------------------


def test_spans_point_into_the_original_text_with_crlf_nbsp_and_zero_width_spaces():
    text = (
        "\ufeffLượt xem: 9\r\n\r\n\xa0 " + TITLE + " \xa0\r\n\u200b" + LEAD + "\u200b\r\n"
        "    " + BODY_2 + "\t\r\n" + BODY_3
    )
    assert kept(text) == [TITLE, LEAD, BODY_2, BODY_3]
    assert_valid(text)


def test_nfd_text_is_cleaned_the_same_way():
    text = unicodedata.normalize("NFD", article(before=("Lượt xem: 365",), after=("Vân Anh",)))
    blocks = kept(text)
    assert [unicodedata.normalize("NFC", b) for b in blocks] == [TITLE, LEAD, BODY_2, BODY_3]
    assert_valid(text)


@pytest.mark.parametrize("text", ["", "\n\n", "   \n\t", "Lượt xem: 3\nThống kê truy cập"])
def test_empty_or_furniture_only_pages_give_no_blocks(text):
    assert clean(text) == ()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                TITLE,
                LEAD,
                BODY_2,
                "Lượt xem: 365",
                "Ảnh: Minh họa",
                "Tin liên quan",
                "Vân Anh",
                "  • Đang online: 12",
                "",
                "   ",
                "1 2 3 4 5 ...",
                "- Kinh tế số",
                "tiếp nối dòng trước của đoạn văn",
            ]
        )
        | st.text(max_size=40),
        max_size=25,
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_spans_are_always_trimmed_non_empty_ordered_and_within_the_text(lines, newline):
    assert_valid(newline.join(lines))


# --- the five real articles -------------------------------------------------------------------

FURNITURE = (
    "Lượt xem",
    "Thống kê truy cập",
    "Đang online",
    "Có thể bạn quan tâm",
    "GMT +7",
    "Liên kết website",
    "Tất cả chuyên mục",
    "Ý kiến ()",
    "Ảnh: Minh họa",
    "No title",
    "Phim tư liệu",
    ">>",
    "Hôm nay: 7054",
)

KEY_SENTENCES = {
    "tay-ninh-day-manh-chuyen-doi-so-3-tru-cot.txt": [
        "Đẩy mạnh chuyển đổi số trên cả 3 trụ cột",
        "Đưa Tây Ninh vào nhóm tỉnh, thành phố chuyển đổi số mức khá",
        "Hiện ứng dụng đã có hơn 132.000 tài khoản đăng ký.",
    ],
    "soc-trang-cam-ket-nguoi-dung-dau.txt": [
        "Chuyển đổi số - Thành công từ cam kết của người đứng đầu",
        "NHỮNG CON SỐ ẤN TƯỢNG",
        "Kinh tế số năm 2022 của tỉnh đạt 7,41% GRDP",
        "Ba là, thường xuyên theo dõi",
    ],
    "tuyen-quang-chinh-quyen-dien-tu.txt": [
        "Toàn tỉnh hiện có 1.871 tổ công nghệ số cộng đồng.",
        "- Ông có thể cho biết những kết quả",
        "- Trân trọng cảm ơn ông!",
    ],
    "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt": [
        "UBND tỉnh cho ý kiến về dự thảo Kế hoạch thực hiện chuyển đổi số toàn diện",
        "Ngày 10/2, đồng chí Nguyễn Tường Văn",
        "Năm 2020 Quảng Ninh đứng thứ 4 trong bảng xếp hạng chuyển đổi số (DTI)",
    ],
    "tay-ninh-lo-trinh-chuyen-doi-so.txt": [
        "Theo đó, tỉnh phấn đấu đến năm 2025, chỉ số DTI của tỉnh vào nhóm khá.",
        "Quyết định số 713/QĐ-UBND ngày 29/3/2021",
    ],
}

BYLINES = {
    "tay-ninh-day-manh-chuyen-doi-so-3-tru-cot.txt": "Vân Anh",
    "soc-trang-cam-ket-nguoi-dung-dau.txt": "VŨ THỊ HIẾU ĐÔNG",
    "quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt": "Đỗ Phương",
    "tay-ninh-lo-trinh-chuyen-doi-so.txt": "Hoà Thành",
}


def test_the_five_real_articles_are_present():
    assert {p.name for p in REAL} == set(KEY_SENTENCES)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_article_spans_are_valid_and_hold_no_furniture(path):
    text, blocks = real(path.name)
    assert_valid(text)
    for block in blocks:
        for phrase in FURNITURE:
            assert phrase not in block, (phrase, block[:80])


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_article_key_sentences_are_kept(path):
    body = "\n".join(real(path.name)[1])
    for sentence in KEY_SENTENCES[path.name]:
        assert sentence in body


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_article_byline_is_found_and_not_kept(path):
    text, blocks = real(path.name)
    analysis = analyze(text)
    expected = BYLINES.get(path.name)
    if expected is None:
        assert analysis.byline is None
    else:
        line = text[analysis.byline.start : analysis.byline.end]
        assert line.startswith(expected)
        assert all(expected not in block for block in blocks)


def test_real_article_quotes_used_as_targets_lie_inside_kept_blocks():
    targets = ROOT / "tests" / "data" / "targets.jsonl"
    if not targets.exists():
        pytest.skip("no targets file")
    spans = {}
    for line in targets.read_text(encoding="utf-8").splitlines():
        target = json.loads(line)
        source = target["source"]
        if source not in spans:
            spans[source] = clean((ARTICLES / source).read_text(encoding="utf-8"))
        assert any(s.start <= target["start"] and target["end"] <= s.end for s in spans[source])


def test_real_article_last_paragraph_before_the_furniture_is_kept():
    _, blocks = real("soc-trang-cam-ket-nguoi-dung-dau.txt")
    assert blocks[-1].startswith("Chuyển đổi số cùng với khoa học, công nghệ")
    _, blocks = real("quang-ninh-ke-hoach-chuyen-doi-so-toan-dien.txt")
    assert blocks[-1].startswith("Đối với các nhiệm vụ cụ thể của từng lĩnh vực")


def kept_characters(text: str) -> int:
    return sum(span.end - span.start for span in clean(text))


def test_the_five_articles_in_one_file_keep_their_text():
    # Each article ends with its page's furniture ("Liên kết website", "Ý kiến ()", ...):
    # a marker ends an article, not the file, when another article follows it.
    texts = [path.read_text(encoding="utf-8") for path in REAL]
    alone = sum(kept_characters(text) for text in texts)
    together = "\n\n".join(texts)
    assert kept_characters(together) >= 0.99 * alone
    kept = {together[s.start : s.end] for s in clean(together)}
    for text in texts:
        assert {text[s.start : s.end] for s in clean(text)} <= kept


@pytest.mark.parametrize("marker", ["Liên kết website", "Ý kiến ()", "Tags:", "Bình luận"])
def test_a_marker_followed_by_another_article_ends_only_the_first(marker):
    second_title = "Bình Dương đưa 1.200 dịch vụ công lên cổng trực tuyến"
    text = page(
        TITLE, LEAD, BODY_2, BODY_3, marker, "Lượt xem: 365", "", second_title,
        LEAD.replace("Long An", "Bình Dương"), BODY_2.replace("tỉnh", "Bình Dương"),
        BODY_3.replace("tỉnh", "Bình Dương"), marker, "Tin cùng chuyên mục",
    )  # fmt: skip
    kept = [text[s.start : s.end] for s in clean(text)]
    assert second_title in kept and BODY_3.replace("tỉnh", "Bình Dương") in kept
    assert marker not in kept and "Lượt xem: 365" not in kept and len(kept) == 8
