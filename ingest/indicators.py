"""What a row of targets is about: its indicator, as a short Vietnamese label.

A label comes from `INDICATORS`, matched on the diacritic-free folded text of
the row's clause, then the sentence, then the previous row of the sentence or
paragraph; ranks are labelled by the index the sentence names ("xếp hạng
DTI").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.figures import Figure
from ingest.normalize import fold, folded_words, strip_diacritics

# (label, keys): the first entry whose keys all occur labels the row. A key is
# one or more Vietnamese phrases separated by "|", compared without diacritics
# at word boundaries. Specific entries come before general ones.
INDICATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "người đứng đầu dùng chữ ký số, xử lý công việc trên hệ thống chính quyền điện tử",
        ("người đứng đầu", "chữ ký số"),
    ),
    ("chữ ký số trong giao dịch doanh nghiệp - chính quyền", ("chữ ký số", "giao dịch")),
    ("chữ ký số", ("chữ ký số|chữ ký điện tử|ký số",)),
    ("hộp thư công vụ cho công chức", ("hộp thư công vụ|thư điện tử công vụ",)),
    ("xử lý văn bản trên môi trường mạng", ("văn bản", "môi trường mạng")),
    ("văn bản điện tử", ("văn bản điện tử|văn bản số",)),
    (
        "công việc xử lý trên hệ thống chính quyền điện tử",
        ("công việc", "chính quyền điện tử|chính quyền số"),
    ),
    ("hóa đơn điện tử", ("hóa đơn điện tử",)),
    ("hợp đồng điện tử", ("hợp đồng điện tử",)),
    ("tài khoản thanh toán trực tuyến", ("tài khoản", "thanh toán")),
    ("thanh toán không dùng tiền mặt", ("thanh toán không dùng tiền mặt|thanh toán điện tử",)),
    ("tài khoản ứng dụng", ("tài khoản", "ứng dụng|app")),
    ("ứng dụng bảo hiểm xã hội số", ("bảo hiểm xã hội số|vssid",)),
    ("định danh điện tử", ("định danh điện tử|vneid|danh tính số",)),
    ("thành viên tổ công nghệ số cộng đồng", ("thành viên", "tổ công nghệ số")),
    ("tổ công nghệ số cộng đồng", ("tổ công nghệ số",)),
    ("điểm cầu hội nghị truyền hình", ("điểm cầu|hội nghị truyền hình",)),
    ("số hóa kết quả giải quyết thủ tục hành chính", ("số hóa", "kết quả giải quyết")),
    ("số hóa hồ sơ thủ tục hành chính", ("số hóa", "hồ sơ")),
    ("hồ sơ trực tuyến", ("hồ sơ", "trực tuyến")),
    ("dịch vụ công trực tuyến mức độ 4", ("dịch vụ công", "mức độ 4")),
    ("dịch vụ công trực tuyến toàn trình", ("dịch vụ công", "toàn trình")),
    ("dịch vụ công trực tuyến", ("dịch vụ công",)),
    ("dịch vụ hành chính công", ("dịch vụ hành chính công",)),
    ("hạ tầng cáp quang, 3G, 4G phủ hộ dân", ("cáp quang",)),
    (
        "hạ tầng viễn thông di động, Internet băng rộng",
        ("băng rộng|viễn thông di động|sóng di động|phủ sóng",),
    ),
    ("điện thoại thông minh", ("điện thoại thông minh|smartphone",)),
    ("doanh nghiệp nhỏ và vừa tiếp cận nền tảng chuyển đổi số", ("doanh nghiệp nhỏ và vừa",)),
    ("thương mại điện tử", ("thương mại điện tử|sàn giao dịch",)),
    ("đô thị thông minh", ("đô thị thông minh",)),
    ("xã hoàn thành nền tảng chuyển đổi số", ("nền tảng chuyển đổi số",)),
    ("phổ cập kỹ năng số", ("kỹ năng số|kỹ năng sử dụng",)),
    ("chỉ tiêu nhận thức số", ("nhận thức số",)),
    ("chỉ tiêu thể chế số", ("thể chế số",)),
    ("chỉ tiêu nhân lực số", ("nhân lực số",)),
    ("chỉ tiêu an toàn thông tin mạng", ("an toàn thông tin",)),
    (
        "báo cáo định kỳ, thống kê kết nối trên hệ thống thông tin báo cáo",
        ("báo cáo", "kết nối|tích hợp|chia sẻ dữ liệu|hệ thống thông tin báo cáo"),
    ),
    ("kinh tế số / GRDP", ("kinh tế số",)),
    ("cơ sở dữ liệu", ("cơ sở dữ liệu",)),
    ("chỉ số DTI", ("dti|chỉ số chuyển đổi số",)),
)

# Indices whose ranks provinces report; "xếp hạng DTI" and so on.
INDEX_NAMES = re.compile(r"\b(DTI|PCI|PAPI|PAR ?INDEX|SIPAS|ICT ?INDEX|PII)\b")


def _bare(text: str) -> str:
    return strip_diacritics(fold(text))


def _key_pattern(key: str) -> re.Pattern[str]:
    options = "|".join(re.escape(_bare(option.strip())) for option in key.split("|"))
    return re.compile(rf"(?<!\w)(?:{options})(?!\w)")


_INDICATOR_KEYS = tuple(
    (label, tuple(_key_pattern(key) for key in keys)) for label, keys in INDICATORS
)


@lru_cache(maxsize=4096)
def indicator_of(text: str) -> str | None:
    """The label of the first `INDICATORS` entry whose keys all occur in `text`.

    Kept per text: a sentence's rows ask it for the same sentence and clauses again."""
    bare = _bare(text)
    for label, keys in _INDICATOR_KEYS:
        if all(key.search(bare) for key in keys):
            return label
    return None


