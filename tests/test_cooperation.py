"""The cooperation model: a worked example by hand, generated cubes against plain numpy/pandas."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")

import plain_model  # noqa: E402

from sharecube import datasets  # noqa: E402
from sharecube.blocs import Blocs  # noqa: E402
from sharecube.cooperation import (  # noqa: E402
    MissingPillarWarning,
    cooperation_model,
    rank_desc,
)

C3 = ["DEU", "FRA", "USA"]
YEARS = [2020, 2021]


def worked_example() -> dict[str, xr.DataArray]:
    # value chain, country x sector x year: 2020 aggregates 40/30/130, 2021 60/20/120
    vc = np.array(
        [
            [[10.0, 40.0], [30.0, 20.0]],
            [[20.0, 10.0], [10.0, 10.0]],
            [[70.0, 60.0], [60.0, 60.0]],
        ]
    )
    market = np.array([[50.0, 40.0], [30.0, 40.0], [20.0, 20.0]])
    return {
        "value_chain": xr.DataArray(
            vc,
            dims=("country", "sector", "year"),
            coords={"country": C3, "sector": ["s1", "s2"], "year": YEARS},
        ),
        "market": xr.DataArray(
            market, dims=("country", "year"), coords={"country": C3, "year": YEARS}
        ),
    }


def test_worked_example_shares_composite_ranks() -> None:
    r = cooperation_model(worked_example())
    np.testing.assert_allclose(
        r.shares["value_chain"].values, [[0.2, 0.3], [0.15, 0.1], [0.65, 0.6]]
    )
    np.testing.assert_allclose(r.shares["market"].values, [[0.5, 0.4], [0.3, 0.4], [0.2, 0.2]])
    np.testing.assert_allclose(r.composite.values, [[0.35, 0.35], [0.225, 0.25], [0.425, 0.4]])
    np.testing.assert_array_equal(r.ranks["composite"].values, [[2, 2], [3, 3], [1, 1]])
    # a tie shares the best rank; FRA moved up one place in market
    np.testing.assert_array_equal(r.ranks["market"].values, [[1, 1], [2, 1], [3, 3]])
    np.testing.assert_array_equal(r.rank_change["market"].values[:, 1], [0, 1, 0])
    assert np.isnan(r.rank_change["market"].values[:, 0]).all()
    assert r.weights == {"value_chain": 0.5, "market": 0.5}


def test_worked_example_weights() -> None:
    r = cooperation_model(worked_example(), weights={"value_chain": 3, "market": 1})
    np.testing.assert_allclose(r.composite.sel(year=2021).values, [0.325, 0.175, 0.5])
    assert r.weights == {"value_chain": 0.75, "market": 0.25}


def test_worked_example_strengths() -> None:
    r = cooperation_model(worked_example())
    s = r.strengths
    pill = s[s["sector"].isna()].set_index(["country", "kind"])["pillar"]
    assert pill[("DEU", "strength")] == "market" and pill[("DEU", "weakness")] == "value_chain"
    assert pill[("FRA", "strength")] == "market" and pill[("FRA", "weakness")] == "value_chain"
    assert pill[("USA", "strength")] == "value_chain" and pill[("USA", "weakness")] == "market"
    sec = s[s["sector"].notna()].set_index(["country", "kind"])
    assert sec.loc[("DEU", "strength"), "sector"] == "s1"
    assert sec.loc[("DEU", "strength"), "rca"] == pytest.approx((40 / 60) / (110 / 200))
    assert sec.loc[("DEU", "weakness"), "sector"] == "s2"
    assert sec.loc[("DEU", "weakness"), "rca"] == pytest.approx((20 / 60) / (90 / 200))
    assert sec.loc[("FRA", "strength"), "sector"] == "s2"
    assert sec.loc[("USA", "weakness"), "sector"] == "s1"


def test_worked_example_partners() -> None:
    r = cooperation_model(worked_example())
    p = r.partners
    deu = p[p["country"] == "DEU"].reset_index(drop=True)
    assert list(deu["partner"]) == ["USA", "FRA"]
    compl = 1 - (0.5 + 1 / 3)  # 1 - FK([2/3, 1/3], [1/2, 1/2])
    assert deu.loc[0, "score"] == pytest.approx((0.5 + 1 + compl) / 3)
    assert deu.loc[1, "score"] == pytest.approx((0 + 1 + compl) / 3)
    assert "stronger in value_chain (rank 1 vs 2)" in deu.loc[0, "reason"]
    rca_usa = (60 / 120) / (90 / 200)  # USA's RCA in s2, and DEU's
    rca_deu = (20 / 60) / (90 / 200)
    assert (
        f"RCA > 1 where DEU is weak: s2 (value_chain) {rca_usa:.2f} vs {rca_deu:.2f}"
        in (deu.loc[0, "reason"])
    )
    # their mixes overlap by 0.83: not called complementary (the threshold is 0.5)
    assert "complementary" not in " ".join(p["reason"])
    usa = p[p["country"] == "USA"].reset_index(drop=True)
    assert list(usa["partner"]) == ["DEU", "FRA"]
    assert usa.loc[0, "score"] == pytest.approx((1 + 1 + compl) / 3)
    assert usa.loc[1, "score"] == pytest.approx(1 / 3)
    assert usa.loc[1, "sector_cover"] == 0 and usa.loc[1, "complementarity"] == pytest.approx(0)


def test_worked_example_blocs_time_varying() -> None:
    blocs = Blocs({"EUR": ["DEU", "FRA"], "EU2": ["DEU", ("FRA", 2021, None)]})
    r = cooperation_model(worked_example(), blocs=blocs)
    bs = r.bloc_shares
    np.testing.assert_allclose(bs["value_chain"].sel(bloc="EUR").values, [0.35, 0.4])
    np.testing.assert_allclose(bs["market"].sel(bloc="EUR").values, [0.8, 0.8])
    # FRA joins EU2 in 2021
    np.testing.assert_allclose(bs["value_chain"].sel(bloc="EU2").values, [0.2, 0.4])
    # a bloc's result is the sum of its members' shares
    members = r.shares["value_chain"].sel(country=["DEU", "FRA"]).sum("country")
    np.testing.assert_allclose(bs["value_chain"].sel(bloc="EUR").values, members.values)
    np.testing.assert_allclose(r.bloc_composite.sel(bloc="EUR").values, [0.575, 0.6])
    frames = r.to_frames()
    assert {"blocs", "bloc_strengths"} <= set(frames)
    per_sector = r.bloc_sector_shares("value_chain")
    np.testing.assert_allclose(
        per_sector.sel(bloc="EU2").values,
        r.sector_shares("value_chain").sel(country="DEU").values
        + np.array([[0, 1], [0, 1]]) * r.sector_shares("value_chain").sel(country="FRA").values,
    )


def test_normalizations_by_hand() -> None:
    market = worked_example()["market"]
    r = cooperation_model({"market": market}, normalize="minmax")
    np.testing.assert_allclose(r.normalized["market"].values, [[1, 1], [1 / 3, 1], [0, 0]])
    r = cooperation_model({"market": market}, normalize="zscore")
    v = market.values
    np.testing.assert_allclose(r.normalized["market"].values, (v - v.mean(0)) / v.std(0))
    r = cooperation_model({"market": market}, normalize="none")
    np.testing.assert_array_equal(r.composite.values, v)


def generated(seed: int, nan: bool = False) -> dict[str, xr.DataArray]:
    rng = np.random.default_rng(seed)
    c, s, t = 9, 7, 5
    countries = ["USA", "CHN", "DEU", "FRA", "JPN", "IND", "BRA", "KOR", "GBR"][:c]
    years = list(range(2015, 2015 + t))

    def cube(ns: int | None) -> xr.DataArray:
        shape = (c, ns, t) if ns else (c, t)
        x = rng.lognormal(size=shape) * rng.integers(0, 2, size=shape)  # zeros too
        if nan:
            x[rng.random(shape) < 0.1] = np.nan
        dims = ("country", "sector", "year") if ns else ("country", "year")
        coords = {"country": countries, "year": years}
        if ns:
            coords["sector"] = [f"S{k:02d}" for k in range(ns)]
        return xr.DataArray(x, dims=dims, coords=coords)

    return {
        "value_chain": cube(s),
        "technology": cube(s + 2),
        "market": cube(None),
        "policy": cube(None),
    }


@pytest.mark.parametrize("normalize", ["shares", "minmax", "zscore", "none"])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("nan", [False, True])
def test_against_plain_numpy_pandas(normalize: str, seed: int, nan: bool) -> None:
    pillars = generated(seed, nan)
    weights = {"value_chain": 2.0, "technology": 1.0, "market": 1.0, "policy": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("error" if not nan else "ignore", MissingPillarWarning)
        r = cooperation_model(pillars, weights=weights, normalize=normalize, lag=2)
    ref = plain_model.model({k: v.values for k, v in pillars.items()}, weights, normalize, lag=2)
    for p in pillars:
        np.testing.assert_allclose(r.values[p].values, ref["values"][p], rtol=1e-12)
        np.testing.assert_allclose(r.shares[p].values, ref["shares"][p], rtol=1e-12)
        np.testing.assert_allclose(
            r.normalized[p].values, ref["normalized"][p], rtol=1e-9, atol=1e-12
        )
    np.testing.assert_allclose(r.composite.values, ref["composite"], rtol=1e-9, atol=1e-12)
    for k, v in ref["ranks"].items():
        np.testing.assert_array_equal(r.ranks[k].values, v, err_msg=k)
        np.testing.assert_array_equal(r.rank_change[k].values, ref["rank_change"][k])
    if not nan:  # the plain versions treat NaN as 0 in rca/hhi; sharecube's skipna agrees
        for p, v in ref["rca"].items():
            np.testing.assert_allclose(r.rca(p).values, v, rtol=1e-12)
        for p, v in ref["hhi"].items():
            np.testing.assert_allclose(r.concentration[p].values, v, rtol=1e-12)


def test_partners_against_a_loop() -> None:
    """The vectorised partner scores equal a direct loop over every pair of countries."""
    pillars = generated(3)
    r = cooperation_model(pillars, partners=8)
    names = list(pillars)
    countries = list(pillars["market"].country.values)
    n = len(countries)
    ranks_t = {p: r.ranks[p].values[:, -1] for p in names}
    s = r.strengths
    sim = plain_model.similarity(pillars["value_chain"].values[:, :, -1])
    rcas = {p: plain_model.rca(pillars[p].values[:, :, -1]) for p in ("value_chain", "technology")}
    secs = {p: list(pillars[p].sector.values) for p in rcas}
    for a, ca in enumerate(countries):
        mine = s[s["country"] == ca]
        weak_p = list(mine[(mine["kind"] == "weakness") & mine["sector"].isna()]["pillar"])
        weak_s = list(
            mine[(mine["kind"] == "weakness") & mine["sector"].notna()][
                ["pillar", "sector"]
            ].itertuples(index=False, name=None)
        )
        expect = {}
        for b, cb in enumerate(countries):
            if b == a:
                continue
            parts = [np.mean([max(0.0, ranks_t[p][a] - ranks_t[p][b]) / (n - 1) for p in weak_p])]
            if weak_s:
                parts.append(np.mean([rcas[p][b, secs[p].index(k)] > 1 for p, k in weak_s]))
            parts.append(1 - sim[a, b])
            expect[cb] = float(np.mean(parts))
        got = r.partners[r.partners["country"] == ca].set_index("partner")["score"]
        best = sorted((v for v in expect.values() if v > 0), reverse=True)[:8]
        np.testing.assert_allclose(sorted(got.values, reverse=True), best, rtol=1e-12)
        for partner, score in got.items():
            assert score == pytest.approx(expect[partner], rel=1e-12)


def test_rank_desc() -> None:
    v = np.array([[3.0, np.nan], [1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_array_equal(rank_desc(v), [[1, np.nan], [3, 2], [1, 1]])


def test_pillar_order_is_aligned() -> None:
    p = worked_example()
    shuffled = {
        "value_chain": p["value_chain"],
        "market": p["market"].isel(country=[2, 0, 1], year=[1, 0]),
    }
    a, b = cooperation_model(p), cooperation_model(shuffled)
    xr.testing.assert_identical(a.composite, b.composite)


def test_results_as_frames_and_dataset() -> None:
    r = cooperation_model(generated(0), blocs=["EU", "G7", "BRICS"])
    f = r.to_frames()
    comp = f["composite"]
    assert list(comp.columns) == ["country", "year", "composite", "rank", "rank_change", "partial"]
    assert len(comp) == 9 * 5
    top = comp[comp["year"] == 2019].iloc[0]
    assert top["rank"] == 1 and top["composite"] == r.composite.sel(year=2019).max()
    assert set(f["pillars"]["pillar"]) == set(generated(0))
    ds = r.to_dataset()
    assert "composite" in ds and "market_rank" in ds and ds["composite"].dims == ("country", "year")
    # built-in blocs: members the data lacks are reported, not silently dropped
    assert "AUT" in r.absent_members["EU"] and "IND" not in r.absent_members.get("BRICS", [])


# ---- errors ------------------------------------------------------------------------------


def test_pillars_with_different_countries_and_years_are_aligned() -> None:
    """A country or year absent from one pillar lacks that pillar (listed), not an error."""
    p = worked_example()
    p["market"] = p["market"].assign_coords(country=["DEU", "FRA", "CHN"])
    with pytest.warns(MissingPillarWarning, match=r"2 countries lack a pillar.*USA \(market"):
        r = cooperation_model(p)
    assert list(r.composite.country.values) == ["DEU", "FRA", "USA", "CHN"]
    assert np.isnan(r.composite.sel(country=["USA", "CHN"])).all()
    assert set(r.missing["country"]) == {"USA", "CHN"}
    p = worked_example()
    p["market"] = p["market"].sel(year=[2021])
    with pytest.warns(MissingPillarWarning, match="2020"):
        r = cooperation_model(p)
    assert np.isnan(r.composite.sel(year=2020)).all()
    p["market"] = p["market"].assign_coords(year=["2021"])
    with pytest.raises(ValueError, match="no 'year' label in common"):
        cooperation_model(p)


def test_error_unknown_dimension_names() -> None:
    p = worked_example()
    with pytest.raises(ValueError, match="pillar 'value_chain' has no dimension 'nation'"):
        cooperation_model(p, country="nation")
    p["market"] = p["market"].expand_dims(region=["x"])
    with pytest.raises(ValueError, match=r"unknown dimension\(s\) \['region'\]"):
        cooperation_model(p)


@pytest.mark.parametrize(
    ("weights", "exc", "msg"),
    [
        (
            {"value_chain": -1, "market": 1},
            ValueError,
            "weight of 'value_chain' must be finite and >= 0, got -1",
        ),
        ({"value_chain": 0, "market": 0}, ValueError, "weights are all zero"),
        ({"value_chain": 1}, ValueError, r"weights missing for pillar\(s\) \['market'\]"),
        ({"value_chain": 1, "market": 1, "x": 1}, ValueError, r"unknown pillar\(s\) \['x'\]"),
        ({"value_chain": float("nan"), "market": 1}, ValueError, "finite"),
        ({"value_chain": "a", "market": 1}, TypeError, "must be a number"),
        ([1, 2], TypeError, "weights must be a dict"),
    ],
)
def test_error_weights(weights: object, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        cooperation_model(worked_example(), weights=weights)  # type: ignore[arg-type]


def test_error_empty_selections() -> None:
    p = worked_example()
    with pytest.raises(ValueError, match="pillar 'value_chain' is empty along 'country'"):
        cooperation_model({"value_chain": p["value_chain"].isel(country=[])})
    with pytest.raises(TypeError, match="non-empty dict"):
        cooperation_model({})
    with pytest.raises(ValueError, match=r"year 1999 is not in the data's years 2020..2021"):
        cooperation_model(p, year=1999)


def test_error_other_inputs() -> None:
    p = worked_example()
    with pytest.raises(ValueError, match="normalize must be one of"):
        cooperation_model(p, normalize="rank")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"pillar 'market' must be an xarray\.DataArray"):
        cooperation_model({"market": p["market"].values})  # type: ignore[dict-item]
    dup = p["market"].assign_coords(country=["DEU", "DEU", "USA"])
    with pytest.raises(ValueError, match="duplicate 'country' label 'DEU'"):
        cooperation_model({"market": dup})
    with pytest.raises(ValueError, match="unknown country codes in blocs"):
        cooperation_model(p, blocs={"X": ["DEU", "XYZ"]})
    with pytest.raises(ValueError, match="unknown bloc name"):
        cooperation_model(p, blocs="Atlantis")
    with pytest.raises(ValueError, match="structure must name a quantity pillar with sectors"):
        cooperation_model(p, structure="market")
    with pytest.raises(ValueError, match="top must be a non-negative int"):
        cooperation_model(p, top=-1)


@pytest.mark.filterwarnings("ignore:1 country lacks a pillar")  # Brazil: data/README.md
def test_weights_near_the_float_limit_are_not_lost() -> None:
    pillars = datasets.load_cooperation()
    names = list(pillars)
    even = cooperation_model(pillars, normalize="minmax")
    huge = cooperation_model(pillars, normalize="minmax", weights=dict.fromkeys(names, 1e308))
    assert float(abs(huge.composite).max()) > 0
    np.testing.assert_allclose(huge.composite, even.composite, rtol=1e-14)


@pytest.mark.filterwarnings("ignore:1 country lacks a pillar")  # Brazil: data/README.md
def test_the_report_shows_what_the_model_computed(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from sharecube import report

    pillars = datasets.load_cooperation()
    res = cooperation_model(pillars, normalize="minmax", lag=3)
    assert res.lag == 3
    # the totals' concentration is a result of the model, the report's table reads it
    hhi = res.values["market"].sharecube.hhi("country")
    np.testing.assert_array_equal(res.concentration_totals["market"], hhi)
    res.concentration_totals["market"][:] = 0.25  # the report must not compute it again
    assert (report.concentration_table(res)["market"] == 0.25).all()
    out = tmp_path / "r"
    out.mkdir()
    report.write_report(res, out, formats=("md",))
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "*change* over the previous 3 years" in md and "since the previous year" not in md
