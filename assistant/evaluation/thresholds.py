"""The limits a CI job sets on a run's totals (`assistant eval --threshold METRIC=VALUE`)."""

from __future__ import annotations

import math
from typing import Any

from assistant.evaluation.totals import format_metric

# Thresholds a CI job may set, and which way each one points. Rates are fractions
# in [0, 1]; a "max" metric is one where smaller is better.
THRESHOLD_METRICS: dict[str, str] = {
    "key_facts": "min",
    "key_fact_coverage": "min",
    "key_facts_within_length": "min",
    "hit_at_1": "min",
    "hit_at_5": "min",
    "mrr": "min",
    "cites_right_source": "min",
    "citation_integrity": "min",
    "abstention_accuracy": "min",
    "false_abstention_rate": "max",
    "missed_abstention_rate": "max",
    "long_answer_rate": "max",
    "short_answer_coverage": "min",
    "short_answer_precision": "min",
    "latency_p50_ms": "max",
    "latency_p95_ms": "max",
}


def parse_thresholds(values: tuple[str, ...]) -> dict[str, float]:
    """`METRIC=NUMBER` strings as a mapping; ValueError naming a value that is not one."""
    thresholds: dict[str, float] = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            thresholds[name] = float(number)
        except ValueError as error:
            raise ValueError(f"threshold {value!r} is not METRIC=NUMBER") from error
    return thresholds


def check_thresholds(summary: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """One readable line per threshold the summary misses; empty when all pass.

    Latencies and the abstention error rates are maximums, everything else a
    minimum (see THRESHOLD_METRICS). A metric the run could not measure (no
    question had sources, say) misses its threshold: a CI gate should not pass
    on a metric that was never computed. Unknown names, and rates given as
    percentages instead of fractions, raise ValueError up front.
    """
    _check_limits(thresholds)
    missed = []
    for name, limit in thresholds.items():
        value = summary.get(name)
        kind = THRESHOLD_METRICS[name]
        shown, bound = format_metric(name, value), format_metric(name, limit)
        if value is None:
            missed.append(f"{name}: not measured in this run (threshold {bound})")
        elif kind == "min" and value < limit:
            missed.append(f"{name}: {shown} is below the minimum {bound}")
        elif kind == "max" and value > limit:
            missed.append(f"{name}: {shown} is above the maximum {bound}")
    return missed


def _check_limits(thresholds: dict[str, float]) -> None:
    unknown = sorted(set(thresholds) - set(THRESHOLD_METRICS))
    if unknown:
        known = ", ".join(THRESHOLD_METRICS)
        raise ValueError(f"unknown metric(s): {', '.join(unknown)} (known: {known})")
    for name, limit in thresholds.items():
        if not math.isfinite(limit):
            raise ValueError(f"threshold for {name} must be a finite number, got {limit}")
        if not name.endswith("_ms") and not 0 <= limit <= 1:
            raise ValueError(f"threshold for {name} is a fraction between 0 and 1, got {limit}")
