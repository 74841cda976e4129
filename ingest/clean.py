"""Find the article in raw text saved from a Vietnamese news page.

`clean(text)` returns the content blocks (the title, headings, paragraphs and
list items of the article) as spans into the original text, leaving out the
page's furniture so that it is never indexed or cited.

The text is read line by line; a block is one non-empty line, or several
consecutive lines of one hard-wrapped paragraph. Each block is scored with
rules that hold for Vietnamese news pages in general, not for particular
sites:

* Line rules: a block that is wholly a view counter ("Lượt xem: 365"), a
  visitor statistic ("Đang online: 122", "Thống kê truy cập"), a date/time
  stamp ("Thứ Hai, 25/11/2024 09:17 (GMT +7)"), pagination ("1 2 3 4 5 ...",
  "Trang sau"), a breadcrumb or menu ("Trang chủ > Tin tức", "Trang chủ |
  Giới thiệu | Liên hệ"), share or font-size buttons ("Chia sẻ Facebook Zalo",
  "A A"), a copyright or masthead line ("© Bản quyền ...", "Giấy phép số ...",
  "Tổng biên tập: ..."), a photo caption or credit ("Ảnh: Minh họa",
  "... (Ảnh: TTXVN)", and the caption line right above a standalone "Ảnh: ..."
  credit), a link to another story (">>...", "Xem thêm: ..."), a file name or
  URL, or a placeholder ("No title... No title...") is furniture.
* Section rules: a heading such as "Có thể bạn quan tâm", "Tin liên quan",
  "Tất cả chuyên mục", "Liên kết website", "Ý kiến ()", "Bình luận", "Tags:"
  or a visitor-statistics block ends the article when it comes after the
  body starts: it and everything after it are dropped. One exception: a
  "Tin liên quan" / "Có thể bạn quan tâm" heading whose story titles are
  followed by two or more full paragraphs before the next title-like line is
  a box of links inside the article; only the box is dropped. Before the
  body (a sidebar or menu above the article) only the heading and the run of
  title-like lines under it are dropped. Lighter headings ("Xem thêm",
  "Phim tư liệu", "Video") drop the title-like lines under them.
* Structure rules: the body starts at the first substantive paragraph (a
  sentence of 12+ words, or 25+ words). Above it, short lines (3 words or
  fewer: menu items, categories) are dropped and the rest (title, subtitle,
  sapo) kept; a run of 3+ title-like lines there keeps only its last line,
  and only when the article follows it directly (the title under a list of
  other stories). Inside the body a run of 3+ consecutive title-like lines
  (no sentence punctuation) is a list of other stories, unless they are
  bulleted items (under a heading or not) or a line ending in ":" introduces
  them. After the last
  substantive paragraph only sentence-like lines (and list items introduced
  by ":") are kept; the first other line ends the article.
* The byline: a line that is only a personal name (2-5 capitalized
  Vietnamese syllables, optionally followed by " - role" or "(source)"),
  standing right after a sentence at the end of the body, is the author.
  It is NOT a content block (it is metadata, see `ingest.metadata`), and the
  article ends there. "Tác giả: ...", "Bài và ảnh: ..." lines are bylines too.

A sentence that merely contains a date or a number is never furniture: the
counter, stamp and pagination rules require the line to consist of nothing
else. `analyze(text)` exposes every block's role for metadata and debugging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.document import Span
from ingest.normalize import fold, nfc, strip_diacritics, words
from ingest.provinces import canonical, find_provinces

# --- roles ---------------------------------------------------------------------------------

CONTENT = "content"
BYLINE = "byline"
STAMP = "stamp"
COUNTER = "counter"
STATS = "stats"
PAGINATION = "pagination"
MENU = "menu"
SHARE = "share"
FOOTER = "footer"
CAPTION = "caption"
RELATED = "related"
SECTION = "section"
PLACEHOLDER = "placeholder"
AFTER_END = "after-end"


@dataclass(frozen=True)
class Block:
    """One line or paragraph of the page, trimmed, with what the cleaner made of it."""

    start: int
    end: int
    role: str

    @property
    def kept(self) -> bool:
        return self.role == CONTENT

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class Analysis:
    blocks: tuple[Block, ...]
    body_start: int | None  # index into blocks of the first substantive paragraph
    byline: Block | None

    def kept(self) -> tuple[Span, ...]:
        return tuple(b.span for b in self.blocks if b.kept)


def clean(text: str) -> tuple[Span, ...]:
    """The article's content blocks as trimmed, ordered, non-overlapping spans into `text`."""
    return analyze(text).kept()


