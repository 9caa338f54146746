"""Indicators: worked examples by hand, agreement with the reference, properties, errors."""

from __future__ import annotations

import math

import numpy as np
import oracles
import pytest
from cases import POLICIES, arrays
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sharecube as sc

ALL = sc.backends()

# --- worked examples, computed by hand from the published definitions -------------------------

# 3 countries x 2 sectors
X = np.array([[50.0, 10.0], [50.0, 10.0], [0.0, 80.0]])


@pytest.mark.parametrize("backend", ALL)
def test_hhi_by_hand(backend: str) -> None:
    # sector 0: shares .5 .5 0 -> .25 + .25 = .5 ; sector 1: .1 .1 .8 -> .01 + .01 + .64 = .66
    np.testing.assert_allclose(sc.hhi(X, 0, backend=backend), [0.5, 0.66], rtol=1e-14)
    # normalized over the non-missing entries, n = 3: (H - 1/3) / (2/3)
    np.testing.assert_allclose(
        sc.hhi(X, 0, normalized=True, backend=backend),
        [0.25, (0.66 - 1 / 3) / (2 / 3)],
        rtol=1e-14,
    )
    # country axis 1: country 0 (50, 10): (5/6)^2 + (1/6)^2 = 26/36
    np.testing.assert_allclose(sc.hhi(X, 1, backend=backend), [26 / 36, 26 / 36, 1.0], rtol=1e-14)


@pytest.mark.parametrize("backend", ALL)
def test_entropy_by_hand(backend: str) -> None:
    h0 = -2 * 0.5 * math.log(0.5)
    h1 = -(2 * 0.1 * math.log(0.1) + 0.8 * math.log(0.8))
    np.testing.assert_allclose(sc.entropy(X, 0, backend=backend), [h0, h1], rtol=1e-13)
    np.testing.assert_allclose(
        sc.entropy(X, 0, base=2, backend=backend), [1.0, h1 / math.log(2)], rtol=1e-13
    )


@pytest.mark.parametrize("backend", ALL)
def test_rca_by_hand(backend: str) -> None:
    # world: sector 0 = 100 / 200 = .5, sector 1 = 100 / 200 = .5
    # country 0: 50/60 / .5 = 5/3, 10/60 / .5 = 1/3 ; country 2: 0, 80/80 / .5 = 2
    want = np.array([[5 / 3, 1 / 3], [5 / 3, 1 / 3], [0.0, 2.0]])
    np.testing.assert_allclose(sc.rca(X, backend=backend), want, rtol=1e-14)
    np.testing.assert_allclose(
        sc.rca(X, symmetric=True, backend=backend), (want - 1) / (want + 1), rtol=1e-14, atol=1e-15
    )
    # countries on axis 1, sectors on axis 0: the same numbers transposed
    np.testing.assert_allclose(sc.rca(X.T, 1, 0, backend=backend), want.T, rtol=1e-14)


@pytest.mark.parametrize("backend", ALL)
def test_rca_zero_totals(backend: str) -> None:
    x = np.array([[0.0, 0.0], [1.0, 3.0], [np.nan, 1.0]])
    nan_fill = sc.rca(x, backend=backend)
    assert np.isnan(nan_fill[0]).all()  # country 0 has a zero total
    assert np.isnan(nan_fill[2, 0])  # a missing value stays missing
    zero_fill = sc.rca(x, zero_total="zero", backend=backend)
    np.testing.assert_array_equal(zero_fill[0], [0.0, 0.0])
    np.testing.assert_array_equal(
        sc.rca(x, symmetric=True, zero_total="zero", backend=backend)[0], [-1.0, -1.0]
    )


@pytest.mark.parametrize("backend", ALL)
def test_share_change_by_hand(backend: str) -> None:
    x = np.array([[1.0, 1.0, 3.0, 1.0], [1.0, 3.0, 1.0, 1.0]])  # 2 countries x 4 years
    # shares of country 0: .5 .25 .75 .5
    np.testing.assert_allclose(
        sc.share_change(x, 0, 1, backend=backend)[0], [np.nan, -0.25, 0.5, -0.25]
    )
    np.testing.assert_allclose(
        sc.share_change(x, 0, 1, lag=2, backend=backend)[0], [np.nan, np.nan, 0.25, 0.25]
    )
    assert np.isnan(sc.share_change(x, 0, 1, lag=9, backend=backend)).all()


