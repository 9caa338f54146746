"""Report details an economist reads: whole years on the axes, no "nan%" leaders, counts in
the right number, blocs missing before they existed."""

from __future__ import annotations

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("matplotlib")

import sharecube as sc  # noqa: E402
from sharecube import report  # noqa: E402
from sharecube.cooperation import cooperation_model  # noqa: E402

COUNTRIES = ["DEU", "FRA", "USA", "CHN", "IDN", "BRA"]


def one_pillar(years: list[int]) -> xr.DataArray:
    rng = np.random.default_rng(0)
    v = rng.uniform(1, 10, (len(COUNTRIES), len(years)))
    v[3:, 0] = np.nan  # only three countries report in the first year
    return xr.DataArray(v, dims=("country", "year"), coords={"country": COUNTRIES, "year": years})


def test_leaders_leave_out_countries_without_data() -> None:
    res = cooperation_model({"output": one_pillar([1995, 1996, 1997])})
    first = report.leaders_table(res, top=5).iloc[0]
    assert first["year"] == 1995
    assert "nan" not in first["leaders"] and first["leaders"].count("%") == 3


def test_one_pillar_is_not_pillars(tmp_path) -> None:
    res = cooperation_model({"output": one_pillar([1995, 1996, 1997])})
    report.write_report(res, tmp_path, formats=("md",))
    text = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert "1 pillar (output)" in text and "1 pillars" not in text


def test_year_axes_have_whole_years() -> None:
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    ax.plot([1995, 1996, 1997, 1998], [1, 2, 3, 4])
    report._year_ticks(ax)
    ticks = [t for t in ax.get_xticks() if 1995 <= t <= 1998]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_a_bloc_before_it_existed_is_missing_in_the_model() -> None:
    blocs = sc.Blocs({"NEW": [("IDN", 1997, None), ("BRA", 1997, None)], "OLD": ["DEU", "FRA"]})
    res = cooperation_model({"output": one_pillar([1995, 1996, 1997, 1998])}, blocs=blocs)
    assert res.bloc_shares is not None
    new = res.bloc_shares["output"].sel(bloc="NEW")
    assert np.isnan(new.sel(year=[1995, 1996])).all() and (new.sel(year=[1997, 1998]) > 0).all()
