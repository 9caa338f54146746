"""Corners that once gave silent wrong answers, numpy's messages or gigabytes of scratch: each
case here failed before it was fixed (issue 14)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sharecube as sc
from sharecube import _dispatch

BACKENDS = sc.backends()
F64_MAX = float(np.finfo(np.float64).max)


def fsum_shares(x: list[float]) -> list[float]:
    """Shares from the exactly rounded total, of the values / 4 (exact) so that fsum's own
    running sum stays in range."""
    tot = math.fsum(v / 4 for v in x)
    return [(v / 4) / tot for v in x]


# ---- sums that overflow although the answer is finite --------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_shares_whose_running_sum_overflows(backend: str) -> None:
    x = [1e308, 1e308, -1e308]
    np.testing.assert_array_equal(sc.shares(x, backend=backend), fsum_shares(x))
    # the exact total itself overflows: shares are still 0.5
    np.testing.assert_array_equal(sc.shares([1e308, 1e308], backend=backend), [0.5, 0.5])
    np.testing.assert_allclose(  # numpy's plain sums: an ulp
        sc.shares([F64_MAX, F64_MAX, F64_MAX, -F64_MAX], backend=backend),
        [0.5, 0.5, 0.5, -0.5],
        rtol=2.3e-16,
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_only_the_overflowing_slices_change(backend: str, axis: int) -> None:
    rng = np.random.default_rng(axis)
    x = rng.lognormal(size=(5, 6, 7))
    idx = [slice(None)] * 3
    idx[(axis + 1) % 3] = 2  # a few slices hold values near the top of the range
    x[tuple(idx)] = 1.0 + rng.random(x[tuple(idx)].shape)
    want = sc.shares(x, axis, backend="numpy")
    big = x.copy()
    big[tuple(idx)] *= 2.0**1023  # in [2**1023, 2**1024): any two of them overflow a sum
    with np.errstate(over="ignore"):
        assert not np.isfinite(big.sum(axis)).all()
    got = sc.shares(big, axis, backend=backend)
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)  # scaling by 2**k is exact
    assert np.array_equal(got[tuple(idx)], sc.shares(x, axis, backend=backend)[tuple(idx)])


@pytest.mark.parametrize("backend", BACKENDS)
def test_in_place_shares_whose_sum_overflows(backend: str) -> None:
    x = np.array([[1e308, 1.0], [1e308, 3.0], [-1e308, 4.0]])
    sc.shares(x, 0, out=x, backend=backend)
    np.testing.assert_array_equal(x, [[1.0, 0.125], [1.0, 0.375], [-1.0, 0.5]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_share_sums_and_group_sums_whose_sum_overflows(backend: str) -> None:
    x = np.array([1e308, 1e308, -1e308])
    np.testing.assert_array_equal(
        sc.share_sums(x, np.array([0, 0, 1]), backend=backend), [2.0, -1.0]
    )
    # a group sum beyond the range is inf (the correctly rounded sum), the other is exact
    np.testing.assert_array_equal(
        sc.group_sums(x, np.array([0, 0, 1]), backend=backend), [np.inf, -1e308]
    )
    np.testing.assert_array_equal(sc.group_sums(x, backend=backend), 1e308)
    np.testing.assert_array_equal(sc.share_sums(x, backend=backend), 1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_inf_and_nan_data_keep_the_ieee_answer(backend: str) -> None:
    with np.errstate(invalid="ignore"):
        want = np.array([1.0, np.inf]) / np.inf
    np.testing.assert_array_equal(sc.shares([1.0, np.inf], backend=backend), want)
    got = sc.shares([1e308, np.nan, 1e308], skipna=False, backend=backend)
    assert np.isnan(got).all()
    # with skipna the NaN is left out and the rest is rescued
    np.testing.assert_array_equal(
        sc.shares([1e308, np.nan, 1e308], backend=backend), [0.5, np.nan, 0.5]
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_indicators_whose_sums_overflow(backend: str) -> None:
    # HHI: the sum of squares is finite, the squared total is not (was 0.0 and -0.0625)
    assert sc.hhi(np.full(17, 3e153), backend=backend) == pytest.approx(1 / 17, rel=1e-15)
    assert sc.hhi(np.full(17, 3e153), normalized=True, backend=backend) == pytest.approx(
        0, abs=1e-15
    )
    assert sc.hhi(np.full(4, 1e308), backend=backend) == pytest.approx(0.25, rel=1e-15)
    assert sc.entropy([1e308, 1e308], backend=backend) == pytest.approx(math.log(2), rel=1e-15)
    np.testing.assert_allclose(
        sc.rca(np.full((2, 3), 1e308), backend=backend), np.ones((2, 3)), rtol=1e-15
    )


# ---- dask: chunk partials carried whole ----------------------------------------------------


def test_dask_split_axis_with_cancellation() -> None:
    da = pytest.importorskip("dask.array")
    x = np.array([1e16, 1.0, -1e16, 1.0])
    d = da.from_array(x, chunks=2)
    np.testing.assert_array_equal(sc.shares(d).compute(), sc.shares(x))
    np.testing.assert_array_equal(sc.shares(x), [5e15, 0.5, -5e15, 0.5])
    np.testing.assert_array_equal(sc.group_sums(d).compute(), 2.0)
    labels = np.array([0, 0, 1, 1])
    np.testing.assert_array_equal(sc.share_sums(d, labels).compute(), sc.share_sums(x, labels))
    assert sc.hhi(da.from_array(np.full(17, 3e153), chunks=5)).compute() == pytest.approx(1 / 17)


def test_dask_split_axis_mixed_signs_match_in_memory() -> None:
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 4, 3)) * 10.0 ** rng.integers(-8, 8, size=(60, 4, 3))
    d = da.from_array(x, chunks=(7, 3, 2))
    want = sc.shares(x, 0)
    exact = x / np.array([[math.fsum(x[:, i, j]) for j in range(3)] for i in range(4)])
    got = sc.shares(d, 0).compute()
    for res in (got, want):  # split across chunks or not: within 2 ulp of the exact shares
        assert (np.abs(res - exact) / np.spacing(np.abs(exact))).max() <= 2
    labels = np.arange(60) % 4
    np.testing.assert_array_equal(
        sc.group_sums(d, labels, 0).compute(), sc.group_sums(x, labels, 0)
    )


def test_dask_float16_gives_float32_as_in_memory() -> None:
    da = pytest.importorskip("dask.array")
    x = np.ones((4, 3), dtype=np.float16)
    assert sc.shares(x).dtype == np.float32
    assert sc.shares(da.from_array(x, chunks=2)).dtype == np.float32


# ---- inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_masked_entries_are_missing(backend: str) -> None:
    x = np.ma.array([1.0, 100.0, 3.0], mask=[0, 1, 0])
    np.testing.assert_array_equal(sc.shares(x, backend=backend), [0.25, np.nan, 0.75])
    xi = np.ma.array([[1, 5], [3, 7]], mask=[[0, 1], [0, 0]])
    np.testing.assert_array_equal(sc.share_sums(xi, backend=backend), [1.0, 1.0])
    assert sc.hhi(np.ma.array([5.0, 1e9, 5.0], mask=[0, 1, 0]), backend=backend) == 0.5


def test_big_endian_float32_gives_float32() -> None:
    x = np.array([1.0, 3.0], dtype=">f4")
    res = sc.shares(x)
    assert res.dtype == np.float32
    np.testing.assert_array_equal(res, [0.25, 0.75])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sc.hhi(np.ones((2, 2)), axis=None), "axis must be a single int, got None"),
        (lambda: sc.entropy(np.ones((2, 2)), axis=None), "axis must be a single int, got None"),
        (lambda: sc.share_sums(np.ones((2, 2)), [0, 1], axis=None), "when groups are given"),
        (lambda: sc.shares([[1.0, 2.0], [3.0]]), "x cannot be read as an array"),
        (lambda: sc.share_sums([1.0, 2.0], [[0], [1, 2]]), "groups cannot be read as an array"),
        (
            lambda: sc.share_sums(np.ones(3), [0, 1, 0], ngroups=2**62),
            r"ngroups gives a result of shape \(4611686018427387904,\)",
        ),
        (lambda: sc.entropy([1.0, 2.0], base=True), "base must be a positive number"),
    ],
)
def test_errors_name_the_argument(call: object, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message) as info:
        call()  # type: ignore[operator]
    assert "\n" not in str(info.value)


def test_entropy_takes_numpy_numbers_as_base() -> None:
    want = sc.entropy([1.0, 1.0], base=2)
    assert want == 1.0
    assert sc.entropy([1.0, 1.0], base=np.int64(2)) == want
    assert sc.entropy([1.0, 1.0], base=np.float32(2)) == want


@pytest.mark.parametrize("threads", [4000, 2**31, 10**30])
def test_threads_are_capped_at_the_cores(threads: int) -> None:
    cores = _dispatch.available_cores()
    assert _dispatch.normalize_threads(threads) == cores
    x = np.random.default_rng(0).lognormal(size=(300, 500))
    np.testing.assert_array_equal(sc.shares(x, threads=threads), sc.shares(x, threads=1))
    np.testing.assert_array_equal(
        sc.share_sums(x, np.arange(300) % 3, threads=threads),
        sc.share_sums(x, np.arange(300) % 3, threads=1),
    )


SCRATCH = """
import resource, sys, numpy as np, sharecube as sc
b = sys.argv[1]
x = np.array([1.0, 2.0, 5.0])
labels = np.array([0, 999_999, -1])
sc.share_sums(x, np.array([0, 9, -1]), ngroups=10, backend=b)  # compiled and warm
res = np.zeros(10**6)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
got = sc.share_sums(x, labels, ngroups=10**6, backend=b)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
want = np.zeros(10**6)
want[[0, 999_999]] = [0.125, 0.25]
assert np.array_equal(got, want)
print(grown)  # kB
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_scratch_follows_the_members_not_ngroups(backend: str) -> None:
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-c", SCRATCH, backend], capture_output=True, text=True, check=True
    )
    grown_kb = int(res.stdout.split()[-1])
    assert grown_kb < 64 * 1024  # the 8 MB result and an index of ngroups (was about 1 GB)
    # empty groups of a zero or NaN total take the fill, as a kernel call with them would
    x = np.array([1.0, 2.0, 5.0])
    labels = np.array([0, 99, -1])
    z = sc.share_sums(np.zeros(3), labels, ngroups=100, backend=backend)
    assert np.isnan(z).all()
    raw = sc.group_sums(x, labels, ngroups=100, backend=backend)
    assert raw[0] == 1.0 and raw[99] == 2.0 and not raw[1:99].any()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("raw", [False, True])
