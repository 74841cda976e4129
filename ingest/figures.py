"""The figures of a sentence: values, ranks, groups and scores, each exactly as written.

Percentages ("trên 99%", "7,41%"), counts ("1.880", "hơn 132.000", "gần 1,18
triệu", and with the administrative units they count: "tối thiểu 2 huyện, thị
xã, thành phố"), fractions ("8/10"), ranks ("hạng 57", "thứ 4"), rank changes
("20 bậc"), groups ("nhóm khá", "một trong những tỉnh xếp loại khá", "nhóm dẫn
đầu khu vực miền Bắc") and component scores ("Chính quyền số (0,6617)"). Years,
dates, document numbers ("07-NQ/TU", "Nghị quyết 07", "Đề án 06"), technology
names ("4G", "4.0"), durations and ages ("3 năm", "15 tuổi") and counts of plan
parts ("3 trụ cột", "90 nhiệm vụ") are not figures.

Each figure gets a role from the words around it: the reference of a
comparison ("so với chỉ tiêu đặt ra là 20%") is a target, a completion ratio
("95% kế hoạch") a ratio, a change ("tăng 5%") a growth, an average or a
starting rank ("từ hạng 57") is ignored; anything else is a value.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ingest.normalize import folded_words

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_QUAL = r"(?:(?:hơn|trên|gần|khoảng|tối thiểu|ít nhất|tối đa|dưới|xấp xỉ)\s+)?"
_PERCENT = re.compile(rf"(?<![\w.,/-])(?:{_QUAL})(?:{_NUM})\s*%")
_COUNT = re.compile(
    rf"(?<![\w.,/%-])(?:{_QUAL})(?P<n>{_NUM})(?![\w%/-]|[.,]\d)"
    r"(?:\s+(?:triệu|nghìn|ngàn|tỷ|vạn)(?!\w))?(?=\s+[^\W\d_])"
)
_ADMIN = r"(?:thành phố|thị xã|thị trấn|tổ dân phố|khu phố|tỉnh|huyện|quận|xã|phường|thôn|bản|ấp)"
_ADMIN_UNITS = re.compile(rf"\s+{_ADMIN}(?!\w)(?:(?:\s*,\s*|\s+và\s+|\s+hoặc\s+){_ADMIN}(?!\w))*")
_FRACTION = re.compile(r"(?<![\w.,/-])(\d{1,3})/(\d{1,3})(?![\w/%-]|[.,]\d)")
_RANK = re.compile(
    r"(?<!\w)hạng(?:\s+thứ)?\s+\d{1,3}(?:/\d{1,3})?(?![\w/]|[.,]\d)"
    r"|(?:(?<=đứng )|(?<=xếp )|(?<=trí ))thứ\s+\d{1,3}(?:/\d{1,3})?(?![\w/]|[.,]\d)"
)
_STEPS = re.compile(r"(?<![\w.,/-])\d{1,3}\s+bậc(?!\w)")
_GROUP = re.compile(
    r"(?<!\w)(?:(?:một trong (?:những|các|số)|nhóm|top)(?!\w)[^;:.()!?\n]{0,60}?"
    r"(?<!\w)(?:xuất sắc|khá|tốt|giỏi|cao nhất|dẫn đầu|đứng đầu|đầu)(?!\w)"
    r"|xếp loại\s+(?:xuất sắc|khá|tốt|giỏi|trung bình))"
    r"(?:\s+(?:khu vực|cả nước|toàn quốc|vùng|miền)(?!\w)[^,;:.()!?\n]*)?"
)
_SCORE = re.compile(r"\(\s*(\d+,\d+)\s*\)")


# Words right after a number that make it no indicator value: time spans, ages,
# parts of a plan, and function words ("Nghị quyết 07 và ...").
_NOT_UNITS = folded_words(
    "năm tháng ngày tuần quý giờ phút giây tuổi lần cấp trụ trục nhóm nhiệm giải bước"
    " giai khóa kỳ nội đợt vòng phiên điều khoản chương mục chỉ hạng bậc và của với là do"
    " thì mà để cho từ đến trong trên tại ở hoặc hay nay"
)
# Words right before a number that make it a name or a level, not a value.
_NAMING = re.compile(
    r"(?:nghị quyết|quyết định|đề án|kế hoạch|chỉ thị|thông tư|nghị định|luật|công văn"
    r"|chương trình|khóa|điều|khoản|mức độ|cấp độ|mức|phiên bản|lần thứ|thứ|năm|tháng"
    r"|ngày|quý|giai đoạn|top|lúc|số hiệu|phiên|nhóm)\s+$"
)
_ACRONYM = re.compile(r"(?:^|\s)[A-ZĐ][A-ZĐ0-9]+\s+$")
_DATE_WORDS = re.compile(r"(?:ngày|tháng|đêm|sáng|chiều|tối|hôm)\s+$")

_TARGET_REF = re.compile(
    r"(?:so với\s+(?:chỉ tiêu|mục tiêu|kế hoạch)[^\d;:()%]{0,40}?"
    r"|(?:chỉ tiêu|mục tiêu|kế hoạch)(?:\s+(?:đặt ra|đề ra|được giao))?(?:\s+là|\s*:)?)\s*$"
)
_RATIO_AFTER = re.compile(r"\s+(?:so với\s+)?(?:chỉ tiêu|mục tiêu|kế hoạch)(?!\w)")
_GROWTH_BEFORE = re.compile(r"(?:tăng|giảm)(?:\s+thêm)?\s+$")
_BASELINE_BEFORE = re.compile(r"(?:bình quân|trung bình)[^\d;:]{0,25}$")

# The kinds of value, best first when a row has several: "vượt lên 20 bậc
# (hạng 36)" is reported as hạng 36, "644.136 người ..., chiếm 69,29%" as 69,29%.
_PRIORITY = ("rank", "steps", "group", "percent", "fraction", "count")
# Kinds that place the province in a ranking: labelled by the index ranked, not by INDICATORS.
RANKS = frozenset({"rank", "steps", "group"})


@dataclass
class Figure:
    kind: str  # group | rank | steps | score | percent | fraction | count
    start: int  # in the sentence
    end: int
    value: str
    role: str = "value"  # value | target | ratio | growth | ignore
    name: str = ""  # the component a score belongs to


def _before(low: str, pos: int, width: int = 40) -> str:
    return low[max(0, pos - width) : pos]


def figures(s: str, low: str) -> list[Figure]:
    """Every figure in sentence `s` (`low` is its folded form, same length), in order.

    Where candidates overlap, the more specific kind wins, then the longer one.
    """
    found = [
        *_matched(s, low),
        *_fractions(low),
        *_counts(s, low),
        *_scores(s),
    ]
    found.sort(key=lambda f: (_OVERLAP_ORDER.index(f.kind), -(f.end - f.start), f.start))
    kept: list[Figure] = []  # in text order, never overlapping: only neighbours can clash
    for figure in found:
        i = bisect_left(kept, figure.start, key=lambda k: k.start)
        clashes_before = i > 0 and kept[i - 1].end > figure.start
        clashes_after = i < len(kept) and kept[i].start < figure.end
        if not (clashes_before or clashes_after):
            kept.insert(i, figure)
    for figure in kept:
        _assign_role(figure, low)
    return kept


_OVERLAP_ORDER = ("group", "rank", "steps", "score", "percent", "fraction", "count")


def primary(values: list[Figure]) -> Figure | None:
    """The value a row reports: the best kind of plain value, else a ratio, else a growth."""
    for kind in _PRIORITY:
        for figure in values:
            if figure.kind == kind and figure.role == "value":
                return figure
    for role in ("ratio", "growth"):
        for figure in values:
            if figure.role == role:
                return figure
    return None


def number(value: str) -> float | None:
    """The number in a figure as written ("1.880" -> 1880.0, "7,41%" -> 7.41)."""
    match = re.search(_NUM, value)
    if match is None:
        return None
    return float(match.group(0).replace(".", "").replace(",", "."))


def _matched(s: str, low: str) -> list[Figure]:
    """Groups, ranks, rank changes and percentages: whatever their pattern matches."""
    kinds = ((_GROUP, "group"), (_RANK, "rank"), (_STEPS, "steps"), (_PERCENT, "percent"))
    return [
        Figure(kind, match.start(), match.end(), s[match.start() : match.end()])
        for pattern, kind in kinds
        for match in pattern.finditer(low)
    ]


def _fractions(low: str) -> list[Figure]:
    """Proper fractions ("8/10"), not dates ("ngày 17/10")."""
    found = []
    for match in _FRACTION.finditer(low):
        num, den = int(match.group(1)), int(match.group(2))
        if den > 0 and num <= den and not _DATE_WORDS.search(_before(low, match.start())):
            found.append(Figure("fraction", match.start(), match.end(), match.group(0)))
    return found


def _counts(s: str, low: str) -> list[Figure]:
    return [f for match in _COUNT.finditer(low) if (f := _count(s, low, match)) is not None]


def _scores(s: str) -> list[Figure]:
    """Component scores in parentheses after a capitalized name."""
    found = []
    for match in _SCORE.finditer(s):
        name = _component_name(s, match.start())
        if name:
            found.append(Figure("score", match.start(), match.end(), match.group(1), name=name))
    return found


def _count(s: str, low: str, match: re.Match[str]) -> Figure | None:
    digits = match.group("n")
    if re.fullmatch(r"(?:19|20)\d\d", digits):
        return None  # a year
    preceding = _before(low, match.start())
    if _NAMING.search(preceding) or _ACRONYM.search(_before(s, match.start())):
        return None
    if re.search(r"\d\s+$", preceding):
        return None  # a number broken by a space ("DTI 202 1")
    nxt = re.match(r"\s+([^\W\d_]+)", low[match.end() :])
    if nxt is None or nxt.group(1) in _NOT_UNITS:
        return None
    end = match.end()
    units = _ADMIN_UNITS.match(low, end)
    if units is not None:
        end = units.end()
    return Figure("count", match.start(), end, s[match.start() : end])


def _component_name(s: str, paren: int) -> str:
    """'Chính quyền số' in '... là Chính quyền số (0,6617)'; '' unless it is capitalized."""
    head = s[:paren]
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(":"), head.rfind("("))
    for joiner in (" là ", " và ", " gồm "):
        at = head.rfind(joiner)
        if at >= 0:
            cut = max(cut, at + len(joiner) - 1)
    name = head[cut + 1 :].strip()
    if not name or not name[0].isupper() or len(name.split()) > 6:
        return ""
    return name


def _assign_role(figure: Figure, low: str) -> None:
    before = _before(low, figure.start, 60)
    if figure.kind == "rank" and re.search(r"(?<!\w)từ\s+(?:vị trí\s+|xếp\s+)?$", before):
        figure.role = "ignore"  # the starting point of "từ hạng 57 lên hạng 36"
    if figure.kind not in ("percent", "count", "fraction"):
        return
    if _TARGET_REF.search(before):
        figure.role = "target"
    elif _BASELINE_BEFORE.search(before):
        figure.role = "ignore"
    elif figure.kind == "percent" and _RATIO_AFTER.match(low, figure.end):
        figure.role = "ratio"
    elif figure.kind == "percent" and _GROWTH_BEFORE.search(before):
        figure.role = "growth"
