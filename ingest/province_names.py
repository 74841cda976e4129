"""Vietnam's provinces by name: the 63 before 1 July 2025, the 34 after, and their spellings.

Data only; `ingest.provinces` resolves and finds these names. The National
Assembly's Resolution 202/2025/QH15 merged 52 of the 63 provinces and
centrally-run cities into 23 new ones from 1 July 2025; the other 11 were left
as they were.
"""

from __future__ import annotations

from ingest.normalize import fold, strip_diacritics

# (old canonical name, the province it is part of since 1 July 2025, aliases).
# Tone-placement variants (Khánh Hoà / Khánh Hòa), case and missing diacritics
# are handled by the matching itself; aliases list other spellings and short
# forms. Ordered by the new province, the one that gave its name first.
PROVINCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # The 11 provinces and cities that the resolution left unchanged.
    ("Hà Nội", "Hà Nội", ("TP. Hà Nội", "Thành phố Hà Nội", "Thủ đô Hà Nội", "Hanoi")),
    ("Thừa Thiên Huế", "Huế", ("TT-Huế", "TP. Huế", "Thành phố Huế", "Huế")),
    ("Lai Châu", "Lai Châu", ()),
    ("Điện Biên", "Điện Biên", ()),
    ("Sơn La", "Sơn La", ()),
    ("Lạng Sơn", "Lạng Sơn", ()),
    ("Quảng Ninh", "Quảng Ninh", ()),
    ("Thanh Hóa", "Thanh Hóa", ()),
    ("Nghệ An", "Nghệ An", ()),
    ("Hà Tĩnh", "Hà Tĩnh", ()),
    ("Cao Bằng", "Cao Bằng", ()),
    # The 23 merged ones.
    ("Tuyên Quang", "Tuyên Quang", ()),
    ("Hà Giang", "Tuyên Quang", ()),
    ("Lào Cai", "Lào Cai", ()),
    ("Yên Bái", "Lào Cai", ()),
    ("Thái Nguyên", "Thái Nguyên", ()),
    ("Bắc Kạn", "Thái Nguyên", ("Bắc Cạn",)),
    ("Phú Thọ", "Phú Thọ", ()),
    ("Vĩnh Phúc", "Phú Thọ", ()),
    ("Hòa Bình", "Phú Thọ", ()),
    ("Bắc Ninh", "Bắc Ninh", ()),
    ("Bắc Giang", "Bắc Ninh", ()),
    ("Hưng Yên", "Hưng Yên", ()),
    ("Thái Bình", "Hưng Yên", ()),
    ("Hải Phòng", "Hải Phòng", ("TP. Hải Phòng", "Thành phố Hải Phòng")),
    ("Hải Dương", "Hải Phòng", ()),
    ("Ninh Bình", "Ninh Bình", ()),
    ("Hà Nam", "Ninh Bình", ()),
    ("Nam Định", "Ninh Bình", ()),
    ("Quảng Trị", "Quảng Trị", ()),
    ("Quảng Bình", "Quảng Trị", ()),
    ("Đà Nẵng", "Đà Nẵng", ("TP. Đà Nẵng", "Thành phố Đà Nẵng", "Danang")),
    ("Quảng Nam", "Đà Nẵng", ()),
    ("Quảng Ngãi", "Quảng Ngãi", ()),
    ("Kon Tum", "Quảng Ngãi", ("Kontum",)),
    ("Gia Lai", "Gia Lai", ()),
    ("Bình Định", "Gia Lai", ()),
    ("Khánh Hòa", "Khánh Hòa", ()),
    ("Ninh Thuận", "Khánh Hòa", ()),
    ("Lâm Đồng", "Lâm Đồng", ()),
    ("Đắk Nông", "Lâm Đồng", ("Đăk Nông", "Đắc Nông", "Daknong")),
    ("Bình Thuận", "Lâm Đồng", ()),
    ("Đắk Lắk", "Đắk Lắk", ("Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Đăk Lắk", "Đắk Lắc", "Daklak")),
    ("Phú Yên", "Đắk Lắk", ()),
    (
        "TP. Hồ Chí Minh",
        "TP. Hồ Chí Minh",
        (
            "Thành phố Hồ Chí Minh",
            "Hồ Chí Minh City",
            "TP.HCM",
            "TPHCM",
            "HCMC",
            "HCM",
            "Sài Gòn",
            "Saigon",
        ),
    ),
    ("Bình Dương", "TP. Hồ Chí Minh", ()),
    (
        "Bà Rịa - Vũng Tàu",
        "TP. Hồ Chí Minh",
        ("BR-VT", "BRVT", "Vũng Tàu", "Bà Rịa"),
    ),
    ("Đồng Nai", "Đồng Nai", ()),
    ("Bình Phước", "Đồng Nai", ()),
    ("Tây Ninh", "Tây Ninh", ()),
    ("Long An", "Tây Ninh", ()),
    ("Cần Thơ", "Cần Thơ", ("TP. Cần Thơ", "Thành phố Cần Thơ")),
    ("Sóc Trăng", "Cần Thơ", ()),
    ("Hậu Giang", "Cần Thơ", ()),
    ("Vĩnh Long", "Vĩnh Long", ()),
    ("Bến Tre", "Vĩnh Long", ()),
    ("Trà Vinh", "Vĩnh Long", ()),
    ("Đồng Tháp", "Đồng Tháp", ()),
    ("Tiền Giang", "Đồng Tháp", ()),
    ("Cà Mau", "Cà Mau", ()),
    ("Bạc Liêu", "Cà Mau", ()),
    ("An Giang", "An Giang", ()),
    ("Kiên Giang", "An Giang", ()),
)

