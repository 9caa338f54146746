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


def traded(seed: int) -> pd.DataFrame:
    """long_panel without the exporter and the product that have no trade in some year: every
    row is in its year's grid."""
    df = long_panel(seed)
    return df[~df["exporter"].isin(["c04"]) & ~df["hs"].isin(["h09"])]


VARIANTS = {
    "zero totals": lambda: long_panel(1),  # rows outside the grid: pandas' merge
    "every row in the grid": lambda: traded(2),  # merged by positions
    "more columns": lambda: traded(3).assign(
        extra=lambda d: np.arange(len(d)), name=lambda d: d["hs"] + "!"
    ),
    "cells missing": lambda: traded(4).iloc[:-40],
    "repeated rows": lambda: pd.concat([traded(5), traded(5).iloc[:5]]),
    "string years": lambda: traded(6).astype({"year": str}),
    "integer values": lambda: traded(7).assign(
        export_value=lambda d: (d["export_value"] * 1e3).astype(int)
    ),
    "categorical keys": lambda: traded(8).astype({"exporter": "category"}),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_ecomplexity_drop_in(variant: str) -> None:
    """The whole frame as ecomplexity returns it: rows in its order, its columns and dtypes,
    the numbers within 1e-8."""
    df = VARIANTS[variant]()
    want = quiet(ecx.ecomplexity, df, COLS, check_logsupermodularity=False)
    got = quiet(compat.ecomplexity, df, COLS)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-8, atol=1e-8)


def test_nan_values_count_as_zero() -> None:
    """A NaN value counts as 0 (warned) and stays NaN in the value column: one row per row of
    data. (ecomplexity 0.5.3 under pandas 3 means to do the same, but its fillna(inplace=True)
    on a column no longer writes to its table, so its RCA is NaN there.)"""
    df = traded(9)
    nan = df.copy()
    nan.loc[nan.index[:3], "export_value"] = np.nan
    zero = nan.fillna({"export_value": 0.0})
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        got = compat.ecomplexity(nan, COLS)
    assert "NaN value(s) present, coercing to zero(es)" in [str(w.message) for w in seen]
    want = quiet(compat.ecomplexity, zero, COLS)
    assert len(got) == len(nan) == len(want)
    assert got["export_value"].isna().sum() == 3
    pd.testing.assert_frame_equal(
        got.drop(columns="export_value"), want.drop(columns="export_value")
    )


@pytest.mark.parametrize("asymmetric", [False, True])
def test_proximity_drop_in(asymmetric: bool) -> None:
    df = long_panel(3)
    want = quiet(ecx.proximity, df, COLS, asymmetric=asymmetric)
    got = quiet(compat.proximity, df, COLS, asymmetric=asymmetric)
    assert list(got.columns) == list(want.columns) == ["year", "hs_1", "hs_2", "proximity"]
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-14)


def population(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A population for every (year, exporter) of ``df``, in ecomplexity's layout: near the
    exporter's total, so that every exporter and product has some RPOP >= 1."""
    tot = df.groupby(["year", "exporter"], as_index=False)["export_value"].sum()
    rng = np.random.default_rng(seed)
    return tot.assign(export_value=tot["export_value"] * rng.uniform(0.7, 1.4, len(tot)))


def same_columns(got: pd.DataFrame, want: pd.DataFrame, keys: list[str], cols: list[str]) -> None:
    """The two outputs hold the same rows and columns, numbers within 1e-8 (relative to the
    column's largest magnitude), NaN in the same places."""
    assert list(got.columns) == list(want.columns)
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[keys], want[keys])
    for col in cols:
        a, b = got[col].to_numpy(float), want[col].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=col)
        scale = np.nanmax(np.abs(b)) if np.isfinite(b).any() else 1.0
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8 * scale, err_msg=col)


OUTPUTS = ["diversity", "ubiquity", "mcp", "rca", "eci", "pci", "density", "coi", "cog"]


