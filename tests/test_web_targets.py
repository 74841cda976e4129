"""The targets tab's data: filters (old and merged provinces), sorting, cells, clicks."""

from __future__ import annotations

from assistant.targets_table import HEADERS
from assistant.web.filters import ALL_PROVINCES
from assistant.web.targets_view import (
    ALL_INDICATORS,
    indicator_choices,
    pick_target,
    target_document_html,
    target_rows,
    target_table,
)
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import all_names
from tests.web_samples import EVIL_TEXT, XSS_IMG, assert_inert, lookup, target_docs


def test_target_table_shows_the_vietnamese_columns_in_order():
    assert HEADERS == [
        "Tỉnh", "Chỉ tiêu", "Mục tiêu", "Thời hạn", "Kết quả", "Thời điểm", "Tình trạng", "Nguồn",
    ]  # fmt: skip
    rows = target_rows(target_docs(), "Sóc Trăng", "kinh tế số / GRDP")
    assert target_table(rows) == [
        [
            "Sóc Trăng", "kinh tế số / GRDP", "20%", "—", "7,41%", "2022", "chưa đạt",
            "soc-trang-cam-ket-nguoi-dung-dau.txt",
        ]
    ]  # fmt: skip
    assert rows[0]["doc_id"] == "id-soc-trang-cam-ket-nguoi-dung-dau.txt"


def test_a_merged_province_lists_the_rows_of_the_old_ones():
    docs = target_docs()
    everything = target_rows(docs, ALL_PROVINCES)
    assert len(everything) == len(target_rows(docs)) == 42
    soc_trang = target_rows(docs, "Sóc Trăng")
    assert len(soc_trang) == 14 and {r["province"] for r in soc_trang} == {"Sóc Trăng"}
    # Sóc Trăng is part of Cần Thơ since 1 July 2025; the bundled articles name no other part.
    assert target_rows(docs, "Cần Thơ") == soc_trang
    assert target_rows(docs, "soc trang") == soc_trang
    assert {r["province"] for r in target_rows(docs, "Tuyên Quang")} == {"Tuyên Quang"}
    assert target_rows(docs, "Cà Mau") == []
    assert target_rows(docs, "Không phải tỉnh") == []


def test_indicator_filter_is_exact_for_a_chosen_indicator_and_partial_for_typed_text():
    docs = target_docs()
    choices = indicator_choices(docs)
    assert choices[0] == ALL_INDICATORS
    assert len(choices) == len(set(choices)) and "xếp hạng DTI" in choices
    assert indicator_choices(docs, "Cần Thơ") == indicator_choices(docs, "Sóc Trăng")
    assert "xếp hạng DTI (số bậc tăng)" in indicator_choices(docs, "Sóc Trăng")
    assert "cán bộ, công chức được tập huấn" not in indicator_choices(docs, "Sóc Trăng")
    exact = target_rows(docs, None, "xếp hạng DTI")
    assert exact and {r["indicator"] for r in exact} == {"xếp hạng DTI"}
    typed = target_rows(docs, None, "DTI")
    assert {r["indicator"] for r in typed} >= {"xếp hạng DTI", "xếp hạng DTI (số bậc tăng)"}
    assert target_rows(docs, ALL_PROVINCES, ALL_INDICATORS) == target_rows(docs)


def test_target_rows_sort_by_province_indicator_or_status():
    docs = target_docs()
    rank = {name: i for i, name in enumerate(all_names())}
    by_province = target_rows(docs, sort="province")
    provinces = [r["province"] for r in by_province]
    assert provinces == sorted(provinces, key=rank.__getitem__)
    assert provinces[0] == "Quảng Ninh" and provinces[-1] == "Tuyên Quang"
    by_status = [r["status"] for r in target_rows(docs, sort="status")]
    assert by_status[:2] == ["chưa đạt", "chưa đạt"] and by_status[-1] == "chưa rõ"
    assert by_status.index("đạt") < by_status.index("vượt") < by_status.index("chưa rõ")
    by_indicator = [r["indicator"] for r in target_rows(docs, sort="indicator")]
    assert by_indicator[0].startswith("báo cáo") and by_indicator[-1].startswith("xử lý")
    keys = [strip_diacritics(fold(name)) for name in by_indicator]
    assert keys == sorted(keys)


def test_a_click_finds_its_row_by_index_or_by_the_cells_shown():
    rows = target_rows(target_docs(), "Sóc Trăng")
    shown = target_table(rows)
    assert pick_target(rows, [3, 5]) is rows[3]
    assert pick_target(rows, [3, 0], shown[3]) is rows[3]
    # A stale or re-ordered index: the cells shown decide.
    assert pick_target(rows, [0, 1], shown[6]) is rows[6]
    assert pick_target(rows, 99) is None and pick_target([], [0, 0]) is None
    assert pick_target(rows, [0, 0], ["nothing"] * 8) is None
    assert pick_target(rows, None) is None


def test_a_targets_row_opens_its_document_at_the_sentence_escaped():
    quote = f"Kinh tế số đạt 7,41% GRDP {XSS_IMG}."
    start = EVIL_TEXT.index("Kinh tế số đạt")
    row = {"quote": quote, "start": start, "end": start + len(quote), "doc_id": "d1"}
    view = lookup("d1")
    markup = target_document_html(view, row)
    assert_inert(markup)
    assert '<mark id="vd-target" class="vd-target">Kinh tế số đạt 7,41% GRDP &lt;img' in markup
    # Offsets from an older version of the text: the sentence is found again.
    moved = target_document_html(view, {**row, "start": 3, "end": 3 + len(quote)})
    assert moved == markup
    gone = target_document_html(view, {**row, "quote": "Câu không còn trong tài liệu."})
    assert "Không tìm thấy câu này" in gone and "<mark" not in gone
    assert "không còn trong thư viện" in target_document_html(None, row)
