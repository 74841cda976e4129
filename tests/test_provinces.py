"""ingest.provinces: the 63 old provinces, the 34 new ones, and finding them in text."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from ingest.normalize import strip_diacritics
from ingest.province_names import PROVINCES
from ingest.provinces import (
    all_names,
    canonical,
    expand,
    find_provinces,
    merged_into,
    new_names,
    old_names,
)

# Resolution 202/2025/QH15: the 23 merged provinces and what they were made of.
MERGERS = {
    "Tuyên Quang": {"Tuyên Quang", "Hà Giang"},
    "Lào Cai": {"Lào Cai", "Yên Bái"},
    "Thái Nguyên": {"Thái Nguyên", "Bắc Kạn"},
    "Phú Thọ": {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"},
    "Bắc Ninh": {"Bắc Ninh", "Bắc Giang"},
    "Hưng Yên": {"Hưng Yên", "Thái Bình"},
    "Hải Phòng": {"Hải Phòng", "Hải Dương"},
    "Ninh Bình": {"Ninh Bình", "Hà Nam", "Nam Định"},
    "Quảng Trị": {"Quảng Trị", "Quảng Bình"},
    "Đà Nẵng": {"Đà Nẵng", "Quảng Nam"},
    "Quảng Ngãi": {"Quảng Ngãi", "Kon Tum"},
    "Gia Lai": {"Gia Lai", "Bình Định"},
    "Khánh Hòa": {"Khánh Hòa", "Ninh Thuận"},
    "Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
    "Đắk Lắk": {"Đắk Lắk", "Phú Yên"},
    "TP. Hồ Chí Minh": {"TP. Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"},
    "Đồng Nai": {"Đồng Nai", "Bình Phước"},
    "Tây Ninh": {"Tây Ninh", "Long An"},
    "Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
    "Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
    "Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
    "Cà Mau": {"Cà Mau", "Bạc Liêu"},
    "An Giang": {"An Giang", "Kiên Giang"},
}
UNCHANGED = [
    "Hà Nội",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Lạng Sơn",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Cao Bằng",
]


# --- the table --------------------------------------------------------------------------------


def test_there_are_63_old_provinces_each_once():
    assert len(old_names()) == 63
    assert len(set(old_names())) == 63
    assert len(PROVINCES) == 63


def test_there_are_34_new_provinces_23_merged_and_11_unchanged():
    assert len(new_names()) == 34
    members = Counter(merged_into(old) for old in old_names())
    assert sum(1 for n in members.values() if n > 1) == 23
    assert sum(1 for n in members.values() if n == 1) == 11


def test_each_merged_province_covers_the_old_ones_of_resolution_202():
    for new, members in MERGERS.items():
        assert set(expand(new)) == members, new
        assert expand(new)[0] == new  # the one that gave its name comes first
        assert {merged_into(old) for old in members} == {new}


def test_unchanged_provinces_map_to_themselves():
    for name in UNCHANGED:
        assert merged_into(name) == name
        assert expand(name) == (name,)


def test_thua_thien_hue_is_the_city_of_hue_since_2025():
    assert merged_into("Thừa Thiên Huế") == "Huế"
    assert expand("Huế") == ("Thừa Thiên Huế",)
    assert canonical("Huế") == "Thừa Thiên Huế"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Sóc Trăng", "Cần Thơ"),
        ("Hậu Giang", "Cần Thơ"),
        ("Hà Giang", "Tuyên Quang"),
        ("Long An", "Tây Ninh"),
        ("Bình Dương", "TP. Hồ Chí Minh"),
        ("Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh"),
        ("Quảng Ninh", "Quảng Ninh"),
        ("Kon Tum", "Quảng Ngãi"),
        ("Bình Định", "Gia Lai"),
        ("Quảng Nam", "Đà Nẵng"),
    ],
)
def test_merged_into_gives_the_post_2025_province(old, new):
    assert merged_into(old) == new


def test_an_old_name_that_is_no_new_name_expands_to_itself_only():
    assert expand("Sóc Trăng") == ("Sóc Trăng",)
    assert expand("soc trang") == ("Sóc Trăng",)
    assert expand("Cần Thơ") == ("Cần Thơ", "Sóc Trăng", "Hậu Giang")
    assert expand("Can Tho") == ("Cần Thơ", "Sóc Trăng", "Hậu Giang")


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("TP.HCM", "TP. Hồ Chí Minh"),
        ("TPHCM", "TP. Hồ Chí Minh"),
        ("TP HCM", "TP. Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"),
        ("Sài Gòn", "TP. Hồ Chí Minh"),
        ("HCM", "TP. Hồ Chí Minh"),
        ("Huế", "Thừa Thiên Huế"),
        ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("BR-VT", "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Đắc Lắc", "Đắk Lắk"),
        ("Đăk Lăk", "Đắk Lắk"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Hoà Bình", "Hòa Bình"),
        ("tỉnh Long An", "Long An"),
        ("soc trang", "Sóc Trăng"),
        ("SÓC TRĂNG", "Sóc Trăng"),
        ("Bắc Cạn", "Bắc Kạn"),
    ],
)
def test_canonical_resolves_aliases_and_spellings(alias, name):
    assert canonical(alias) == name


def test_unknown_names_resolve_to_nothing():
    assert canonical("Xứ Đoài") is None
    assert expand("Xứ Đoài") == ()
    with pytest.raises(KeyError):
        merged_into("Xứ Đoài")


def test_all_names_lists_old_and_new_names_once_in_vietnamese_order():
    names = all_names()
    assert len(names) == len(set(names)) == 64  # 63 old + "Huế"
    assert set(old_names()) | set(new_names()) == set(names)
    assert names.index("Cà Mau") < names.index("Cần Thơ") < names.index("Đà Nẵng")
    assert names.index("Hà Nội") < names.index("TP. Hồ Chí Minh") < names.index("Huế")


# --- finding names in text --------------------------------------------------------------------


def test_every_old_province_is_found_with_and_without_diacritics():
    missed = []
    for name in old_names():
        accented = f"Đoàn công tác đã làm việc tại {name} trong hai ngày."
        bare = f"Doan cong tac da lam viec tai {strip_diacritics(name)} trong hai ngay."
        missed += [t for t in (accented, bare) if find_provinces(t) != (name,)]
    assert missed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lãnh đạo TP.HCM và TPHCM làm việc với Sài Gòn", ("TP. Hồ Chí Minh",)),
        ("Cán bộ tỉnh BR-VT và Bà Rịa – Vũng Tàu", ("Bà Rịa - Vũng Tàu",)),
        ("Cố đô Huế đón khách", ("Thừa Thiên Huế",)),
        ("còn huế thì sao", ("Thừa Thiên Huế",)),
        ("Tỉnh Đắc Lắc và Daklak", ("Đắk Lắk",)),
        ("Khánh Hoà và Khánh Hòa", ("Khánh Hòa",)),
        ("chuyen doi so o soc trang va hau giang", ("Sóc Trăng", "Hậu Giang")),
        ("SÓC TRĂNG VÀ HẬU GIANG", ("Sóc Trăng", "Hậu Giang")),
    ],
)
def test_aliases_spellings_and_case_are_matched(text, expected):
    assert find_provinces(text) == expected


def test_nfd_text_and_both_tone_placements_match():
    text = unicodedata.normalize("NFD", "Tỉnh Khánh Hoà và tỉnh Thanh Hóa, Hoà Bình")
    assert find_provinces(text) == ("Khánh Hòa", "Thanh Hóa", "Hòa Bình")


def test_names_match_at_word_boundaries_only():
    assert find_provinces("Anh Long Anh và chị Hà Nama") == ()
    assert find_provinces("Hà Nam và Hà Nội") == ("Hà Nam", "Hà Nội")
    assert find_provinces("Quảng Nam, Quảng Ngãi") == ("Quảng Nam", "Quảng Ngãi")
    assert find_provinces("Bình Định và Bình Dương") == ("Bình Định", "Bình Dương")


@pytest.mark.parametrize(
    "sentence",
    [
        "Chuyển đổi số là nhiệm vụ trọng tâm, xuyên suốt của cả hệ thống chính trị.",
        "Thế giới cần hòa bình và thái bình để phát triển.",
        "Diễn biến thời tiết phức tạp, cao bằng năm ngoái.",
        "Thiết bị đa năng giúp hai phòng họp kết nối trực tuyến.",
        "thiet bi da nang, dien bien thoi tiet, hoa binh the gioi",
        "Tàu vượt Thái Bình Dương trong 20 ngày.",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh ra quân.",
        "Chiến thắng Điện Biên Phủ năm 1954.",
        "Bà Nguyễn Thị Huế và chị Huế cùng ông Lê Hải Dương dự họp.",
        "Viện Hải dương học công bố báo cáo.",
    ],
)
def test_no_province_is_found_in_a_sentence_without_one(sentence):
    assert find_provinces(sentence) == ()


def test_provinces_are_ordered_by_mentions_then_by_first_mention():
    text = "Long An hợp tác với Tây Ninh. Tây Ninh và Cần Thơ; Tây Ninh, Cần Thơ."
    assert find_provinces(text) == ("Tây Ninh", "Cần Thơ", "Long An")
    assert find_provinces("Bến Tre, Trà Vinh") == ("Bến Tre", "Trà Vinh")
