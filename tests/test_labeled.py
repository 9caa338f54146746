"""The .sharecube accessor against the numpy-level functions, on every dimension order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

import sharecube as sc  # noqa: E402
import sharecube.labeled  # noqa: E402

COUNTRIES = ["DEU", "FRA", "GBR", "USA", "CHN", "IDN"]


def cube(order: tuple[str, ...] = ("country", "sector", "year"), seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    base = xr.DataArray(
        rng.lognormal(size=(6, 4, 5)),
        dims=("country", "sector", "year"),
        coords={
            "country": COUNTRIES,
            "sector": list("abcd"),
            "year": np.arange(2017, 2022),
            "sector_name": ("sector", ["A", "B", "C", "D"]),
        },
        name="exports",
    )
    base[0, 0, 0] = np.nan
    return base.transpose(*order)


ORDERS = list(itertools.permutations(("country", "sector", "year")))


@pytest.mark.parametrize("order", ORDERS)
def test_methods_match_numpy_functions(order: tuple[str, ...]) -> None:
    da = cube(order)
    x = da.values
    ax = {d: da.get_axis_num(d) for d in da.dims}
    s = da.sharecube.shares("country")
    assert s.dims == da.dims and s.name == "exports_shares"
    np.testing.assert_array_equal(s.values, sc.shares(x, axis=ax["country"]))
    assert "sector_name" in s.coords
    np.testing.assert_array_equal(
        da.sharecube.shares(["country", "sector"]).values,
        sc.shares(x, axis=(ax["country"], ax["sector"])),
    )
    h = da.sharecube.hhi("country")
    assert h.dims == tuple(d for d in da.dims if d != "country")
    np.testing.assert_array_equal(h.values, sc.hhi(x, axis=ax["country"]))
    e = da.sharecube.entropy("country", base=2)
    np.testing.assert_array_equal(e.values, sc.entropy(x, axis=ax["country"], base=2))
    r = da.sharecube.rca("country", "sector")
    np.testing.assert_array_equal(r.values, sc.rca(x, ax["country"], ax["sector"]))
    ch = da.sharecube.share_change("country", "year", lag=2)
    np.testing.assert_array_equal(
        ch.values, sc.share_change(x, axis=ax["country"], time_axis=ax["year"], lag=2)
    )
    sim = da.sharecube.similarity("country", "sector")
    assert sim.dims == ("country", "partner", "year")
    assert list(sim.partner.values) == COUNTRIES
    np.testing.assert_array_equal(sim.values, sc.similarity(x, ax["country"], ax["sector"]))


@pytest.mark.parametrize("order", ORDERS)
def test_share_sums_bloc_dimension_and_members(order: tuple[str, ...]) -> None:
    da = cube(order)
    blocs = {"EU": ["DEU", "FRA"], "G": ["DEU", "USA", "CHN"]}
    ss = da.sharecube.share_sums("country", blocs)
    pos = da.get_axis_num("country")
    assert ss.dims[pos] == "bloc" and list(ss.bloc.values) == ["EU", "G"]
    s = da.sharecube.shares("country")
    for b, members in blocs.items():
        want = s.sel(country=members).sum("country")
        xr.testing.assert_allclose(ss.sel(bloc=b, drop=True), want.rename(ss.name), rtol=1e-14)


def test_share_sums_time_varying_membership() -> None:
    da = cube()
    blocs = sc.Blocs({"EU": ["DEU", ("GBR", None, 2019)], "NEW": [("IDN", 2020, None)]})
    ss = da.sharecube.share_sums("country", blocs)
    s = da.sharecube.shares("country")
    eu_before = s.sel(country=["DEU", "GBR"], year=[2017, 2018, 2019]).sum("country")
    eu_after = s.sel(country="DEU", year=[2020, 2021], drop=True)
    np.testing.assert_allclose(ss.sel(bloc="EU", year=[2017, 2018, 2019]).values, eu_before)
    np.testing.assert_allclose(ss.sel(bloc="EU", year=[2020, 2021]).values, eu_after)
    # before it existed the bloc has no share: missing, not 0 (as a 0% line it read as a
    # bloc that existed and traded nothing)
    assert np.isnan(ss.sel(bloc="NEW", year=[2017, 2018, 2019]).values).all()
    np.testing.assert_allclose(
        ss.sel(bloc="NEW", year=2021).values, s.sel(country="IDN", year=2021).values
    )
    # one membership year for all the data
    fixed = da.sharecube.share_sums("country", blocs, year=2018)
    np.testing.assert_allclose(
        fixed.sel(bloc="EU").values, s.sel(country=["DEU", "GBR"]).sum("country").values
    )
    with pytest.raises(ValueError, match="membership changes over time: pass time="):
        da.isel(year=0, drop=True).sharecube.share_sums("country", blocs)


def test_share_sums_builtin_and_coordinate_groups() -> None:
    da = cube()
    ss = da.sharecube.share_sums("country", ["EU", "ASEAN"])
    assert "EU: AUT" in ss.attrs["absent_members"]
    s = da.sharecube.shares("country")
    # GBR left the EU after 2019
    np.testing.assert_allclose(
        ss.sel(bloc="EU", year=2021).values,
        s.sel(country=["DEU", "FRA"], year=2021).sum("country").values,
    )
    da = da.assign_coords(region=("country", ["eu", "eu", None, "am", "as", "as"]))
    by = da.sharecube.share_sums("country", "region")
    assert list(by.bloc.values) == ["eu", "am", "as"]
    np.testing.assert_allclose(
        by.sel(bloc="as").values, s.sel(country=["CHN", "IDN"]).sum("country").values
    )


def test_dataset_accessor() -> None:
    ds = xr.Dataset(
        {
            "exports": cube(),
            "gdp": cube().isel(sector=0, drop=True),
            "label": xr.DataArray(np.arange(4.0), dims="sector"),
        }
    )
    sh = ds.sharecube.shares("country")
    assert set(sh.data_vars) == {"exports", "gdp"}
    xr.testing.assert_identical(sh["gdp"], ds["gdp"].sharecube.shares("country").rename("gdp"))
    assert set(ds.sharecube.rca().data_vars) == {"exports"}
    with pytest.raises(ValueError, match=r"no variable of the Dataset has the dimension\(s\)"):
        ds[["label"]].sharecube.hhi("country")


def test_dask_backed_arrays_give_the_same_answer() -> None:
    pytest.importorskip("dask.array")
    da = cube(("year", "country", "sector"))
    for name, args in [
        ("shares", ("country",)),
        ("hhi", ("country",)),
        ("rca", ()),
        ("entropy", ("country",)),
        ("share_sums", ("country", ["EU", "G20"])),
    ]:
        lazy = da.chunk({"year": 2, "sector": 4 if name == "rca" else 3})
        got = getattr(lazy.sharecube, name)(*args)
        assert type(got.data).__module__.startswith("dask"), name
        xr.testing.assert_identical(got.compute(), getattr(da.sharecube, name)(*args))
    # chunks along the reduced dimension too: partial sums combined across chunks
    split = da.chunk({"country": 2, "year": 3})
    xr.testing.assert_allclose(
        split.sharecube.shares("country").compute(), da.sharecube.shares("country"), rtol=1e-15
    )
    xr.testing.assert_allclose(
        split.sharecube.share_sums("country", ["EU", "G20"]).compute(),
        da.sharecube.share_sums("country", ["EU", "G20"]),
        rtol=1e-15,
    )


@pytest.mark.parametrize(
    ("call", "exc", "msg"),
    [
        (
            lambda d: d.sharecube.shares("nation"),
            ValueError,
            r"dim: no dimension 'nation'; dimensions are \['country', 'sector', 'year'\]",
        ),
        (lambda d: d.sharecube.shares([]), ValueError, "must name at least one dimension"),
        (lambda d: d.sharecube.rca("country", "country"), ValueError, "repeats a dimension"),
        (
            lambda d: d.sharecube.share_sums("country", {"X": ["DEU", "QQQ"]}),
            ValueError,
            "unknown country codes in blocs.*X: QQQ",
        ),
        (
            lambda d: d.sharecube.share_sums("country", ["EU"], bloc_dim="year"),
            ValueError,
            "bloc_dim 'year' is already a dimension",
        ),
        (
            lambda d: d.drop_vars("country").sharecube.share_sums("country", {"X": ["DEU"]}),
            ValueError,
            "needs country labels",
        ),
        (lambda d: d.sharecube.hhi("country", zero_total="inf"), ValueError, "zero_total"),
        (lambda d: d.sharecube.share_sums("country", 3), TypeError, "blocs must be a Blocs"),
    ],
)
def test_errors(call: object, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        call(cube())  # type: ignore[operator]


def test_bad_labels() -> None:
    da = cube()
    dup = da.assign_coords(country=["DEU", "DEU", "GBR", "USA", "CHN", "IDN"])
    with pytest.raises(ValueError, match="countries has duplicate labels"):
        dup.sharecube.share_sums("country", {"X": ["DEU"]})
    # a missing (NaN/None) group label puts the country in no group; it still counts in the total
    da = da.assign_coords(region=("country", ["a", None, "a", np.nan, "b", "b"]))
    by = da.sharecube.share_sums("country", "region")
    assert list(by.bloc.values) == ["a", "b"]
    s = da.sharecube.shares("country")
    np.testing.assert_allclose(
        by.sel(bloc="a").values, s.sel(country=["DEU", "GBR"]).sum("country").values
    )
    with pytest.raises(TypeError, match="a bloc name must be a non-empty str"):
        da.sharecube.share_sums("country", {None: ["DEU"]})
    with pytest.raises(ValueError, match="year labels must be whole years or dates"):
        da.assign_coords(year=[2017.5, 2018, 2019, 2020, 2021]).sharecube.share_sums(
            "country", sc.Blocs({"E": [("DEU", 2018, None)]})
        )


def test_group_sums_are_the_bloc_totals_with_membership_by_year() -> None:
    da = cube()
    blocs = sc.Blocs({"EU": ["DEU", ("GBR", None, 2019)], "NEW": [("IDN", 2020, None)]})
    gs = da.sharecube.group_sums("country", blocs)
    assert gs.dims == ("bloc", "sector", "year") and gs.name == "exports_group_sums"
    eu = da.sel(country=["DEU", "GBR"], year=[2017, 2018, 2019]).sum("country")
    np.testing.assert_allclose(gs.sel(bloc="EU", year=[2017, 2018, 2019]).values, eu.values)
    np.testing.assert_array_equal(
        gs.sel(bloc="NEW", year=2021).values, da.sel(country="IDN", year=2021).values
    )
    # the numerators of share_sums
    total = da.sharecube.group_sums("country", {"ALL": COUNTRIES})
    np.testing.assert_allclose(
        (gs / total.sel(bloc="ALL", drop=True)).values,
        da.sharecube.share_sums("country", blocs).values,
        rtol=1e-15,
    )


def test_the_dataset_accessor_has_every_method_of_the_dataarray_one() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("_")}

    assert public(sharecube.labeled.ShareCubeDatasetAccessor) == public(
        sharecube.labeled.ShareCubeAccessor
    )
    ds = xr.Dataset({"exports": cube(), "gdp": cube().isel(sector=0, drop=True)})
    sim = ds.sharecube.similarity()
    assert set(sim.data_vars) == {"exports"}
    xr.testing.assert_identical(sim["exports"], cube().sharecube.similarity().rename("exports"))
    gs = ds.sharecube.group_sums("country", ["EU"])
    xr.testing.assert_identical(
        gs["gdp"], ds["gdp"].sharecube.group_sums("country", ["EU"]).rename("gdp")
    )
