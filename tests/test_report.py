"""Report details an economist reads: whole years on the axes, no "nan%" leaders, counts in
the right number, blocs missing before they existed; and a report on a panel with gaps, scores,
a world row, a late bloc and 33 years (``gappy_panel``): file names, not paths, the command line,
a neutral title, links to every table, charts at 2x, legends beside the lines."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

import gappy_panel  # noqa: E402

import sharecube as sc  # noqa: E402
from sharecube import cli, report  # noqa: E402
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
    assert "No bilateral trade data were given: partners are suggested from country" in text


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


# ---- a report on data with gaps, scores, a world row, a late bloc, 33 years --------------


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    inputs = tmp_path_factory.mktemp("gappy-in")
    out = tmp_path_factory.mktemp("gappy-out") / "report"
    args = gappy_panel.write(inputs)
    assert cli.main(["analyze", *args, "-o", str(out), "-q"]) == 0
    return inputs, out


def test_report_names_files_not_paths_and_records_the_command(gappy) -> None:
    inputs, out = gappy
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert str(inputs) not in text and str(out) not in text  # no local path
        assert "output.csv, patents.csv, policy.csv, tariffs.csv" in text
        assert f"sharecube {sc.__version__}" in text
    assert "sharecube analyze output=output.csv patents=patents.csv" in html
    assert "--kind policy=score,tariffs=score --direction tariffs=lower" in html


def test_command_line_keeps_options_and_drops_paths() -> None:
    import argparse

    args = argparse.Namespace(
        argv=["analyze", "/data/in/x.csv", "gdp=/data/g.csv", "--output=/home/me/rep", "-q"]
    )
    assert cli._command_line(args) == "sharecube analyze x.csv gdp=g.csv --output=rep -q"


def test_report_title_is_neutral_by_default(gappy) -> None:
    html = (gappy[1] / "report.html").read_text(encoding="utf-8")
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert title == "Country standing by output, patents, policy, tariffs, 1990\u20132022"
    assert "International industrial cooperation" not in html


def test_report_links_every_table(gappy) -> None:
    out = gappy[1]
    html = (out / "report.html").read_text(encoding="utf-8")
    links = re.findall(r"href='(tables/[^']+)'", html)
    assert {Path(x).stem for x in links} >= {"composite", "coverage", "missing", "sensitivity"}
    for link in links:
        assert (out / link).is_file(), link
    md = (out / "report.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((tables/[^)]+)\)", md):
        assert (out / link).is_file(), link


def test_report_charts_are_drawn_at_twice_their_shown_size(gappy) -> None:
    html = (gappy[1] / "report.html").read_text(encoding="utf-8")
    for width, b64 in re.findall(
        r"<img alt='\w+' width='(\d+)' src='data:image/png;base64,([^']+)'", html
    ):
        png = base64.b64decode(b64)
        assert struct.unpack(">I", png[16:20])[0] == 2 * int(width)


def test_report_says_what_shares_are_of_and_lists_the_gaps(gappy) -> None:
    out = gappy[1]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "share of the world" in md  # output: the WLD row
    assert "share of the 24 countries in the data" in md  # patents: no world total
    assert "\u2013 (a score)" in md
    assert "5 countries lacking a pillar in some years" in md
    missing = pd.read_csv(out / "tables" / "missing.csv")
    assert set(missing["country"]) == {"ARG", "EGY", "IND", "NGA", "VNM"}
    cov = pd.read_csv(out / "tables" / "coverage.csv")
    out_cov = cov[cov["pillar"] == "output"]
    np.testing.assert_allclose(out_cov["share_of_world"], 0.8, rtol=1e-12)
    assert list(out_cov[out_cov["year"] == 1990]["reporting"]) == [21]


def test_report_leaders_of_a_score_are_scores(gappy) -> None:
    leaders = pd.read_csv(gappy[1] / "tables" / "composite.csv")  # the run worked
    assert len(leaders)
    res = _gappy_model(gappy[0])
    tab = report.leaders_table(res)
    pol = tab[tab["pillar"] == "tariffs"].iloc[-1]
    assert pol["measure"] == "score" and "%" not in pol["leaders"]
    lowest = res.values["tariffs"].sel(year=2022).to_series().idxmin()
    assert pol["leaders"].startswith(lowest)  # lower is better: the lowest rate leads


def _gappy_model(inputs: Path):
    from sharecube.tidy import from_long

    pillars = {}
    for name in ("output", "patents", "policy", "tariffs"):
        df = pd.read_csv(inputs / f"{name}.csv")
        dims = [c for c in ("country", "sector", "year") if c in df.columns]
        pillars[name] = from_long(df, dims=dims, value="value")
    with pytest.warns(UserWarning, match="5 countries lack"):
        return cooperation_model(
            pillars,
            kinds={"policy": "score", "tariffs": "score"},
            direction={"tariffs": "lower"},
            blocs=sc.Blocs.from_table(pd.read_csv(inputs / "blocs.csv")),
        )


def test_concentration_leaves_out_years_with_few_countries_reporting() -> None:
    v = one_pillar([1995, 1996, 1997])  # three countries report in 1995
    res = cooperation_model({"output": v})
    tab = report.concentration_series(res)
    assert np.isnan(tab.loc[1995, "output"]) and np.isfinite(tab.loc[1996, "output"])
    full = report.concentration_table(res)
    assert full.loc[1995, "output reporting"] == 3 and np.isfinite(full.loc[1995, "output"])


def test_legends_sit_beside_the_lines_and_titles_are_not_clipped(tmp_path) -> None:
    res = cooperation_model({"output": one_pillar(list(range(1990, 2023)))})
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot([1990, 2000], [1, 2], label="a long country name")
    report._dress(ax, "output", "share")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    legend, axes = ax.get_legend().get_window_extent(r), ax.get_window_extent(r)
    assert legend.x0 >= axes.x1  # outside the plotting area: never over a line
    fig = report._fig(6.5, 3.0)
    FigureCanvasAgg(fig)
    report._suptitle(fig, "A title long enough to be clipped at this width " * 3)
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 >= 0 and box.x1 <= fig.bbox.x1
    report.chart_top_countries(res, tmp_path / "t.png")  # one pillar: drawn whole
