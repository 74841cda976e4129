"""The one percentile of every report (eval and benchmarks): linear interpolation."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.percentile import percentile


@pytest.mark.parametrize("q", [0, 5, 25, 50, 90, 95, 99, 100])
@pytest.mark.parametrize("n", [1, 2, 7, 40, 233])
def test_percentile_is_numpys_default(q, n):
    values = list(np.random.default_rng(n).exponential(100.0, n))
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_interpolates_between_ranks_whatever_the_order():
    assert percentile([1000.0, 100.0, 300.0, 200.0, 400.0], 95) == pytest.approx(880.0)
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)


def test_percentile_of_nothing_is_none():
    assert percentile([], 95) is None


def test_percentile_outside_0_to_100_is_refused():
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)