def rank_label(quote: str, context: str, previous: str | None, kind: str) -> str:
    """'xếp hạng DTI' for the index the row names, else the sentence's previous rank, ...

    `context` is the paragraph, which says what is ranked when the sentence does not.
    """
    index = INDEX_NAMES.search(quote)
    if index:
        return f"xếp hạng {index.group(1)}"
    if "xếp loại" in fold(quote):
        return "xếp loại chuyển đổi số" if "chuyển đổi số" in fold(context) else "xếp loại"
    if previous:
        return previous
    index = INDEX_NAMES.search(context)
    if index:
        return f"xếp hạng {index.group(1)}"
    digital = "chuyển đổi số" in fold(context)
    if kind == "group":
        return "nhóm chuyển đổi số" if digital else "nhóm xếp hạng"
    return "xếp hạng chuyển đổi số" if digital else "xếp hạng"


_STOP_LABEL = folded_words("được đã đạt có của với để và trên trong từ đến là thì phục vụ tại ở")


def _unit_after(s: str, end: int, limit: int = 4) -> str:
    """The words naming what a number counts: '1.871 tổ công nghệ số' -> 'tổ công nghệ số'."""
    found = []
    for match in re.finditer(r"\s*([^\W\d_]+|[^\s\w]|\d\S*)", s[end:]):
        word = match.group(1)
        if not re.fullmatch(r"[^\W\d_]+", word) or fold(word) in _STOP_LABEL:
            break
        found.append(word)
        if len(found) == limit:
            break
    return " ".join(found)


def _with_unit(label: str, figure: Figure, s: str) -> str:
    """An inherited label, named after the unit the figure counts when that differs."""
    if figure.kind != "count":
        return label
    unit = _unit_after(s, figure.end, 2)
    if not unit or _bare(unit.split()[0]) in _bare(label).split():
        return label
    return f"{unit} {label}"


def indicator_label(
    quote: str,
    clause: str,
    sentence: str,
    previous: str | None,
    carried: str | None,
    figure: Figure,
    low: str,
) -> str:
    """The row's label, from the nearest text that names one.

    In order: the `INDICATORS` entry the quote or clause names; the label of the
    sentence's previous row; the entry the sentence names; the paragraph's last
    label (`carried`); the words naming what the figure counts; "tỷ lệ ..."; and
    at worst "chỉ tiêu".
    """
    for scope in (quote, clause):
        label = indicator_of(scope)
        if label:
            return label
    if previous:
        return _with_unit(previous, figure, sentence)
    label = indicator_of(sentence)
    if label:
        return label
    if carried:
        return _with_unit(carried, figure, sentence)
    unit = _unit_after(sentence, figure.end)
    if unit:
        return unit
    after = re.search(r"tỷ lệ\s+(.{1,60}?)(?:\s+(?:đạt|là|chiếm)\b|[,;:(]|$)", low)
    if after:
        return sentence[after.start(1) : after.end(1)]
    return "chỉ tiêu"
