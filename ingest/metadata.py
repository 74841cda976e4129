"""Title, publication date, author and provinces of a cleaned news page.

* title: the first content block when it is a heading (title-like: no
  sentence-final "." ";" ":" and at most 35 words) standing above the body;
  otherwise the file's own title (a Word file's properties); otherwise the
  body's first sentence, cut at a clause within `_SENTENCE_TITLE_WORDS`
  words (a file name such as "tay-ninh-lo-trinh" says less than the text).
* date: the publication date, as written with "/" separators (d/m/yyyy; a
  two-digit year gets its century). Taken, in this order, from
  1. a line labelled as the publication ("Ngày đăng:", "Đăng lúc",
     "Xuất bản", "Posted") anywhere in the article;
  2. a date/time stamp line BELOW the title and above the body's end;
     a stamp above the title is the site's header clock (the day the page
     was saved, e.g. "Thứ Hai, 25/11/2024 09:17 (GMT +7)"), and a stamp
     labelled "Cập nhật" / "truy cập" / "hôm nay" is not a publication date;
  3. the dateline opening the body's first paragraph ("Ngày 17/10, ...",
     "Sáng 5/2/2022, ..."), completed with the year when the same sentence
     states exactly one year ("... năm 2022").
  4. the file's own date (a Word file's creation date).
  Otherwise None: a date inside the body (a resolution's date) is not the
  article's.
* byline: the author's name as the document writes it (its characters and
  tone marks kept, "Hoà Thành"); a name written in capitals is given
  ordinary capitalization ("VŨ THỊ HIẾU ĐÔNG" -> "Vũ Thị Hiếu Đông");
  otherwise the file's own author.
* provinces: `find_provinces` over the content blocks only, most mentioned
  first; merged_provinces: the post-July-2025 provinces they now belong to.
"""

from __future__ import annotations

import re

from ingest.byline import byline_name
from ingest.clean import Analysis, Block
from ingest.document import DocumentMeta, FileProperties, Span
from ingest.furniture import BYLINE, CONTENT, STAMP
from ingest.normalize import fold, words
from ingest.provinces import find_provinces, merged_into
from ingest.sentences import split_sentences

_TITLE_MAX_WORDS = 35
_SENTENCE_TITLE_WORDS = 20
_SENTENCE_TITLE_MIN_WORDS = 8  # a clause shorter than this says too little to stand alone
_CLAUSE_END = re.compile(r"[,;:]\s|\s[-–—]\s")
_PUBLISHED_LABEL = re.compile(
    r"\b(?:ngày đăng|đăng ngày|đăng lúc|đăng vào|thời gian đăng|ngày xuất bản|xuất bản"
    r"|ngày phát hành|posted|published)\b"
)
_NOT_PUBLISHED_LABEL = re.compile(r"cập nhật|truy cập|hôm nay|updated?\b|thời gian hiện tại")
_FULL_DATE = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d|[/.\-]\d)"
    r"|\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})"
)
_DATELINE = re.compile(
    r"^(?:\([^()]{1,60}\)\s*[-–—]?\s*)?"  # an agency or paper in brackets: "(Báo X) - "
    r"(?:(?:rạng\s+)?(?:ngày|sáng|chiều|tối|trưa|đêm)(?:\s+nay)?)\s*"
    r"\(?\s*(\d{1,2})\s*([/\-])\s*(\d{1,2})(?:\s*\2\s*(\d{4}))?\s*\)?\s*[,:]"
)
_YEAR = re.compile(r"(?<![\d/.\-])((?:19|20)\d{2})(?!\d|[/.\-]\d)")
_SENTENCE = re.compile(r"[^.!?…]*(?:[.!?…]+|$)")


def extract_metadata(text: str, analysis: Analysis, properties: FileProperties) -> DocumentMeta:
    """`analysis` is the cleaner's reading of `text` (`ingest.clean.analyze`); `properties`
    what the file says about itself, used where the text says nothing."""
    blocks = analysis.kept()
    title_span = _title_span(text, blocks)
    if title_span:
        title = _collapse(text[title_span.start : title_span.end])
    else:
        title = properties.title or _sentence_title(text, blocks)
    date = _publication_date(text, analysis, title_span) or properties.date
    byline = _byline(text, analysis) or properties.author
    content = "\n".join(text[b.start : b.end] for b in blocks)
    provinces = find_provinces(content)
    merged = tuple(dict.fromkeys(merged_into(p) for p in provinces))
    return DocumentMeta(
        title=title,
        date=date,
        byline=byline,
        provinces=provinces,
        merged_provinces=merged,
    )


