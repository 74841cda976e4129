"""The targets chart: for one indicator, each province's target and result side by side.

Each pair of bars is numbered [n], and the list under the chart gives, for
each n, the sentence the numbers come from (a click opens it, as a citation
does). Values are read from the table's text ("7,41%", "36", "1,18 triệu");
a row with neither a target nor a result in figures has no bars.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the chart is only ever written to a file

import matplotlib.pyplot as plt

from assistant.web.render import esc

_NUMBER = re.compile(r"\d+(?:\.\d{3})*(?:,\d+)?")
CHART_HINT = "Chọn một chỉ tiêu để xem biểu đồ so sánh các tỉnh."
NO_FIGURES = "Chỉ tiêu này không có số liệu để vẽ biểu đồ."
TARGET_COLOUR, RESULT_COLOUR = "#94a3b8", "#ea580c"

Row = Mapping[str, Any]


def figure_value(text: Any) -> float | None:
    """The first number of a cell as Vietnamese writes it ("1.250,5" -> 1250.5), or None."""
    found = _NUMBER.search(str(text or ""))
    if not found:
        return None
    return float(found.group().replace(".", "").replace(",", "."))


def chart_rows(rows: Sequence[Row]) -> list[Row]:
    """The rows that give a bar: a target or a result in figures."""
    return [r for r in rows if figure_value(r.get("target")) or figure_value(r.get("achieved"))]


def _bar_label(row: Row, n: int) -> str:
    year = row.get("deadline") or row.get("as_of")
    return f"[{n}] {row.get('province') or '—'}" + (f"\n{year}" if year else "")


def write_chart(rows: Sequence[Row], indicator: str, path: Path) -> Path:
    """Draw the bars of `rows` (from `chart_rows`) to a PNG at `path`."""
    count = len(rows)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * count + 2), 3.8), dpi=100)
    positions = range(count)
    width = 0.38
    targets = [figure_value(r.get("target")) or 0 for r in rows]
    results = [figure_value(r.get("achieved")) or 0 for r in rows]
    shown = ax.bar([p - width / 2 for p in positions], targets, width, color=TARGET_COLOUR)
    done = ax.bar([p + width / 2 for p in positions], results, width, color=RESULT_COLOUR)
    for bars, cells in ((shown, "target"), (done, "achieved")):
        texts = [str(r.get(cells) or "") if figure_value(r.get(cells)) else "" for r in rows]
        ax.bar_label(bars, labels=texts, fontsize=8, padding=2)
    ax.set_xticks(list(positions), [_bar_label(r, n) for n, r in enumerate(rows, 1)], fontsize=8)
    ax.set_title(indicator, fontsize=10)
    ax.legend([shown, done], ["Chỉ tiêu", "Kết quả"], fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def chart_notes_html(rows: Sequence[Row]) -> str:
    """The numbered sentences under the chart; each opens its document like a citation."""
    items = []
    for n, row in enumerate(rows, 1):
        figures = f"chỉ tiêu {row.get('target') or '—'}, kết quả {row.get('achieved') or '—'}"
        items.append(
            f'<li><button type="button" class="vd-bar" data-doc="{esc(row.get("doc_id"))}" '
            f'data-start="{int(row.get("start") or 0)}" data-end="{int(row.get("end") or 0)}">'
            f"[{n}] {esc(row.get('province'))}</button>: {esc(figures)} — "
            f"<q>{esc(row.get('quote'))}</q> <span class='vd-note'>({esc(row.get('source'))})"
            "</span></li>"
        )
    return '<ol class="vd-bars">' + "".join(items) + "</ol>"
