"""Every backend against the numpy reference on the generated inputs (tests/cases.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from cases import DTYPES, POLICIES, arrays, axis_specs, labels_for, memberships_for

import sharecube as sc


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except (ValueError, TypeError) as e:
        return None, e


def assert_same(fn, backend: str, label: str, *args, **kwargs) -> None:
    """Both raise the same error or neither does; results equal bit for bit (NaN == NaN)."""
    want, want_err = _outcome(fn, *args, backend="numpy", **kwargs)
    got, got_err = _outcome(fn, *args, backend=backend, **kwargs)
    if want_err or got_err:
        assert type(want_err) is type(got_err) and str(want_err) == str(got_err), (
            f"{label}: numpy raised {want_err!r}, {backend} raised {got_err!r}"
        )
        return
    assert got.dtype == want.dtype and got.shape == want.shape, label
    np.testing.assert_array_equal(got, want, err_msg=f"{label} backend={backend}", strict=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize(
    ("fn", "lead"), [(sc.shares, ()), (sc.share_sums, (None,))], ids=["shares", "share_sums"]
)
def test_totals_match_reference(backend: str, dtype: type, fn: Any, lead: tuple[Any]) -> None:
    """shares, and share sums without groups, on every axis and policy."""
    for name, x in arrays([dtype]):
        for axis in axis_specs(x.ndim):
            for skipna, zt in POLICIES:
                label = f"{name} axis={axis} skipna={skipna} zero_total={zt}"
                assert_same(fn, backend, label, x, *lead, axis, skipna=skipna, zero_total=zt)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
def test_grouped_share_sums_match_reference(backend: str, dtype: type) -> None:
    rng = np.random.default_rng(7)
    for name, x in arrays([dtype]):
        for axis in range(x.ndim):
            n = x.shape[axis]
            for groups in labels_for(n, rng) + memberships_for(n, rng):
                for skipna, zt in POLICIES:
                    label = f"{name} axis={axis} groups={groups.tolist()} skipna={skipna} {zt}"
                    assert_same(
                        sc.share_sums, backend, label, x, groups, axis, skipna=skipna, zero_total=zt
                    )


# group_sums runs the share_sums kernel with its division left out: three dtypes suffice here
@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.int32], ids=lambda t: np.dtype(t).name
)
def test_group_sums_match_reference(backend: str, dtype: type) -> None:
    rng = np.random.default_rng(8)
    for name, x in arrays([dtype]):
        for axis in axis_specs(x.ndim):
            for skipna in (True, False):
                label = f"{name} axis={axis} skipna={skipna} totals"
                assert_same(sc.group_sums, backend, label, x, None, axis, skipna=skipna)
        for axis in range(x.ndim):
            n = x.shape[axis]
            for groups in labels_for(n, rng) + memberships_for(n, rng):
                label = f"{name} axis={axis} groups={groups.tolist()}"
                assert_same(sc.group_sums, backend, label, x, groups, axis)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_random_reals_match_reference_closely(backend: str, dtype: type, rng) -> None:
    # Sums of random reals round, and the fast backends round less than numpy's pairwise
    # sums (off by up to ~log2(n) ulp): compare within that. Accuracy is tested against
    # math.fsum in test_accuracy.py.
    x = rng.random((30, 40, 5)).astype(dtype)
    x[rng.random(x.shape) < 0.05] = np.nan
    groups = rng.integers(-1, 6, size=30)
    rtol = 4 * np.finfo(dtype).eps if dtype == np.float32 else 1e-13
    for axis in [0, 1, 2, (0, 1), (0, 2), None]:
        want = sc.shares(x, axis, backend="numpy")
        np.testing.assert_allclose(sc.shares(x, axis, backend=backend), want, rtol=rtol)
    for axis in range(3):
        g = np.resize(groups, x.shape[axis])
        want = sc.share_sums(x, g, axis, backend="numpy")
        np.testing.assert_allclose(sc.share_sums(x, g, axis, backend=backend), want, rtol=rtol)


def test_dtype_and_out_conventions(backend: str) -> None:
    x32 = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert sc.shares(x32, backend=backend).dtype == np.float32
    assert sc.shares(x32, dtype=np.float64, backend=backend).dtype == np.float64
    assert sc.shares(x32.astype(np.int16), backend=backend).dtype == np.float64
    assert sc.shares(x32.astype(np.float16), backend=backend).dtype == np.float32
    assert sc.shares(x32.astype(np.int64), dtype="float32", backend=backend).dtype == np.float32
    out = np.empty((3, 4), dtype=np.float32)
    res = sc.shares(x32.astype(np.float64), out=out, backend=backend)
    assert res is out
    np.testing.assert_array_equal(out, (x32 / x32.sum(0)).astype(np.float32))


@pytest.mark.parametrize("layout", ["C", "F"])
def test_large_outputs_match_reference(backend: str, layout: str) -> None:
    # Outputs over 16 MB take the C++ kernel's streaming-store path.
    rng = np.random.default_rng(2)
    x = rng.integers(-2, 50, size=(48, 500, 90)).astype(np.float64)
    x[rng.random(x.shape) < 0.001] = np.nan
    x = np.asarray(x, order=layout)
    for axis in (0, 1, 2):
        want = sc.shares(x, axis, backend="numpy")
        np.testing.assert_array_equal(sc.shares(x, axis, backend=backend), want)
        inplace = x.copy(order="K")
        sc.shares(inplace, axis, out=inplace, backend=backend)
        np.testing.assert_array_equal(inplace, want)
    # One group per year: the grouped output is as large as x, and along the last axis of a C
    # array each strip's results are one contiguous run, written at once (streamed).
    for groups in (
        np.arange(x.shape[2]),
        np.eye(x.shape[2], dtype=bool) | np.eye(90, k=1, dtype=bool),
    ):
        want = sc.share_sums(x, groups, 2, backend="numpy")
        np.testing.assert_array_equal(sc.share_sums(x, groups, 2, backend=backend), want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_every_short_row_width_matches_reference(backend: str, dtype: type) -> None:
    # The C++ kernel sums rows of up to 32 lanes with a compile-time vector count (one code path
    # per width, the last vector overlapping the one before it): each width, with groups, NaN
    # and zero totals, against the reference.
    rng = np.random.default_rng(4)
    for w in range(1, 41):
        x = rng.integers(-2, 9, size=(3, 70, w)).astype(dtype)
        x[rng.random(x.shape) < 0.05] = np.nan
        x[:, :, 0] = 0.0
        groups = rng.random((70, 3)) < 0.4
        for skipna, zt in POLICIES:
            label = f"w={w} skipna={skipna} zero_total={zt}"
            kw = {"skipna": skipna, "zero_total": zt}
            assert_same(sc.shares, backend, label, x, 1, **kw)
            assert_same(sc.share_sums, backend, label, x, groups, 1, **kw)
            assert_same(sc.group_sums, backend, label, x, groups, 1, skipna=skipna)


# Inputs the C++ kernels do not read directly (integers, bool, byte-swapped floats) reach them
# converted block by block along a kept axis (sharecube._cpp._native), the blocks shared among
# threads. With a block of a few elements every such array of the cases is split into many
# blocks, along whichever kept axis is outermost: each result must still be the reference's.
CONVERTED = [np.int8, np.uint16, np.int32, np.int64, np.uint64, np.bool_, np.float64, np.float32]


@pytest.mark.skipif("cpp" not in sc.backends(), reason="the C++ extension is not built")
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", CONVERTED, ids=lambda t: np.dtype(t).name)
def test_converted_blocks_match_reference(
    dtype: type, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sharecube import _cpp

    monkeypatch.setattr(_cpp, "_BLOCK", 5)
    rng = np.random.default_rng(3)
    shapes = [(5, 37), (3, 19, 21), (2, 3, 2, 3), (4, 1, 5)]
    seen = 0
    for name, x in arrays([dtype], shapes=shapes):
        native = x.dtype.isnative and x.dtype.kind == "f"
        if native:
            continue  # floats in native order are read directly: only their byte-swapped copies
        seen += 1
        for axis in [*axis_specs(x.ndim)[2:], None]:
            label = f"{name} axis={axis} threads={threads}"
            kw: dict[str, Any] = {"threads": threads}
            assert_same(sc.shares, "cpp", label, x, axis, **kw)
            assert_same(sc.share_sums, "cpp", label, x, None, axis, **kw)
            assert_same(sc.hhi, "cpp", label, x, axis, **kw)
        for axis in range(x.ndim):
            groups = memberships_for(x.shape[axis], rng)[0]
            assert_same(sc.share_sums, "cpp", f"{name} groups axis={axis}", x, groups, axis,
                        threads=threads)  # fmt: skip
        if x.ndim == 3:
            assert_same(sc.rca, "cpp", f"{name} rca", x, 0, 1, threads=threads)
    assert seen > 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_native_order_spelled_out_is_native(backend: str, dtype: type) -> None:
    """A dtype made with newbyteorder('<') on a little-endian machine (zarr makes them so) says
    '<', not '=': it is still the native order, and the kernels read it as such."""
    order = "<" if np.little_endian else ">"
    dt = np.dtype(dtype).newbyteorder(order)
    assert dt.byteorder == order and dt.isnative
    x = np.arange(1, 61, dtype=dtype).reshape(3, 4, 5).astype(dt)
    for fn, args in [(sc.shares, (0,)), (sc.share_sums, ([0, 1, 0], 0)), (sc.hhi, (0,))]:
        want = fn(x.astype(dtype), *args, backend="numpy")
        np.testing.assert_array_equal(fn(x, *args, backend=backend), want)
