"""The targets tab's data: filtered and sorted rows, the indicator choices, the table's
cells, the row a click meant, and that row's document with its sentence marked.

Rows come from `assistant.targets_table` (extracted at ingestion and stored
with each document); the rows shown are kept in a `gr.State`, so a click on a
table row (`gr.SelectData.index`) finds its document and sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from assistant import targets_table
from assistant.web.filters import province_filter
from assistant.web.render import DOCUMENT_GONE, DocumentView, document_html
from index.record import StoredDocument
from ingest.normalize import fold, strip_diacritics
from ingest.provinces import all_names

ALL_INDICATORS = "Tất cả chỉ tiêu"
# (label, key) for the sort dropdown.
TARGET_SORTS = [("Tỉnh", "province"), ("Chỉ tiêu", "indicator"), ("Tình trạng", "status")]
# What needs attention first: missed, then reached, exceeded, unknown.
_STATUS_ORDER = {"chưa đạt": 0, "đạt": 1, "vượt": 2, "chưa rõ": 3}
_PROVINCE_ORDER = {name: i for i, name in enumerate(all_names())}

Row = Mapping[str, Any]


def _text_key(value: Any) -> tuple[str, str]:
    folded = fold("" if value is None else str(value))
    return strip_diacritics(folded), folded


def _province_key(row: Row) -> tuple:
    name = row.get("province") or ""
    return (_PROVINCE_ORDER.get(name, len(_PROVINCE_ORDER)), _text_key(name))


def _place_key(row: Row) -> tuple:
    return (str(row.get("source") or ""), int(row.get("start") or 0))


def _target_key(sort: str) -> Callable[[Row], tuple]:
    if sort == "indicator":
        return lambda r: (_text_key(r.get("indicator")), _province_key(r), _place_key(r))
    if sort == "status":
        return lambda r: (
            _STATUS_ORDER.get(r.get("status") or "", len(_STATUS_ORDER)),
            _province_key(r),
            _text_key(r.get("indicator")),
            _place_key(r),
        )
    return lambda r: (_province_key(r), _text_key(r.get("indicator")), _place_key(r))


def _indicator(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if not value or value == ALL_INDICATORS else value


def target_rows(
    documents: Iterable[StoredDocument],
    province: str | None = None,
    indicator: str | None = None,
    sort: str = "province",
) -> list[dict[str, Any]]:
    """The rows for the filters, sorted by province, indicator or status.

    A province is an old or a merged name ("Cần Thơ" covers Sóc Trăng and Hậu
    Giang); `ALL_PROVINCES` or None means every province. An indicator chosen
    from `indicator_choices` matches exactly; any other text matches the
    indicators containing it, as `targets_table.rows` does.
    """
    docs = list(documents)
    province, indicator = province_filter(province), _indicator(indicator)
    found = targets_table.rows(docs, province)
    if indicator:
        exact = [r for r in found if r.get("indicator") == indicator]
        found = exact or targets_table.rows(docs, province, indicator)
    return sorted(found, key=_target_key(sort))


def indicator_choices(
    documents: Iterable[StoredDocument], province: str | None = None
) -> list[str]:
    """`ALL_INDICATORS`, then every indicator the rows of this province name, sorted."""
    names = {r["indicator"] for r in target_rows(documents, province) if r.get("indicator")}
    return [ALL_INDICATORS, *sorted(names, key=_text_key)]


def target_table(rows: Iterable[Row]) -> list[list[str]]:
    """The Dataframe's value: `targets_table.SHOWN` in order, "—" for an empty cell (text)."""
    return [
        [str(r.get(f)) if r.get(f) not in (None, "") else "—" for f in targets_table.SHOWN]
        for r in rows
    ]


def pick_target(
    rows: Sequence[Row], index: Any, row_value: Sequence[Any] | None = None
) -> Row | None:
    """The row that a click on the table meant: by index, checked against the cells shown.

    `row_value` (the clicked row's cells, from `gr.SelectData`) settles a stale
    or re-ordered index: the row whose cells match it wins.
    """
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    try:
        index = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        index = -1
    shown = [str(v) for v in row_value] if row_value else None
    if 0 <= index < len(rows) and (shown is None or target_table([rows[index]])[0] == shown):
        return rows[index]
    if shown is not None:
        return next((r for r in rows if target_table([r])[0] == shown), None)
    return None


def target_document_html(view: DocumentView | None, row: Row) -> str:
    """The document of a targets row with its sentence marked; a note if it is gone or moved."""
    if view is None:
        return DOCUMENT_GONE
    quote = str(row.get("quote") or "")
    try:
        start, end = int(row["start"]), int(row["end"])
    except (KeyError, TypeError, ValueError):
        start = end = -1
    if start < 0 or (quote and view.text[start:end] != quote):
        found = view.text.find(quote) if quote else -1
        if found < 0:
            note = (
                '<div class="vd-note">Không tìm thấy câu này trong bản hiện tại của tài liệu.</div>'
            )
            return note + document_html(view)
        start, end = found, found + len(quote)
    return document_html(view, start, end)
