"""Fuzzing every backend against the reference, every public function on arrays: shapes
(zero-length axes, up to 6 dims), strides (negative, zero-stride broadcast, large steps),
dtypes, byte orders, axis specs, labels and membership matrices (valid or not), policies. Each
input must give the reference answer, or the same clean ValueError/TypeError in both.

A long run outside CI: SHARECUBE_FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sharecube as sc

EXAMPLES = int(os.environ.get("SHARECUBE_FUZZ_EXAMPLES", "150"))
FAST = [b for b in sc.backends() if b != "numpy"]
DTYPES = ["f8", "f4", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "?", ">f8", ">i4", "<f4"]


@st.composite
def strided_arrays(draw):
    ndim = draw(st.integers(0, 6))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    steps = tuple(draw(st.sampled_from([1, 2, 3, -1, -2])) for _ in shape)
    big = tuple(n * abs(s) + 1 for n, s in zip(shape, steps, strict=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype.kind == "b":
        base = rng.random(big) < 0.5
    else:
        lo = 0 if dtype.kind == "u" else -3
        base = rng.integers(lo, 9, size=big).astype(dtype)
        if dtype.kind == "f" and base.size:
            base.reshape(-1)[rng.random(base.size) < 0.1] = np.nan
    x = base[tuple(slice(None, None, s) for s in steps)]
    x = x[tuple(slice(0, n) for n in shape)]
    if ndim and draw(st.booleans()):  # zero-stride broadcast along a new leading axis
        x = np.broadcast_to(x, (draw(st.integers(0, 3)), *x.shape))
    if x.ndim > 1 and draw(st.booleans()):
        x = x.transpose(draw(st.permutations(range(x.ndim))))
    return x


def _axis(draw, ndim):
    return draw(
        st.one_of(
            st.none(),
            st.integers(-ndim - 1, ndim),
            st.lists(st.integers(-ndim, max(ndim - 1, 0)), max_size=3).map(tuple),
        )
    )


def _outcome(fn, *args, **kw):
    try:
        return fn(*args, **kw), None
    except (ValueError, TypeError) as e:
        return None, e


def _both(fn, backend, *args, **kw):
    """The reference's result and ``backend``'s, or None where both raised the same error."""
    want, want_err = _outcome(fn, *args, backend="numpy", **kw)
    got, got_err = _outcome(fn, *args, backend=backend, **kw)
    if want_err or got_err:
        same = type(want_err) is type(got_err) and str(want_err) == str(got_err)
        assert same, (want_err, got_err)
        return None
    return want, got


def _same(fn, backend, *args, **kw):
    both = _both(fn, backend, *args, **kw)
    if both is None:
        return
    want, got = both
    np.testing.assert_array_equal(got, want, strict=True)


fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@fuzz
@given(
    strided_arrays(),
    st.data(),
    st.sampled_from(FAST),
    st.booleans(),
    st.sampled_from(["nan", "zero"]),
)
def test_fuzz_shares(x, data, backend, skipna, zero_total) -> None:
    axis = _axis(data.draw, x.ndim)
    kw = {"skipna": skipna, "zero_total": zero_total}
    _same(sc.shares, backend, x, axis, **kw)
    _same(sc.share_sums, backend, x, None, axis, **kw)


@fuzz
@given(strided_arrays().filter(lambda a: a.ndim >= 1), st.data(), st.sampled_from(FAST))
def test_fuzz_grouped(x, data, backend) -> None:
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    if data.draw(st.booleans()):
        # labels: mostly the right length, sometimes not; -2 and large labels are errors
        length = data.draw(st.sampled_from([n, n, n, max(n - 1, 0), n + 1]))
        labels = data.draw(st.lists(st.integers(-2, 5), min_size=length, max_size=length))
        groups = np.array(labels, dtype=data.draw(st.sampled_from(["i8", "i4", "i1"])))
        ngroups = data.draw(st.one_of(st.none(), st.integers(0, 7)))
    else:
        g = data.draw(st.integers(0, 4))
        rows = data.draw(st.sampled_from([n, n + 1])) if n else n
        groups = np.asarray(
            data.draw(
                st.lists(
                    st.lists(st.booleans(), min_size=g, max_size=g), min_size=rows, max_size=rows
                )
            ),
            dtype=bool,
        ).reshape(rows, g)
        ngroups = None
    _same(sc.share_sums, backend, x, groups, axis, ngroups=ngroups)
    _same(sc.group_sums, backend, x, groups, axis, ngroups=ngroups)


def _close(fn, backend, *args, **kw):
    """Indicators follow different formulas per backend (one pass against the definition):
    equal to rounding, NaN where the reference is NaN, the same errors."""
    both = _both(fn, backend, *args, **kw)
    if both is None:
        return
    want, got = both
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 1e-5 if got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)


@fuzz
@given(
    strided_arrays().filter(lambda a: a.ndim >= 1),
    st.data(),
    st.sampled_from(FAST),
    st.booleans(),
    st.sampled_from(["nan", "zero"]),
)
def test_fuzz_indicators(x, data, backend, skipna, zero_total) -> None:
    kw = {"skipna": skipna, "zero_total": zero_total}
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))  # sometimes out of range
    _close(sc.hhi, backend, x, axis, normalized=data.draw(st.booleans()), **kw)
    _close(sc.entropy, backend, x, axis, **kw)
    _close(sc.group_sums, backend, x, None, axis, skipna=skipna)
    if x.ndim >= 2:
        a = data.draw(st.integers(-x.ndim, x.ndim - 1))
        b = data.draw(st.integers(-x.ndim, x.ndim))
        _close(sc.rca, backend, x, a, b, symmetric=data.draw(st.booleans()), **kw)
        _close(sc.similarity, backend, x, a, b, **kw)
        _close(sc.share_change, backend, x, a, b, lag=data.draw(st.integers(0, 3)), **kw)
