"""Bilateral trade indicators against plain numpy versions written from the published formulas.

The generated cubes (exporter x importer x product x year) have zeros, missing values (NaN),
an empty pair (no trade either way), values on the self-pairs i == j (which trade data do not
have: left out by default), a country that exports nothing and one that imports nothing.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import sharecube as sc
from sharecube import bilateral

BACKENDS = sc.backends()
C, K, T = 7, 5, 3


def cube(seed: int = 0, nan: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 1.5, (C, C, K, T)) * (rng.random((C, C, K, T)) < 0.7)  # zeros
    x[2, 5] = x[5, 2] = 0.0  # an empty pair
    x[6, :] = 0.0  # country 6 exports nothing
    x[:, 4, :, 1] = 0.0  # country 4 imports nothing in year 1
    x[np.arange(C), np.arange(C)] = 99.0  # self-pairs: left out unless asked
    if nan:
        x[rng.random(x.shape) < 0.05] = np.nan
    return x


def plain_flows(x: np.ndarray, include: bool = False) -> np.ndarray:
    y = np.nan_to_num(x)
    if not include:
        y = y.copy()
        y[np.arange(C), np.arange(C)] = 0.0
    return y


def nan_diagonal(r: np.ndarray) -> np.ndarray:
    r = r.copy()
    r[np.arange(C), np.arange(C)] = np.nan
    return r


def plain_tii(x: np.ndarray) -> np.ndarray:
    f = plain_flows(x).sum(axis=2)  # (i, j, t)
    xi, mj, w = f.sum(axis=1), f.sum(axis=0), f.sum(axis=(0, 1))
    with np.errstate(all="ignore"):
        r = (f / xi[:, None]) / (mj[None] / w)
    r[np.broadcast_to((xi == 0)[:, None] | (mj == 0)[None], r.shape)] = np.nan
    return nan_diagonal(r)


def plain_tci(x: np.ndarray) -> np.ndarray:
    y = plain_flows(x)
    out = np.full((C, C, T), np.nan)
    for t in range(T):
        exp = y[:, :, :, t].sum(axis=1)  # (i, k)
        imp = y[:, :, :, t].sum(axis=0)  # (j, k)
        for i in range(C):
            for j in range(C):
                if i == j or exp[i].sum() == 0 or imp[j].sum() == 0:
                    continue
                e, m = exp[i] / exp[i].sum(), imp[j] / imp[j].sum()
                out[i, j, t] = 1 - np.abs(m - e).sum() / 2
    return out


def plain_gl(x: np.ndarray) -> np.ndarray:
    a, b = x, np.swapaxes(x, 0, 1)
    with np.errstate(all="ignore"):
        r = 1 - np.abs(a - b) / (a + b)
    return nan_diagonal(r)  # NaN either way stays NaN; 0 + 0 gives NaN too (zero_total)


def plain_gl_total(x: np.ndarray, adjusted: bool) -> np.ndarray:
    a = np.nan_to_num(x)
    b = np.swapaxes(a, 0, 1)
    tot = (a + b).sum(axis=2)
    den = tot - np.abs(a.sum(axis=2) - b.sum(axis=2)) if adjusted else tot
    with np.errstate(all="ignore"):
        r = (
            1 - np.abs(a - b).sum(axis=2) / tot
            if not adjusted
            else (tot - np.abs(a - b).sum(axis=2)) / den
        )
    r[den == 0] = np.nan
    return nan_diagonal(r)


def plain_tc(x: np.ndarray) -> np.ndarray:
    y = plain_flows(x)
    xk, mk = y.sum(axis=1), y.sum(axis=0)
    with np.errstate(all="ignore"):
        return (xk - mk) / (xk + mk)


def close(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_indicator_against_its_formula(backend: str, seed: int) -> None:
    x = cube(seed)
    kw = {"backend": backend}
    close(sc.trade_intensity(x, **kw), plain_tii(x))
    close(sc.complementarity(x, **kw), plain_tci(x))
    close(sc.intra_industry(x, **kw), plain_gl(x))
    close(sc.intra_industry_total(x, **kw), plain_gl_total(x, False))
    close(sc.intra_industry_total(x, adjusted=True, **kw), plain_gl_total(x, True))
    close(sc.trade_balance(x, **kw), plain_tc(x))
    f = plain_flows(x).sum(axis=2)
    with np.errstate(all="ignore"):
        share = f / f.sum(axis=0)
    close(sc.market_share_total(x, **kw), nan_diagonal(np.where(f.sum(0) == 0, np.nan, share)))


def test_documented_treatments() -> None:
    x = cube(3)
    tii = sc.trade_intensity(x)
    assert np.isnan(tii[np.arange(C), np.arange(C)]).all()  # self-pairs
    assert np.isnan(tii[6]).all()  # exports nothing: zero_total
    assert (tii[[0, 1, 3], 2] >= 0).all() and tii[2, 5].sum() == 0  # empty pair: 0, not NaN
    assert np.isnan(sc.intra_industry_total(x)[2, 5]).all()  # no trade either way
    assert (sc.trade_intensity(x, zero_total="zero")[6] == 0).sum() == (C - 1) * T
    gl = sc.intra_industry(x)
    np.testing.assert_array_equal(gl, np.swapaxes(gl, 0, 1))  # symmetric
    # including the self-pairs changes the totals (99 on the diagonal)
    inc = sc.trade_intensity(x, self_pairs="include")
    assert np.isfinite(inc[0, 0]).all() and not np.allclose(inc[0, 1], tii[0, 1])
    with pytest.raises(ValueError, match="self_pairs must be 'exclude' or 'include'"):
        sc.trade_intensity(x, self_pairs="drop")
    with pytest.raises(ValueError, match=r"same length.*7 exporters and 6 importers"):
        sc.trade_intensity(x[:, :6])
    with pytest.raises(ValueError, match="must differ"):
        sc.trade_intensity(x, 0, 0, 2)


def test_axes_in_any_order() -> None:
    x = cube(4)
    y = np.transpose(x, (3, 2, 1, 0))  # year, product, importer, exporter
    np.testing.assert_array_equal(
        sc.trade_intensity(y, exporter_axis=3, importer_axis=2, product_axis=1),
        np.transpose(sc.trade_intensity(x), (2, 1, 0)),
    )
    np.testing.assert_array_equal(
        sc.trade_balance(y, exporter_axis=3, importer_axis=2, product_axis=1),
        np.transpose(sc.trade_balance(x), (2, 1, 0)),
    )
    np.testing.assert_array_equal(
        sc.intra_industry(y, exporter_axis=3, importer_axis=2, product_axis=1),
        np.transpose(sc.intra_industry(x), (3, 2, 1, 0)),
    )


def test_similarity_and_rca_give_the_bilateral_versions() -> None:
    """Export similarity in each market and bilateral RCA are the core functions on the
    exporter and product axes, the importer axis kept (sharecube.bilateral's docstring)."""
    x = np.nan_to_num(cube(5, nan=False))
    fk = sc.similarity(x, 0, 2)  # (i, i', j, t)
    j, t = 3, 1
    with np.errstate(all="ignore"):  # country 6 sends nothing: no mix
        mix = x[:, j, :, t] / x[:, j, :, t].sum(axis=1, keepdims=True)
    assert fk[1, 2, j, t] == pytest.approx(np.minimum(mix[1], mix[2]).sum(), rel=1e-13)
    r = sc.rca(x, 0, 2)  # (i, j, k, t)
    want = (x[1, j, 4, t] / x[1, j, :, t].sum()) / (x[:, j, 4, t].sum() / x[:, j, :, t].sum())
    assert r[1, j, 4, t] == pytest.approx(want, rel=1e-13)


def test_thread_counts_give_the_same_bits() -> None:
    x = np.nan_to_num(cube(6))
    for f in (sc.trade_intensity, sc.complementarity, sc.intra_industry_total, sc.trade_balance):
        np.testing.assert_array_equal(f(x, threads=1), f(x, threads=2), err_msg=f.__name__)


def test_blocs_against_loops() -> None:
    x = cube(7)
    g = np.zeros((C, 2, T), dtype=bool)
    g[[0, 1, 2], 0] = True
    g[[3, 4], 1, 1:] = True  # bloc 1 exists from year 1
    res = bilateral.bloc_trade(x, g)
    y = plain_flows(x).sum(axis=2)
    for b in range(2):
        for t in range(T):
            m = np.flatnonzero(g[:, b, t])
            if not m.size:
                assert np.isnan(res["intra_share"][b, t]) and np.isnan(res["intensity"][b, t])
                assert res["members"][b, t] == 0
                continue
            x_bb = y[np.ix_(m, m, [t])].sum()
            x_b = y[m, :, t].sum()
            m_b = y[:, m, t].sum()
            w = y[:, :, t].sum()
            assert res["intra_share"][b, t] == pytest.approx(x_bb / x_b, rel=1e-13)
            assert res["intensity"][b, t] == pytest.approx((x_bb / x_b) / (m_b / w), rel=1e-13)
            with np.errstate(all="ignore"):
                want = y[m, :, t].sum(axis=0) / y[:, :, t].sum(axis=0)
            close(res["import_share"][b, :, t], want)
    with pytest.raises(ValueError, match="groups must be a boolean"):
        bilateral.bloc_trade(x, g.astype(int))


def test_dask_equals_in_memory() -> None:
    da = pytest.importorskip("dask.array")
    x = cube(8)
    lazy = da.from_array(x, chunks=(C, C, K, 1))  # year by year
    for f in (
        sc.trade_intensity,
        sc.complementarity,
        sc.intra_industry,
        sc.intra_industry_total,
        sc.trade_balance,
        sc.market_share_total,
    ):
        np.testing.assert_array_equal(f(lazy).compute(), f(x), err_msg=f.__name__)
    split = da.from_array(x, chunks=(C, C, 2, 1))  # products split: gathered, with a warning
    with pytest.warns(da.PerformanceWarning, match="needs every position"):
        got = sc.trade_intensity(split)
    np.testing.assert_array_equal(got.compute(), sc.trade_intensity(x))


def test_labeled_accessor() -> None:
    xr = pytest.importorskip("xarray")
    import sharecube.labeled  # noqa: F401  (the accessor)

    codes = ["USA", "CHN", "DEU", "JPN", "FRA", "IND", "BRA"]
    cube_ = xr.DataArray(
        cube(9),
        dims=("exporter", "importer", "product", "year"),
        coords={
            "exporter": codes,
            "importer": codes,
            "product": [f"p{k}" for k in range(K)],
            "year": [2019, 2020, 2021],
        },
    )
    tii = cube_.sharecube.trade_intensity()
    assert tii.dims == ("exporter", "importer", "year")
    np.testing.assert_array_equal(tii.values, sc.trade_intensity(cube_.values))
    assert list(tii.importer.values) == codes
    tc = cube_.sharecube.trade_balance()
    assert tc.dims == ("exporter", "product", "year")
    gl = cube_.sharecube.intra_industry()
    assert gl.dims == cube_.dims


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(bilateral)
    assert tried >= 6 and failures == 0


def test_many_products_are_taken_in_steps() -> None:
    """More products than one step of the Grubel-Lloyd passes (64): the same as the formula."""
    rng = np.random.default_rng(11)
    x = rng.lognormal(0, 1, (5, 5, 150, 2)) * (rng.random((5, 5, 150, 2)) < 0.6)
    x[0, 1, 100, 0] = np.nan
    a = np.nan_to_num(x)
    b = np.swapaxes(a, 0, 1)
    want = 1 - np.abs(a - b).sum(axis=2) / (a + b).sum(axis=2)
    want[np.arange(5), np.arange(5)] = np.nan
    close(sc.intra_industry_total(x), want)
    with np.errstate(all="ignore"):
        per = 1 - np.abs(x - np.swapaxes(x, 0, 1)) / (x + np.swapaxes(x, 0, 1))
    per[np.arange(5), np.arange(5)] = np.nan
    close(sc.intra_industry(x), per)
    np.testing.assert_array_equal(sc.intra_industry(x, dtype=np.float32), per.astype(np.float32))


# ---- the cooperation model's partners from bilateral trade --------------------------------


def _model_with_trade(tmp_path):
    pytest.importorskip("xarray")
    import gappy_panel
    import pandas as pd

    from sharecube.cooperation import MissingPillarWarning, cooperation_model
    from sharecube.tidy import from_long
    from sharecube.tradedata import read_baci

    gappy_panel.write(tmp_path)
    pillars = {}
    for name in ("output", "patents", "policy", "tariffs"):
        df = pd.read_csv(tmp_path / f"{name}.csv")
        dims = [c for c in ("country", "sector", "year") if c in df.columns]
        pillars[name] = from_long(df, dims=dims, value="value")
    trade = read_baci(sorted(tmp_path.glob("BACI_*.csv")), tmp_path / "country_codes.csv")
    with pytest.warns(MissingPillarWarning):
        res = cooperation_model(
            pillars,
            kinds={"policy": "score", "tariffs": "score"},
            direction={"tariffs": "lower"},
            bilateral=trade,
            partners=4,
        )
    return res, trade


def test_model_partners_come_from_bilateral_trade(tmp_path) -> None:
    import gappy_panel

    res, trade = _model_with_trade(tmp_path)
    p = res.partners
    from_trade = p[p["basis"] == "bilateral trade"]
    assert set(from_trade["country"]) == set(trade.exporter.values)
    # countries the trade data lack keep the suggestions from country totals, labelled so
    rest = p[~p["country"].isin(set(trade.exporter.values))]
    assert set(rest["country"]) <= set(gappy_panel.NO_TRADE) and len(rest)
    assert (rest["basis"] == "country totals (no bilateral data)").all()
    x = trade.sel(year=2022).values
    tci, tii = sc.complementarity(x), sc.trade_intensity(x)
    gl = sc.intra_industry_total(x)
    where = {c: i for i, c in enumerate(trade.exporter.values)}
    for row in from_trade.itertuples():
        a, b = where[row.country], where[row.partner]
        assert row.tci_out == tci[a, b] and row.tci_in == tci[b, a]
        assert row.score == pytest.approx((tci[a, b] + tci[b, a]) / 2)
        assert f"(TCI {tci[a, b]:.2f})" in row.reason
        state = "under-traded" if tii[a, b] < 1 else "already intense"
        assert (
            f"{state}: trade intensity {row.country}->{row.partner} {tii[a, b]:.2f}" in row.reason
        )
        assert f"intra-industry trade {gl[a, b]:.2f}" in row.reason
    # the best partners by the mean complementarity, four per country
    usa = from_trade[from_trade["country"] == "USA"]
    a = where["USA"]
    scores = sorted(
        ((tci[a, b] + tci[b, a]) / 2 for b in range(len(where)) if b != a), reverse=True
    )
    np.testing.assert_allclose(usa["score"], scores[:4])
    np.testing.assert_array_equal(res.pair_matrices["trade_intensity"].values, tii)


def test_model_refuses_a_cube_that_is_not_bilateral() -> None:
    xr = pytest.importorskip("xarray")
    from sharecube.cooperation import cooperation_model

    market = xr.DataArray(
        np.ones((3, 2)),
        dims=("country", "year"),
        coords={"country": ["A", "B", "C"], "year": [1, 2]},
    )
    with pytest.raises(ValueError, match=r"bilateral must be an xarray\.DataArray with dims"):
        cooperation_model({"market": market}, bilateral=market)


def test_report_has_the_pairs_section(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from sharecube import report

    res, _ = _model_with_trade(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    report.write_report(res, out, formats=("html", "md"))
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Partners come from bilateral trade" in md
    assert "### Under-traded complementary pairs" in md and (out / "charts" / "pairs.png").is_file()
    pairs = report.pairs_table(res)
    assert (pairs["trade intensity (TII)"] < 1).all()
    assert pairs["complementarity (TCI)"].is_monotonic_decreasing
    assert (out / "tables" / "pairs.csv").is_file()
