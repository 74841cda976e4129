"""Short-answer forms over hand-built citations, one test per kind of question; no model."""

from __future__ import annotations

from assistant.record import Citation
from assistant.short_answer import short_answer, supported


def cite(quote: str, marker: int = 1) -> Citation:
    return Citation(
        marker=marker,
        source="doc.txt",
        title="doc",
        date=None,
        page=None,
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id="doc:g1:0",
        score=1.0,
        doc_id="doc",
    )


def short(question: str, *quotes: str) -> str | None:
    found = short_answer(question, [cite(q, n) for n, q in enumerate(quotes, 1)])
    assert found is None or supported(found, [cite(q) for q in quotes])
    return found


def test_dates_written_out_or_at_a_sentence_start_beat_the_bare_year():
    quote = "Mark lập trang Facebook ngày 4 tháng 2 năm 2004 cùng bạn bè."
    assert short("Facebook được thành lập ngày tháng nào?", quote) == "ngày 4 tháng 2 năm 2004"
    later = "Instagram có bản cho Android vào tháng 4 năm 2012."
    assert short("Khi nào Instagram hỗ trợ Android?", later) == "tháng 4 năm 2012"
    opening = "Ngày 17/10, Tỉnh ủy tổ chức hội nghị về chuyển đổi số năm 2022."
    question = "Tỉnh ủy tổ chức hội nghị về chuyển đổi số năm 2022 vào ngày nào?"
    assert short(question, opening) == "Ngày 17/10"


def test_a_bound_or_a_range_stays_with_its_figure():
    quote = "Học kỳ hè có tối thiểu 5 tuần thực học; học phần từ 5,0 đến 5,4 được học cải thiện."
    assert short("Một học kỳ hè có bao nhiêu tuần thực học?", quote) == "tối thiểu 5 tuần thực học"
    assert short("Điểm bao nhiêu thì học cải thiện?", quote).startswith("từ 5,0 đến 5,4")
    # A bound the question also says is no unit: the figure of the unit asked is kept.
    goals = "Tối thiểu 2 huyện đạt chuẩn; mỗi huyện có tối thiểu 1 xã hoàn thành nền tảng số."
    found = short("Mỗi huyện có tối thiểu bao nhiêu xã hoàn thành?", goals)
    assert found.endswith("1 xã hoàn thành")


def test_a_length_of_time_answers_bao_lau():
    quote = "Hạ tầng đã phủ 100% hộ dân, sớm hơn 3 năm so với chỉ tiêu."
    assert short("Hạ tầng phủ hộ dân sớm hơn chỉ tiêu bao lâu?", quote) == "hơn 3 năm"
    assert short("Hạ tầng phủ hộ dân sớm hơn chỉ tiêu bao lâu?", "Hạ tầng đã phủ hộ dân.") is None


def test_ordinals_in_roman_numerals_or_words():
    quote = "Nghị quyết 07 của Ban Chấp hành Đảng bộ tỉnh khóa XIV ra đời sau Đại hội lần thứ XI."
    assert short("Nghị quyết do Ban Chấp hành khoá mấy ban hành?", quote) == "khóa XIV"
    assert short("Nghị quyết ra đời sau Đại hội lần thứ mấy?", quote) == "lần thứ XI"


def test_a_count_written_in_words_only_before_the_unit_asked():
    quote = "Đến cuối năm 2023 vẫn còn hai mục tiêu của Nghị quyết 07 chưa đạt."
    assert short("Còn bao nhiêu mục tiêu chưa đạt?", quote) == "hai mục tiêu"
    assert short("Còn bao nhiêu chỉ tiêu chưa đạt?", quote) is None


def test_a_count_after_tong_so_is_no_document_number():
    quote = "Trong đó có 138 tổ cấp xã với tổng số 10.257 thành viên."
    assert short("Các tổ có bao nhiêu thành viên?", quote) == "10.257 thành viên"
    resolution = "Tỉnh thực hiện Nghị quyết số 07 với 10 nhiệm vụ."
    assert short("Tỉnh thực hiện nghị quyết với bao nhiêu nhiệm vụ?", resolution) == "10 nhiệm vụ"


def test_a_resolved_follow_up_asks_what_its_last_part_asks():
    resolved = "Tuyên Quang có bao nhiêu tổ; tổng cộng các tổ đó có bao nhiêu thành viên?"
    quote = "Toàn tỉnh có 1.871 tổ công nghệ số với tổng số 10.257 thành viên."
    assert short(resolved, quote) == "10.257 thành viên"


def test_two_values_asked_get_one_piece_each_or_none():
    quote = "Trong đó, có 138 tổ cấp xã, 1.733 tổ thôn, bản, tổ dân phố với 10.257 thành viên."
    both = "Tỉnh có bao nhiêu tổ cấp xã và bao nhiêu tổ cấp thôn, bản?"
    assert short(both, quote) == "138 tổ cấp xã; 1.733 tổ thôn"
    assert short("Tỉnh có bao nhiêu tổ cấp xã, còn bao nhiêu thành viên?", quote) == (
        "138 tổ cấp xã; 10.257 thành viên"
    )
    # Half an answer is none: the second clause's unit stands in no quote.
    assert short("Tỉnh có bao nhiêu tổ cấp xã và bao nhiêu huyện?", quote) is None


