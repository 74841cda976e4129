"""Find the article in raw text saved from a Vietnamese news page.

`clean(text)` returns the content blocks (the title, headings, paragraphs and
list items of the article) as spans into the original text, leaving out the
page's furniture so that it is never indexed or cited. `analyze(text)`
exposes every block's role, for metadata and debugging.

The text is read line by line; a block is one non-empty line, or several
consecutive lines of one hard-wrapped paragraph. Each block is scored with
rules that hold for Vietnamese news pages in general, not for particular
sites:

* Line rules (`ingest.furniture`): a block that is wholly a counter, a
  statistic, a stamp, pagination, a menu, share buttons, a footer line, a
  caption or credit, a link to another story, a file name or a placeholder is
  furniture; so is the caption line right above a standalone "Ảnh: ..."
  credit (a short line set apart with its credit by blank lines, or one that
  is no sentence).
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
  them. After the last substantive paragraph only sentence-like lines (and
  list items introduced by ":") are kept; the first other line ends the
  article.
* The byline (`ingest.byline`): a line that is only a personal name,
  standing right after a sentence at the end of the body, is the author. It
  is NOT a content block (it is metadata, see `ingest.metadata`), and the
  article ends there. A labelled byline ("Tác giả: ...") is one anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest import furniture_words as vocabulary
from ingest.blocks import Unit, read_units
from ingest.byline import BYLINE_LABEL, byline_name
from ingest.document import Span
from ingest.furniture import (
    AFTER_END,
    BYLINE,
    CAPTION,
    CONTENT,
    COUNTER,
    FOOTER,
    MENU,
    PAGINATION,
    PLACEHOLDER,
    RELATED,
    SECTION,
    SHARE,
    STAMP,
    STATS,
    heading_key,
)


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


# --- the whole page ------------------------------------------------------------------------


def _adjacent(a: Unit, b: Unit) -> bool:
    return b.first_line == a.last_line + 1


def analyze(text: str) -> Analysis:
    """Every block of the page with its role; see the module docstring for the rules."""
    units = read_units(text)
    _mark_captions_above_credits(units)
    _unmark_lone_statistics(units)
    for unit in units:
        if unit.role is None and BYLINE_LABEL.match(unit.folded) and byline_name(unit.text):
            unit.role = BYLINE

    return _finish(units, _mark_article(units))


def _mark_article(units: list[Unit]) -> int | None:
    """Roles for the article `units` start with, and for any article after it; its body."""
    body = next((i for i, u in enumerate(units) if u.role is None and u.substantive), None)
    if body is None:
        _clean_head(units, len(units))
        return None

    cut = _article_end(units, body)
    following = _next_article(units, cut)
    for unit in units[cut:following]:
        if unit.role is None or unit.role == BYLINE:
            unit.role = AFTER_END
    last = max(i for i in range(body, cut) if units[i].role is None and units[i].substantive)
    _clean_head(units, body)
    _clean_middle(units, body, last + 1)
    _clean_tail(units, last + 1, cut)
    if following < len(units):
        _mark_article(units[following:])  # the same Unit objects: their roles are set in place
    return body


# Furniture that can sit between one article's end and the next article's title.
_BETWEEN_ARTICLES = frozenset({SECTION, STATS, FOOTER, COUNTER, PAGINATION, PLACEHOLDER, SHARE})
# Full paragraphs in a row, with no title-like line between them, that make an article:
# a list of stories with teasers alternates title and teaser, and comments carry names.
NEW_ARTICLE_PARAGRAPHS = 3


def _next_article(units: list[Unit], cut: int) -> int:
    """Where another article starts after the end at `cut`, or len(units) when none does.

    What follows an end-of-article marker is dropped only when it is furniture: a
    file holding several saved pages goes on with the next one. That article
    starts after the last furniture line above its first run of full paragraphs,
    so its title and sapo are read as a head again.
    """
    run = 0
    for i in range(cut, len(units)):
        unit = units[i]
        if unit.role is None and unit.substantive:
            run += 1
            if run == NEW_ARTICLE_PARAGRAPHS:
                first = i - _back_over_run(units, i)
                furniture = [j for j in range(cut, first) if units[j].role in _BETWEEN_ARTICLES]
                return furniture[-1] + 1 if furniture else cut
        elif unit.role is None or unit.role in _BETWEEN_ARTICLES or unit.role == MENU:
            run = 0
    return len(units)


def _back_over_run(units: list[Unit], i: int) -> int:
    """How many units before `i` belong to its run of full paragraphs (captions included)."""
    j = i
    while (
        j > 0
        and not (units[j - 1].role is None and not units[j - 1].substantive)
        and units[j - 1].role not in _BETWEEN_ARTICLES | {MENU}
    ):
        j -= 1
    return i - j


def _mark_captions_above_credits(units: list[Unit]) -> None:
    """A caption is often the line right above a standalone "Ảnh: ..." credit.

    It is when it is a short line set apart with its credit by blank lines, or
    one that is no sentence.
    """
    count = len(units)
    for i in range(count - 1):
        unit, nxt = units[i], units[i + 1]
        if not (
            unit.role is None
            and nxt.role == CAPTION
            and nxt.reason == "credit"
            and _adjacent(unit, nxt)
            and unit.n <= 30
        ):
            continue
        apart = (i == 0 or not _adjacent(units[i - 1], unit)) and (
            i + 2 == count or not _adjacent(nxt, units[i + 2])
        )
        if not unit.sentence or apart:
            unit.role = CAPTION


def _unmark_lone_statistics(units: list[Unit]) -> None:
    """A line such as "Hôm nay: 7054" is a visitor statistic only next to another one."""
    for i, unit in enumerate(units):
        if unit.role == STATS and unit.reason == "item":
            neighbours = units[max(0, i - 1) : i] + units[i + 1 : i + 2]
            if not any(u.role in (STATS, SECTION) for u in neighbours):
                unit.role = None


def _ends_article(unit: Unit) -> bool:
    return (
        (unit.role == SECTION and unit.reason == "end")
        or (unit.role == STATS and unit.reason != "item")
        or (unit.role == FOOTER and unit.reason != "contact")
    )


def _article_end(units: list[Unit], body: int) -> int:
    """Where the article ends: an end-of-article heading, visitor statistics, the
    copyright footer, or the author's name right after the last sentence.

    Boxes of links inside the article and the closing byline are marked on the way.
    """
    prev: Unit | None = None
    for i in range(body, len(units)):
        unit = units[i]
        if unit.role == SECTION and unit.reason == "end" and _inline_box(units, i):
            unit.reason = "box"
            _drop_box(units, i, len(units))
            continue
        if _ends_article(unit):
            return i
        if unit.role is None and i > body and _is_tail_byline(units, i, prev):
            unit.role = BYLINE
            return i + 1
        if unit.role is None:
            prev = unit
    return len(units)


def _inline_box(units: list[Unit], heading: int) -> bool:
    """Whether a related-stories heading is a box of links inside the article.

    It is when one or more story titles under it are followed by the article
    going on: two or more full paragraphs before the next title-like line. A
    list of stories with teasers after the article alternates one title and
    one teaser, so it does not qualify.
    """
    if heading_key(units[heading].folded) not in vocabulary.RELATED_HEADINGS:
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


def _is_tail_byline(units: list[Unit], i: int, prev: Unit | None) -> bool:
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


def _runs(units: list[Unit], start: int, stop: int) -> list[tuple[int, int]]:
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


def _drop_box(units: list[Unit], heading: int, stop: int) -> int:
    """Drop the title-like lines under a box heading; the index after the box."""
    j = heading + 1
    while j < stop and units[j].role is None and units[j].title_like:
        units[j].role = RELATED
        j += 1
    return j


def _clean_head(units: list[Unit], body: int) -> None:
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


def _is_head_byline(unit: Unit) -> bool:
    return unit.title_like and byline_name(unit.text, allow_caps=False) is not None


def _rescue_title(units: list[Unit], i: int, body: int) -> None:
    """The last line of a dropped run is the title when the article follows it directly."""
    if i < 0 or i >= body or units[i].role != RELATED or units[i].n < 4:
        return
    for j in range(i + 1, len(units) + 1):
        if j >= body or j == len(units) or units[j].role in (STAMP, BYLINE):
            units[i].role = None
            return
        if units[j].role not in (COUNTER, SHARE, CAPTION, PLACEHOLDER):
            return


def _clean_middle(units: list[Unit], start: int, stop: int) -> None:
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


def _clean_tail(units: list[Unit], start: int, stop: int) -> None:
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


def _finish(units: list[Unit], body: int | None) -> Analysis:
    blocks = tuple(Block(u.start, u.end, u.role or CONTENT) for u in units)
    byline = next((b for b in blocks if b.role == BYLINE), None)
    return Analysis(blocks=blocks, body_start=body, byline=byline)
