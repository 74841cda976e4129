"""When a row holds and whether it was met, only from what the sentence says.

Time: `deadline` is the year of the nearest time phrase before a target ("đến
năm 2025" -> "2025"); `as_of` the nearest time phrase before a result as
written ("năm 2022" -> "2022", "cuối năm 2023", "tháng 10/2023").

Status: "chưa đạt"/"không đạt" -> chưa đạt; "vượt ... chỉ tiêu/mục tiêu/kế
hoạch", "đạt và vượt" -> vượt; "đạt/hoàn thành chỉ tiêu", "sớm hơn ... so với
chỉ tiêu" -> đạt; a completion ratio ("đạt 95% kế hoạch") by its size; two
percentages of one clause (result and target) by comparison; otherwise "chưa
rõ". Targets are always "chưa rõ".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ingest.clauses import Group
from ingest.figures import Figure, number
from ingest.normalize import fold

REACHED = "đạt"
EXCEEDED = "vượt"
MISSED = "chưa đạt"
UNKNOWN = "chưa rõ"
STATUSES = (REACHED, EXCEEDED, MISSED, UNKNOWN)

# Words that make the figure after them a target (not "đạt/vượt mục tiêu", "hiện").
TARGET_CUE = re.compile(
    r"(?<!đạt )(?<!vượt )(?<!thành )(?<!với )(?<!hiện )(?<!\w)"
    r"(?:mục tiêu|phấn đấu|kế hoạch|dự thảo|định hướng|dự kiến|hướng tới|đề xuất|sẽ"
    r"|nhiệm vụ|chỉ tiêu đến năm|cần đạt)(?!\w)(?!\s+số\s+\d)"
)
_TIME = re.compile(
    r"(?<!\w)(?:(?P<when>cuối|đầu|giữa|hết)\s+)?năm\s+(?P<year>(?:19|20)\d\d)"
    r"(?![\d/]|\s*[-–]\s*\d)"
    r"|(?<!\w)(?P<month>tháng\s+\d{1,2}\s*/\s*(?P<myear>(?:19|20)\d\d))(?![\d/])"
    r"|(?<!\w)(?:đến|tới)\s+(?P<bare>(?:19|20)\d\d)(?![\d/]|\s*[-–]\s*\d)"
)


@dataclass(frozen=True)
class Time:
    start: int
    as_of: str
    year: str


def time_phrases(s: str, low: str) -> list[Time]:
    """Every time phrase of sentence `s` (`low`: folded), with its year and its words."""
    found = []
    for match in _TIME.finditer(low):
        if match.group("year"):
            year = match.group("year")
            as_of = s[match.start() : match.end()] if match.group("when") else year
        elif match.group("month"):
            year = match.group("myear")
            as_of = s[match.start("month") : match.end("month")]
        else:
            year = as_of = match.group("bare")
        found.append(Time(match.start(), as_of, year))
    return found


def time_for(phrases: list[Time], pos: int, group: Group, low: str) -> Time | None:
    """The nearest time phrase before `pos` in the sentence, else the first after it in the row.

    A later phrase behind a target word ("... theo kế hoạch đến năm 2030") is no time of it.
    """
    # phrases are in sentence order: bisection keeps a long sentence's rows linear
    first_later = bisect_left(phrases, pos, key=lambda t: t.start)
    if first_later:
        return phrases[first_later - 1]
    later = phrases[first_later] if first_later < len(phrases) else None
    if later and later.start < group.core_end and not TARGET_CUE.search(low, pos, later.start):
        return later
    return None


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


def status(core: str, achieved: Figure | None, target: Figure | None, ratio: Figure | None) -> str:
    """The status of a result, from the row's own words (`core`) and its figures."""
    if _MISSED.search(core):
        return MISSED
    if _EXCEEDED.search(core):
        return EXCEEDED
    if _REACHED.search(core):
        return REACHED
    if ratio is not None:
        share = number(ratio.value)
        if share is not None:
            return EXCEEDED if share > 100 else REACHED if share == 100 else MISSED
    if (
        achieved is not None
        and target is not None
        and achieved.kind == target.kind == "percent"
        and not re.match(r"(?:hơn|trên|gần|khoảng|dưới|xấp xỉ)\s", fold(achieved.value))
    ):
        got, aim = number(achieved.value), number(target.value)
        if got is not None and aim is not None:
            return MISSED if got < aim else REACHED if got == aim else EXCEEDED
    return UNKNOWN