def test_a_clause_keeps_the_year_its_question_names():
    quote = (
        "Năm 2020 tỉnh ở hạng 57, năm 2021 chỉ tăng 1 bậc, thì đến năm 2022 đã vượt lên "
        "20 bậc (hạng 36)."
    )
    asked = "Năm 2022 tỉnh tăng bao nhiêu bậc và đứng hạng mấy trong bảng xếp hạng?"
    assert short(asked, quote) == "20 bậc; hạng 36"


def test_one_value_for_two_clauses_is_no_answer():
    quote = "Tổng số tín chỉ tối thiểu là 120."
    assert short("Số tín chỉ tối thiểu là bao nhiêu và tối đa là bao nhiêu?", quote) is None


def test_the_noun_asked_written_as_a_name():
    quote = "Bài viết đề nghị đẩy nhanh thực hiện Đề án 03 đảm bảo đồng bộ Chính quyền số."
    assert short("Bài viết đề nghị đẩy nhanh thực hiện đề án nào?", quote) == "Đề án 03"
    decision = (
        "Tỉnh ban hành Kế hoạch số 184/KH-UBND triển khai Quyết định số 146/QĐ-TTg, ngày 28-1."
    )
    assert short("Kế hoạch triển khai quyết định nào?", decision) == "Quyết định số 146/QĐ-TTg"
    centre = "Tỉnh sẽ xây dựng Trung tâm điều hành Đô thị thông minh IOC, tập trung hạ tầng số."
    assert short("Tỉnh ưu tiên xây dựng trung tâm nào?", centre) == (
        "Trung tâm điều hành Đô thị thông minh IOC"
    )


def test_a_name_after_the_questions_own_words_or_in_brackets():
    quote = (
        "Tổ Công nghệ số cộng đồng với vai trò nòng cốt của Đoàn Thanh niên Cộng sản "
        "Hồ Chí Minh được triển khai tại tất cả các huyện."
    )
    asked = "Tổ được triển khai với vai trò nòng cốt của tổ chức nào?"
    assert short(asked, quote) == "Đoàn Thanh niên Cộng sản Hồ Chí Minh"
    wallet = "Các ứng dụng giáo dục (vnEdu), ví điện tử (VNPT Money) được triển khai mạnh mẽ."
    assert short("Ví điện tử nào được triển khai?", wallet) == "VNPT Money"
    term = "Các loại điểm được đánh giá theo thang điểm 10."
    assert short("Điểm được đánh giá theo thang điểm nào?", term) == "thang điểm 10"


def test_no_name_where_the_question_asks_a_definition_a_list_or_a_manner():
    quote = "Ứng dụng Tây Ninh Smart dùng chung, cùng Hệ thống VNPT và Zalo."
    assert short("Tây Ninh Smart là gì?", quote) is None
    assert short("Những ứng dụng nào được dùng chung?", quote) is None
    assert short("Ứng dụng được dùng chung như thế nào?", quote) is None
    # One item of a list is not the answer.
    listed = "Hệ điều hành hỗ trợ trò chơi gồm Microsoft Windows và Mac OS X."
    assert short("Hệ điều hành nào hỗ trợ trò chơi?", listed) is None
    # A lower-case phrase is no name.
    phrase = "Năm 2022 là năm đẩy mạnh chuyển đổi số theo hướng lấy người dân làm trung tâm."
    assert short("Năm 2022 đẩy mạnh chuyển đổi số theo hướng nào?", phrase) is None


def test_a_name_needs_the_questions_words_before_it_whole():
    quote = "Kết luận cuộc họp, Chủ tịch UBND tỉnh Nguyễn Tường Văn nhấn mạnh hạ tầng số."
    assert short("Phó Chủ tịch UBND tỉnh nào dự cuộc họp?", quote) is None
    two = "Miễn học Anh văn 1 với TOEIC 450; Anh văn 3 với TOEIC 500 trở lên."
    assert short("TOEIC 500 được miễn học anh văn nào?", two) is None


def test_a_question_naming_only_a_measure_takes_a_figure_with_its_unit():
    quote = "Ấn Độ Dương có diện tích khoảng 75.000.000 km², sâu trung bình 3.741 m và 57 đảo."
    assert short("Diện tích Ấn Độ Dương?", quote) == "khoảng 75.000.000 km²"
    # A figure without a unit may count anything: no short answer.
    assert short("Giá trị của Ấn Độ Dương?", "Ấn Độ Dương có giá trị 57 theo bảng.") is None
    born = "Messi sinh ngày 24 tháng 6 năm 1987 tại Rosario."
    assert short("Sinh nhật Messi?", born) == "ngày 24 tháng 6 năm 1987"


def test_a_figure_inside_a_word_is_no_figure():
    quote = "Thể tích đại dương khoảng 1,35 tỷ km3."
    assert short("Thể tích đại dương?", quote) == "khoảng 1,35 tỷ km3"


def test_nam_may_asks_a_year_and_a_date_may_omit_nam():
    quote = "Messi sinh ngày 24 tháng 6 năm 1987, 6 năm sau gia nhập học viện."
    assert short("Messi sinh năm mấy?", quote) == "ngày 24 tháng 6 năm 1987"
    award = "Lễ trao giải được tổ chức vào ngày 04 Tháng 5 1959 tại Los Angeles."
    assert short("Lễ trao giải được tổ chức vào tháng mấy?", award) == "ngày 04 Tháng 5 1959"
