"""The filter values the chat and the targets tab read from their form controls."""

from __future__ import annotations

from typing import Any

from index.weights import RETRIEVAL
from ingest.provinces import all_names, expand, find_provinces

# The province dropdowns' first entry: no province filter.
ALL_PROVINCES = "Tất cả"


def province_choices() -> list[str]:
    return [ALL_PROVINCES, *all_names()]


def province_filter(value: str | None) -> str | None:
    """The province to filter on, or None for `ALL_PROVINCES` or nothing chosen."""
    value = (value or "").strip()
    return None if not value or value == ALL_PROVINCES else value


def k_value(value: Any, default: int) -> int:
    """Passages to retrieve: `value` (a slider's float, an API client's anything) in [1, max_k]."""
    try:
        k = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(k, 1), RETRIEVAL.max_k)


def filter_conflict(question: str, province: str | None) -> str | None:
    """A Vietnamese note when the province filter leaves out every province the question names.

    "Cần Thơ" as a filter covers Sóc Trăng (merged into it), so a Sóc Trăng
    question under it is no conflict; a Sóc Trăng question under Tuyên Quang is.
    """
    province = province_filter(province)
    named = find_provinces(question or "")
    if not province or not named:
        return None
    covered = set(expand(province))
    if covered.intersection(named):
        return None
    asked = ", ".join(named)
    return (
        f"Bộ lọc đang chỉ tìm trong tài liệu về {province}, nhưng câu hỏi nói về {asked}. "
        f"Hãy chọn “{ALL_PROVINCES}” hoặc {named[0]} ở ô “Lọc theo tỉnh/thành” rồi hỏi lại."
    )