@pytest.mark.parametrize("backend", ALL)
def test_similarity_by_hand(backend: str) -> None:
    # mixes: A (.5 .5 0), B (.5 0 .5), C (0 .5 .5), D (1 0 0)
    x = np.array([[5.0, 5.0, 0.0], [5.0, 0.0, 5.0], [0.0, 1.0, 1.0], [7.0, 0.0, 0.0]])
    want = np.array(
        [[1.0, 0.5, 0.5, 0.5], [0.5, 1.0, 0.5, 0.5], [0.5, 0.5, 1.0, 0.0], [0.5, 0.5, 0.0, 1.0]]
    )
    np.testing.assert_allclose(sc.similarity(x, backend=backend), want, rtol=1e-14)
    out = np.empty((4, 4), dtype=np.float32)
    assert sc.similarity(x, out=out, backend=backend) is out
    np.testing.assert_allclose(out, want, rtol=1e-6)
    # with a year axis: shape (C, C, years)
    cube = np.stack([x, x[::-1]], axis=-1)
    res = sc.similarity(cube, 0, 1, backend=backend)
    assert res.shape == (4, 4, 2)
    np.testing.assert_allclose(res[..., 0], want, rtol=1e-14)
    # a country with nothing has no mix: its row and column are NaN (or 0)
    z = np.vstack([x, np.zeros(3)])
    assert np.isnan(sc.similarity(z, backend=backend)[4]).all()
    np.testing.assert_array_equal(sc.similarity(z, zero_total="zero", backend=backend)[:, 4], 0.0)


# --- every backend against the reference on generated inputs ----------------------------------


def _close(got, want, label: str, dtype) -> None:
    rtol = 1e-5 if dtype == np.float32 else 1e-11
    assert got.shape == want.shape and got.dtype == want.dtype, label
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12, equal_nan=True, err_msg=label)


SHAPES = [(3, 4), (0, 3), (4, 0), (2, 3, 4), (5, 37), (3, 19, 21)]
DTYPES = [np.float64, np.float32, np.int32, np.uint8, np.bool_]


def _oracle(got, want):
    return np.asarray(want).astype(got.dtype)


@pytest.mark.parametrize("backend", ALL)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
def test_indicators_match_reference(backend: str, dtype) -> None:
    """HHI, entropy and RCA against their published definitions (tests/oracles.py); share
    change and similarity against the numpy backend."""
    for name, x in arrays([dtype], SHAPES):
        for skipna, zt in POLICIES:
            kw = {"skipna": skipna, "zero_total": zt}
            fill = np.nan if zt == "nan" else 0.0
            for axis in range(x.ndim):
                label = f"{name} axis={axis} {kw}"
                for fn, extra, want in (
                    (sc.hhi, {}, oracles.hhi(x, axis, False, skipna, fill)),
                    (sc.hhi, {"normalized": True}, oracles.hhi(x, axis, True, skipna, fill)),
                    (sc.entropy, {}, oracles.entropy(x, axis, None, skipna, fill)),
                ):
                    got = fn(x, axis, backend=backend, **extra, **kw)
                    _close(got, _oracle(got, want), f"{fn.__name__} {label}", dtype)
            for ax, tax in [(0, x.ndim - 1), (x.ndim - 1, 0)]:
                if ax == tax:
                    continue
                for lag in (1, 2):
                    _close(
                        sc.share_change(x, ax, tax, lag=lag, backend=backend, **kw),
                        sc.share_change(x, ax, tax, lag=lag, backend="numpy", **kw),
                        f"share_change {name} axis={ax} time_axis={tax} lag={lag} {kw}",
                        dtype,
                    )
            for ca, sa in [(0, 1), (1, 0), (x.ndim - 1, 0)]:
                if ca == sa:
                    continue
                label = f"{name} country_axis={ca} sector_axis={sa} {kw}"
                for sym in (False, True):
                    got = sc.rca(x, ca, sa, symmetric=sym, backend=backend, **kw)
                    want = oracles.rca(x, ca, sa, skipna, fill)
                    if sym:
                        with np.errstate(all="ignore"):
                            want = (want - 1.0) / (want + 1.0)
                    _close(got, _oracle(got, want), f"rca {label}", dtype)
                _close(
                    sc.similarity(x, ca, sa, backend=backend, **kw),
                    sc.similarity(x, ca, sa, backend="numpy", **kw),
                    f"similarity {label}",
                    dtype,
                )


