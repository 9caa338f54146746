"""The benchmarks' floors (the benchmark-only C++ module, see floors.py) compute what they
claim, so that their timings measure the work they name."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pybind11")
floors = pytest.importorskip("floors")
core = floors.load()


@pytest.mark.parametrize("threads", [1, 2])
def test_floors_read_copy_and_compensated_sum(threads: int) -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 2.0, size=100_003)  # not a multiple of the chunk or the lane count
    np.testing.assert_allclose(core.read(x, threads), x.sum(), rtol=1e-12)
    out = np.empty_like(x)
    core.copy(x, out, threads)
    np.testing.assert_array_equal(out, x)
    # Cancellation a plain sum gets wrong; TwoSum keeps every lane's sum exact here.
    y = np.tile([1e16, 1.0, -1e16, 3.0], 40_000)
    assert core.twosum(y, threads) == math.fsum(y) == 160_000.0
    assert core.read(y, threads) != 160_000.0
    with pytest.raises(ValueError, match="float64"):
        core.twosum(x.astype(np.float32), threads)