# Names that are also ordinary words or phrases ("hòa bình" is peace, "cao
# bằng" is "as tall as", "hải dương" the ocean): matched with diacritics only
# when every word is capitalized.
STRICT_ACCENTED = frozenset(
    fold(name) for name in ("Hòa Bình", "Thái Bình", "Bình Định", "Cao Bằng", "Hải Dương")
)
# Without diacritics many more collide with common words ("da nang" is "đa
# năng", "dien bien" is "diễn biến", "hai phong" is "hai phòng"): those match
# only when every word is capitalized ("Da Nang", "DIEN BIEN").
STRICT_BARE = frozenset(
    strip_diacritics(fold(name))
    for name in (
        "Hòa Bình",
        "Thái Bình",
        "Bình Định",
        "Cao Bằng",
        "Hải Dương",
        "Hải Phòng",
        "Đà Nẵng",
        "Điện Biên",
        "Hà Nam",
        "Nam Định",
        "Sơn La",
        "Lâm Đồng",
        "Cà Mau",
        "Gia Lai",
        "Long An",
        "Nghệ An",
        "Phú Thọ",
        "Thanh Hóa",
        "Hà Tĩnh",
        "Huế",
        "Bà Rịa",
        "Vĩnh Phúc",
        "Phú Yên",
        "Hà Giang",
        "An Giang",
        "Tây Ninh",
        "Bắc Ninh",
        "Ninh Bình",
        "Vĩnh Long",
        "Đồng Nai",
        "Yên Bái",
        "Lai Châu",
    )
)
# Longer phrases that contain a province name but do not mean the province:
# the Pacific Ocean, the battle of Điện Biên Phủ, President Hồ Chí Minh.
NOT_PROVINCES = ("Thái Bình Dương", "Điện Biên Phủ", "Chủ tịch Hồ Chí Minh")
# Right before a name that is also a common phrase, a one-word name, or a name
# written without diacritics, a capitalized word from this list or an honorific
# makes it part of a person's name ("Nguyễn Thị Huế", "chị Huế", "Lê Hải Dương").
_SURNAMES_AND_MIDDLE_NAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lâm Mai"
    " Trương Đoàn Vương Trịnh Tô Tạ Lưu Châu Quách Lương Triệu Văn Thị Hữu Đình Xuân"
    " Thanh Ngọc Minh Quốc Công Đức Kim Thu"
)
NAME_WORDS = frozenset(fold(word) for word in _SURNAMES_AND_MIDDLE_NAMES.split())
_HONORIFIC_WORDS = "anh chị em cô bà ông bác chú cụ cháu bạn dì thím mợ"
HONORIFICS = frozenset(_HONORIFIC_WORDS.split())
