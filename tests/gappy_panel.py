"""A panel with what real data have and the demo lacks, written as the CLI's long CSV files.

- ``output``: a quantity, country x sector x year, 1990-2022 (a long year range), with a
  world row ``WLD`` (the countries cover about 80% of it) and countries that start reporting
  late (NaN before their first year);
- ``patents``: a quantity, country x year, with gaps: some countries lack it in some years;
- ``policy``: a 0-10 score, country x year (``--kind policy=score``);
- ``tariffs``: a rate where lower is better (``--kind tariffs=score --direction tariffs=lower``);
- ``blocs.csv``: an old bloc and one that exists from 2004, its members joining in 2004 and
  2010;
- ``BACI_*.csv`` and ``country_codes.csv``: bilateral trade in BACI's format (2021-2022, 20
  products) for all but two of the countries (``--bilateral ... --baci-codes ...``).

Used by the report tests and by ``tools/screenshots.py`` (the screenshot under ``docs/``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COUNTRIES = [
    "USA", "CHN", "DEU", "JPN", "KOR", "IND", "FRA", "GBR", "ITA", "BRA", "MEX", "CAN",
    "IDN", "VNM", "THA", "TUR", "POL", "ESP", "AUS", "ZAF", "EGY", "NGA", "ARG", "CHL",
]  # fmt: skip
YEARS = list(range(1990, 2023))
SECTORS = ["autos", "chemicals", "electronics", "machinery", "textiles"]
#: countries reporting output only from these years on
LATE = {"VNM": 2001, "NGA": 2008, "EGY": 1999}
#: countries lacking patents in these years
PATENT_GAPS = {"IND": range(1990, 2010), "NGA": range(1990, 2023), "ARG": range(2015, 2023)}
CLI_ARGS = [
    "--kind",
    "policy=score,tariffs=score",
    "--direction",
    "tariffs=lower",
    "--complexity",
    "output",
]


def frames(seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    nc, ns, nt = len(COUNTRIES), len(SECTORS), len(YEARS)
    size = rng.lognormal(0, 1.2, nc)
    trend = np.linspace(0, 1, nt)
    growth = rng.normal(0.02, 0.03, nc)
    mix = rng.dirichlet(np.ones(ns) * 0.8, nc)
    out = size[:, None, None] * mix[:, :, None] * np.exp(growth[:, None, None] * trend * 30)
    out = out * rng.lognormal(0, 0.05, (nc, ns, nt)) * 1e3
    for code, first in LATE.items():
        out[COUNTRIES.index(code), :, : YEARS.index(first)] = np.nan
    world = np.nansum(out, axis=0) / 0.8  # the countries cover about 80% of the world
    patents = size[:, None] ** 1.3 * np.exp(rng.normal(0.03, 0.02, nc)[:, None] * trend * 30)
    patents = patents * 500
    for code, yrs in PATENT_GAPS.items():
        for yr in yrs:
            patents[COUNTRIES.index(code), YEARS.index(yr)] = np.nan
    policy = np.clip(rng.normal(6.5, 1.5, nc)[:, None] + rng.normal(0, 0.2, (nc, nt)), 0, 10)
    tariffs = np.clip(rng.normal(8, 4, nc)[:, None] * (1 - 0.5 * trend), 0.5, None)

    def long(x: np.ndarray, sectors: bool, rows: list[str]) -> pd.DataFrame:
        idx = (
            pd.MultiIndex.from_product([rows, SECTORS, YEARS], names=["country", "sector", "year"])
            if sectors
            else pd.MultiIndex.from_product([rows, YEARS], names=["country", "year"])
        )
        df = pd.DataFrame({"value": x.ravel()}, index=idx).reset_index()
        return df.dropna(subset=["value"])

    out_df = pd.concat(
        [long(out, True, COUNTRIES), long(world[None], True, ["WLD"])], ignore_index=True
    )
    return {
        "output": out_df,
        "patents": long(patents, False, COUNTRIES),
        "policy": long(policy, False, COUNTRIES),
        "tariffs": long(tariffs, False, COUNTRIES),
        "blocs": pd.DataFrame(
            {
                "bloc": ["OLD", "OLD", "OLD", "LATE", "LATE", "LATE"],
                "country": ["DEU", "FRA", "ITA", "IDN", "VNM", "THA"],
                "first_year": [1990, 1990, 1990, 2004, 2010, 2010],
                "last_year": [None] * 6,
            }
        ),
    }


#: countries the bilateral trade files lack (their partners come from country totals)
NO_TRADE = ("NGA", "CHL")


def baci(seed: int = 0) -> tuple[dict[int, pd.DataFrame], pd.DataFrame]:
    """Bilateral trade in BACI's layout (t, i, j, k, v, q), one table per year, and the code
    table (numeric code -> ISO alpha-3)."""
    rng = np.random.default_rng(seed + 100)
    codes = [c for c in COUNTRIES if c not in NO_TRADE]
    num = {c: 100 + i for i, c in enumerate(codes)}
    n, k = len(codes), 20
    size = rng.lognormal(0, 1, n)
    spec = rng.dirichlet(np.ones(k) * 0.3, n)  # what each exports
    need = rng.dirichlet(np.ones(k) * 0.5, n)  # what each imports
    out = {}
    for year in (2021, 2022):
        x = (
            size[:, None, None]
            * size[None, :, None]
            * spec[:, None, :]
            * need[None, :, :]
            * rng.lognormal(0, 0.5, (n, n, k))
            * 1e4
        )
        x *= rng.random((n, n, k)) < 0.5
        i, j, kk = np.nonzero(x)
        keep = i != j
        i, j, kk = i[keep], j[keep], kk[keep]
        out[year] = pd.DataFrame(
            {
                "t": year,
                "i": [num[codes[a]] for a in i],
                "j": [num[codes[b]] for b in j],
                "k": [f"{870000 + 100 * p:06d}" for p in kk],
                "v": np.round(x[i, j, kk], 3),
                "q": "NA",
            }
        )
    table = pd.DataFrame(
        {
            "country_code": list(num.values()),
            "country_name": list(num),
            "country_iso2": [c[:2] for c in num],
            "country_iso3": list(num),
        }
    )
    return out, table


def write(folder: Path, seed: int = 0, bilateral: bool = True) -> list[str]:
    """Write the CSV files into ``folder``; returns the CLI arguments that analyse them."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in frames(seed).items():
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False)
        if name != "blocs":
            files.append(f"{name}={path}")
    args = [*files, *CLI_ARGS, "--blocs-file", str(folder / "blocs.csv")]
    if bilateral:
        years, table = baci(seed)
        paths = []
        for year, df in years.items():
            paths.append(folder / f"BACI_HS17_Y{year}_V202401.csv")
            df.to_csv(paths[-1], index=False)
        table.to_csv(folder / "country_codes.csv", index=False)
        args += ["--baci-codes", str(folder / "country_codes.csv"), "--bilateral", *map(str, paths)]
    return args