# --- lines and paragraphs ------------------------------------------------------------------

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    return start, end


@dataclass
class _Unit:
    start: int
    end: int
    first_line: int
    last_line: int
    text: str
    role: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        self.words = words(self.text)
        self.n = len(self.words)
        self.folded = fold(self.text)
        self.sentence = bool(_SENTENCE_END.search(self.text))
        self.bullet = bool(_BULLET.match(self.text))

    @property
    def substantive(self) -> bool:
        return (self.n >= 12 and self.sentence) or self.n >= 25

    @property
    def title_like(self) -> bool:
        return not self.sentence and self.n < 25


_SENTENCE_END = re.compile(r"(?:[.!?…;:]|\.\.)[\s\"'”’»)\]]*$")
_BULLET = re.compile(r"^(?:[-–—•·▪◦●○■□►▶✓✔+*]\s*|\d{1,2}[.)]\s+|[a-zđ][.)]\s+)")


def _lines(text: str) -> list[tuple[int, int] | None]:
    """Trimmed (start, end) of every line, None for a blank one."""
    out: list[tuple[int, int] | None] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        start, end = _trim(text, offset, offset + len(raw))
        out.append((start, end) if start < end else None)
        offset += len(raw)
    return out


def _units(text: str) -> list[_Unit]:
    """Blocks: one per non-empty line, hard-wrapped lines of a paragraph joined."""
    units: list[_Unit] = []
    lines = _lines(text)
    for number, bounds in enumerate(lines):
        if bounds is None:
            continue
        start, end = bounds
        line = text[start:end]
        prev = units[-1] if units else None
        if (
            prev is not None
            and prev.last_line == number - 1
            and prev.role is None
            and not prev.sentence
            and prev.n >= 6
            and line[0].islower()
            and _line_role(line, fold(line), words(line)) is None
        ):
            units[-1] = _Unit(prev.start, end, prev.first_line, number, text[prev.start : end])
            continue
        unit = _Unit(start, end, number, number, line)
        role = _line_role(unit.text, unit.folded, unit.words)
        if role is not None:
            unit.role, unit.reason = role
        units.append(unit)
    return units


# --- line rules ----------------------------------------------------------------------------


def _phrases(*items: str) -> frozenset[str]:
    return frozenset(fold(item) for item in items)


def _vocabulary(spaced: str) -> frozenset[str]:
    """Folded single words, written space-separated."""
    return _phrases(*spaced.split())


_COUNTER = re.compile(
    r"(?:lượt|số lượt|số lần)\s+(?:xem|đọc|truy cập|thích|chia sẻ|bình luận|nghe)"
    r"|\bđã xem\b|^\d[\d.,]*\s*(?:views?|lượt)\b|^views?\s*:"
)
_COUNTER_WORDS = _vocabulary(
    "lượt số lần đã xem đọc truy cập thích chia sẻ bình luận nghe views view like"
)
_STATS_LABELS = (
    r"thống kê truy cập|thống kê lượt truy cập|đang online|đang trực tuyến|đang truy cập"
    r"|tổng truy cập|tổng lượt truy cập|tổng số lượt truy cập|lượt truy cập|số lượt truy cập"
    r"|khách online|thành viên online|số người online|online"
)
_STATS_WITH_NUMBER = (
    r"hôm nay|hôm qua|trong tuần|tuần này|tuần trước|trong tháng|tháng này|tháng trước"
    r"|trong năm|năm nay|tất cả|tổng cộng|tổng số|truy cập|khách|thành viên"
)
_STATS = re.compile(
    rf"^(?:(?P<label>{_STATS_LABELS})\s*[:：]?\s*[\d.,\s]*"
    rf"|(?:{_STATS_WITH_NUMBER})\s*[:：]?\s*\d[\d.,\s]*)$"
)

