"""The drop-ins of sharecube.compat give the columns, layout and numbers of the packages they
stand in for."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest

from sharecube import compat

ecx = pytest.importorskip("ecomplexity")
ec = pytest.importorskip("economic_complexity")

COLS = {"time": "year", "loc": "exporter", "prod": "hs", "val": "export_value"}


def long_panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c, p, t = 25, 30, 3
    x = rng.lognormal(0, 2, (c, p, t)) * (rng.random((c, p, t)) < 0.7)
    x[4, :, 1] = 0  # a country with no exports in one year
    x[:, 9, 2] = 0  # a product nobody exports in another
    idx = pd.MultiIndex.from_product(
        [[2000, 2001, 2002], [f"c{i:02d}" for i in range(c)], [f"h{k:02d}" for k in range(p)]],
        names=["year", "exporter", "hs"],
    )
    df = pd.DataFrame({"export_value": x.transpose(2, 0, 1).ravel()}, index=idx).reset_index()
    return df.sample(frac=1.0, random_state=seed)  # any row order


def quiet(fn, *args, **kw):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize("seed", [1, 2])
def test_ecomplexity_drop_in(seed: int) -> None:
    df = long_panel(seed)
    want = quiet(ecx.ecomplexity, df, COLS, check_logsupermodularity=False)
    got = quiet(compat.ecomplexity, df, COLS)
    assert list(got.columns) == list(want.columns)
    assert got.shape == want.shape
    keys = ["year", "exporter", "hs"]
    got, want = got.sort_values(keys).reset_index(drop=True), want.sort_values(keys)
    want = want.reset_index(drop=True)
    pd.testing.assert_frame_equal(got[keys], want[keys])
    for col in ["diversity", "ubiquity", "mcp"]:
        np.testing.assert_array_equal(got[col], want[col], err_msg=col)
    for col in ["rca", "eci", "pci", "density", "coi", "cog"]:
        a, b = got[col].to_numpy(float), want[col].to_numpy(float)
        scale = np.nanmax(np.abs(b))
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8 * scale, err_msg=col)


@pytest.mark.parametrize("asymmetric", [False, True])
def test_proximity_drop_in(asymmetric: bool) -> None:
    df = long_panel(3)
    want = quiet(ecx.proximity, df, COLS, asymmetric=asymmetric)
    got = quiet(compat.proximity, df, COLS, asymmetric=asymmetric)
    assert list(got.columns) == list(want.columns) == ["year", "hs_1", "hs_2", "proximity"]
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-14)


def test_unsupported_options_say_so() -> None:
    df = long_panel(4)
    with pytest.raises(NotImplementedError, match="knn=5 is not supported"):
        compat.ecomplexity(df, COLS, knn=5)
    with pytest.raises(ValueError, match="cols_input must map exactly"):
        compat.ecomplexity(df, {"time": "year"})
    with pytest.raises(ValueError, match="names columns not in data"):
        compat.ecomplexity(df, {**COLS, "val": "value"})


def test_economic_complexity_drop_ins() -> None:
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 2, (20, 25)) * (rng.random((20, 25)) < 0.7)
    tbl = pd.DataFrame(x, index=[f"c{i}" for i in range(20)], columns=[f"p{k}" for k in range(25)])
    oec = compat.economic_complexity
    pd.testing.assert_frame_equal(oec.rca(tbl), ec.rca(tbl), rtol=1e-13)
    r = ec.rca(tbl)
    e1, p1 = oec.complexity(r, iterations=12)
    e2, p2 = ec.complexity(r, iterations=12)
    pd.testing.assert_series_equal(e1, e2, check_names=False, rtol=0, atol=1e-10)
    pd.testing.assert_series_equal(p1, p2, check_names=False, rtol=0, atol=1e-10)
    # economic-complexity's own proximity writes its diagonal through a read-only view under
    # pandas 3 (copy on write): its formula, transcribed, stands in for it
    m = r.ge(1).astype(int).to_numpy()
    co, k = m.T @ m, m.sum(axis=0)
    for procedure, den in (("max", np.maximum.outer(k, k)), ("sqrt", np.sqrt(np.outer(k, k)))):
        with np.errstate(all="ignore"):
            want = co / den
        np.fill_diagonal(want, 0)
        got = oec.proximity(r, procedure=procedure)
        np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-15)
        assert list(got.index) == list(got.columns) == list(r.columns)
    phi = oec.proximity(r)
    pd.testing.assert_frame_equal(
        oec.relatedness(r), ec.relatedness(r, proximities=phi), rtol=1e-13
    )
    pd.testing.assert_frame_equal(oec.distance(r), ec.distance(r, proximities=phi), rtol=1e-13)


def test_opportunity_gain_and_pgi_drop_ins() -> None:
    rng = np.random.default_rng(6)
    x = rng.lognormal(0, 2, (20, 25)) * (rng.random((20, 25)) < 0.7)
    tbl = pd.DataFrame(x, index=[f"c{i}" for i in range(20)], columns=[f"p{k}" for k in range(25)])
    oec = compat.economic_complexity
    r = ec.rca(tbl)
    _, pci = ec.complexity(r)
    phi = oec.proximity(r)
    pd.testing.assert_frame_equal(
        oec.opportunity_gain(r, pci=pci),
        ec.opportunity_gain(r, pci=pci, proximities=phi),
        rtol=1e-12,
    )
    gini = pd.DataFrame({"gini": rng.uniform(25, 60, 22)}, index=[f"c{i}" for i in range(22)])
    gini = gini.drop(index=["c3"])  # a country without a Gini index is left out
    pd.testing.assert_frame_equal(oec.pgi(tbl, r, gini), ec.pgi(tbl, r, gini), rtol=1e-12)


def test_drop_ins_refuse_mismatched_labels() -> None:
    rng = np.random.default_rng(8)
    tbl = pd.DataFrame(rng.lognormal(0, 2, (8, 6)), columns=[f"p{k}" for k in range(6)])
    oec = compat.economic_complexity
    r = oec.rca(tbl)
    _, pci = oec.complexity(r)
    with pytest.raises(ValueError, match=r"pci has no entry for 1 product\(s\) of df_rca: p5"):
        oec.opportunity_gain(r, pci=pci.drop("p5"))
    phi = oec.proximity(r)
    with pytest.raises(ValueError, match="proximities has no entry for 2 product"):
        oec.relatedness(r, proximities=phi.drop(index=["p0", "p1"]))
    shuffled = phi.loc[phi.index[::-1], phi.columns[::-1]]  # any order of the same products
    pd.testing.assert_frame_equal(oec.relatedness(r, proximities=shuffled), oec.relatedness(r))
