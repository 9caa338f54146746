"""Economic complexity against the packages economists use: ``ecomplexity`` (Harvard Growth
Lab; the eigenvector method, proximity, density, COI, COG) and ``economic-complexity``
(Datawheel; the method of reflections), on generated panels."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest

import sharecube as sc

ecx = pytest.importorskip("ecomplexity")
ec = pytest.importorskip("economic_complexity")
from ecomplexity.calc_proximity import calc_discrete_proximity  # noqa: E402


def panel(seed: int, c: int = 30, p: int = 40, t: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.lognormal(0, 2, (c, p, t)) * (rng.random((c, p, t)) < 0.7)


def reference(x: np.ndarray, manual: bool = False, **options) -> dict[str, np.ndarray]:
    """ecomplexity's columns (with its ``options``) as (C, P, T) cubes."""
    c, p, t = x.shape
    idx = pd.MultiIndex.from_product([range(t), range(c), range(p)], names=["y", "l", "k"])
    df = pd.DataFrame({"v": x.transpose(2, 0, 1).ravel()}, index=idx).reset_index()
    cols = {"time": "y", "loc": "l", "prod": "k", "val": "v"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        out = ecx.ecomplexity(
            df,
            cols,
            presence_test="manual" if manual else "rca",
            check_logsupermodularity=False,
            verbose=False,
            **options,
        )
    out = out.sort_values(["y", "l", "k"])
    names = ["eci", "pci", "density", "coi", "cog", "mcp", "rca"]
    return {n: out[n].to_numpy().reshape(t, c, p).transpose(1, 2, 0) for n in names}


def close(got: np.ndarray, want: np.ndarray, rtol: float) -> None:
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.nanmax(np.abs(want)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_ecomplexity(seed: int) -> None:
    x = panel(seed)
    ref = reference(x)
    close(sc.eci(x), ref["eci"][:, 0, :], 1e-8)
    close(sc.pci(x), ref["pci"][0, :, :], 1e-8)
    close(sc.density(x), ref["density"], 1e-8)
    close(sc.coi(x), ref["coi"][:, 0, :], 1e-8)
    close(sc.cog(x), ref["cog"], 1e-8)


def test_axes_anywhere_and_a_float32_result() -> None:
    x = panel(4)
    want = sc.eci(x)
    moved = np.moveaxis(x, (0, 1), (2, 0))  # (P, T, C)
    np.testing.assert_array_equal(sc.eci(moved, 2, 0), want.T)
    assert sc.proximity(x, dtype=np.float32).dtype == np.float32


def test_proximity_matches_ecomplexity() -> None:
    x = panel(5)
    m = reference(x)["mcp"]
    for asym in (False, True):
        got = sc.proximity(m, presence="given", asymmetric=asym)
        for t in range(m.shape[2]):
            k = m[:, :, t].sum(axis=0)
            with np.errstate(all="ignore"):
                want = calc_discrete_proximity(m[:, :, t], k, asym)
            np.testing.assert_allclose(got[:, :, t], want, rtol=1e-15)


def test_zero_diversity_and_ubiquity_are_nan_and_left_out() -> None:
    """A country without products and a product nobody makes get NaN; the others are as
    ecomplexity gives them without those (ecomplexity itself would make every ECI NaN)."""
    x = panel(6, t=1)
    m = (reference(x)["mcp"] > 0).astype(float)
    m[3, :, :] = 0
    m[:, 7, :] = 0
    eci, pci = sc.eci(m, presence="given"), sc.pci(m, presence="given")
    assert np.isnan(eci[3]).all() and np.isnan(pci[7]).all()
    keep_c = np.arange(m.shape[0]) != 3
    keep_p = np.arange(m.shape[1]) != 7
    ref = reference(m[keep_c][:, keep_p], manual=True)
    close(eci[keep_c], ref["eci"][:, 0, :], 1e-8)
    close(pci[keep_p], ref["pci"][0, :, :], 1e-8)
    # density, COI and COG: NaN for them, and for the others as if they were not there (a
    # product nobody makes used to turn every COI and COG into NaN)
    kept = m[keep_c][:, keep_p]
    for fn, both in ((sc.density, True), (sc.cog, True), (sc.coi, False)):
        got = fn(m, presence="given")
        alone = fn(kept, presence="given")
        if both:
            assert np.isnan(got[3]).all() and np.isnan(got[:, 7]).all(), fn.__name__
            close(got[keep_c][:, keep_p], alone, 1e-12)
        else:
            assert np.isnan(got[3]).all() and not np.isnan(got[keep_c]).any()
            close(got[keep_c], alone, 1e-12)
    prox = sc.proximity(m, presence="given")
    assert np.isnan(prox[7]).all() and np.isnan(prox[:, 7]).all()
    assert not np.isnan(np.delete(np.delete(prox, 7, 0), 7, 1)).any()


@pytest.mark.parametrize("iterations", [2, 5, 20])
def test_reflections_agree_with_economic_complexity(iterations: int) -> None:
    x = panel(7)
    for t in range(x.shape[2]):
        r = ec.rca(pd.DataFrame(x[:, :, t]))
        e, p = ec.complexity(r, iterations=iterations)
        kw = {"method": "reflections", "iterations": iterations}
        np.testing.assert_allclose(sc.eci(x[:, :, t], **kw), e.to_numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(sc.pci(x[:, :, t], **kw), p.to_numpy(), rtol=0, atol=1e-10)


def test_continuous_proximity_and_density_agree_with_ecomplexity() -> None:
    """continuous=True: proximity (1 + corr) / 2 of the products' RCA over countries, density
    weighted by RCA, COI and COG from them, as ecomplexity's continuous=True."""
    x = panel(11)
    ref = reference(x, continuous=True)
    close(sc.density(x, continuous=True), ref["density"], 1e-8)
    close(sc.coi(x, continuous=True), ref["coi"][:, 0, :], 1e-8)
    close(sc.cog(x, continuous=True), ref["cog"], 1e-8)
    phi = sc.proximity(x, continuous=True)
    for t in range(x.shape[2]):
        want = (1 + np.corrcoef(ref["rca"][:, :, t].T)) / 2
        np.testing.assert_allclose(phi[:, :, t], want, rtol=1e-13)
    assert not np.array_equal(sc.density(x, continuous=True), sc.density(x))


def test_knn_density_keeps_the_nearest_products() -> None:
    """knn: each product's density over its k nearest products (largest proximity, itself
    excluded, ties by product order), weighted by proximity."""
    x = panel(12, t=2)
    k = 5
    for continuous in (False, True):
        phi = sc.proximity(x, continuous=continuous)
        weights = np.nan_to_num(sc.rca(x)) if continuous else reference(x)["mcp"]
        got = sc.density(x, continuous=continuous, knn=k)
        for t in range(x.shape[2]):
            want = np.empty(x.shape[:2])
            for p in range(x.shape[1]):
                row = phi[p, :, t].copy()
                row[p] = -np.inf
                near = sorted(range(x.shape[1]), key=lambda q: (-row[q], q))[:k]
                w = phi[p, near, t]
                want[:, p] = weights[:, near, t] @ w / w.sum()
            np.testing.assert_allclose(got[:, :, t], want, rtol=1e-13, err_msg=str(continuous))
    # all the other products: the full density less each product's own term
    full = sc.density(x, knn=x.shape[1] - 1)
    m, phi = reference(x)["mcp"], sc.proximity(x)
    for t in range(x.shape[2]):
        off = phi[:, :, t] - np.diag(np.diag(phi[:, :, t]))
        np.testing.assert_allclose(full[:, :, t], m[:, :, t] @ off.T / off.sum(axis=1), rtol=1e-13)
    with pytest.raises(ValueError, match="knn must be None or an int >= 1, got 0"):
        sc.density(x, knn=0)
    with pytest.raises(ValueError, match=r"knn must be smaller than the number of products \(40\)"):
        sc.density(x, knn=40)


def test_dask_and_the_accessor_give_the_same() -> None:
    da = pytest.importorskip("dask.array")
    xr = pytest.importorskip("xarray")
    import sharecube.labeled  # noqa: F401

    x = panel(8, t=4)
    lazy = da.from_array(x, chunks=(30, 40, 1))  # a year a chunk
    for fn in (sc.eci, sc.pci, sc.density, sc.proximity):
        np.testing.assert_array_equal(fn(lazy).compute(), fn(x))
    with pytest.warns(da.core.PerformanceWarning, match="rechunking"):
        split = sc.eci(da.from_array(x, chunks=(7, 40, 2)))
    np.testing.assert_array_equal(split.compute(), sc.eci(x))
    cube = xr.DataArray(
        x,
        dims=("country", "product", "year"),
        coords={"country": [f"c{i}" for i in range(30)], "year": [2000, 2001, 2002, 2003]},
    )
    got = cube.sharecube.eci()
    assert got.dims == ("country", "year") and list(got.country.values[:2]) == ["c0", "c1"]
    np.testing.assert_array_equal(got, sc.eci(x))
    prox = cube.sharecube.proximity(partner_dim="product_2")
    assert prox.dims == ("product", "product_2", "year")
    opts = {"continuous": True, "knn": 5}  # the options travel through both
    want = sc.density(x, **opts)
    np.testing.assert_array_equal(sc.density(lazy, **opts).compute(), want)
    np.testing.assert_array_equal(cube.sharecube.density(**opts), want)


def test_bad_input_and_degenerate_years() -> None:
    x = panel(9)
    with pytest.raises(ValueError, match="only 0 and 1 with presence='given'"):
        sc.eci(x, presence="given")
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        sc.eci(x, threshold=0)
    with pytest.raises(ValueError, match="method must be one of"):
        sc.eci(x, method="svd")
    with pytest.raises(ValueError, match="country_axis and product_axis must differ"):
        sc.eci(x, 1, 1)
    m = np.zeros((5, 4, 2))
    m[:, :, 1] = np.eye(5, 4)  # slice 1: every product in one country, eigenvalues repeated
    m[:4, :, 0] = np.tril(np.ones((4, 4)))
    with pytest.warns(UserWarning, match="slice 1: the second eigenvalue is repeated"):
        got = sc.eci(m, presence="given")
    assert np.isnan(got[:, 1]).all() and np.isfinite(got[:4, 0]).all()


def test_docstring_examples() -> None:
    import doctest

    import sharecube.complexity

    failures, tried = doctest.testmod(sharecube.complexity)
    assert tried >= 6 and failures == 0


def test_indices_gives_each_function_at_once() -> None:
    from sharecube.complexity import indices

    x = np.moveaxis(panel(10), 2, 0)  # (T, C, P)
    want = ("eci", "pci", "proximity", "density", "coi", "cog")
    got = indices(x, 1, 2, want=want)
    for name in want:
        np.testing.assert_array_equal(got[name], getattr(sc, name)(x, 1, 2), err_msg=name)
    with pytest.raises(ValueError, match="want must name some of"):
        indices(x, 1, 2, want=("eci", "gini"))


@pytest.mark.parametrize("countries", [1, 63, 64, 65, 130])
def test_co_occurrence_counts_on_every_backend(countries: int) -> None:
    """The popcount kernel behind proximity: exact counts for any number of countries (bits in
    a word), the same for every backend and thread count."""
    from sharecube._contracts import pack_rows
    from sharecube._declare import policy

    rng = np.random.default_rng(countries)
    m = rng.random((countries, 37)) < 0.4
    want = m.T.astype(np.int64) @ m.astype(np.int64)
    for backend in sc.backends():
        for threads in (None, 1):
            a = {"skipna": True, "dtype": None, "out": None, "threads": threads}
            pol = policy(np.dtype(np.float64), {**a, "backend": backend})
            got = pol.impl.co_occurrence(pack_rows(m.T), pol)
            np.testing.assert_array_equal(got, want, err_msg=f"{backend} threads={threads}")


def test_a_degenerate_year_is_named_by_its_label() -> None:
    xr = pytest.importorskip("xarray")
    import sharecube.labeled  # noqa: F401

    m = np.zeros((5, 4, 2))
    m[:4, :, 0] = np.tril(np.ones((4, 4)))
    m[:, :, 1] = np.eye(5, 4)
    cube = xr.DataArray(m, dims=("country", "product", "year"), coords={"year": [2010, 2011]})
    with pytest.warns(UserWarning, match="year=2011: the second eigenvalue is repeated"):
        got = cube.sharecube.eci(presence="given")
    assert np.isnan(got.sel(year=2011)).all()