_DATE = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d|[/.\-]\d)"
    r"|\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)\s*(\d{4}))?"
)
_TIME = re.compile(r"(?<!\d)\d{1,2}\s*(?::|h)\s*\d{2}(?!\d)")
_STAMP_WORDS = _vocabulary(
    "thứ hai ba tư năm sáu bảy bẩy chủ nhật cn ngày tháng lúc giờ phút gmt utc ict am pm"
    " sáng chiều tối trưa đêm cập đăng xuất bản thời gian update updated posted published"
    " lần cuối sửa đổi hôm nay a lượt xem đọc t2 t3 t4 t5 t6 t7 monday tuesday wednesday"
    " thursday friday saturday sunday mon tue wed thu fri sat sun vào"
)

_PAGINATION_WORDS = _vocabulary(
    "trang sau trước tiếp đầu cuối next prev previous first last more xem tiếp theo"
)
_PAGINATION = re.compile(r"^[\d\s.…«»‹›<>|/,\-–]+$")

_MENU_LINES = _phrases(
    "Trang chủ",
    "Giới thiệu",
    "Liên hệ",
    "Đăng nhập",
    "Đăng ký",
    "Đăng xuất",
    "Tìm kiếm",
    "Sơ đồ site",
    "Sơ đồ trang",
    "Sơ đồ cổng",
    "English",
    "Tiếng Việt",
    "RSS",
    "Menu",
    "Góp ý",
    "Hỏi đáp",
    "Quay lại",
    "Về đầu trang",
    "Lên đầu trang",
    "Trở về",
    "Home",
)
_MENU_SEPARATOR = re.compile(r"\s+[>»›|/]\s+|\s*[»›]\s*")

_SHARE_WORDS = _vocabulary(
    "chia sẻ share facebook twitter zalo email e mail in bài bản gửi lưu tin tweet like thích"
    " copy link sao chép liên kết tăng giảm cỡ chữ a nghe đọc viết google linkedin pinterest"
    " telegram messenger print theo dõi x fb 0 +"
)
_SHARE_MARKERS = _vocabulary(
    "chia share facebook twitter zalo email tweet like link cỡ in lưu gửi nghe print fb"
)

_FOOTER_ANYWHERE = re.compile(
    r"©|\bcopyright\b|all rights reserved|ghi rõ nguồn|powered by|bản quyền thuộc"
)
_FOOTER_LABEL = re.compile(
    r"^(?:giấy phép(?: số| xuất bản| hoạt động| thiết lập| mxh| trang)?|chịu trách nhiệm"
    r"(?: nội dung| xuất bản| chính)?|(?:phó )?tổng biên tập|cơ quan chủ quản|đơn vị chủ quản"
    r"|cơ quan chủ trì|trưởng ban biên tập|thiết kế bởi|phát triển bởi)\b"
)
_CONTACT_LABEL = re.compile(
    r"^(?:địa chỉ|điện thoại|đt|tel|email|e-mail|fax|hotline|website|đường dây nóng)\s*[:：]"
)

_CAPTION_START = re.compile(
    r"^[(\[]?\s*(?:ảnh|hình|nguồn ảnh|ảnh minh họa|ảnh tư liệu|ảnh chụp màn hình|photo|video|clip)"
    r"\s*(?:[:：]|minh họa|tư liệu|internet|$)"
)
_CAPTION_END = re.compile(
    r"(?:\(\s*(?:ảnh|hình|photo)\s*(?:[:：]|minh họa|tư liệu)[^()]*\)"
    r"|[.\-–—|]\s*(?:ảnh|hình|photo)\s*[:：][^.]{1,60})\s*$"
)
_CREDIT_ONLY = re.compile(
    r"^[(\[]?\s*(?:ảnh|hình|nguồn ảnh|photo)\s*(?:[:：]|minh họa|tư liệu)[^.]{0,60}[)\]]?$"
)