@pytest.mark.parametrize("backend", [b for b in ALL if b != "numpy"])
def test_indicators_bit_identical_for_any_thread_count(backend: str) -> None:
    rng = np.random.default_rng(8)
    x = rng.lognormal(0, 2, size=(40, 300, 12))
    x[rng.random(x.shape) < 0.01] = np.nan
    for fn in (
        lambda **k: sc.hhi(x, 0, **k),
        lambda **k: sc.entropy(x, 1, **k),
        lambda **k: sc.rca(x, **k),
        lambda **k: sc.similarity(x, **k),
    ):
        assert fn(backend=backend, threads=1).tobytes() == fn(backend=backend, threads=3).tobytes()


# --- properties -------------------------------------------------------------------------------

nonneg = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=6),
    elements=st.floats(0, 1e6),
)


@given(nonneg, st.sampled_from(ALL))
def test_hhi_and_entropy_bounds(x, backend) -> None:
    n = x.shape[0]
    h = sc.hhi(x, 0, backend=backend)
    e = sc.entropy(x, 0, backend=backend)
    ok = x.sum(axis=0) > 0
    assert np.all(h[ok] >= 1 / n - 1e-12) and np.all(h[ok] <= 1 + 1e-12)
    assert np.all(e[ok] >= 0) and np.all(e[ok] <= math.log(n) + 1e-12)
    assert np.isnan(h[~ok]).all() and np.isnan(e[~ok]).all()


# magnitudes where scaling cannot round a value to 0 (a scaled subnormal can)
economic = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=6),
    elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e6)),
)


@given(
    economic.filter(lambda a: (a.sum(axis=1) > 0).all() and (a.sum(axis=0) > 0).all()),
    st.sampled_from(ALL),
    st.floats(1e-3, 1e3),
)
def test_rca_of_a_country_with_the_world_mix_is_one(x, backend, scale) -> None:
    world = x.sum(axis=0, keepdims=True)
    y = np.concatenate([x, world * scale])  # a country whose sector mix is the world's
    np.testing.assert_allclose(sc.rca(y, 0, 1, backend=backend)[-1], 1.0, rtol=1e-12)


