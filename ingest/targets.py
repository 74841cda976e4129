"""Provincial targets and results, extracted deterministically from Vietnamese reports.

`extract_targets(text, paragraphs, source, provinces)` reads the content
paragraphs of a document sentence by sentence and returns one `Target` per
indicator that a sentence states with a figure or a rank: what the province
aims for (`target`, `deadline`) or what it reached (`achieved`, `as_of`,
`status`), with the clause that says so quoted exactly
(`text[start:end] == quote`).

How a sentence is read:

* Clauses and rows (`ingest.clauses`): a sentence is cut into clauses and
  segments; each row starts at a segment that holds a figure.
* Figures (`ingest.figures`), kept exactly as written with their qualifier. A
  group (no number in it) needs a year or a target word in the sentence.
* Target or result. A figure is a target when a target word comes before it
  in the sentence ("mục tiêu", "phấn đấu", "kế hoạch", "dự thảo", "định
  hướng", "sẽ", "đề xuất", ...; not "đạt/vượt/hoàn thành mục tiêu"), or when
  it is the reference of a comparison ("so với chỉ tiêu đặt ra là 20%",
  "chỉ tiêu là 100%"). Otherwise it is a result.
* Time and status (`ingest.target_status`), only from what the text says.
* Indicator (`ingest.indicators`). `province`: the province the clause or
  sentence names, else the document's main one.

Table rows (cells joined by " | ") are read by their table's header instead
(`ingest.table_targets`). Sentences come from `ingest.sentences.split_paragraphs`.
Offsets refer to the text exactly as loaded (NFC, as `ingest.load` returns it);
other forms keep `text[start:end] == quote` but match less.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.clauses import Group, cuts, groups
from ingest.document import Paragraph, Span, Target
from ingest.figures import RANKS, Figure, figures, primary
from ingest.indicators import INDEX_NAMES, indicator_label, rank_label
from ingest.normalize import fold
from ingest.provinces import find_provinces
from ingest.table_targets import is_table_row, table_targets
from ingest.target_status import (
    TARGET_CUE,
    UNKNOWN,
    Time,
    status,
    time_for,
    time_phrases,
)


def extract_targets(
    text: str, paragraphs: Sequence[Paragraph], source: str, provinces: tuple[str, ...]
) -> tuple[Target, ...]:
    """Targets and results stated in the content `paragraphs` of `text`, in document order."""
    main = provinces[0] if provinces else None
    rows: list[Target] = []
    table: list[Span] = []  # the lines of the table being read, header first
    for paragraph in paragraphs:
        if is_table_row(text[paragraph.span.start : paragraph.span.end]):
            if table and "\n\n" in text[table[-1].end : paragraph.span.start]:
                rows.extend(table_targets(text, table, source, main))
                table = []
            table.append(paragraph.span)
            continue
        if table:
            rows.extend(table_targets(text, table, source, main))
            table = []
        carried: str | None = None  # the last indicator of the paragraph so far
        context = text[paragraph.span.start : paragraph.span.end]
        for sentence in paragraph.sentences:
            found = _sentence_rows(text, sentence, context, source, main, carried)
            rows.extend(found)
            if found:
                carried = found[-1].indicator
    if table:
        rows.extend(table_targets(text, table, source, main))
    return tuple(rows)


def _sentence_rows(
    text: str, sentence: Span, context: str, source: str, main: str | None, carried: str | None
) -> list[Target]:
    s = text[sentence.start : sentence.end]
    if not re.search(r"\d|nhóm|top|một trong|xếp loại", s, re.IGNORECASE):
        return []
    low = _lower(s)
    found = figures(s, low)
    if not found:
        return []
    reader = _SentenceReader(
        text=text,
        offset=sentence.start,
        s=s,
        low=low,
        figures=found,
        times=time_phrases(s, low),
        provinces=find_provinces(s),
        context=context,
        source=source,
        main=main,
        carried=carried,
        cue_ends=[match.end() for match in TARGET_CUE.finditer(low)],
        index=INDEX_NAMES.search(s),
    )
    return reader.rows()


def _lower(s: str) -> str:
    """`fold(s)` when it keeps every offset (it does for NFC text), else folded char by char."""
    low = fold(s)
    if len(low) == len(s):
        return low
    return "".join(c if len(f := fold(c)) != 1 else f for c in s)


# Longer than any target word with its look-ahead ("chỉ tiêu đến năm", " số 1").
_CUE_NEAR = 40


@dataclass
class _SentenceReader:
    """One sentence read row by row; it remembers the labels of its earlier rows."""

    text: str
    offset: int  # of the sentence in the text
    s: str  # the sentence
    low: str  # folded, same length
    figures: list[Figure]
    times: list[Time]
    provinces: tuple[str, ...]  # named in the sentence
    context: str  # the paragraph
    source: str
    main: str | None  # the document's main province
    carried: str | None  # the paragraph's last indicator before this sentence
    # Found once per sentence, not once per row: a long sentence has many rows.
    cue_ends: list[int]  # where each target word of the sentence ends
    index: re.Match[str] | None  # the index (DTI, PCI, ...) the sentence names
    previous_rank: str | None = None
    previous_label: str | None = None

    def rows(self) -> list[Target]:
        rows: list[Target] = []
        for clause in cuts(self.low, 0, len(self.s), ";:"):
            for group in groups(self.low, clause, self.figures):
                rows.extend(self._group_rows(clause, group))
        return rows

    def _group_rows(self, clause: tuple[int, int], group: Group) -> list[Target]:
        start, end = _trim(self.s, group.start, group.end)
        if start >= end:
            return []
        quote = self.s[start:end]
        place = find_provinces(quote) or self.provinces
        row = _Row(
            self.text,
            self.source,
            place[0] if place else self.main,
            Span(self.offset + start, self.offset + end),
        )
        rows = []
        value_row = self._value_row(group, quote, self.s[clause[0] : clause[1]], row)
        if value_row is not None:
            rows.append(value_row)
        rows.extend(self._score_rows(group, row))
        return rows

    def _value_row(self, group: Group, quote: str, clause: str, row: _Row) -> Target | None:
        """The row's target or result, when it has a figure that is one."""
        values = [f for f in group.figures if f.kind != "score"]
        best = primary(values)
        reference = next((f for f in values if f.role == "target"), None)
        anchor = best or reference
        aiming = anchor is not None and self._aiming(anchor.start)
        if best is not None and best.kind == "group" and not (aiming or self.times):
            # "vào nhóm khá" with neither a year nor a goal is a slogan, not a row
            best = None
            anchor = reference
        if anchor is None:
            return None
        when = time_for(self.times, anchor.start, group, self.low)
        core = self.low[group.start : group.core_end]
        indicator = self._indicator(best, anchor, quote, clause, core)
        if aiming:
            deadline = when.year if when else None
            return row(indicator, (reference or anchor).value, deadline, None, None, UNKNOWN)
        ratio = next((f for f in values if f.role == "ratio"), None)
        achieved = best.value if best is not None else None
        target = reference.value if reference is not None else None
        as_of = when.as_of if (when and achieved) else None
        return row(indicator, target, None, achieved, as_of, status(core, best, reference, ratio))

    def _aiming(self, pos: int) -> bool:
        """Whether a target word comes before `pos`: `TARGET_CUE.search(low, 0, pos)`.

        A cue ending well before `pos` is found the same in the whole sentence; only
        near `pos`, where the cut changes what the cue's look-ahead sees, is searched.
        """
        if self.cue_ends and self.cue_ends[0] <= pos - _CUE_NEAR:
            return True
        return bool(TARGET_CUE.search(self.low, max(0, pos - 2 * _CUE_NEAR), pos))

    def _indicator(
        self, best: Figure | None, anchor: Figure, quote: str, clause: str, core: str
    ) -> str:
        if best is None or best.kind not in RANKS:
            self.previous_label = indicator_label(
                quote, clause, self.s, self.previous_label, self.carried, anchor, self.low
            )
            return self.previous_label
        self.previous_rank = rank_label(quote, self.context, self.previous_rank, best.kind)
        if best.kind != "steps":
            return self.previous_rank
        falling = re.search(r"(?<!\w)(?:giảm|tụt|xuống)(?!\w)", core)
        return self.previous_rank + (" (số bậc giảm)" if falling else " (số bậc tăng)")

    def _score_rows(self, group: Group, row: _Row) -> list[Target]:
        """One row per component score, labelled with the index the sentence names."""
        index = self.index
        rows = []
        for score in (f for f in group.figures if f.kind == "score"):
            label = f"chỉ số thành phần {score.name}"
            if index:
                label += f" ({index.group(1)})"
            when = time_for(self.times, score.start, group, self.low)
            as_of = when.as_of if when else None
            rows.append(row(label, None, None, score.value, as_of, UNKNOWN))
        return rows


@dataclass(frozen=True)
class _Row:
    """What the rows of one group share: where they are and whose they are."""

    text: str
    source: str
    province: str | None
    span: Span

    def __call__(
        self,
        indicator: str,
        target: str | None,
        deadline: str | None,
        achieved: str | None,
        as_of: str | None,
        status: str,
    ) -> Target:
        return Target(
            province=self.province,
            indicator=indicator,
            target=target,
            deadline=deadline,
            achieved=achieved,
            as_of=as_of,
            status=status,
            source=self.source,
            quote=self.text[self.span.start : self.span.end],
            start=self.span.start,
            end=self.span.end,
        )


def _trim(s: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (s[start].isspace() or s[start] in ",;:-–—•*"):
        start += 1
    while end > start and (s[end - 1].isspace() or s[end - 1] in ",;:"):
        end -= 1
    return start, end