def test_groups_without_members_are_left_out_of_the_kernel_exactly(
    backend: str, raw: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sharecube import share

    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(6, 5, 4))
    x[0, 1, 2] = np.nan
    labels = np.array([3, 150, -1, 3, 77, 150])
    fn = sc.group_sums if raw else sc.share_sums
    for ax in range(3):
        lab = labels[: x.shape[ax]]
        got = fn(x, lab, ax, ngroups=200, backend=backend, skipna=False)
        monkeypatch.setattr(share, "_COMPACT_ABOVE", 10**9)  # every group to the kernel
        want = fn(x, lab, ax, ngroups=200, backend=backend, skipna=False)
        monkeypatch.undo()
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("value", [3e153, 1e200, 1e307, 1e-200, 1e-310, 1e-320])
def test_dask_split_axis_hhi_and_entropy_at_the_range_edges(value: float) -> None:
    da = pytest.importorskip("dask.array")
    x = np.full(17, value)
    x[3] *= 3
    d = da.from_array(x, chunks=5)
    for fn, kw in [(sc.hhi, {}), (sc.hhi, {"normalized": True}), (sc.entropy, {})]:
        want = fn(x, **kw)
        assert np.isfinite(want)
        np.testing.assert_allclose(fn(d, **kw).compute(), want, rtol=4e-16, atol=1e-16)
    assert sc.hhi(x) == pytest.approx((16 + 9) / 19**2, rel=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_total_slices_are_not_copied_for_the_rescue(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sharecube import _extreme

    x = np.random.default_rng(2).lognormal(size=(5, 40))
    x[:, ::2] = 0.0  # half the sectors empty, as in sparse cubes
    want = (sc.hhi(x, backend=backend), sc.entropy(x, backend=backend))
    calls = []
    real = _extreme.scaled_slices
    monkeypatch.setattr(_extreme, "scaled_slices", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = (sc.hhi(x, backend=backend), sc.entropy(x, backend=backend))
    assert calls == []  # nothing to rescue: no copy of the empty slices
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
        assert np.isnan(g[::2]).all()
