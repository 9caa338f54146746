"""Totals are compensated: shares match value / math.fsum(slice) to within a few ulp."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sharecube as sc


def _adversarial(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Values over 20 orders of magnitude with both signs, but totals kept well away from 0."""
    mag = 10.0 ** rng.uniform(-10, 10, size=(n, m))
    sign = np.where(rng.random((n, m)) < 0.3, -1.0, 1.0)
    x = mag * sign
    x[0] = np.abs(x).sum(axis=0) * 1e-6 + 1e9  # a dominant positive term keeps totals > 0
    return x


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.spacing(np.abs(b))


@pytest.mark.parametrize("seed", range(3))
def test_shares_within_few_ulp_of_fsum(backend: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = _adversarial(rng, 2000, 64)
    exact = np.array([math.fsum(x[:, j]) for j in range(x.shape[1])])
    want = x / exact
    got = sc.shares(x, axis=0, backend=backend)
    assert _ulps(got, want).max() <= 2
    # and along a last (contiguous) axis, the other kernel path
    got_t = sc.shares(np.ascontiguousarray(x.T), axis=1, backend=backend)
    assert _ulps(got_t, want.T).max() <= 2


def test_numpy_sum_is_less_accurate_than_the_kernels(backend: str) -> None:
    # Cancellation that numpy's pairwise sum gets wrong by far more than an ulp.
    x = np.array([1e16, 1.0, -1e16, 3.0, 1e-3] * 40)[:, None]
    exact = math.fsum(x[:, 0])
    got = sc.share_sums(x, np.zeros(x.shape[0], dtype=int), axis=0, backend=backend)
    assert got[0, 0] == 1.0
    s = sc.shares(x, axis=0, backend=backend)
    np.testing.assert_array_max_ulp(s[:, 0], x[:, 0] / exact, maxulp=2)
    assert abs(np.sum(x[:, 0]) - exact) > 1.0  # the reason for compensation


def test_float32_input_accumulates_in_float64(backend: str) -> None:
    rng = np.random.default_rng(5)
    x = rng.random((100_000, 2)).astype(np.float32)
    exact = np.array([math.fsum(x[:, j].astype(np.float64)) for j in range(2)])
    want = (x.astype(np.float64) / exact).astype(np.float32)  # correctly rounded float32
    got = sc.shares(x, axis=0, backend=backend)
    assert got.dtype == np.float32
    np.testing.assert_array_max_ulp(got, want, maxulp=1)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_float32_results_over_the_whole_float32_range(backend: str, axis: int) -> None:
    # float32 in, float32 out: the kernels sum in plain float64 (no compensation) and divide by
    # a reciprocal with a correction step. Values from subnormal to near the float32 maximum,
    # signed zeros and a slice that is all zero: the shares still equal the float64 quotient by
    # the exact total, rounded once to float32, and the signs of zeros are IEEE division's.
    rng = np.random.default_rng(11)
    shape = (60, 37, 41)
    x = (rng.random(shape) * 2.0 ** rng.integers(-149, 100, size=shape)).astype(np.float32)
    x[rng.random(shape) < 0.05] = -0.0
    x[rng.random(shape) < 0.05] = 0.0
    index = [slice(None)] * 3
    index[(axis + 1) % 3] = 3
    x[tuple(index)] = 0.0  # slices of zeros: their totals are 0
    x64 = np.moveaxis(x.astype(np.float64), axis, -1)
    exact = np.apply_along_axis(math.fsum, -1, x64)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.moveaxis(np.where(exact == 0, 0.0, x64 / exact), -1, axis).astype(np.float32)
    got = sc.shares(x, axis, zero_total="zero", backend=backend)
    assert got.dtype == np.float32
    np.testing.assert_array_max_ulp(got, want, maxulp=1)
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))
    groups = rng.random((x.shape[axis], 4)) < 0.4
    sums = sc.share_sums(x, groups, axis, zero_total="zero", backend=backend)
    member = np.moveaxis(x64, -1, 0)
    part = np.stack([member[g].sum(0) for g in groups.T], axis=axis)  # exact enough for 1 ulp
    with np.errstate(invalid="ignore", divide="ignore"):
        want_sums = np.where(
            np.expand_dims(exact[..., 0], axis) == 0,
            0.0,
            part / np.expand_dims(exact[..., 0], axis),
        ).astype(np.float32)
    np.testing.assert_array_max_ulp(sums, want_sums, maxulp=1)


def test_group_sums_within_few_ulp_of_fsum(backend: str) -> None:
    rng = np.random.default_rng(9)
    x = _adversarial(rng, 1000, 16)
    labels = rng.integers(-1, 4, size=1000)
    total = np.array([math.fsum(x[:, j]) for j in range(16)])
    got = sc.share_sums(x, labels, axis=0, backend=backend)
    for k in range(4):
        part = np.array([math.fsum(x[labels == k, j]) for j in range(16)])
        assert _ulps(got[k], part / total).max() <= 4


def test_shares_are_ieee_quotients_across_the_float64_range(backend: str) -> None:
    # Columns scaled from 2^-1000 to 2^1000, with parts 100 to 700 binades below the rest (down
    # to subnormal and zero quotients), so that every range the C++ kernel's fast division
    # checks (totals near 2^-400 and 2^400, values far outside) and falls back from is crossed.
    # Totals are exact here (the large parts are small integers times 2^e; the small parts lie
    # far below their ulp), so the shares must be exactly numpy's IEEE quotients.
    rng = np.random.default_rng(8)
    n, m = 64, 400
    e = np.linspace(-1000, 1000, m).round().astype(int)
    shift = rng.choice([0, 1, 2, 3, 100, 300, 700], size=(n, m))
    mant = np.where(shift <= 3, rng.integers(0, 10, size=(n, m)), rng.integers(-9, 10, size=(n, m)))
    mant[0] = 5  # keeps every total positive
    x = np.ldexp(mant.astype(np.float64), e[None, :] - shift)
    x[rng.random((n, m)) < 0.05] *= -0.0  # signed zeros
    want = x / x.sum(axis=0)
    got = sc.shares(x, axis=0, backend=backend)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