_RELATED_LINK = re.compile(
    r"^(?:>>|»|►|▶|→|=>|\[video\]|(?:xem thêm|đọc thêm|xem tiếp|đọc tiếp|tin liên quan"
    r"|bài liên quan|xem chi tiết|xem video|video|clip)\s*[:：>»])"
)
_FILE_OR_URL = re.compile(
    r"^(?:https?://\S+|www\.\S+|\S+\.(?:jpe?g|png|gif|webp|svg|pdf|docx?|mp4)|\S+@\S+\.\w+)$",
    re.IGNORECASE,
)
_PLACEHOLDERS = _phrases(
    "no title", "untitled", "no image", "loading", "đang tải", "đang cập nhật", "null", "undefined"
)

# Headings that end the article when they come after the body.
_END_HEADINGS = _phrases(
    "Có thể bạn quan tâm",
    "Bạn có thể quan tâm",
    "Có thể bạn muốn xem",
    "Có thể bạn chưa đọc",
    "Có thể bạn thích",
    "Tin liên quan",
    "Các tin liên quan",
    "Tin bài liên quan",
    "Bài liên quan",
    "Bài viết liên quan",
    "Tin cùng chuyên mục",
    "Tin cùng chủ đề",
    "Bài cùng chuyên mục",
    "Tin khác",
    "Các tin khác",
    "Tin tức khác",
    "Bài viết khác",
    "Các bài viết khác",
    "Các tin đã đưa",
    "Tin đã đưa",
    "Tin mới",
    "Tin mới nhất",
    "Tin mới cập nhật",
    "Tin nổi bật",
    "Tin tiêu điểm",
    "Đọc nhiều",
    "Đọc nhiều nhất",
    "Xem nhiều",
    "Xem nhiều nhất",
    "Tin đọc nhiều",
    "Tin xem nhiều",
    "Đừng bỏ lỡ",
    "Tất cả chuyên mục",
    "Liên kết website",
    "Liên kết web",
    "Website liên kết",
    "Các website liên kết",
    "Thống kê truy cập",
    "Bình luận",
    "Ý kiến",
    "Ý kiến bạn đọc",
    "Gửi bình luận",
    "Viết bình luận",
    "Gửi ý kiến",
    "Bình luận của bạn",
    "Ý kiến của bạn",
    "Tags",
    "Từ khóa",
    "Thẻ",
)
# Of those, the ones that some sites also put inside the article, as a box of links.
_RELATED_HEADINGS = _phrases(
    "Có thể bạn quan tâm",
    "Bạn có thể quan tâm",
    "Tin liên quan",
    "Các tin liên quan",
    "Tin bài liên quan",
    "Bài liên quan",
    "Bài viết liên quan",
)
# Headings of a box of links that may sit inside the page: drop the box only.
_BOX_HEADINGS = _phrases(
    "Xem thêm",
    "Đọc thêm",
    "Xem tiếp",
    "Đọc tiếp",
    "Phim tư liệu",
    "Video",
    "Video clip",
    "Thư viện ảnh",
    "Thư viện video",
    "Tin ảnh",
    "Tin video",
    "Multimedia",
    "Podcast",
    "Emagazine",
    "Infographic",
    "Infographics",
    "Tiêu điểm",
    "Chuyên mục",
    "Liên kết",
    "Quảng cáo",
    "Tài trợ",
    "Sự kiện nổi bật",
    "Chủ đề nóng",
)
_LABELLED_END = re.compile(r"^(?:tags?|từ khóa|thẻ)\s*[:：]")


def _heading_key(folded: str) -> str:
    key = _BULLET.sub("", folded)
    key = re.sub(r"\(\s*[\d.,]*\s*\)", " ", key)
    key = re.sub(r"[\s:：.…>»›|]+$", "", key)
    return re.sub(r"\s+", " ", key).strip()


def _only(found: list[str], vocabulary: frozenset[str], spare: int) -> bool:
    """Whether `found` is numbers and words of `vocabulary`, give or take `spare` words."""
    return sum(1 for w in found if not w[0].isdigit() and w not in vocabulary) <= spare


def _is_stamp(folded: str, found: list[str]) -> bool:
    if not (_DATE.search(folded) or (_TIME.search(folded) and len(found) <= 12)):
        return False
    return len(found) <= 20 and _only(found, _STAMP_WORDS, 1)