@pytest.mark.parametrize(
    "options",
    [
        {"continuous": True},
        {"asymmetric": True},
        {"rca_mcp_threshold": 0.5},
        {"presence_test": "rpop"},
        {"presence_test": "rpop", "continuous": True, "rpop_mcp_threshold": 1.5},
        {"presence_test": "manual"},
        {"edgelist": True},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_ecomplexity_options_drop_in(options: dict) -> None:
    df = long_panel(6)
    kw = dict(options)
    if kw.get("presence_test") == "rpop":
        kw["pop"] = population(df, 6)
    if kw.get("presence_test") == "manual":  # a binary M of its own
        m = quiet(ecx.ecomplexity, df, COLS, check_logsupermodularity=False)
        df = m[["year", "exporter", "hs", "mcp"]].rename(columns={"mcp": "export_value"})
    if kw.pop("edgelist", False):
        prox = quiet(ecx.proximity, df[df["year"] == 2000], COLS, continuous=True)
        kw["proximity_edgelist"] = prox.rename(columns={"hs_1": "prod1", "hs_2": "prod2"})[
            ["prod1", "prod2", "proximity"]
        ]
    want = quiet(ecx.ecomplexity, df, COLS, check_logsupermodularity=False, **kw)
    got = quiet(compat.ecomplexity, df, COLS, **kw)
    extra = ["rpop"] if kw.get("presence_test") == "rpop" else []
    same_columns(got, want, ["year", "exporter", "hs"], OUTPUTS + extra)


def test_knn_density_is_the_weighted_mean_over_the_nearest() -> None:
    """knn: the proximity-weighted mean of the k nearest products (scikit-learn's neighbours,
    itself excluded), as ecomplexity's repository computes it; ECI, PCI and COG (which
    do not depend on density) as ecomplexity 0.5.3 gives them."""
    neighbors = pytest.importorskip("sklearn.neighbors")
    df = long_panel(7)
    k = 6
    got = quiet(compat.ecomplexity, df, COLS, continuous=True, knn=k)
    base = quiet(ecx.ecomplexity, df, COLS, check_logsupermodularity=False, continuous=True, knn=k)
    same_columns(got, base, ["year", "exporter", "hs"], ["eci", "pci", "cog", "rca", "mcp"])
    prox = quiet(compat.proximity, df, COLS, continuous=True)
    for year in (2000, 2001, 2002):
        # the year's full grid, exporters and products with no trade left out (as ecomplexity)
        one = got[(got["year"] == year) & got["rca"].notna()].sort_values(["exporter", "hs"])
        prods = np.sort(one["hs"].unique())
        rca = one["rca"].to_numpy().reshape(-1, len(prods))
        phi = prox[prox["year"] == year].pivot(index="hs_1", columns="hs_2", values="proximity")
        phi = phi.loc[prods, prods].to_numpy()
        nn = neighbors.NearestNeighbors(n_neighbors=k, metric="precomputed").fit(1 - phi)
        dist, idx = nn.kneighbors()
        w = (1 - dist) / (1 - dist).sum(axis=1, keepdims=True)
        want = np.einsum("cpk,pk->cp", rca[:, idx], w)
        dens = one["density"].to_numpy().reshape(rca.shape)
        np.testing.assert_allclose(dens, want, rtol=1e-12, err_msg=str(year))


def test_edgelist_lacking_pairs_takes_them_as_zero() -> None:
    """A pair missing from proximity_edgelist counts as 0 (the diagonal as 1), warned, as
    ecomplexity reads it (its own run fails there under pandas 3: it writes to a read-only
    view)."""
    df = long_panel(10)
    prox = quiet(compat.proximity, df[df["year"] == 2000], COLS)
    edges = prox.rename(columns={"hs_1": "prod1", "hs_2": "prod2"})[["prod1", "prod2", "proximity"]]
    off = (edges["prod1"] == "h01") & (edges["prod2"] == "h02")
    diag = (edges["prod1"] == "h03") & (edges["prod2"] == "h03")
    full = edges.copy()
    full.loc[off, "proximity"] = 0.0
    full.loc[diag, "proximity"] = 1.0
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        got = compat.ecomplexity(df, COLS, proximity_edgelist=edges[~(off | diag)])
    said = [str(w.message) for w in seen]
    assert any(
        m.startswith("Year 2000: proximity_edgelist lacks 0.11% of the product pairs") for m in said
    )
    want = quiet(compat.ecomplexity, df, COLS, proximity_edgelist=full)
    pd.testing.assert_frame_equal(got, want)


def test_both_tests_mean_either() -> None:
    """presence_test="both": present where RCA or RPOP passes (Stata's rca() rpop()); ecomplexity
    0.5.3 adds the two tests."""
    df = long_panel(8)
    pop = population(df, 8)
    got = quiet(compat.ecomplexity, df, COLS, presence_test="both", pop=pop)
    theirs = quiet(
        ecx.ecomplexity, df, COLS, presence_test="both", pop=pop, check_logsupermodularity=False
    )
    keys = ["year", "exporter", "hs"]
    got, theirs = got.sort_values(keys), theirs.sort_values(keys)
    done = got["rca"].notna().to_numpy()  # rows with no trade are merged back without results
    got, theirs = got[done], theirs[done]
    np.testing.assert_array_equal(got["mcp"], np.minimum(theirs["mcp"], 1))
    either = (got["rca"].fillna(0) >= 1) | (got["rpop"].fillna(0) >= 1)
    np.testing.assert_array_equal(got["mcp"], either.astype(int))
    assert 0 < (theirs["mcp"] == 2).sum()  # the case where the two differ occurs


def test_missing_population_is_named() -> None:
    df = long_panel(9)
    pop = population(df, 9)
    pop = pop[~((pop["year"] == 2001) & (pop["exporter"] == "c03"))]
    with warnings.catch_warnings(record=True) as seen, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        got = compat.ecomplexity(df, COLS, presence_test="rpop", pop=pop)
    said = [str(w.message) for w in seen]
    assert any(
        m.startswith("year 2001: pop has no population for 1 location(s) (c03)") for m in said
    )
    row = got[(got["year"] == 2001) & (got["exporter"] == "c03")]
    assert row["rpop"].isna().all() and (row["mcp"] == 0).all()


def test_bad_options_say_so() -> None:
    df = long_panel(4)
    with pytest.raises(ValueError, match="cols_input must map exactly"):
        compat.ecomplexity(df, {"time": "year"})
    with pytest.raises(ValueError, match="names columns not in data"):
        compat.ecomplexity(df, {**COLS, "val": "value"})
    empty = df.iloc[:0]
    with pytest.raises(ValueError, match="data has no row with a time, a location and a product"):
        compat.ecomplexity(empty, COLS)
    with pytest.raises(ValueError, match="data has no row with a time, a location and a product"):
        compat.proximity(df.assign(year=np.nan), COLS)
    with pytest.raises(ValueError, match="presence_test must be one of"):
        compat.ecomplexity(df, COLS, presence_test="rpca")
    with pytest.raises(
        ValueError, match="pop must be a DataFrame of time, location and population"
    ):
        compat.ecomplexity(df, COLS, presence_test="rpop")
    with pytest.raises(ValueError, match="pop has no column 'year'"):
        compat.proximity(
            df, COLS, presence_test="rpop", pop=pd.DataFrame({"t": [], "l": [], "p": []})
        )
    with pytest.raises(ValueError, match="knn must be None or an int >= 1, got 0"):
        compat.ecomplexity(df, COLS, knn=0)
    with pytest.raises(ValueError, match=r"knn must be smaller than the number of products \(30\)"):
        quiet(compat.ecomplexity, df, COLS, knn=30)
    with pytest.raises(ValueError, match="proximity_edgelist must be a DataFrame with columns"):
        quiet(compat.ecomplexity, df, COLS, proximity_edgelist=pd.DataFrame({"a": [1]}))


def test_bundled_trade_sample_agrees_with_the_packages_and_stata() -> None:
    """The bundled real panel: every column as ecomplexity gives it (RCA, RPOP, continuous), ECI
    and PCI by reflections as economic-complexity gives them, and a few of the Stata package's
    published values (its test fixtures): Stata reads export_val as float32 and standardises
    over the n = 300 rows of a year with n - 1."""
    from sharecube.datasets import load_trade_population, load_trade_sample

    cols = {"time": "year", "loc": "origin", "prod": "hs92", "val": "export_val"}
    df = load_trade_sample()
    assert df.shape == (600, 4) and df["origin"].nunique() == 10 and df["hs92"].nunique() == 30
    pop = load_trade_population()
    nine = df[df["origin"] != "blx"]  # Belgium-Luxembourg has no population
    for data, kw in (
        (df, {}),
        (df, {"continuous": True}),
        (nine, {"presence_test": "rpop", "pop": pop}),
    ):
        want = quiet(ecx.ecomplexity, data, cols, check_logsupermodularity=False, **kw)
        got = quiet(compat.ecomplexity, data, cols, **kw)
        extra = ["rpop"] if "pop" in kw else []
        same_columns(got, want, ["year", "origin", "hs92"], OUTPUTS + extra)
    for _, one in df.groupby("year"):  # economic-complexity's reflections, year by year
        tbl = one.pivot(index="origin", columns="hs92", values="export_val")
        r = ec.rca(tbl)
        for got_, want_ in zip(
            compat.economic_complexity.complexity(r), ec.complexity(r), strict=True
        ):
            pd.testing.assert_series_equal(got_, want_, check_names=False, rtol=0, atol=1e-10)
    as_stata = df.assign(export_val=df["export_val"].astype(np.float32).astype(float))
    got = quiet(compat.ecomplexity, as_stata, cols)
    aut = got[(got["year"] == 1995) & (got["origin"] == "aut")].sort_values("hs92")
    stata = {  # stata_knn_10.csv, 1995, aut (ECI, PCI and RCA do not depend on knn)
        "rca": [0.5708342888507129, 0.7766585520584209, 0.6326471399429817, 1.109321038241486],
        "pci": [-1.470491886427003, 0.9898334389413032, -1.28829614655021, 0.3359789984244054],
    }
    np.testing.assert_allclose(aut["rca"].to_numpy()[:4], stata["rca"], rtol=1e-12)
    np.testing.assert_array_equal(aut["mcp"].to_numpy()[:4], [0, 0, 0, 1])
    to_stata = np.sqrt(299 / 300)
    np.testing.assert_allclose(aut["pci"].to_numpy()[:4] * to_stata, stata["pci"], rtol=1e-9)
    np.testing.assert_allclose(aut["eci"].iloc[0] * to_stata, 1.073207217992253, rtol=1e-9)


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