# --- title ---------------------------------------------------------------------------------


def _title_span(text: str, blocks: tuple[Span, ...]) -> Span | None:
    if not blocks:
        return None
    first = blocks[0]
    line = text[first.start : first.end].strip()
    if not line or len(words(line)) > _TITLE_MAX_WORDS or re.search(r"[.;:,…]\W*$", line):
        return None
    return first


def _collapse(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def _sentence_title(text: str, blocks: tuple[Span, ...]) -> str:
    """The first sentence, cut at a clause (or a word, marked "…") when it runs long."""
    if not blocks:
        return ""
    first = split_sentences(text, blocks[0].start, blocks[0].end)[0]
    sentence = _collapse(text[first.start : first.end])
    found = list(re.finditer(r"\S+", sentence))
    if len(found) <= _SENTENCE_TITLE_WORDS:
        return sentence.rstrip(".!?… ")
    limit = found[_SENTENCE_TITLE_WORDS - 1].end()
    clauses = [m.start() for m in _CLAUSE_END.finditer(sentence, 0, limit)]
    clauses = [end for end in clauses if len(sentence[:end].split()) >= _SENTENCE_TITLE_MIN_WORDS]
    if clauses:
        return sentence[: clauses[-1]].rstrip()
    return sentence[:limit].rstrip(",;: ") + "…"


# --- date ----------------------------------------------------------------------------------


def _format(day: str, month: str, year: str) -> str | None:
    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return None
    if len(year) == 2:
        year = "20" + year
    return f"{day}/{month}/{year}"


def _first_date(folded: str) -> str | None:
    for match in _FULL_DATE.finditer(folded):
        if match.group(1):
            found = _format(match.group(1), match.group(3), match.group(4))
        else:
            found = _format(match.group(5), match.group(6), match.group(7))
        if found:
            return found
    return None


def _publication_date(text: str, analysis: Analysis, title: Span | None) -> str | None:
    """The first of: a labelled publication date, a stamp under the title, the dateline."""
    lines = analysis.blocks
    # The article's extent: from its first block to its last (the byline included).
    end = max((b.end for b in lines if b.role in (CONTENT, BYLINE)), default=len(text))
    return (
        _labelled_date(text, lines, end)
        or _stamp_date(text, lines, title, end)
        or _lead_dateline(text, analysis)
    )


def _labelled_date(text: str, lines: tuple[Block, ...], end: int) -> str | None:
    """A line that says it is the publication date."""
    for line in lines:
        if line.start > end:
            break
        folded = fold(text[line.start : line.end])
        if _PUBLISHED_LABEL.search(folded) and not _NOT_PUBLISHED_LABEL.search(folded):
            found = _first_date(folded)
            if found:
                return found
    return None


def _stamp_date(text: str, lines: tuple[Block, ...], title: Span | None, end: int) -> str | None:
    """A date stamp under the title (one above it is the site's clock)."""
    if title is None:
        return None
    for line in lines:
        if line.role != STAMP or line.start < title.end or line.start > end:
            continue
        folded = fold(text[line.start : line.end])
        if _NOT_PUBLISHED_LABEL.search(folded):
            continue
        found = _first_date(folded)
        if found:
            return found
    return None


def _lead_dateline(text: str, analysis: Analysis) -> str | None:
    """The dateline of the body's first paragraph."""
    if analysis.body_start is None:
        return None
    lead = analysis.blocks[analysis.body_start]
    return _dateline(text[lead.start : lead.end])


def _dateline(paragraph: str) -> str | None:
    folded = fold(paragraph)
    match = _DATELINE.match(folded)
    if not match:
        return None
    day, month, year = match.group(1), match.group(3), match.group(4)
    if not year:
        sentence = _SENTENCE.match(folded).group()
        years = set(_YEAR.findall(sentence[match.end() :]))
        if len(years) != 1:
            return None
        year = years.pop()
    return _format(day, month, year)


# --- byline --------------------------------------------------------------------------------


def _byline(text: str, analysis: Analysis) -> str | None:
    if analysis.byline is None:
        return None
    name = byline_name(text[analysis.byline.start : analysis.byline.end])
    if not name:
        return None
    return " ".join(word[0] + word[1:].lower() if word.isupper() else word for word in name.split())