@given(nonneg.filter(lambda a: (a.sum(axis=1) > 0).all()), st.sampled_from(ALL))
def test_similarity_symmetric_with_unit_diagonal(x, backend) -> None:
    s = sc.similarity(x, 0, 1, backend=backend)
    np.testing.assert_array_equal(s, np.swapaxes(s, 0, 1))
    np.testing.assert_allclose(np.diagonal(s, axis1=0, axis2=1), 1.0, rtol=1e-12)
    assert np.all(s >= 0) and np.all(s <= 1 + 1e-12)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: sc.rca(X, 0, 0),
            ValueError,
            r"country_axis and sector_axis must differ, both are axis 0",
        ),
        (lambda: sc.rca(X, 0, -2), ValueError, r"must differ, both are axis 0"),
        (lambda: sc.rca(X, 0, 2), np.exceptions.AxisError, r"sector_axis=2 is out of bounds"),
        (
            lambda: sc.similarity(X, 5, 1),
            np.exceptions.AxisError,
            r"country_axis=5 is out of bounds",
        ),
        (lambda: sc.hhi(X, (0, 1)), TypeError, r"axis must be a single int"),
        (lambda: sc.hhi(X, normalized="yes"), TypeError, r"normalized must be True or False"),
        (lambda: sc.entropy(X, base=1), ValueError, r"base must be a positive number other than 1"),
        (lambda: sc.entropy(X, base=-2.0), ValueError, r"base must be a positive number"),
        (lambda: sc.share_change(X, 0, 0), ValueError, r"axis and time_axis must differ"),
        (lambda: sc.share_change(X, 0, 1, lag=0), ValueError, r"lag must be a positive int, got 0"),
        (
            lambda: sc.share_change(X, 0, 1, lag=1.5),
            TypeError,
            r"lag must be a positive int, got 1.5",
        ),
        (lambda: sc.rca(X, symmetric=1), TypeError, r"symmetric must be True or False"),
        (lambda: sc.rca(np.ones(3, complex)), TypeError, r"x has dtype complex128"),
        (lambda: sc.hhi(X, out=np.empty(3)), ValueError, r"out has shape \(3,\), expected \(2,\)"),
        (
            lambda: sc.similarity(X, out=np.empty((3, 3, 1))),
            ValueError,
            r"out has shape \(3, 3, 1\), expected \(3, 3\)",
        ),
    ],
)
def test_indicator_errors(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_indicator_docstring_examples() -> None:
    import doctest

    import sharecube.indicators

    failures, tried = doctest.testmod(sharecube.indicators)
    assert tried >= 5 and failures == 0


_core = None
try:
    from sharecube import _core
except ImportError:
    pass


@pytest.mark.skipif(_core is None, reason="the C++ extension is not built")
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("symmetric", [False, True])
def test_rca_final_pass_in_cpp_gives_numpys_bits(
    dtype: type, symmetric: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The C++ backend divides (x / x_c.) / (x_.s / x_..) in one kernel pass (two corrected-
    # reciprocal divisions an element); numpy's two divisions must give the same bits, for every
    # layout the kernel takes or hands back (Fortran order, transposed axes, 2-D, a length-1
    # last axis), zero totals, NaN and values across the exponent range.
    from sharecube import indicators as ind

    rng = np.random.default_rng(17)
    base = np.ldexp(rng.uniform(1, 2, (9, 14, 11)), rng.integers(-300, 300, (9, 14, 11)))
    if dtype == np.float32:
        base = np.ldexp(rng.uniform(1, 2, (9, 14, 11)), rng.integers(-60, 60, (9, 14, 11)))
    base[2] = 0.0  # a country without exports: fill
    base[:, 3] = 0.0  # a sector nobody exports
    if dtype != np.int32:
        base[rng.random(base.shape) < 0.05] = np.nan
    else:
        base = rng.integers(0, 1000, base.shape)
    x = base.astype(dtype)
    cases = [
        (x, 0, 1),
        (x, 1, 0),
        (x, 2, 1),
        (np.asfortranarray(x), 0, 1),
        (x.transpose(2, 0, 1), 1, 2),
        (x[:, :, 0], 0, 1),
        (x[:, :, :1], 0, 1),
        (x[::-1, :, ::-1], 0, 1),
    ]
    real = ind._quotients
    for arr, ca, sa in cases:
        for zero_total in ("nan", "zero"):
            kw = {"symmetric": symmetric, "zero_total": zero_total, "backend": "cpp"}
            monkeypatch.setattr(ind, "_quotients", real)
            got = sc.rca(arr, ca, sa, **kw)
            monkeypatch.setattr(ind, "_quotients", lambda *a: False)
            want = sc.rca(arr, ca, sa, **kw)
            assert got.dtype == want.dtype
            assert got.tobytes() == want.tobytes(), (arr.shape, arr.strides, ca, sa, zero_total)
    # the common layout takes the kernel (the test above would otherwise compare numpy with
    # itself)
    taken: list[bool] = []
    monkeypatch.setattr(ind, "_quotients", lambda *a: taken.append(real(*a)) or taken[-1])
    sc.rca(x, 0, 1, backend="cpp", symmetric=symmetric)
    # (integers, and float32 with the symmetric form, are numpy's)
    assert taken == [dtype == np.float64 or (dtype == np.float32 and not symmetric)]


@pytest.mark.skipif(_core is None, reason="the C++ extension is not built")
def test_quotients_kernel_is_ieee_division_across_the_range() -> None:
    # both divisions exact for every ISA: values and divisors over the whole exponent range,
    # zeros, infinities, NaN, subnormals (where the corrected reciprocal is not valid the kernel
    # divides plainly)
    from sharecube import indicators as ind

    assert _core is not None
    rng = np.random.default_rng(23)
    shape = (6, 40, 37)
    x = np.ldexp(rng.uniform(-2, 2, shape), rng.integers(-1074, 1024, shape))
    a = np.ldexp(rng.uniform(-2, 2, (6, 1, 37)), rng.integers(-1074, 1024, (6, 1, 37)))
    b = np.ldexp(rng.uniform(-2, 2, (1, 40, 37)), rng.integers(-1074, 1024, (1, 40, 37)))
    x.flat[::53] = 0.0
    x.flat[::59] = -0.0
    x.flat[::61] = np.inf
    x.flat[::67] = np.nan
    a.flat[::7] = 0.0
    b.flat[::11] = np.inf
    b.flat[::13] = 5e-324
    with np.errstate(all="ignore"):
        want = (x / a) / b
    before = _core.isa()
    try:
        for isa in _core.supported_isas():
            _core._set_isa(isa)
            with np.errstate(over="ignore"):
                x32 = x.astype(np.float32)
            for xx, ww, cast in ((x, want, np.float64), (x32, None, np.float32)):
                with np.errstate(all="ignore"):
                    w = ww if ww is not None else ((xx / a) / b).astype(cast)
                parts = [np.broadcast_to(v, shape) for v in (a, ind._reciprocal(a))]
                parts += [np.broadcast_to(v, shape) for v in (b, ind._reciprocal(b))]
                out = np.empty(shape, dtype=cast)
                assert _core.quotients(xx, *parts, out, 0)
                assert out.tobytes() == w.tobytes(), isa
    finally:
        _core._set_isa(before)
