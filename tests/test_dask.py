"""dask arrays: lazy results equal to the in-memory ones for every chunking; distributed; zarr."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

da = pytest.importorskip("dask.array")

import sharecube as sc  # noqa: E402
from sharecube._dask import neumaier  # noqa: E402

SHAPE = (7, 9, 5)
CHUNKINGS = [
    (7, 9, 5),  # one chunk
    (7, 4, 2),  # reduced axis 0 whole, others split unevenly
    (3, 9, 5),  # split along the countries
    (2, 5, 3),  # split everywhere, uneven
    (1, 1, 1),  # one element per chunk
]


def cube(dtype: type = np.float64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 3.0, size=SHAPE) * rng.integers(0, 2, size=SHAPE)
    x[:, 2, :] = 0.0  # zero totals
    x[1, 3, 1] = np.nan
    x[:, 4, 2] = np.nan  # an all-NaN slice
    return x.astype(dtype)


def close(got: np.ndarray, want: np.ndarray, exact: bool, atol: float = 0.0) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    if exact:
        np.testing.assert_array_equal(got, want)
    else:
        rtol = 4e-7 if want.dtype == np.float32 else 1e-14
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("skipna", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shares_and_share_sums(chunks: tuple, skipna: bool, dtype: type, backend: str) -> None:
    x = cube(dtype)
    lazy = da.from_array(x, chunks=chunks)
    whole0 = len(lazy.chunks[0]) == 1
    kw = {"skipna": skipna, "backend": backend}
    for axis in (0, 1, (0, 2)):
        got = sc.shares(lazy, axis, **kw)
        assert isinstance(got, da.Array)
        axes = axis if isinstance(axis, tuple) else (axis,)
        close(got.compute(), sc.shares(x, axis, **kw), all(len(lazy.chunks[a]) == 1 for a in axes))
    member = np.random.default_rng(1).random((7, 3)) < 0.5
    labels = np.array([0, 1, -1, 1, 0, 2, 2])
    for groups in (member, labels, None):
        got = sc.share_sums(lazy, groups, 0, **kw)
        close(got.compute(), sc.share_sums(x, groups, 0, **kw), whole0)
        got = sc.group_sums(lazy, groups, 0, **kw)
        close(got.compute(), sc.group_sums(x, groups, 0, **kw), whole0)
    sectors = np.random.default_rng(2).random((9, 2)) < 0.5
    close(
        sc.share_sums(lazy, sectors, 1, zero_total="zero", **kw).compute(),
        sc.share_sums(x, sectors, 1, zero_total="zero", **kw),
        len(lazy.chunks[1]) == 1,
    )


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_indicators(chunks: tuple, backend: str) -> None:
    x = np.abs(cube())
    lazy = da.from_array(x, chunks=chunks)
    kw = {"backend": backend}
    whole = [len(c) == 1 for c in lazy.chunks]
    close(sc.hhi(lazy, 0, **kw).compute(), sc.hhi(x, 0, **kw), whole[0])
    close(
        sc.hhi(lazy, 1, normalized=True, **kw).compute(),
        sc.hhi(x, 1, normalized=True, **kw),
        whole[1],
    )
    # entropy = log T - (sum x log x) / T: its error is a few ulp of log T, not of the result
    close(
        sc.entropy(lazy, 0, base=2, **kw).compute(),
        sc.entropy(x, 0, base=2, **kw),
        whole[0],
        atol=1e-14 * 40,
    )
    # rca: the totals come from the kernels in any chunking; the last division is the same
    close(sc.rca(lazy, 0, 1, **kw).compute(), sc.rca(x, 0, 1, **kw), whole[0] and whole[1])
    # (RCA - 1) / (RCA + 1) cancels near RCA = 1: an absolute error of an ulp or two
    close(
        sc.rca(lazy, 0, 1, symmetric=True, **kw).compute(),
        sc.rca(x, 0, 1, symmetric=True, **kw),
        whole[0] and whole[1],
        atol=1e-15,
    )
    close(
        sc.share_change(lazy, 0, 2, lag=2, **kw).compute(),
        sc.share_change(x, 0, 2, lag=2, **kw),
        whole[0],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", da.core.PerformanceWarning)
        close(
            sc.similarity(lazy, 0, 1, **kw).compute(),
            sc.similarity(x, 0, 1, **kw),
            whole[0] and whole[1],
        )


def test_similarity_says_when_it_rechunks() -> None:
    lazy = da.from_array(cube(), chunks=(3, 9, 5))
    with pytest.warns(da.core.PerformanceWarning, match="rechunking axes 0 and 1"):
        sc.similarity(lazy, 0, 1)


def test_totals_are_combined_accurately_across_chunks() -> None:
    """Partials that cancel: a naive sum of chunk totals loses everything, Neumaier does not."""
    x = np.array([1e16, 1.0, -1e16, 1.0, 3.0, 1e-3])[:, None]
    lazy = da.from_array(x, chunks=((1, 1, 1, 3), 1))
    got = sc.group_sums(lazy, None, 0).compute()
    assert got[0] == pytest.approx(5.001, rel=1e-15)
    assert neumaier([np.array([1e16]), np.array([1.0]), np.array([-1e16])])[0] == 1.0
    assert np.isinf(neumaier([np.array([np.inf]), np.array([1.0])]))[0]
    assert np.isnan(neumaier([np.array([np.inf]), np.array([-np.inf])]))[0]


def test_errors_and_laziness() -> None:
    lazy = da.from_array(cube(), chunks=(3, 4, 5))
    with pytest.raises(TypeError, match="out= cannot be used with a dask array"):
        sc.shares(lazy, 0, out=np.empty(SHAPE))
    with pytest.raises(ValueError, match=r"axis=3 is out of bounds for an array of 3"):
        sc.shares(lazy, 3)
    with pytest.raises(TypeError, match="complex"):
        sc.shares(da.zeros((2, 2), dtype=complex), 0)
    with pytest.raises(ValueError, match="lag must be a positive int"):
        sc.share_change(lazy, 0, 2, lag=0)
    # nothing is computed until asked: a graph over a huge virtual array builds instantly
    huge = da.ones((200, 200, 5000, 30), chunks=(200, 50, 1000, 30))
    assert sc.share_sums(huge, np.arange(200) % 10, 0).shape == (10, 200, 5000, 30)


def test_dask_not_imported_for_numpy_inputs() -> None:
    code = (
        "import sys, numpy as np, sharecube as sc; sc.shares(np.ones((3, 2)));"
        "sc.hhi(np.ones((3, 2))); assert 'dask' not in sys.modules, 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_distributed_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    x = cube()
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        lazy = da.from_array(x, chunks=(3, 4, 5))
        member = np.random.default_rng(1).random((7, 3)) < 0.5
        got_s, got_b = client.compute(
            [sc.shares(lazy, 0), sc.share_sums(lazy, member, 0)], sync=True
        )
    close(got_s, sc.shares(x, 0), exact=False)
    close(got_b, sc.share_sums(x, member, 0), exact=False)


def test_zarr_round_trip_through_the_accessor(tmp_path: object) -> None:
    pytest.importorskip("zarr")
    xr = pytest.importorskip("xarray")
    import sharecube.labeled  # noqa: F401

    x = np.abs(cube())
    arr = xr.DataArray(
        x,
        dims=("country", "sector", "year"),
        coords={
            "country": ["DEU", "FRA", "USA", "CHN", "IDN", "GBR", "ITA"],
            "sector": list("abcdefghi"),
            "year": np.arange(2016, 2021),
        },
        name="exports",
    )
    store = f"{tmp_path}/cube.zarr"
    arr.chunk({"country": 3, "sector": 4, "year": 5}).to_dataset().to_zarr(store, zarr_format=2)
    ds = xr.open_zarr(store)
    assert type(ds["exports"].data).__module__.startswith("dask")
    out = ds["exports"].sharecube.share_sums("country", ["EU", "G7"])
    out.to_dataset(name="blocs").to_zarr(f"{tmp_path}/blocs.zarr", zarr_format=2)
    back = xr.open_zarr(f"{tmp_path}/blocs.zarr")["blocs"].compute()
    want = arr.sharecube.share_sums("country", ["EU", "G7"])
    np.testing.assert_allclose(back.values, want.values, rtol=1e-14)
    assert list(back.bloc.values) == ["EU", "G7"]


# ---- any chunking: the in-memory bits ------------------------------------------------------

REAL = (12, 10, 6)


def _partition(n: int) -> st.SearchStrategy[tuple[int, ...]]:
    """A chunking of an axis of length n: cut points drawn from 1..n-1."""
    cuts = st.sets(st.integers(1, n - 1), max_size=n - 1) if n > 1 else st.just(set())
    return cuts.map(lambda c: tuple(np.diff([0, *sorted(c), n]).tolist()))


# float data over 24 orders of magnitude, both signs, with zeros, NaN and zero-total slices
_MAGNITUDE = arrays(np.int64, REAL, elements=st.integers(-12, 12))


@given(
    chunks=st.tuples(*(_partition(n) for n in REAL)),
    exponents=_MAGNITUDE,
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_chunking_gives_the_in_memory_bits(
    backend: str, chunks: tuple, exponents: np.ndarray, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=REAL) * 10.0**exponents
    x[rng.random(REAL) < 0.05] = np.nan
    x[rng.random(REAL) < 0.1] = 0.0
    x[:, 3, :] = 0.0
    pos = np.abs(x)
    lazy, lazy_pos = da.from_array(x, chunks=chunks), da.from_array(pos, chunks=chunks)
    labels = rng.integers(-1, 4, REAL[0])
    member = rng.random((REAL[0], 3)) < 0.5
    kw = {"backend": backend}
    cases = [
        (sc.shares, (0,), {}),
        (sc.shares, (1,), {"skipna": False}),
        (sc.shares, ((0, 2),), {"zero_total": "zero"}),
        (sc.share_sums, (labels, 0), {}),
        (sc.share_sums, (member, 0), {}),
        (sc.group_sums, (labels, 0), {}),
        (sc.group_sums, (None, (0, 1)), {}),
    ]
    for fn, args, extra in cases:
        np.testing.assert_array_equal(
            fn(lazy, *args, **extra, **kw).compute(), fn(x, *args, **extra, **kw), strict=True
        )
    indicators = [
        (sc.rca, (0, 1), {}),
        (sc.share_change, (0, 2), {}),
        (sc.hhi, (0,), {}),
        (sc.hhi, (1,), {"normalized": True}),
        (sc.entropy, (0,), {"base": 2}),
        (sc.entropy, (2,), {}),
    ]
    for fn, args, extra in indicators:
        np.testing.assert_array_equal(
            fn(lazy_pos, *args, **extra, **kw).compute(),
            fn(pos, *args, **extra, **kw),
            strict=True,
        )


@pytest.mark.parametrize("seed", range(4))
def test_totals_are_the_exactly_rounded_sums(backend: str, seed: int) -> None:
    """Values over 20 orders of magnitude, half negative: every total is math.fsum's, in
    memory along each axis and on dask split anywhere."""
    rng = np.random.default_rng(seed)
    x = 10.0 ** rng.uniform(-10, 10, (600, 40)) * np.where(rng.random((600, 40)) < 0.5, -1, 1)
    exact = np.array([math.fsum(x[:, j]) for j in range(40)])
    np.testing.assert_array_equal(sc.group_sums(x, None, 0, backend=backend), exact)
    xt = np.ascontiguousarray(x.T)
    np.testing.assert_array_equal(sc.group_sums(xt, None, 1, backend=backend), exact)
    lazy = da.from_array(x, chunks=(rng.integers(1, 200), rng.integers(1, 40)))
    np.testing.assert_array_equal(sc.group_sums(lazy, None, 0, backend=backend).compute(), exact)
    # a share is one IEEE division by that total
    np.testing.assert_array_equal(sc.shares(x, 0, backend=backend), x / exact)
