"""What a composite indicator must get right (OECD/JRC Handbook, COINr): indicator kinds and
directions, world totals and coverage, missing pillars, sensitivity of the ranks, and partner
reasons that hold. Each rule is checked against a plain numpy/pandas computation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")

from sharecube import datasets  # noqa: E402
from sharecube.blocs import Blocs  # noqa: E402
from sharecube.cooperation import (  # noqa: E402
    MissingPillarWarning,
    cooperation_model,
    rank_desc,
    sensitivity,
)

COUNTRIES = ["USA", "CHN", "DEU", "JPN", "KOR", "IND", "FRA", "BRA"]
YEARS = [2018, 2019, 2020, 2021]


def panel(seed: int = 0, world: bool = False) -> dict[str, xr.DataArray]:
    """Output (quantity, sectors), GDP (quantity), a policy score with components, a tariff
    rate (lower is better)."""
    rng = np.random.default_rng(seed)
    c, t = len(COUNTRIES), len(YEARS)
    out = rng.lognormal(0, 1, (c, 4, t))
    gdp = rng.lognormal(2, 1, (c, t))
    policy = rng.uniform(2, 9, (c, 3, t))
    tariffs = rng.uniform(1, 12, (c, t))
    labels = COUNTRIES
    if world:
        out = np.concatenate([out, out.sum(axis=0, keepdims=True) * 1.25])
        gdp = np.concatenate([gdp, np.full((1, t), np.nan)])  # no world GDP in the source
        policy = np.concatenate([policy, np.full((1, 3, t), 5.0)])  # a world average score
        tariffs = np.concatenate([tariffs, np.full((1, t), 6.0)])
        labels = [*COUNTRIES, "WLD"]
    cy = {"country": labels, "year": YEARS}
    return {
        "output": xr.DataArray(
            out,
            dims=("country", "sector", "year"),
            coords={**cy, "sector": ["a", "b", "c", "d"]},
        ),
        "gdp": xr.DataArray(gdp, dims=("country", "year"), coords=cy),
        "policy": xr.DataArray(
            policy,
            dims=("country", "sector", "year"),
            coords={**cy, "sector": ["tariff", "barrier", "capital"]},
            attrs={"kind": "score"},
        ),
        "tariffs": xr.DataArray(
            tariffs, dims=("country", "year"), coords=cy, attrs={"kind": "score"}
        ),
    }


KW = {"direction": {"tariffs": "lower"}}


def minmax(v: np.ndarray, lower: bool = False) -> np.ndarray:
    lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    return (hi - v if lower else v - lo) / (hi - lo)


# ---- kinds and directions ----------------------------------------------------------------


def test_a_score_gets_no_shares_and_is_averaged_over_its_components() -> None:
    p = panel()
    r = cooperation_model(p, **KW)
    assert r.kinds == {
        "output": "quantity",
        "gdp": "quantity",
        "policy": "score",
        "tariffs": "score",
    }
    assert set(r.shares) == {"output", "gdp"}  # no "share of the world" of a score
    np.testing.assert_allclose(r.values["policy"], p["policy"].values.mean(axis=1), rtol=1e-15)
    np.testing.assert_allclose(r.values["output"], p["output"].values.sum(axis=1), rtol=1e-14)
    assert r.normalize == "minmax"  # "auto": a score is present
    # no RCA, no concentration, no sector strengths of a score's components
    assert set(r.concentration) == {"output", "gdp"}
    assert set(r.strengths.dropna(subset=["sector"])["pillar"]) == {"output"}
    assert not r.partners["reason"].str.contains("barrier|capital|tariff \\(").any()
    for method in (r.rca, r.sector_shares):
        with pytest.raises(ValueError, match="'policy' is a score: shares, bloc sums and RCA"):
            method("policy")


def test_share_steps_on_a_score_are_errors_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"meaningless for a score: pillar\(s\) \['policy'"):
        cooperation_model(panel(), normalize="shares", kinds={"tariffs": "quantity"})
    with pytest.raises(ValueError, match="cannot reverse a pillar where lower is better"):
        cooperation_model(
            panel(), normalize="shares", kinds={"policy": "quantity", "tariffs": "quantity"}, **KW
        )
    with pytest.raises(ValueError, match="score: it has no world total"):
        cooperation_model(panel(), world={"policy": panel()["gdp"].sum("country")})
    with pytest.raises(ValueError, match=r"structure must name a quantity pillar.*a score has no"):
        cooperation_model(panel(), structure="policy")
    with pytest.raises(ValueError, match="kinds of pillar 'gdp' must be one of"):
        cooperation_model(panel(), kinds={"gdp": "rate"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="bloc_weights: 'gdp' is not a score"):
        cooperation_model(panel(), bloc_weights={"gdp": "output"})


def test_kinds_default_to_quantity_and_all_quantities_normalise_to_shares() -> None:
    p = {k: v.drop_attrs() for k, v in panel().items() if k in ("output", "gdp")}
    r = cooperation_model(p)
    assert r.kinds == {"output": "quantity", "gdp": "quantity"} and r.normalize == "shares"
    np.testing.assert_array_equal(r.normalized["gdp"], r.shares["gdp"])


def test_lower_is_better_reverses_the_scale() -> None:
    p = panel()
    r = cooperation_model(p, **KW)
    t = p["tariffs"].values
    np.testing.assert_allclose(r.normalized["tariffs"], minmax(t, lower=True), rtol=1e-14)
    np.testing.assert_array_equal(r.ranks["tariffs"], rank_desc(-t))  # lowest tariff first
    z = cooperation_model(p, normalize="zscore", **KW)
    np.testing.assert_allclose(
        z.normalized["tariffs"], -(t - t.mean(0)) / t.std(0), rtol=1e-12, atol=1e-15
    )


def test_geometric_mean_against_the_formula() -> None:
    p = panel()
    w = {"output": 2.0, "gdp": 1.0, "policy": 1.0, "tariffs": 0.5}
    r = cooperation_model(p, aggregate="geometric", weights=w, **KW)
    total = sum(w.values())
    n = {
        "output": minmax(p["output"].values.sum(1)),
        "gdp": minmax(p["gdp"].values),
        "policy": minmax(p["policy"].values.mean(1)),
        "tariffs": minmax(p["tariffs"].values, lower=True),
    }
    want = np.prod([(1 + 99 * n[k]) ** (w[k] / total) for k in w], axis=0)
    np.testing.assert_allclose(r.composite, want, rtol=1e-12)
    with pytest.raises(ValueError, match="geometric' needs positive normalised values"):
        cooperation_model(p, aggregate="geometric", normalize="zscore", **KW)


# ---- world totals and coverage -------------------------------------------------------------


def test_a_world_row_gives_shares_of_the_world_and_coverage() -> None:
    p = panel(world=True)
    r = cooperation_model(p, **KW)
    assert "WLD" not in r.composite.country.values and r.composite.sizes["country"] == 8
    x = p["output"].values[:-1].sum(axis=1)
    wld = p["output"].values[-1].sum(axis=0)
    np.testing.assert_allclose(r.shares["output"], x / wld, rtol=1e-15)
    assert r.share_basis == {"output": "world", "gdp": "countries in the data"}
    np.testing.assert_allclose(r.shares["gdp"].sum("country"), 1.0, rtol=1e-15)
    cov = r.coverage.set_index(["pillar", "year"])
    np.testing.assert_allclose(cov.loc["output", "share_of_world"], 0.8, rtol=1e-14)
    assert cov.loc["gdp", "share_of_world"].isna().all()
    assert (cov["reporting"] == 8).all() and (cov["countries"] == 8).all()
    # without the row: shares of the countries in the data, and said so
    plain = cooperation_model({k: v.drop_sel(country="WLD") for k, v in p.items()}, **KW)
    assert plain.share_basis["output"] == "countries in the data"
    np.testing.assert_allclose(plain.shares["output"].sum("country"), 1.0, rtol=1e-15)


def test_world_totals_as_a_table() -> None:
    p = panel()
    world = p["gdp"].sum("country") * 2
    r = cooperation_model(p, world={"gdp": world}, **KW)
    np.testing.assert_allclose(r.shares["gdp"], p["gdp"].values / world.values, rtol=1e-15)
    with pytest.raises(ValueError, match="world total of 'gdp' lacks year"):
        cooperation_model(p, world={"gdp": world.sel(year=[2018])}, **KW)
    with pytest.raises(ValueError, match="must be positive"):
        cooperation_model(p, world={"gdp": -world}, **KW)


def test_coverage_counts_the_countries_reporting() -> None:
    p = panel()
    p["gdp"][[0, 3], 1] = np.nan
    with pytest.warns(MissingPillarWarning):
        r = cooperation_model(p, **KW)
    cov = r.coverage.set_index(["pillar", "year"])
    assert cov.loc[("gdp", 2019), "reporting"] == 6 and cov.loc[("gdp", 2018), "reporting"] == 8
    assert cov.loc[("gdp", 2019), "total"] == pytest.approx(np.nansum(p["gdp"].values[:, 1]))


# ---- missing pillars ------------------------------------------------------------------------


def gaps() -> dict[str, xr.DataArray]:
    p = panel()
    p["gdp"][COUNTRIES.index("IND"), :] = np.nan  # India lacks GDP in every year
    p["output"][COUNTRIES.index("BRA"), :, 2] = np.nan  # Brazil lacks output in 2020
    return p


def test_missing_drop_lists_and_warns() -> None:
    with pytest.warns(
        MissingPillarWarning, match=r"2 countries lack a pillar.*IND \(gdp 2018-2021"
    ):
        r = cooperation_model(gaps(), **KW)
    assert np.isnan(r.composite.sel(country="IND")).all()
    assert np.isnan(r.composite.sel(country="BRA", year=2020))
    assert np.isfinite(r.composite.sel(country="BRA", year=2021))
    m = r.missing
    assert len(m) == 5 and set(m["treatment"]) == {"left out of the composite"}
    assert list(m[m["country"] == "BRA"]["year"]) == [2020]
    assert not r.partial.any()


def test_missing_available_rescales_the_weights_and_flags() -> None:
    p = gaps()
    w = {"output": 2.0, "gdp": 1.0, "policy": 1.0, "tariffs": 1.0}
    with pytest.warns(MissingPillarWarning, match="composite of the other pillars"):
        r = cooperation_model(p, missing="available", weights=w, **KW)
    i = COUNTRIES.index("IND")
    n = {
        "output": minmax(p["output"].values.sum(1)),
        "policy": minmax(p["policy"].values.mean(1)),
        "tariffs": minmax(p["tariffs"].values, lower=True),
    }
    want = (2 * n["output"][i] + n["policy"][i] + n["tariffs"][i]) / 4  # gdp's weight dropped
    np.testing.assert_allclose(r.composite.sel(country="IND"), want, rtol=1e-12)
    assert r.partial.sel(country="IND").all() and r.partial.sel(country="BRA", year=2020)
    assert int(r.partial.sum()) == 5


def test_missing_fail_names_the_countries() -> None:
    with pytest.raises(ValueError, match=r"2 countries lack.*BRA \(output 2020\).*missing='fail'"):
        cooperation_model(gaps(), missing="fail", **KW)
    cooperation_model(panel(), missing="fail", **KW)  # nothing missing: runs


def test_no_warning_without_gaps() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cooperation_model(panel(), **KW)
    assert r.missing is not None and r.missing.empty


# ---- sensitivity ---------------------------------------------------------------------------


def test_sensitivity_against_a_plain_monte_carlo() -> None:
    p = panel(3)
    w = {"output": 2.0, "gdp": 1.0, "policy": 1.0, "tariffs": 1.0}
    r = cooperation_model(p, weights=w, draws=200, seed=7, spread=0.4, **KW)
    sens = r.sensitivity.set_index("country")
    # the same draws, done plainly
    rng = np.random.default_rng(7)
    base = np.array([w[k] for k in r.names]) / sum(w.values())
    wd = base * rng.uniform(0.6, 1.4, size=(200, 4))
    wd /= wd.sum(axis=1, keepdims=True)
    n = np.stack([r.normalized[k].values[:, -1] for k in r.names], axis=1)  # (C, P)
    comps = n @ wd.T  # (C, D)
    ranks = pd.DataFrame(comps).rank(axis=0, method="min", ascending=False).to_numpy()
    q = np.quantile(ranks, [0.05, 0.5, 0.95], axis=1)
    order = list(sens.index)
    idx = [COUNTRIES.index(c) for c in order]
    np.testing.assert_allclose(sens["rank_p05"], q[0][idx])
    np.testing.assert_allclose(sens["median_rank"], q[1][idx])
    np.testing.assert_allclose(sens["rank_p95"], q[2][idx])
    np.testing.assert_array_equal(sens["rank"], r.ranks["composite"].values[idx, -1])
    np.testing.assert_array_equal(sens["rank_minmax"], sens["rank"])  # the model's own choice
    z = cooperation_model(p, weights=w, normalize="zscore", draws=0, **KW)
    np.testing.assert_array_equal(sens["rank_zscore"], z.ranks["composite"].values[idx, -1])
    g = cooperation_model(p, weights=w, aggregate="geometric", draws=0, **KW)
    np.testing.assert_array_equal(sens["rank_geometric"], g.ranks["composite"].values[idx, -1])
    assert "rank_shares" not in sens  # scores present: no share normalisation
    assert g.sensitivity is None


def test_sensitivity_is_seeded_and_zero_spread_is_the_point_estimate() -> None:
    p = panel(4)
    a = cooperation_model(p, seed=1, **KW).sensitivity
    b = cooperation_model(p, seed=1, **KW).sensitivity
    c = cooperation_model(p, seed=2, spread=0.9, **KW).sensitivity
    pd.testing.assert_frame_equal(a, b)
    assert not a[["rank_p05", "rank_p95"]].equals(c[["rank_p05", "rank_p95"]])
    r = cooperation_model(p, spread=0.0, draws=50, **KW)
    s = sensitivity(r, draws=50, spread=0.0)
    for col in ("median_rank", "rank_p05", "rank_p95"):
        np.testing.assert_array_equal(s[col], s["rank"])
    assert s.attrs == {"draws": 50, "seed": 0, "spread": 0.0, "year": 2021}


def test_sensitivity_of_quantities_includes_shares() -> None:
    p = {k: v for k, v in panel().items() if k in ("output", "gdp")}
    s = cooperation_model(p).sensitivity
    r = cooperation_model(p, draws=0)
    np.testing.assert_array_equal(
        s.set_index("country")["rank_shares"].reindex(COUNTRIES),
        r.ranks["composite"].sel(year=2021).values,
    )


# ---- partner reasons -----------------------------------------------------------------------


def test_partner_reasons_hold_with_their_numbers() -> None:
    p = panel(5)
    r = cooperation_model(p, partners=5, **KW)
    assert len(r.partners) and (r.partners["reason"].str.len() > 0).all()
    sim = r.pillars["output"].isel(year=-1).sharecube.similarity("country", "sector").values
    rca = r.rca("output").values
    ranks = {k: r.ranks[k].values[:, -1] for k in r.names}
    for row in r.partners.itertuples():
        a, b = COUNTRIES.index(row.country), COUNTRIES.index(row.partner)
        for part in row.reason.split("; "):
            if part.startswith("stronger in"):
                pillar = part.split()[2]
                assert f"(rank {ranks[pillar][b]:.0f} vs {ranks[pillar][a]:.0f})" in part
                assert ranks[pillar][b] < ranks[pillar][a]
            elif part.startswith("RCA > 1"):
                for item in part.split(": ", 1)[1].split(", "):
                    sec = item.split()[0]
                    k = ["a", "b", "c", "d"].index(sec)
                    assert rca[b, k] > 1 > rca[a, k]
                    assert item.endswith(f"{rca[b, k]:.2f} vs {rca[a, k]:.2f}")
            else:
                assert part.startswith("complementary sector mix")
                assert sim[a, b] < 0.5 and f"similarity {sim[a, b]:.2f} < 0.5" in part


def test_complementarity_is_claimed_only_below_the_threshold() -> None:
    p = panel(6)
    loose = cooperation_model(p, partners=7, complementary_below=1.0, **KW).partners
    strict = cooperation_model(p, partners=7, complementary_below=0.05, **KW).partners
    assert loose["reason"].str.contains("complementary").any()
    assert not strict["reason"].str.contains("complementary").any()
    # the scores are the same; only pairs without a true reason are left out
    both = loose.merge(strict, on=["country", "partner"], suffixes=("", "_s"))
    np.testing.assert_allclose(both["score"], both["score_s"])
    assert len(strict) <= len(loose)


# ---- blocs -------------------------------------------------------------------------------------


def test_blocs_sum_quantities_and_average_scores_over_members_present() -> None:
    p = panel()
    p["tariffs"][COUNTRIES.index("FRA"), 0] = np.nan
    blocs = Blocs({"EUR": ["DEU", "FRA"], "ASIA": ["CHN", "JPN", ("KOR", 2020, None)]})
    with pytest.warns(MissingPillarWarning):
        r = cooperation_model(p, blocs=blocs, bloc_weights={"policy": "gdp"}, **KW)
    t = p["tariffs"].sel(country=["DEU", "FRA"]).values
    np.testing.assert_allclose(
        r.bloc_scores["tariffs"].sel(bloc="EUR"), np.nanmean(t, axis=0), rtol=1e-15
    )
    assert list(r.bloc_members["tariffs"].sel(bloc="EUR").values) == [1, 2, 2, 2]
    assert list(r.bloc_members["gdp"].sel(bloc="ASIA").values) == [2, 2, 3, 3]
    pol = p["policy"].values.mean(axis=1)
    gdp = p["gdp"].values
    asia = [COUNTRIES.index(c) for c in ("CHN", "JPN", "KOR")]
    want_2021 = (pol[asia, 3] * gdp[asia, 3]).sum() / gdp[asia, 3].sum()  # GDP-weighted
    assert float(r.bloc_scores["policy"].sel(bloc="ASIA", year=2021)) == pytest.approx(
        want_2021, rel=1e-14
    )
    np.testing.assert_allclose(
        r.bloc_shares["gdp"].sel(bloc="ASIA", year=2020),
        r.shares["gdp"].sel(country=["CHN", "JPN", "KOR"], year=2020).sum(),
        rtol=1e-14,
    )
    assert set(r.bloc_shares) == {"output", "gdp"} and set(r.bloc_scores) == {"policy", "tariffs"}
    frames = r.to_frames()["blocs"]
    assert {"share", "mean_score", "members_reporting"} <= set(frames.columns)


def test_bloc_shares_of_the_world_use_the_world_total() -> None:
    p = panel(world=True)
    r = cooperation_model(p, blocs=Blocs({"EUR": ["DEU", "FRA"]}), **KW)
    x = p["output"].sel(country=["DEU", "FRA"]).values.sum(axis=(0, 1))
    wld = p["output"].sel(country="WLD").values.sum(axis=0)
    np.testing.assert_allclose(r.bloc_shares["output"].sel(bloc="EUR"), x / wld, rtol=1e-14)


@pytest.mark.filterwarnings("ignore:1 country lacks a pillar")  # Brazil: data/README.md
def test_the_bundled_panel_declares_policy_a_score_and_stays_below_the_world_row() -> None:
    p = datasets.load_cooperation()
    assert p["policy"].attrs["kind"] == "score"
    world = datasets.load_cooperation_world()["value_chain"]
    total = p["value_chain"].sum("country")
    assert (total < world).all()  # a panel's countries cannot make more than the world
    assert np.isnan(p["value_chain"].sel(country="BRA")).all()  # dropped: data/README.md
    r = cooperation_model(p, world=datasets.load_cooperation_world())
    assert "policy" not in r.shares and r.share_basis["value_chain"] == "world"
    assert list(r.missing["country"].unique()) == ["BRA"]


# ---- economic complexity in the model ------------------------------------------------------


def exports_panel(seed: int = 0) -> dict[str, xr.DataArray]:
    rng = np.random.default_rng(seed)
    c, k, t = 12, 15, 3
    x = rng.lognormal(0, 1.5, (c, k, t)) * (rng.random((c, k, t)) < 0.7)
    codes = ["USA", "CHN", "DEU", "JPN", "KOR", "IND", "FRA", "BRA", "MEX", "ITA", "GBR", "CAN"]
    coords = {"country": codes, "sector": [f"hs{i:02d}" for i in range(k)], "year": YEARS[:t]}
    gdp = xr.DataArray(
        rng.lognormal(2, 1, (c, t)),
        dims=("country", "year"),
        coords={"country": codes, "year": YEARS[:t]},
    )
    return {
        "exports": xr.DataArray(x, dims=("country", "sector", "year"), coords=coords),
        "gdp": gdp,
    }


def test_complexity_in_the_model_against_the_complexity_functions() -> None:
    import sharecube as sc

    p = exports_panel()
    r = cooperation_model(p, complexity="exports", top=4)
    x = p["exports"].values
    np.testing.assert_allclose(r.complexity["eci"].values, sc.eci(x), rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(r.complexity["eci_rank"].values, rank_desc(sc.eci(x)))
    last = x[:, :, -1]
    dens, cog, rca = sc.density(last), sc.cog(last), sc.rca(last)
    opp = r.opportunities
    assert len(opp) and (opp.groupby("country").size() <= 4).all()
    codes = list(p["exports"].country.values)
    secs = list(p["exports"].sector.values)
    for country, rows in opp.groupby("country", sort=False):
        a = codes.index(country)
        ks = [secs.index(s) for s in rows["sector"]]
        assert (rca[a, ks] < 1).all()
        np.testing.assert_allclose(rows["density"], dens[a, ks], rtol=1e-12)
        np.testing.assert_allclose(rows["cog"], cog[a, ks], rtol=1e-12)
        assert list(rows["density"]) == sorted(rows["density"], reverse=True)
        # no sector outside the list is closer than the last one listed
        rest = [k for k in range(len(secs)) if rca[a, k] < 1 and k not in ks]
        assert all(dens[a, k] <= rows["density"].iloc[-1] for k in rest)
        for k, partners in zip(ks, rows["partners"], strict=True):
            for b in filter(None, partners.split(", ")):
                assert rca[codes.index(b), k] > 1
    assert r.product_space["proximity"].shape == (15, 15)
    np.testing.assert_allclose(r.product_space["pci"], sc.pci(last), rtol=1e-12)
    assert {"complexity", "opportunities"} <= set(r.to_frames())
    same = cooperation_model(p, complexity=True)  # True: the structure pillar
    np.testing.assert_array_equal(same.complexity["eci"], r.complexity["eci"])
    with pytest.raises(ValueError, match="complexity must name a quantity pillar with sectors"):
        cooperation_model(p, complexity="gdp")
    assert cooperation_model(p).complexity is None


def test_complexity_section_of_the_report(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from sharecube import report

    r = cooperation_model(exports_panel(1), complexity="exports")
    report.write_report(r, tmp_path, formats=("html", "md"))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Economic complexity and opportunities" in md
    assert (
        "charts/product_space.png" in md and (tmp_path / "charts" / "product_space.png").is_file()
    )
    assert (tmp_path / "tables" / "opportunities.csv").is_file()
    phi = r.product_space["proximity"].fillna(0).values
    tree = report._spanning_tree(phi)
    assert len(tree) == 14 and len({b for _, b in tree}) == 14  # a tree over 15 sectors
    sparse = pytest.importorskip("scipy.sparse.csgraph")
    best = -sparse.minimum_spanning_tree(-(phi + 1e-9) * (1 - np.eye(15))).sum()
    assert sum(phi[a, b] for a, b in tree) == pytest.approx(best, rel=1e-6)  # the maximum
