"""What the cleaner makes of a block, and which single lines are page furniture.

A block that is wholly a view counter ("Lượt xem: 365"), a visitor statistic
("Đang online: 122", "Thống kê truy cập"), a date/time stamp ("Thứ Hai,
25/11/2024 09:17 (GMT +7)"), pagination ("1 2 3 4 5 ...", "Trang sau"), a
breadcrumb or menu ("Trang chủ > Tin tức", "Trang chủ | Giới thiệu | Liên hệ"),
share or font-size buttons ("Chia sẻ Facebook Zalo", "A A"), a copyright or
masthead line ("© Bản quyền ...", "Giấy phép số ...", "Tổng biên tập: ..."), a
photo caption or credit ("Ảnh: Minh họa", "... (Ảnh: TTXVN)"), a link to another
story (">>...", "Xem thêm: ..."), a file name or URL, or a placeholder ("No
title... No title...") is furniture. A sentence that merely contains a date or
a number never is: the counter, stamp and pagination rules require the line to
consist of nothing else. Headings of sections ("Tin liên quan", "Xem thêm") get
the role SECTION here; what they end or drop is decided in `ingest.clean`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest import furniture_words as vocabulary
from ingest.normalize import words

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

Role = tuple[str, str]  # (role, reason)


def heading_key(folded: str) -> str:
    """A folded line as a section heading is compared: no bullet, count or trailing marks."""
    key = vocabulary.BULLET.sub("", folded)
    key = re.sub(r"\(\s*[\d.,]*\s*\)", " ", key)
    key = re.sub(r"[\s:：.…>»›|]+$", "", key)
    return re.sub(r"\s+", " ", key).strip()


@dataclass(frozen=True)
class _Line:
    text: str  # as written
    folded: str
    found: list[str]  # its words
    plain: str  # folded, without a leading bullet
    key: str  # as a heading is compared

    @property
    def n(self) -> int:
        return len(self.found)


def line_role(text: str, folded: str, found: list[str]) -> Role | None:
    """(role, reason) when one line on its own is furniture, else None.

    The rules are tried in order and the first that recognises the line wins.
    """
    line = _Line(
        text, folded, found, vocabulary.BULLET.sub("", folded).strip(), heading_key(folded)
    )
    for rule in _RULES:
        role = rule(line)
        if role is not None:
            return role
    return None


def _only(found: list[str], known: frozenset[str], spare: int) -> bool:
    """Whether `found` is numbers and words of `known`, give or take `spare` words."""
    return sum(1 for w in found if not w[0].isdigit() and w not in known) <= spare


def _is_stamp(folded: str, found: list[str]) -> bool:
    if not (
        vocabulary.DATE.search(folded) or (vocabulary.TIME.search(folded) and len(found) <= 12)
    ):
        return False
    return len(found) <= 20 and _only(found, vocabulary.STAMP_WORDS, 1)


def _is_periodic(found: list[str]) -> bool:
    n = len(found)
    return n >= 4 and any(
        n % p == 0 and found == found[:p] * (n // p) for p in range(1, n // 2 + 1)
    )


def _is_menu_line(text: str) -> bool:
    parts = [p.strip() for p in vocabulary.MENU_SEPARATOR.split(text) if p.strip()]
    return len(parts) >= 3 and all(
        len(words(p)) <= 5 and not vocabulary.SENTENCE_END.search(p) for p in parts
    )


def _section(line: _Line) -> Role | None:
    """A heading that ends the article, or one over a box of links."""
    if line.key in vocabulary.END_HEADINGS or vocabulary.LABELLED_END.match(line.plain):
        return SECTION, "end"
    if line.key in vocabulary.BOX_HEADINGS:
        return SECTION, "box"
    return None


def _counts(line: _Line) -> Role | None:
    """Visitor statistics, a view counter, a date stamp: labels and numbers only."""
    stats = vocabulary.STATS.match(line.plain)
    if stats:
        return STATS, "" if stats.group("label") else "item"
    if (
        line.n <= 12
        and vocabulary.COUNTER.search(line.plain)
        and _only(line.found, vocabulary.COUNTER_WORDS, 1)
    ):
        return COUNTER, ""
    if _is_stamp(line.folded, line.found):
        return STAMP, ""
    return None


def _filler(line: _Line) -> Role | None:
    """Placeholders, pagination, a file name or URL on its own."""
    if not line.found or _is_periodic(line.found) or line.key in vocabulary.PLACEHOLDERS:
        return PLACEHOLDER, ""
    if vocabulary.PAGINATION.match(line.plain) or (
        line.n <= 12 and all(w[0].isdigit() or w in vocabulary.PAGINATION_WORDS for w in line.found)
    ):
        return PAGINATION, ""
    if vocabulary.FILE_OR_URL.match(line.plain):
        return PLACEHOLDER, "file"
    return None


def _navigation(line: _Line) -> Role | None:
    """Menu items, breadcrumbs and share buttons."""
    if line.key in vocabulary.MENU_LINES:
        return MENU, ""
    if (line.plain.startswith("trang chủ") and line.n <= 20) or _is_menu_line(line.text):
        return MENU, "breadcrumb"
    if (
        line.n <= 12
        and all(w in vocabulary.SHARE_WORDS for w in line.found)
        and any(w in vocabulary.SHARE_MARKERS for w in line.found)
    ):
        return SHARE, ""
    return None


def _footer(line: _Line) -> Role | None:
    """Copyright, masthead and contact lines."""
    if line.n <= 60 and vocabulary.FOOTER_ANYWHERE.search(line.folded):
        return FOOTER, "copyright"
    if (
        line.n <= 30
        and vocabulary.FOOTER_LABEL.match(line.plain)
        and not vocabulary.SENTENCE_END.search(line.text)
    ):
        return FOOTER, "masthead"
    if line.n <= 30 and vocabulary.CONTACT_LABEL.match(line.plain):
        return FOOTER, "contact"
    return None


def _caption_or_link(line: _Line) -> Role | None:
    """A photo caption or credit, or a link to another story."""
    if line.n <= 12 and vocabulary.CAPTION_START.match(line.plain):
        return CAPTION, "credit" if vocabulary.CREDIT_ONLY.match(line.plain) else ""
    if line.n <= 50 and vocabulary.CAPTION_END.search(line.folded):
        return CAPTION, ""
    if vocabulary.RELATED_LINK.match(line.plain) or vocabulary.RELATED_LINK.match(line.folded):
        return RELATED, "link"
    return None


_RULES: tuple[Callable[[_Line], Role | None], ...] = (
    _section,
    _counts,
    _filler,
    _navigation,
    _footer,
    _caption_or_link,
)
