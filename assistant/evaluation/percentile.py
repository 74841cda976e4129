"""The one percentile behind every "p50" and "p95": `assistant eval` and benchmarks/ alike.

The definition is linear interpolation between the two nearest ranks (Hyndman and
Fan's type 7): numpy's and pandas' default and spreadsheets' PERCENTILE.INC, so any
figure can be checked with `numpy.percentile(values, q)`. It was already the one
`assistant eval` and benchmarks/query.py used, so their figures keep their values.
Unlike the nearest rank, it moves smoothly as samples are added rather than jumping
from one sample to the next, which matters for the 40 to 100 timings a run has; the
price is that p95 may lie between two measured latencies rather than be one of them.

Standard library only, so benchmarks can import it without loading the assistant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (q in 0..100) by linear interpolation; None when `values` is empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be between 0 and 100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
