"""The targets table's one schema: export columns, the app's headers, the one CSV writer."""

from __future__ import annotations

import csv
import io

from assistant import targets_table
from assistant.targets_table import COLUMNS, HEADERS, SHOWN
from tests.web_samples import target_docs


def _csv(rows) -> str:
    out = io.StringIO()
    targets_table.write_csv(rows, out)
    return out.getvalue()


def test_the_shown_columns_lead_the_export_columns_each_with_a_header():
    assert COLUMNS == (
        "province", "indicator", "target", "deadline", "achieved", "as_of", "status",
        "source", "quote", "start", "end",
    )  # fmt: skip
    assert SHOWN == (
        "province", "indicator", "target", "deadline", "achieved", "as_of", "status", "source",
    )  # fmt: skip
    assert COLUMNS[: len(SHOWN)] == SHOWN and len(HEADERS) == len(SHOWN)


def test_targets_csv_has_the_english_columns_and_every_field():
    rows = targets_table.rows(target_docs(), "Cần Thơ")
    text = _csv(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    read = list(csv.reader(io.StringIO(text)))
    assert tuple(read[0]) == COLUMNS
    assert len(read) == len(rows) + 1
    records = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in records if r["achieved"] == "7,41%")
    assert (
        row["quote"]
        == "Kinh tế số năm 2022 của tỉnh đạt 7,41% GRDP (so với chỉ tiêu đặt ra là 20%)"
    )
    assert (row["start"], row["end"], row["deadline"]) == ("3482", "3557", "")
    assert row["province"] == "Sóc Trăng" and row["status"] == "chưa đạt"
    assert _csv([]).strip() == ",".join(COLUMNS)


def test_a_json_record_has_exactly_the_export_columns():
    row = targets_table.rows(target_docs(), "Sóc Trăng", "kinh tế số / GRDP")[0]
    record = targets_table.record(row)
    assert tuple(record) == COLUMNS and "doc_id" in row and "doc_id" not in record
    assert record["achieved"] == "7,41%" and record["deadline"] is None
