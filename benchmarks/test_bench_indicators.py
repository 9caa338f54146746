"""Indicators against the numpy a user would write (and, for RCA, the per-year pandas loop)."""

from __future__ import annotations

import numpy as np
import pytest
from routes import numpy_rca

import sharecube as sc

SHAPE = (200, 2000, 20)  # country x sector x year, 64 MB in float64
SIM_SHAPE = (100, 500, 5)  # similarity is C^2 x S x years


@pytest.fixture(scope="module")
def cube() -> np.ndarray:
    return np.random.default_rng(0).lognormal(0.0, 2.0, size=SHAPE)


@pytest.fixture(scope="module")
def small_cube() -> np.ndarray:
    return np.random.default_rng(1).lognormal(0.0, 2.0, size=SIM_SHAPE)


def pandas_rca(x):
    """One year at a time, as users write it (py-ecomplexity style)."""
    pd = pytest.importorskip("pandas")
    out = np.empty_like(x)
    for t in range(x.shape[2]):
        df = pd.DataFrame(x[:, :, t])
        out[:, :, t] = (df.div(df.sum(axis=1), axis=0) / (df.sum(axis=0) / df.values.sum())).values
    return out


def numpy_hhi(x):
    s = x / x.sum(0, keepdims=True)
    return (s * s).sum(0)


def numpy_entropy(x):
    s = x / x.sum(0, keepdims=True)
    return -(s * np.log(s)).sum(0)


def numpy_share_change(x):
    s = x / x.sum(0, keepdims=True)
    out = np.full_like(s, np.nan)
    out[..., 1:] = s[..., 1:] - s[..., :-1]
    return out


def numpy_similarity(x):
    w = x / x.sum(1, keepdims=True)
    return np.stack([np.minimum(w[i], w).sum(1) for i in range(x.shape[0])])


CASES = {
    "rca": (numpy_rca, lambda x, b: sc.rca(x, backend=b), "cube"),
    "hhi": (numpy_hhi, lambda x, b: sc.hhi(x, 0, backend=b), "cube"),
    "entropy": (numpy_entropy, lambda x, b: sc.entropy(x, 0, backend=b), "cube"),
    "share_change": (numpy_share_change, lambda x, b: sc.share_change(x, 0, -1, backend=b), "cube"),
    "similarity": (numpy_similarity, lambda x, b: sc.similarity(x, backend=b), "small_cube"),
}
ROUTES = ["numpy", *[b for b in sc.backends() if b != "numpy"], "pandas-loop"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(CASES))
def test_indicator(benchmark, request, name, route) -> None:
    ref, fn, data = CASES[name]
    x = request.getfixturevalue(data)
    if route == "pandas-loop":
        if name != "rca":
            pytest.skip("the pandas loop is benchmarked for rca only")
        run = lambda: pandas_rca(x)  # noqa: E731
    elif route == "numpy":
        run = lambda: ref(x)  # noqa: E731
    else:
        run = lambda: fn(x, route)  # noqa: E731
    run()  # warm-up (JIT)
    benchmark.group = f"indicator-{name}"
    benchmark.extra_info.update(route=route, case=f"indicator-{name}", peak_mb=float("nan"))
    result = benchmark.pedantic(run, rounds=5, warmup_rounds=0, iterations=1)
    np.testing.assert_allclose(result, ref(x), rtol=1e-9, atol=1e-12)
