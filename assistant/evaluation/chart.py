"""report.png: the rates as bars, the latencies as a histogram with p50 and p95 marked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.scoring import HIT_K

# Bars in report.png: the rates where higher is better.
_CHART_RATES: list[tuple[str, str]] = [
    ("key_facts", "key\nfacts"),
    ("key_fact_coverage", "fact\ncoverage"),
    ("hit_at_1", "hit@1"),
    ("hit_at_5", f"hit@{HIT_K}"),
    ("mrr", "MRR"),
    ("cites_right_source", "right\nsource"),
    ("citation_integrity", "citation\nintegrity"),
    ("abstention_accuracy", "abstention\naccuracy"),
    ("short_answer_coverage", "short\nanswers"),
    ("short_answer_precision", "short\nprecision"),
]
# Bars drawn in red: the rates where lower is better.
_CHART_ERRORS: list[tuple[str, str]] = [
    ("false_abstention_rate", "false\nabstentions"),
    ("missed_abstention_rate", "missed\nabstentions"),
]


def write_chart(
    latencies: Sequence[float], summary: dict[str, Any], path: Path, title: str
) -> None:
    """Draw the chart of a run's totals and latencies (ms) as a PNG at `path`."""
    # Imported here so that `assistant` commands that never draw a chart start fast;
    # Figure + FigureCanvasAgg draw with Agg without touching pyplot's global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    # A fixed layout: constrained layout would double the drawing time for no gain here.
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.86, wspace=0.22)
    rates, latency = figure.subplots(1, 2, width_ratios=[3, 2])
    _draw_rates(rates, summary)
    _draw_latencies(latency, latencies, summary)
    figure.suptitle(title)
    figure.savefig(path, format="png", dpi=100)


def _draw_rates(axes: Any, summary: dict[str, Any]) -> None:
    shown = _CHART_RATES + _CHART_ERRORS
    labels = [label for _, label in shown]
    values = [summary.get(name) for name, _ in shown]
    colors = ["#4c72b0"] * len(_CHART_RATES) + ["#c44e52"] * len(_CHART_ERRORS)
    bars = axes.bar(labels, [v or 0.0 for v in values], color=colors)
    for (name, _), bar, value in zip(shown, bars, values, strict=True):
        text = "n/a" if value is None else f"{value:.2f}" if name == "mrr" else f"{value:.0%}"
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_ylim(0, 1.1)
    axes.set_ylabel("share")
    axes.set_title("Rates (blue: higher is better; red: lower is better)")
    axes.tick_params(axis="x", labelsize=7)


def _draw_latencies(axes: Any, latencies: Sequence[float], summary: dict[str, Any]) -> None:
    if latencies:
        axes.hist(latencies, bins=min(20, max(1, len(latencies))), color="#55a868")
        for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
            value = summary.get(name)
            if value is not None:
                label = f"{name.split('_')[1]} {value:.0f} ms"
                axes.axvline(value, color="black", linestyle=style, label=label)
        axes.legend(fontsize=8)
    else:
        axes.text(0.5, 0.5, "no answers", ha="center", va="center")
    axes.set_xlabel("latency (ms)")
    axes.set_ylabel("questions")
    axes.set_title("Latency")
