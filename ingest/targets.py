"""Provincial targets and results, extracted deterministically from Vietnamese reports.

`extract_targets(text, blocks, source, provinces)` reads the content blocks of
a document sentence by sentence and returns one `Target` per indicator that a
sentence states with a figure or a rank: what the province aims for
(`target`, `deadline`) or what it reached (`achieved`, `as_of`, `status`),
with the clause that says so quoted exactly (`text[start:end] == quote`).

How a sentence is read:

* Clauses. A sentence is cut at ";" and ":" (outside parentheses); a clause
  is cut again at "," (and before "và" when a figure follows) into segments.
  A segment holding a figure starts a new row; a segment without one stays
  with its neighbour, and a segment that continues the previous one ("chiếm
  tỷ lệ 69,29%", "vượt 139% chỉ tiêu", "(so với chỉ tiêu là 100%)", "sớm
  hơn 3 năm so với ...") is merged into it. So "A đạt 100%, B đạt 50%" gives
  two rows, "... đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%)" one.
* Figures, kept exactly as written with their qualifier: percentages ("trên
  99%", "7,41%"), counts ("1.880", "hơn 132.000", "gần 1,18 triệu", and
  with the administrative units they count: "tối thiểu 2 huyện, thị xã,
  thành phố"), fractions ("8/10"), ranks ("hạng 57", "thứ 4"), rank changes
  ("20 bậc"), groups ("nhóm khá", "một trong những tỉnh xếp loại khá",
  "nhóm dẫn đầu khu vực miền Bắc") and component scores ("Chính quyền số
  (0,6617)"). Years, dates, document numbers ("07-NQ/TU", "Nghị quyết 07",
  "Đề án 06"), technology names ("4G", "4.0"), durations and ages ("3 năm",
  "15 tuổi") and counts of plan parts ("3 trụ cột", "90 nhiệm vụ") are not
  figures. A group (no number in it) needs a year or a target word in the
  sentence.
* Target or result. A figure is a target when a target word comes before it
  in the sentence ("mục tiêu", "phấn đấu", "kế hoạch", "dự thảo", "định
  hướng", "sẽ", "đề xuất", ...; not "đạt/vượt/hoàn thành mục tiêu"), or when
  it is the reference of a comparison ("so với chỉ tiêu đặt ra là 20%",
  "chỉ tiêu là 100%"). Otherwise it is a result.
* Time. `deadline` is the year of the nearest time phrase before the target
  ("đến năm 2025" -> "2025"); `as_of` the nearest time phrase before the
  result as written ("năm 2022" -> "2022", "cuối năm 2023", "tháng 10/2023").
* Status, only from what the text says: "chưa đạt"/"không đạt" -> chưa đạt;
  "vượt ... chỉ tiêu/mục tiêu/kế hoạch", "đạt và vượt" -> vượt; "đạt/hoàn
  thành chỉ tiêu", "sớm hơn ... so với chỉ tiêu" -> đạt; a completion ratio
  ("đạt 95% kế hoạch") by its size; two percentages of one clause (result and
  target) by comparison; otherwise "chưa rõ". Targets are always "chưa rõ".
* Indicator: a short label from `INDICATORS`, matched on the diacritic-free
  folded text of the row's clause, then the sentence, then the previous row
  of the sentence or paragraph; ranks are labelled by the index the sentence
  names ("xếp hạng DTI"). `province`: the province the clause or sentence
  names, else the document's main one.

Sentences come from `ingest.sentences.split_sentences`. Offsets refer to the
text exactly as loaded (NFC, as `ingest.load` returns it); other forms keep
`text[start:end] == quote` but match less.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import partial

from ingest.document import Span
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import find_provinces
from ingest.sentences import split_sentences

REACHED = "đạt"
EXCEEDED = "vượt"
MISSED = "chưa đạt"
UNKNOWN = "chưa rõ"
STATUSES = (REACHED, EXCEEDED, MISSED, UNKNOWN)


@dataclass(frozen=True)
class Target:
    """One indicator of one province: the value aimed for and/or the value reached."""

    province: str | None
    indicator: str
    target: str | None
    deadline: str | None
    achieved: str | None
    as_of: str | None
    status: str
    source: str
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --- indicators ----------------------------------------------------------------------------

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
_INDEX_NAMES = re.compile(r"\b(DTI|PCI|PAPI|PAR ?INDEX|SIPAS|ICT ?INDEX|PII)\b")


def _bare(text: str) -> str:
    return strip_diacritics(fold(text))


def _key_pattern(key: str) -> re.Pattern[str]:
    options = "|".join(re.escape(_bare(option.strip())) for option in key.split("|"))
    return re.compile(rf"(?<!\w)(?:{options})(?!\w)")


_INDICATOR_KEYS = tuple(
    (label, tuple(_key_pattern(key) for key in keys)) for label, keys in INDICATORS
)


def indicator_of(text: str) -> str | None:
    """The label of the first `INDICATORS` entry whose keys all occur in `text`."""
    bare = _bare(text)
    for label, keys in _INDICATOR_KEYS:
        if all(key.search(bare) for key in keys):
            return label
    return None


# --- figures -------------------------------------------------------------------------------

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


def _folded_words(spaced: str) -> frozenset[str]:
    return frozenset(fold(word) for word in spaced.split())


# Words right after a number that make it no indicator value: time spans, ages,
# parts of a plan, and function words ("Nghị quyết 07 và ...").
_NOT_UNITS = _folded_words(
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
_RANKS = frozenset({"rank", "steps", "group"})


@dataclass
class _Figure:
    kind: str
    start: int  # in the sentence
    end: int
    value: str
    role: str = "value"  # value | target | ratio | growth | ignore
    name: str = ""  # the component a score belongs to


def _before(low: str, pos: int, width: int = 40) -> str:
    return low[max(0, pos - width) : pos]


def _figures(s: str, low: str) -> list[_Figure]:
    """Every figure in sentence `s` (`low` is its folded form, same length)."""
    found: list[_Figure] = []
    for match in _GROUP.finditer(low):
        found.append(_Figure("group", match.start(), match.end(), s[match.start() : match.end()]))
    for pattern, kind in ((_RANK, "rank"), (_STEPS, "steps"), (_PERCENT, "percent")):
        for match in pattern.finditer(low):
            found.append(_Figure(kind, match.start(), match.end(), s[match.start() : match.end()]))
    for match in _FRACTION.finditer(low):
        num, den = int(match.group(1)), int(match.group(2))
        if den > 0 and num <= den and not _DATE_WORDS.search(_before(low, match.start())):
            found.append(_Figure("fraction", match.start(), match.end(), match.group(0)))
    for match in _COUNT.finditer(low):
        figure = _count(s, low, match)
        if figure is not None:
            found.append(figure)
    for match in _SCORE.finditer(s):
        name = _component_name(s, match.start())
        if name:
            found.append(_Figure("score", match.start(), match.end(), match.group(1), name=name))
    found.sort(key=lambda f: (_overlap_order(f.kind), -(f.end - f.start), f.start))
    kept: list[_Figure] = []
    for figure in found:
        if all(figure.end <= k.start or figure.start >= k.end for k in kept):
            kept.append(figure)
    kept.sort(key=lambda f: f.start)
    for figure in kept:
        _assign_role(figure, low)
    return kept


def _overlap_order(kind: str) -> int:
    return ("group", "rank", "steps", "score", "percent", "fraction", "count").index(kind)


def _count(s: str, low: str, match: re.Match[str]) -> _Figure | None:
    number = match.group("n")
    if re.fullmatch(r"(?:19|20)\d\d", number):
        return None  # a year
    before = _before(low, match.start())
    if _NAMING.search(before) or _ACRONYM.search(_before(s, match.start())):
        return None
    if re.search(r"\d\s+$", before):
        return None  # a number broken by a space ("DTI 202 1")
    nxt = re.match(r"\s+([^\W\d_]+)", low[match.end() :])
    if nxt is None or nxt.group(1) in _NOT_UNITS:
        return None
    end = match.end()
    units = _ADMIN_UNITS.match(low, end)
    if units is not None:
        end = units.end()
    return _Figure("count", match.start(), end, s[match.start() : end])


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


def _assign_role(figure: _Figure, low: str) -> None:
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


# --- clauses and segments ------------------------------------------------------------------


def _cuts(low: str, start: int, end: int, marks: str) -> list[tuple[int, int]]:
    """Pieces of low[start:end] cut after each of `marks` outside parentheses."""
    pieces: list[tuple[int, int]] = []
    depth = 0
    cursor = start
    for i in range(start, end):
        ch = low[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in marks:
            between_digits = 0 < i < len(low) - 1 and low[i - 1].isdigit() and low[i + 1].isdigit()
            if not between_digits:
                pieces.append((cursor, i + 1))
                cursor = i + 1
    pieces.append((cursor, end))
    return [(a, b) for a, b in pieces if low[a:b].strip(" \t,;:")]


_CONTINUES = re.compile(
    r"\s*(?:\(|(?:và\s+)?(?:chiếm|đạt|vượt|tương đương|tương ứng|bằng|tăng|giảm|sớm hơn|cao hơn"
    r"|thấp hơn|gấp|so với|hoàn thành|trong khi|chưa|không)(?!\w))"
)
_INTRODUCES = re.compile(
    r"\s*(?:năm|đến|tới|tháng|thì|nếu|còn|riêng|trong đó|đối với|về|tại|ở|cuối|đầu"
    r"|tính đến|qua đó|ngoài ra|bên cạnh đó)(?!\w)"
)


@dataclass
class _Group:
    start: int
    end: int
    core_end: int
    figures: list[_Figure] = field(default_factory=list)
    core_open: bool = True


def _groups(low: str, clause: tuple[int, int], figures: list[_Figure]) -> list[_Group]:
    """The clause cut into rows: each starts at a segment that holds a figure."""
    segments: list[tuple[int, int]] = []
    for a, b in _cuts(low, clause[0], clause[1], ","):
        cursor = a
        for match in re.finditer(r"\s+và\s+", low[a:b]):
            split = a + match.start() + 1
            if any(split <= f.start < b and f.role != "ignore" for f in figures):
                if low[cursor:split].strip():
                    segments.append((cursor, split))
                cursor = split
        segments.append((cursor, b))

    def holds(seg: tuple[int, int]) -> list[_Figure]:
        return [f for f in figures if seg[0] <= f.start < seg[1] and f.role != "ignore"]

    groups: list[_Group] = []
    pending: list[tuple[int, int]] = []
    for seg in segments:
        inside = holds(seg)
        last = groups[-1] if groups else None
        refers_back = bool(inside) and all(f.role == "target" for f in inside)
        continues = refers_back or _CONTINUES.match(low, seg[0]) is not None
        if last is not None and not pending and last.core_open and continues:
            last.end = last.core_end = seg[1]
            last.figures.extend(inside)
        elif inside:
            start = pending[0][0] if pending else seg[0]
            groups.append(_Group(start, seg[1], seg[1], list(inside)))
            pending = []
        elif last is not None and not pending and not _INTRODUCES.match(low, seg[0]):
            last.end = seg[1]
            last.core_open = False
        else:
            pending.append(seg)
    if pending and groups:
        groups[-1].end = pending[-1][1]
        groups[-1].core_open = False
    return groups


# --- time, modality, status ----------------------------------------------------------------

_TIME = re.compile(
    r"(?<!\w)(?:(?P<when>cuối|đầu|giữa|hết)\s+)?năm\s+(?P<year>(?:19|20)\d\d)"
    r"(?![\d/]|\s*[-–]\s*\d)"
    r"|(?<!\w)(?P<month>tháng\s+\d{1,2}\s*/\s*(?P<myear>(?:19|20)\d\d))(?![\d/])"
    r"|(?<!\w)(?:đến|tới)\s+(?P<bare>(?:19|20)\d\d)(?![\d/]|\s*[-–]\s*\d)"
)


@dataclass(frozen=True)
class _Time:
    start: int
    as_of: str
    year: str


def _times(s: str, low: str) -> list[_Time]:
    times = []
    for match in _TIME.finditer(low):
        if match.group("year"):
            year = match.group("year")
            as_of = s[match.start() : match.end()] if match.group("when") else year
        elif match.group("month"):
            year = match.group("myear")
            as_of = s[match.start("month") : match.end("month")]
        else:
            year = as_of = match.group("bare")
        times.append(_Time(match.start(), as_of, year))
    return times


def _time_for(times: list[_Time], pos: int, group: _Group, low: str) -> _Time | None:
    """The nearest time phrase before `pos` in the sentence, else the first after it in the row.

    A later phrase behind a target word ("... theo kế hoạch đến năm 2030") is no time of it.
    """
    earlier = [t for t in times if t.start < pos]
    if earlier:
        return earlier[-1]
    later = [t for t in times if pos <= t.start < group.core_end]
    if later and not _TARGET_CUE.search(low, pos, later[0].start):
        return later[0]
    return None


_TARGET_CUE = re.compile(
    r"(?<!đạt )(?<!vượt )(?<!thành )(?<!với )(?<!hiện )(?<!\w)"
    r"(?:mục tiêu|phấn đấu|kế hoạch|dự thảo|định hướng|dự kiến|hướng tới|đề xuất|sẽ"
    r"|nhiệm vụ|chỉ tiêu đến năm|cần đạt)(?!\w)(?!\s+số\s+\d)"
)
_MISSED = re.compile(
    r"(?<!\w)(?:chưa đạt|không đạt|chưa hoàn thành|không hoàn thành"
    r"|thấp hơn (?:so với )?(?:chỉ tiêu|mục tiêu|kế hoạch))(?!\w)"
)
_EXCEEDED = re.compile(
    r"(?<!gần )(?<!\w)(?:đạt và vượt|vượt mức|vượt(?:\s+(?:xa|trước))?(?:\s+[\d.,]+\s*%)?"
    r"\s+(?:so với\s+)?(?:chỉ tiêu|mục tiêu|kế hoạch))(?!\w)"
)
_REACHED = re.compile(
    r"(?<!gần )(?<!\w)(?:(?:đạt|hoàn thành)(?:\s+\w+)?\s+(?:chỉ tiêu|mục tiêu|kế hoạch)"
    r"|sớm hơn[^;:]{0,40}?so với\s+(?:chỉ tiêu|mục tiêu|kế hoạch)|về đích)(?!\w)"
)


def _number(value: str) -> float | None:
    match = re.search(_NUM, value)
    if match is None:
        return None
    return float(match.group(0).replace(".", "").replace(",", "."))


def _status(
    core: str, achieved: _Figure | None, target: _Figure | None, ratio: _Figure | None
) -> str:
    if _MISSED.search(core):
        return MISSED
    if _EXCEEDED.search(core):
        return EXCEEDED
    if _REACHED.search(core):
        return REACHED
    if ratio is not None:
        share = _number(ratio.value)
        if share is not None:
            return EXCEEDED if share > 100 else REACHED if share == 100 else MISSED
    if (
        achieved is not None
        and target is not None
        and achieved.kind == target.kind == "percent"
        and not re.match(r"(?:hơn|trên|gần|khoảng|dưới|xấp xỉ)\s", fold(achieved.value))
    ):
        got, aim = _number(achieved.value), _number(target.value)
        if got is not None and aim is not None:
            return MISSED if got < aim else REACHED if got == aim else EXCEEDED
    return UNKNOWN


# --- labels --------------------------------------------------------------------------------


def _rank_label(quote: str, context: str, previous: str | None, kind: str) -> str:
    """'xếp hạng DTI' for the index the row names, else the sentence's previous rank, ...

    `context` is the paragraph, which says what is ranked when the sentence does not.
    """
    index = _INDEX_NAMES.search(quote)
    if index:
        return f"xếp hạng {index.group(1)}"
    if "xếp loại" in fold(quote):
        return "xếp loại chuyển đổi số" if "chuyển đổi số" in fold(context) else "xếp loại"
    if previous:
        return previous
    index = _INDEX_NAMES.search(context)
    if index:
        return f"xếp hạng {index.group(1)}"
    digital = "chuyển đổi số" in fold(context)
    if kind == "group":
        return "nhóm chuyển đổi số" if digital else "nhóm xếp hạng"
    return "xếp hạng chuyển đổi số" if digital else "xếp hạng"


_STOP_LABEL = _folded_words("được đã đạt có của với để và trên trong từ đến là thì phục vụ tại ở")


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


def _with_unit(label: str, figure: _Figure, s: str) -> str:
    """An inherited label, named after the unit the figure counts when that differs."""
    if figure.kind != "count":
        return label
    unit = _unit_after(s, figure.end, 2)
    if not unit or _bare(unit.split()[0]) in _bare(label).split():
        return label
    return f"{unit} {label}"


# --- extraction ----------------------------------------------------------------------------


def _lower(s: str) -> str:
    """`fold(s)` when it keeps every offset (it does for NFC text), else folded char by char."""
    low = fold(s)
    if len(low) == len(s):
        return low
    return "".join(c if len(f := fold(c)) != 1 else f for c in s)


def extract_targets(
    text: str, blocks: tuple[Span, ...], source: str, provinces: tuple[str, ...]
) -> list[Target]:
    """Targets and results stated in the content `blocks` of `text`, in document order."""
    main = provinces[0] if provinces else None
    rows: list[Target] = []
    for block in blocks:
        carried: str | None = None  # the last indicator of the paragraph so far
        for sentence in split_sentences(text, block.start, block.end):
            found = _sentence_rows(text, sentence, source, main, carried, block)
            rows.extend(found)
            if found:
                carried = found[-1].indicator
    return rows


def _sentence_rows(
    text: str, sentence: Span, source: str, main: str | None, carried: str | None, block: Span
) -> list[Target]:
    s = text[sentence.start : sentence.end]
    if not re.search(r"\d|nhóm|top|một trong|xếp loại", s, re.IGNORECASE):
        return []
    low = _lower(s)
    figures = _figures(s, low)
    if not figures:
        return []
    times = _times(s, low)
    sentence_province = find_provinces(s)
    context = text[block.start : block.end]
    rows: list[Target] = []
    previous_rank: str | None = None
    previous_label: str | None = None
    for clause in _cuts(low, 0, len(s), ";:"):
        clause_text = s[clause[0] : clause[1]]
        for group in _groups(low, clause, figures):
            start, end = _trim(s, group.start, group.end)
            if start >= end:
                continue
            quote_text = s[start:end]
            core = low[group.start : group.core_end]
            values = [f for f in group.figures if f.kind != "score"]
            scores = [f for f in group.figures if f.kind == "score"]
            place = find_provinces(quote_text) or sentence_province
            province = place[0] if place else main

            span = Span(sentence.start + start, sentence.start + end)

            row = partial(_row, text=text, source=source, province=province, span=span)

            primary = _primary(values)
            reference = next((f for f in values if f.role == "target"), None)
            ratio = next((f for f in values if f.role == "ratio"), None)
            anchor = primary or reference
            aiming = anchor is not None and bool(_TARGET_CUE.search(low, 0, anchor.start))
            if primary is not None and primary.kind == "group" and not (aiming or times):
                # "vào nhóm khá" with neither a year nor a goal is a slogan, not a row
                primary = None
                anchor = reference
            if anchor is not None:
                when = _time_for(times, anchor.start, group, low)
                if primary is not None and primary.kind in _RANKS:
                    indicator = previous_rank = _rank_label(
                        quote_text, context, previous_rank, primary.kind
                    )
                    if primary.kind == "steps":
                        falling = re.search(r"(?<!\w)(?:giảm|tụt|xuống)(?!\w)", core)
                        indicator += " (số bậc giảm)" if falling else " (số bậc tăng)"
                else:
                    indicator = previous_label = _label(
                        quote_text, clause_text, s, previous_label, carried, anchor, low
                    )
                if aiming:
                    value = (reference or anchor).value
                    deadline = when.year if when else None
                    rows.append(row(indicator, value, deadline, None, None, UNKNOWN))
                else:
                    achieved = primary.value if primary is not None else None
                    target = reference.value if reference is not None else None
                    status = _status(core, primary, reference, ratio)
                    as_of = when.as_of if (when and achieved) else None
                    rows.append(row(indicator, target, None, achieved, as_of, status))
            index = _INDEX_NAMES.search(s)
            for score in scores:
                label = f"chỉ số thành phần {score.name}"
                if index:
                    label += f" ({index.group(1)})"
                when = _time_for(times, score.start, group, low)
                as_of = when.as_of if when else None
                rows.append(row(label, None, None, score.value, as_of, UNKNOWN))
    return rows


def _row(
    indicator: str,
    target: str | None,
    deadline: str | None,
    achieved: str | None,
    as_of: str | None,
    status: str,
    *,
    text: str,
    source: str,
    province: str | None,
    span: Span,
) -> Target:
    return Target(
        province=province,
        indicator=indicator,
        target=target,
        deadline=deadline,
        achieved=achieved,
        as_of=as_of,
        status=status,
        source=source,
        quote=text[span.start : span.end],
        start=span.start,
        end=span.end,
    )


def _primary(values: list[_Figure]) -> _Figure | None:
    for kind in _PRIORITY:
        for figure in values:
            if figure.kind == kind and figure.role == "value":
                return figure
    for role in ("ratio", "growth"):
        for figure in values:
            if figure.role == role:
                return figure
    return None


def _label(
    quote: str,
    clause: str,
    sentence: str,
    previous: str | None,
    carried: str | None,
    figure: _Figure,
    low: str,
) -> str:
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


def _trim(s: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (s[start].isspace() or s[start] in ",;:-–—•*"):
        start += 1
    while end > start and (s[end - 1].isspace() or s[end - 1] in ",;:"):
        end -= 1
    return start, end