def _is_periodic(found: list[str]) -> bool:
    n = len(found)
    return n >= 4 and any(
        n % p == 0 and found == found[:p] * (n // p) for p in range(1, n // 2 + 1)
    )


def _line_role(text: str, folded: str, found: list[str]) -> tuple[str, str] | None:
    """(role, reason) when one line on its own is furniture, else None."""
    plain = _BULLET.sub("", folded).strip()
    n = len(found)
    key = _heading_key(folded)
    if key in _END_HEADINGS or _LABELLED_END.match(plain):
        return SECTION, "end"
    if key in _BOX_HEADINGS:
        return SECTION, "box"
    stats = _STATS.match(plain)
    if stats:
        return STATS, "" if stats.group("label") else "item"
    if n <= 12 and _COUNTER.search(plain) and _only(found, _COUNTER_WORDS, 1):
        return COUNTER, ""
    if _is_stamp(folded, found):
        return STAMP, ""
    if not found or _is_periodic(found) or key in _PLACEHOLDERS:
        return PLACEHOLDER, ""
    if _PAGINATION.match(plain) or (
        n <= 12 and all(w[0].isdigit() or w in _PAGINATION_WORDS for w in found)
    ):
        return PAGINATION, ""
    if _FILE_OR_URL.match(plain):
        return PLACEHOLDER, "file"
    if key in _MENU_LINES:
        return MENU, ""
    if (plain.startswith("trang chủ") and n <= 20) or _is_menu_line(text):
        return MENU, "breadcrumb"
    if (
        n <= 12
        and all(w in _SHARE_WORDS for w in found)
        and any(w in _SHARE_MARKERS for w in found)
    ):
        return SHARE, ""
    if n <= 60 and _FOOTER_ANYWHERE.search(folded):
        return FOOTER, "copyright"
    if n <= 30 and _FOOTER_LABEL.match(plain) and not _SENTENCE_END.search(text):
        return FOOTER, "masthead"
    if n <= 30 and _CONTACT_LABEL.match(plain):
        return FOOTER, "contact"
    if n <= 12 and _CAPTION_START.match(plain):
        return CAPTION, "credit" if _CREDIT_ONLY.match(plain) else ""
    if n <= 50 and _CAPTION_END.search(folded):
        return CAPTION, ""
    if _RELATED_LINK.match(plain) or _RELATED_LINK.match(folded):
        return RELATED, "link"
    return None


def _is_menu_line(text: str) -> bool:
    parts = [p.strip() for p in _MENU_SEPARATOR.split(text) if p.strip()]
    return len(parts) >= 3 and all(
        len(words(p)) <= 5 and not _SENTENCE_END.search(p) for p in parts
    )


# --- bylines -------------------------------------------------------------------------------

_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_BYLINE_LABEL = re.compile(
    r"^(?:tác giả|bài và ảnh|bài, ảnh|bài & ảnh|bài/ảnh|ảnh và bài|bài|thực hiện|nhóm phóng viên)"
    r"\s*[:：]\s*",
)
_NAME_SPLIT = re.compile(r"\s+[-–—|]\s+|\s*,\s*|\s+và\s+")


def _name_words_ok(segment: str, *, allow_caps: bool) -> bool:
    parts = segment.split()
    if not 2 <= len(parts) <= 5:
        return False
    upper = [p.isupper() for p in parts]
    if any(upper) and not (allow_caps and all(upper)):
        if not all(p[0].isupper() and p[1:].islower() for p in parts if not p.isupper()):
            return False
        if not allow_caps:
            return False
    for part in parts:
        if not part.isalpha() or not part[0].isupper():
            return False
        if not (part.isupper() or part[1:].islower() or len(part) == 1):
            return False
        if not _SYLLABLE.fullmatch(strip_diacritics(part.lower())):
            return False
    return canonical(segment) is None and not find_provinces(segment)


def byline_name(line: str, *, allow_caps: bool = True) -> str | None:
    """The author's name when `line` is a byline, as written; else None.

    "Vân Anh", "Đỗ Phương", "VŨ THỊ HIẾU ĐÔNG - Phó trưởng Ban Tuyên giáo",
    "Tác giả: Hoà Thành", "Vân Anh - Hoà Thành (TTXVN)".
    """
    line = nfc(line).strip()
    label = _BYLINE_LABEL.match(fold(line))
    if label:
        line = line[label.end() :].strip()
    line = re.sub(r"\s*[(\[][^()\[\]]{0,60}[)\]]\s*$", "", line)
    if not line or len(words(line)) > 20 or _SENTENCE_END.search(line):
        return None
    pieces = _NAME_SPLIT.split(line)
    names: list[str] = []
    for piece in pieces:
        if not _name_words_ok(piece.strip(), allow_caps=allow_caps):
            break
        names.append(piece.strip())
    if not names:
        if label:  # a labelled byline may be a single name or a pen name
            return line if 1 <= len(line.split()) <= 6 else None
        return None
    end = line.find(names[-1]) + len(names[-1])
    return line[:end].strip()


# --- the whole page ------------------------------------------------------------------------


def _adjacent(a: _Unit, b: _Unit) -> bool:
    return b.first_line == a.last_line + 1


def analyze(text: str) -> Analysis:
    """Every block of the page with its role; see the module docstring for the rules."""
    units = _units(text)
    count = len(units)

    # A caption is often the line right above a standalone "Ảnh: ..." credit: a
    # short line set apart with its credit by blank lines, or one that is no sentence.
    for i in range(count - 1):
        unit, nxt = units[i], units[i + 1]
        if (
            unit.role is None
            and nxt.role == CAPTION
            and nxt.reason == "credit"
            and _adjacent(unit, nxt)
            and unit.n <= 30
            and (
                not unit.sentence
                or (
                    (i == 0 or not _adjacent(units[i - 1], unit))
                    and (i + 2 == count or not _adjacent(nxt, units[i + 2]))
                )
            )
        ):
            unit.role = CAPTION

    # "Hôm nay: 7054" is a visitor statistic only next to another one.
    for i, unit in enumerate(units):
        if unit.role == STATS and unit.reason == "item":
            neighbours = units[max(0, i - 1) : i] + units[i + 1 : i + 2]
            if not any(u.role in (STATS, SECTION) for u in neighbours):
                unit.role = None

    for unit in units:
        if unit.role is None and _BYLINE_LABEL.match(unit.folded) and byline_name(unit.text):
            unit.role = BYLINE

    body = next(
        (i for i, u in enumerate(units) if u.role is None and u.substantive),
        None,
    )
    if body is None:
        _clean_head(units, count)
        return _finish(units, None)

    # Where the article ends: an end-of-article heading, visitor statistics, the
    # copyright footer, or the author's name right after the last sentence.
    cut = count
    prev: _Unit | None = None
    for i in range(body, count):
        unit = units[i]
        if unit.role == SECTION and unit.reason == "end" and _inline_box(units, i):
            unit.reason = "box"
            _drop_box(units, i, count)
            continue
        if (
            (unit.role == SECTION and unit.reason == "end")
            or (unit.role == STATS and unit.reason != "item")
            or (unit.role == FOOTER and unit.reason != "contact")
        ):
            cut = i
            break
        if unit.role is None and i > body and _is_tail_byline(units, i, prev):
            unit.role = BYLINE
            cut = i + 1
            break
        if unit.role is None:
            prev = unit
    for unit in units[cut:]:
        if unit.role is None or unit.role == BYLINE:
            unit.role = AFTER_END

    last = max(i for i in range(body, cut) if units[i].role is None and units[i].substantive)
    _clean_head(units, body)
    _clean_middle(units, body, last + 1)
    _clean_tail(units, last + 1, cut)
    return _finish(units, body)


def _inline_box(units: list[_Unit], heading: int) -> bool:
    """Whether a related-stories heading is a box of links inside the article.

    It is when one or more story titles under it are followed by the article
    going on: two or more full paragraphs before the next title-like line. A
    list of stories with teasers after the article alternates one title and
    one teaser, so it does not qualify.
    """
    if _heading_key(units[heading].folded) not in _RELATED_HEADINGS:
        return False
    j = heading + 1
    while j < len(units) and units[j].role is None and units[j].title_like:
        j += 1
    if j == heading + 1:
        return False
    paragraphs = 0
    for unit in units[j:]:
        if unit.role in (SECTION, STATS, FOOTER) or (unit.role is None and unit.title_like):
            break
        paragraphs += unit.role is None and unit.substantive
    return paragraphs >= 2


def _is_tail_byline(units: list[_Unit], i: int, prev: _Unit | None) -> bool:
    """Whether units[i], after the content unit `prev`, is the author's name ending the article."""
    unit = units[i]
    if prev is None or not prev.sentence or not unit.title_like or unit.n > 20:
        return False
    if byline_name(unit.text) is None:
        return False
    nxt = units[i + 1] if i + 1 < len(units) else None
    # Nothing of the article may follow: either page furniture comes next, or no
    # substantive paragraph comes before the page ends (headings look like names).
    if nxt is None or nxt.role in _AFTER_ARTICLE:
        return True
    return not any(u.role is None and u.substantive for u in units[i + 1 :])


_AFTER_ARTICLE = frozenset({SECTION, STATS, FOOTER, PAGINATION, SHARE, MENU, PLACEHOLDER})


def _runs(units: list[_Unit], start: int, stop: int) -> list[tuple[int, int]]:
    """Maximal runs [a, b) of consecutive title-like lines not yet assigned a role."""
    runs = []
    i = start
    while i < stop:
        if units[i].role is None and units[i].title_like:
            j = i
            while j < stop and units[j].role is None and units[j].title_like:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _drop_box(units: list[_Unit], heading: int, stop: int) -> int:
    """Drop the title-like lines under a box heading; the index after the box."""
    j = heading + 1
    while j < stop and units[j].role is None and units[j].title_like:
        units[j].role = RELATED
        j += 1
    return j


def _clean_head(units: list[_Unit], body: int) -> None:
    """Above the body: drop menus, sidebars and short labels, keep title, subtitle, sapo."""
    for unit in units[:body]:
        if unit.role is None and _is_head_byline(unit):
            unit.role = BYLINE
        elif unit.role is None and unit.n <= 3 and not unit.sentence:
            unit.role = MENU
    for i in range(body):
        if units[i].role == SECTION:
            stop = _drop_box(units, i, body)
            _rescue_title(units, stop - 1, body)
    for a, b in _runs(units, 0, body):
        if b - a >= 3:
            for unit in units[a:b]:
                unit.role = RELATED
            _rescue_title(units, b - 1, body)


def _is_head_byline(unit: _Unit) -> bool:
    return unit.title_like and byline_name(unit.text, allow_caps=False) is not None


def _rescue_title(units: list[_Unit], i: int, body: int) -> None:
    """The last line of a dropped run is the title when the article follows it directly."""
    if i < 0 or i >= body or units[i].role != RELATED or units[i].n < 4:
        return
    for j in range(i + 1, len(units) + 1):
        if j >= body or j == len(units) or units[j].role in (STAMP, BYLINE):
            units[i].role = None
            return
        if units[j].role not in (COUNTER, SHARE, CAPTION, PLACEHOLDER):
            return


def _clean_middle(units: list[_Unit], start: int, stop: int) -> None:
    for i in range(start, stop):
        if units[i].role == SECTION:
            _drop_box(units, i, stop)
    for a, b in _runs(units, start, stop):
        before = units[a - 1] if a > 0 else None
        introduced = before is not None and before.role is None and before.text.endswith(":")
        listing = all(unit.bullet for unit in units[a + 1 : b])  # the first may introduce it
        if b - a >= 3 and not introduced and not listing:
            for unit in units[a:b]:
                unit.role = RELATED


def _clean_tail(units: list[_Unit], start: int, stop: int) -> None:
    """After the last substantive paragraph: closing sentences and introduced lists only."""
    listing = start > 0 and units[start - 1].text.endswith(":")
    ended = False
    for unit in units[start:stop]:
        if ended:
            if unit.role is None:
                unit.role = AFTER_END
        elif unit.role is not None:
            ended = unit.role == SECTION
        elif unit.sentence:
            listing = unit.text.endswith(":")
        elif not (listing and unit.bullet):
            ended = True
            unit.role = AFTER_END


def _finish(units: list[_Unit], body: int | None) -> Analysis:
    blocks = tuple(Block(u.start, u.end, u.role or CONTENT) for u in units)
    byline = next((b for b in blocks if b.role == BYLINE), None)
    return Analysis(blocks=blocks, body_start=body, byline=byline)
